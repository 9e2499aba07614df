"""App CPU of one page through Django's test client, and where it goes (cProfile).

Usage, on a database where the demo is built (e.g. a copy of ``bench/load.py``'s):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench_load .venv/bin/python bench/page_cpu.py \\
        --user district --url /demands/figures/?period=2018 [--url …] [--open-demands 20] [--runs 30] [--profile 25]

``--open-demands N`` adds the pages of N open demands in the user's scope (one URL each, in turn, as
``bench/load.py`` does). Settings as on the server: DEBUG off, persistent connections (one request
after another in one process). For each URL group: median and minimum process CPU (``time.process_time``
around the request, as the load benchmark's header reports it) and wall time, the queries of one request
and the response size. ``--profile K`` prints the K functions with the most cumulative time over all the
timed requests. Figures, not tests.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time
from typing import Any

from common import setup_django

os.environ.setdefault("DJANGO_DEBUG", "0")
setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def counted(client: Client, url: str) -> tuple[int, Any]:
    """The queries of one request (counted at the cursor) and its response."""
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = client.get(url)
    return len(seen), response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="district")
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--open-demands", type=int, default=0)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", type=int, default=0, help="print the top K functions (cumulative)")
    parser.add_argument("--only", default="", help="with --profile: only functions whose file matches (regex)")
    parser.add_argument("--sort", default="cumulative", help="with --profile: pstats sort key (cumulative, tottime …)")
    opts = parser.parse_args()

    from zongheng.accounts.models import User
    from zongheng.core.permissions import Perm
    from zongheng.demands.choices import OPEN_STATUSES
    from zongheng.demands.models import Demand

    user = User.objects.get(username=opts.user)
    groups: list[tuple[str, list[str]]] = [(u, [u]) for u in opts.url]
    if opts.open_demands:
        pks = list(Demand.objects.restrict(user, Perm.DEMAND_VIEW).filter(status__in=OPEN_STATUSES)
                   .order_by("pk").values_list("pk", flat=True)[::7][:opts.open_demands])  # the same ones every run
        groups.append((f"/demands/<open>/ ×{len(pks)}", [f"/demands/{pk}/" for pk in pks]))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    print(f"database {connection.settings_dict['NAME']} ({connection.vendor}), {Demand.objects.count():,} demands,"
          f" as {opts.user}, load average {os.getloadavg()[0]:.2f}")
    print("| page | CPU median ms | CPU min ms | wall median ms | queries | bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, urls in groups:
        for u in urls[:3]:  # warm-up (templates, URL resolver, connection)
            client.get(u)
        queries, response = counted(client, urls[0])
        assert response.status_code == 200, (urls[0], response.status_code)
        size = len(response.content)
        cpu, wall = [], []
        profiler = cProfile.Profile() if opts.profile else None
        for i in range(opts.runs):
            u = urls[i % len(urls)]
            if profiler:
                profiler.enable()
            c0, w0 = time.process_time(), time.perf_counter()
            client.get(u)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            if profiler:
                profiler.disable()
        print(f"| {label} | {statistics.median(cpu):.1f} | {min(cpu):.1f} | {statistics.median(wall):.1f} "
              f"| {queries} | {size:,} |", flush=True)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(opts.sort).print_stats(
                *([opts.only] if opts.only else []), opts.profile)
            print(f"{pstats.Stats(profiler).total_calls / opts.runs:,.0f} function calls per request")
            print(out.getvalue())


if __name__ == "__main__":
    main()
