"""积分 (points): a member's points page and an organisation's totals at scales 1 and 10 — time and queries —
and the ledger's bulk reconciliation.

Usage (each scale in a subprocess of its own, on a fresh database of its own):

    .venv/bin/python bench/points.py [--scales 1,10] [--url postgres://postgres@127.0.0.1:5432/zh_bench_points]

With ``--url`` scale s runs on the PostgreSQL database ``<url>_<s>``, dropped and created anew; without it on a
temporary SQLite file. For scale s:

1. ``orgs.demo.build(scale=s)`` (s copies of the district under 安庆市), untimed;
2. ``members.demo.build`` and ``build_live`` for the first copy (every part's deeds, then the points part's
   claims and the year's reconciliation) — timed, with its queries;
3. for every other copy, a synthetic 2018 ledger shaped like the first copy's (each party member draws the
   number of deeds of a member of the first copy, deeds of the same kinds on random days), written by
   ``points.reconcile`` (the bulk path: the same rule and cap logic as ``award``) — timed, entries per second;
   then the periodic job ``members.points`` on a ledger that is up to date (it must write nothing);
4. as the ``member`` demo account: 我的积分 (page and API); as the ``district`` demo account (迎江区, whose
   records do not grow with s): the district's totals page (children and members' table), a street's, a
   community's, a member's ledger, the totals API and the totals export; above scale 1 the city's totals as a
   city-wide superuser (whose scope holds all s copies) — median ms of ``BENCH_REPEAT`` runs after one warm-up,
   and the queries of one run (``bench/common.timed``). The query count must not grow with the data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = int(os.environ.get("BENCH_SEED", "2018"))
YEAR = 2018


def one(scale: int) -> dict[str, Any]:
    """One scale on the database named by DATABASE_URL (runs in the subprocess)."""
    sys.path.insert(0, str(HERE))
    from common import setup_django, timed

    setup_django()
    import datetime as dt
    from collections import Counter

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from zongheng.accounts.models import User
    from zongheng.members import actions_points, points
    from zongheng.members import demo as members_demo
    from zongheng.members.deeds import DeedRecord
    from zongheng.members.models import PointEntry
    from zongheng.orgs import demo
    from zongheng.orgs.models import Org, Person

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    built = demo.build(seed=SEED, scale=scale)
    out: dict[str, Any] = {"vendor": connection.vendor, "scale": scale, "rows": [],
                           "tree_s": round(time.perf_counter() - start, 1)}
    first = built.districts[0]
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        members_demo.build(first, seed=SEED, year=YEAR)
        members_demo.build_live(first, seed=SEED)
        out["demo_s"], out["demo_q"] = round(time.perf_counter() - start, 1), len(ctx.captured_queries)

    # The first copy's shape: deeds per party member and the kinds of deed.
    members0 = list(Person.objects.filter(org_path__startswith=first.path, is_party_member=True)
                    .values_list("pk", flat=True))
    per_member = dict(PointEntry.objects.filter(year=YEAR, corrects__isnull=True, person_id__in=members0)
                      .values("person_id").annotate(n=Count("pk")).values_list("person_id", "n"))
    counts = [per_member.get(pk, 0) for pk in members0]
    kinds = Counter(PointEntry.objects.filter(year=YEAR, corrects__isnull=True).values_list("deed", flat=True))
    out["first_entries"] = sum(counts)
    out["first_members"] = len(members0)
    rng = random.Random(SEED)
    records = []
    for district in built.districts[1:]:
        for pk in Person.objects.filter(org_path__startswith=district.path, is_party_member=True).order_by("pk") \
                .values_list("pk", flat=True):
            for i in range(rng.choice(counts) if counts else 0):
                deed = rng.choices(list(kinds), list(kinds.values()))[0]
                records.append(DeedRecord(pk, deed, f"bench.{deed}:{pk}-{i}",
                                          dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))))
    start = time.perf_counter()
    result = points.reconcile(dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1), deeds=records)
    took = time.perf_counter() - start
    out["synthetic"] = {"deeds": len(records), "entries": result.awarded, "s": round(took, 1),
                        "per_s": round(result.awarded / took) if took else 0}
    start = time.perf_counter()
    again = actions_points.reconcile_recent(timezone.now())
    out["periodic"] = {"s": round(time.perf_counter() - start, 2), "deeds": again.deeds, "awarded": again.awarded}
    out["ledger"] = PointEntry.objects.count()

    member = User.objects.get(username="member")
    district_user = User.objects.get(username="district")
    street = Org.objects.filter(path__startswith=first.path, level__code="street").order_by("path").first()
    home = Org.objects.get(path__startswith=first.path, name="先锋社区")
    busiest = (PointEntry.objects.filter(year=YEAR, person__org_path__startswith=home.path).values("person_id")
               .annotate(n=Count("pk")).order_by("-n", "person_id").first())
    out["busiest_entries"] = busiest["n"] if busiest else 0
    person_url = reverse("members:points_person", args=[busiest["person_id"]]) if busiest else None
    q = f"?year={YEAR}"
    plans: list[tuple[str, User, list[tuple[str, str]]]] = [
        ("member", member, [("我的积分 (page)", reverse("members:my_points") + q),
                            ("我的积分 (API)", "/api/v1/members/points/mine" + q)]),
        ("district", district_user, [
            ("district totals page", reverse("members:points") + q),
            ("district totals, by points", reverse("members:points") + q + "&order=total"),
            ("a street's totals page", reverse("members:points") + q + f"&org={street.pk}"),
            ("先锋社区 totals page", reverse("members:points") + q + f"&org={home.pk}"),
            *([("a member's ledger (cadre)", person_url + q)] if person_url else []),
            ("totals API (district)", "/api/v1/members/points/totals" + q),
            ("totals export .xlsx (district)", reverse("members:points_totals_export") + q),
        ]),
    ]
    if scale > 1:
        city, _ = User.objects.get_or_create(username="bench-city", defaults={
            "is_superuser": True, "must_change_password": False})
        plans.append(("city (superuser)", city, [("city totals page", reverse("members:points") + q),
                                                 ("totals API (city)", "/api/v1/members/points/totals" + q)]))
    for label, user, pages in plans:
        client = Client()
        client.force_login(user)
        for what, url in pages:
            def get(url: str = url, client: Client = client) -> Any:
                return client.get(url)
            ms, queries, response = timed(get)
            out["rows"].append({"what": what, "url": url, "as": label, "ms": round(ms, 1), "queries": queries,
                                "status": response.status_code})
    out["district_points"] = PointEntry.objects.filter(year=YEAR, person__org_path__startswith=first.path) \
        .aggregate(s=Sum("points"))["s"] or 0
    return out


def fresh_pg_database(url: str) -> bool:
    """An empty PostgreSQL database for one scale (``<url>_<scale>``, dropped and created again): each run
    builds on nothing; False when PostgreSQL is unreachable."""
    import psycopg
    from psycopg import sql

    head, _, name = url.rpartition("/")
    try:
        with psycopg.connect(head + "/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL unreachable at {head}: {exc}".strip())
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--url", default="", help="PostgreSQL database (replaced); default: a temporary SQLite file")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.one:
        print(json.dumps(one(opts.one), ensure_ascii=False))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="zh-bench-points-") as tmp:
        for scale in [int(s) for s in opts.scales.split(",")]:
            url = f"{opts.url}_{scale}" if opts.url else f"sqlite:///{tmp}/points-{scale}.sqlite3"
            if opts.url and not fresh_pg_database(url):
                sys.exit("PostgreSQL is needed")
            proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
                [sys.executable, __file__, "--one", str(scale)], env=os.environ | {"DATABASE_URL": url},
                capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr)
                sys.exit(f"benchmark failed at scale {scale}")
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(r)
            syn = r["synthetic"]
            print(f"scale {scale} ({r['vendor']}): tree {r['tree_s']} s; 党员带头 demo (first copy, points last) "
                  f"{r['demo_s']} s / {r['demo_q']} queries; first copy's {YEAR} ledger {r['first_entries']:,} entries "
                  f"over {r['first_members']:,} members; synthetic ledger of the other copies: {syn['entries']:,} "
                  f"entries from {syn['deeds']:,} deeds in {syn['s']} s ({syn['per_s']:,}/s); periodic job on an "
                  f"up-to-date ledger {r['periodic']['s']} s, {r['periodic']['awarded']} written; "
                  f"{r['ledger']:,} entries in all; the busiest 先锋社区 member holds {r['busiest_entries']} entries",
                  flush=True)
    print("\n| db | scale | what | as | ms | queries |")
    print("|---|---:|---|---|---:|---:|")
    for r in results:
        for row in r["rows"]:
            note = "" if row["status"] == 200 else f" (HTTP {row['status']})"
            print(f"| {r['vendor']} | {r['scale']} | {row['what']}{note} | {row['as']} | {row['ms']:.0f} | "
                  f"{row['queries']} |")


if __name__ == "__main__":
    main()
