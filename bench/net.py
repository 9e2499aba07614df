"""一张网: the dashboard of the root organisation (the district at scale 1, 安庆市 above), and its SQL floor.

Usage (PostgreSQL; the database is created when missing and its demo rebuilt unless ``--reuse``):

    .venv/bin/python bench/net.py --url postgres://postgres@127.0.0.1:5432/zh_bench_net --scale 1 [--reuse]

Measures, as a superuser whose scope is the whole tree (Django test ``Client``; ``BENCH_REPEAT`` requests
after one warm-up):

The process first does what ``wsgi.py`` does in a server (``core.warmup.freeze``). Then:

- ``/net/<root>/?period=<year>`` — the page: p50 and p95 wall time, the median app CPU time (``process_time``)
  and the number of queries of one request; above scale 1 the same for one district of the city (the district
  dashboard the targets are about) as well as for the city;
- ``/api/v1/net/<root>/figures`` — the same figures in the API;
- the **SQL floor**: the very queries the figures need (captured from one ``metrics.read`` call), executed
  again through a bare cursor — what the database alone costs, with no Python around it;
- the **annual report** of the root for ``--report-year`` (default 2018): its content (every figure, the
  article's and each panel's, with the year before, and the tables), then the .docx, the .xlsx and the PDF —
  each timed once, as the background task runs them.

Prints a Markdown table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPEAT


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/zh_bench_net")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--year", type=int, default=0, help="the period shown (default: this year)")
    parser.add_argument("--report-year", type=int, default=2018)
    parser.add_argument("--no-report", action="store_true", help="measure the dashboards only")
    args = parser.parse_args()

    import os

    from run import ensure_pg_database

    if not ensure_pg_database(args.url):
        sys.exit("PostgreSQL is needed")
    os.environ["DATABASE_URL"] = args.url
    from common import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from zongheng.accounts.models import User
    from zongheng.core import metrics as mx
    from zongheng.core.periods import Period
    from zongheng.net import selectors
    from zongheng.orgs.models import Org

    call_command("migrate", verbosity=0)
    if not (args.reuse and Org.objects.exists()):
        started = time.perf_counter()
        call_command("demo", "--reset" if Org.objects.exists() else "--if-empty", "--scale", str(args.scale),
                     verbosity=0, stdout=open(os.devnull, "w"))
        print(f"demo built at scale {args.scale} in {time.perf_counter() - started:.1f} s")
    root = Org.objects.get_root_nodes().first()
    assert root is not None
    year = args.year or timezone.localdate().year
    period = Period("year", year)
    user, _ = User.objects.update_or_create(username="bench-net", defaults={"is_superuser": True,
                                                                       "must_change_password": False})
    from zongheng.core.warmup import freeze

    freeze()  # as wsgi.py does in every server process
    client = Client()
    client.force_login(user)
    rows = []

    def request(path: str) -> tuple[float, float, float, int]:
        """p50 and p95 wall ms, median app CPU ms, and the queries of one request."""
        times, cpu = [], []
        client.get(path)  # warm-up
        for _ in range(max(REPEAT, 10)):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        return statistics.median(times), percentile(times, 0.95), statistics.median(cpu), len(ctx)

    now = timezone.now()
    codes = [m.code for m in mx.metrics()]
    # The root (the district at scale 1, 安庆市 above) and, above scale 1, one district of it: the district
    # dashboard is what the targets are about; the city's shows how the whole data weighs.
    district = Org.objects.filter(level__code="district").order_by("path").first()
    targets = [root] + ([district] if district is not None and district.pk != root.pk else [])
    from django.test import override_settings

    from zongheng.orgs.selectors import reads_snapshot

    for org in targets:
        where = "district" if org.level.code == "district" else org.level.name
        # A district and above read a snapshot (core/snapshot.py): measured as users get it, and counted
        # live as the first request after each expiry does.
        modes: list[tuple[str, dict[str, int]]] = [("", {})]
        if reads_snapshot(org):
            modes = [(" (snapshot)", {}), (" (live)", {"FIGURES_SNAPSHOT_SECONDS": 0})]
        for mode, overrides in modes:
            with override_settings(**overrides):
                for what, path in (("page", f"/net/{org.pk}/?period={year}"),
                                   ("API", f"/api/v1/net/{org.pk}/figures?period={year}")):
                    p50, p95, cpu_ms, queries = request(path)
                    rows.append({"what": f"{where}: {what}{mode}",
                                 "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                                 "cpu_ms": round(cpu_ms, 1), "queries": queries})
        kids = [k.path for k in selectors.children(org)]
        with CaptureQueriesContext(connection) as ctx:
            mx.read(codes, org.path, kids, period, now)
        sqls = [q["sql"] for q in ctx.captured_queries]
        floor = []
        for _ in range(max(REPEAT, 10)):
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in sqls:
                    cursor.execute(sql)
                    cursor.fetchall()
            floor.append((time.perf_counter() - started) * 1000)
        rows.append({"what": f"{where}: SQL floor", "p50_ms": round(statistics.median(floor), 1),
                     "p95_ms": round(percentile(floor, 0.95), 1), "cpu_ms": None, "queries": len(sqls)})
    if args.no_report:
        args.report_year = 0
    from zongheng.net import exports, report

    org = Org.objects.select_related("level").get(pk=root.pk)
    steps: list[tuple[str, float, int]] = []
    if args.report_year:
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            content = report.build(org, args.report_year, now)
        steps.append(("report: content", (time.perf_counter() - started) * 1000, len(ctx)))
        for name, build in (("report: .docx", exports.docx_bytes), ("report: .xlsx", exports.xlsx_bytes),
                            ("report: PDF", exports.pdf_bytes)):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                size = len(build(content))
            steps.append((f"{name} ({size // 1024} KiB)", (time.perf_counter() - started) * 1000, len(ctx)))
    for name, ms, queries in steps:
        rows.append({"what": name, "p50_ms": round(ms, 1), "p95_ms": round(ms, 1), "cpu_ms": None,
                     "queries": queries})
    scale = Org.objects.filter(level__code="district").count()
    print(f"root {root.name}, {scale} district(s), {len(codes)} figures, period {period}")
    print("| scale | what | p50 ms | p95 ms | app CPU ms | queries |\n|---:|---|---:|---:|---:|---:|")
    for row in rows:
        cpu = "" if row["cpu_ms"] is None else row["cpu_ms"]
        print(f"| {scale} | {row['what']} | {row['p50_ms']} | {row['p95_ms']} | {cpu} | {row['queries']} |")
    print(json.dumps({"scale": scale, "figures": len(codes), "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
