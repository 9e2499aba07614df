"""一横 (co-building): building the demo part and the council, agreement, pairing, unit-performance pages
and the matching, at scales 1 and 10 — time and queries.

Usage (each scale in a subprocess of its own, on its own database; the data in it is replaced):

    .venv/bin/python bench/cobuild.py [--scales 1,10] [--url postgres://postgres@127.0.0.1:5432/zh_bench_cobuild]

Without ``--url`` each scale runs on a temporary SQLite file. For scale s:

1. ``orgs.demo.build(scale=s)`` (s copies of the district under 安庆市), untimed;
2. ``cobuild.demo.build`` for every district copy — timed, with its queries (and the first copy alone),
   then ``cobuild.demo.build_live`` for the first copy;
3. as the ``district`` demo account (迎江区, whose records do not grow with s) and, above scale 1, as a
   city-wide superuser (whose scope holds all s copies): the pages of councils, a street council, claim
   agreements, an agreement, pairings, a pairing, the items, unit performance (2018) and a unit's figure
   rows, the needs' proposals page and ``matching.proposals_for_need`` — median ms of ``BENCH_REPEAT`` runs
   after one warm-up, and the queries of one run (``bench/common.timed``). The query count must not grow
   with the data.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = int(os.environ.get("BENCH_SEED", "2018"))


def one(scale: int) -> dict[str, Any]:
    """One scale on the database named by DATABASE_URL (runs in the subprocess)."""
    sys.path.insert(0, str(HERE))
    from common import setup_django, timed

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from zongheng.accounts.models import User
    from zongheng.cobuild import demo as cobuild_demo
    from zongheng.cobuild.choices import NeedState
    from zongheng.cobuild.matching import proposals_for_need
    from zongheng.cobuild.models import Agreement, Council, Need, Pairing, Unit
    from zongheng.orgs import demo
    from zongheng.orgs.models import Org

    call_command("migrate", verbosity=0)
    if Org.objects.exists():
        cobuild_demo.reset()
        demo.reset()
    start = time.perf_counter()
    built = demo.build(seed=SEED, scale=scale)
    out: dict[str, Any] = {"vendor": connection.vendor, "scale": scale, "rows": [],
                           "tree_s": round(time.perf_counter() - start, 1)}
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        cobuild_demo.build(built.districts[0], seed=SEED, year=2018)
        out["build_first_s"], out["build_first_q"] = round(time.perf_counter() - start, 2), len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        for index, district in enumerate(built.districts[1:], start=1):
            cobuild_demo.build(district, seed=SEED + index, year=2018, accounts=False)
        rest_s, rest_q = time.perf_counter() - start, len(ctx.captured_queries)
    out["build_all_s"] = round(out["build_first_s"] + rest_s, 2)
    out["build_all_q"] = out["build_first_q"] + rest_q
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        cobuild_demo.build_live(built.districts[0], seed=SEED)
        out["live_s"], out["live_q"] = round(time.perf_counter() - start, 2), len(ctx.captured_queries)
    out["units"] = Unit.objects.count()
    out["agreements"] = Agreement.objects.count()
    out["pairings"] = Pairing.objects.count()
    out["figures"] = {cobuild_demo.FIGURE_LABELS[k]: v for k, v in cobuild_demo.figures(built.districts[0]).items()}

    district = built.districts[0]
    council = Council.objects.filter(org__level__code="street", org_path__startswith=district.path).first()
    agreement = Agreement.objects.filter(org_path__startswith=district.path).order_by("-signed_on").first()
    pairing = Pairing.objects.filter(unit__name="振发锻件公司").first()
    unit = Unit.objects.get(name="市总工会")
    need = (Need.objects.filter(org_path__startswith=district.path, state=NeedState.OPEN)
            .order_by("-created_at").first())
    assert council and agreement and pairing and need
    pages = [
        ("councils", reverse("cobuild:council_list")),
        ("a street council", reverse("cobuild:council_detail", args=[council.pk])),
        ("agreements", reverse("cobuild:agreements")),
        ("an agreement", reverse("cobuild:agreement", args=[agreement.pk])),
        ("items", reverse("cobuild:items")),
        ("pairings", reverse("cobuild:pairings")),
        ("a pairing", reverse("cobuild:pairing", args=[pairing.pk])),
        ("unit performance 2018", reverse("cobuild:perf_list") + "?year=2018"),
        ("a unit's activities 2018", reverse("cobuild:perf_rows", args=[unit.pk, "activities"]) + "?year=2018"),
        ("a need's proposals", reverse("cobuild:need_proposals", args=[need.pk])),
        ("a unit's page", reverse("cobuild:unit_detail", args=[unit.pk])),
    ]
    users = [("district", User.objects.get(username="district"))]
    if scale > 1:
        city, _ = User.objects.get_or_create(username="bench-city", defaults={
            "is_superuser": True, "must_change_password": False})
        users.append(("city (superuser)", city))
    for label, user in users:
        client = Client()
        client.force_login(user)
        for what, url in pages:
            def get(url: str = url, client: Client = client) -> Any:
                return client.get(url)
            ms, queries, response = timed(get)
            out["rows"].append({"what": what, "url": url, "as": label, "ms": round(ms, 1), "queries": queries,
                                "status": response.status_code})
    ms, queries, proposals = timed(lambda: proposals_for_need(need))
    out["rows"].append({"what": "proposals_for_need()", "url": "-", "as": "-", "ms": round(ms, 1),
                        "queries": queries, "status": len(proposals)})
    return out


def _report(result: dict[str, Any]) -> None:
    scale = result["scale"]
    print(f"scale {scale} ({result['vendor']}): tree {result['tree_s']} s; 一横 demo: first copy "
          f"{result['build_first_s']} s / {result['build_first_q']} queries, all {scale} copies "
          f"{result['build_all_s']} s / {result['build_all_q']} queries; live slice {result['live_s']} s / "
          f"{result['live_q']} queries; {result['units']} units, {result['agreements']} agreements, "
          f"{result['pairings']} pairings", flush=True)


def main() -> None:
    sys.path.insert(0, str(HERE))
    from common import run_scales

    results = run_scales(__file__, one, "cobuild", _report)
    print("\n| db | scale | what | as | ms | queries |")
    print("|---|---:|---|---|---:|---:|")
    for r in results:
        for row in r["rows"]:
            note = "" if row["what"].endswith("()") or row["status"] == 200 else f" (HTTP {row['status']})"
            print(f"| {r['vendor']} | {r['scale']} | {row['what']}{note} | {row['as']} | {row['ms']:.0f} | "
                  f"{row['queries']} |")
    print("\nFigures of the first copy (scale 1):")
    for key, value in results[0]["figures"].items():
        print(f"  {key}: {value:,}")


if __name__ == "__main__":
    main()
