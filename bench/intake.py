"""App CPU per intake POST: the public form's last step and the Open311 POST, on PostgreSQL.

Usage (its own database; the data in it is replaced unless --reuse):

    .venv/bin/python bench/intake.py [--n 200] [--url postgres://postgres@127.0.0.1:5432/zh_bench_intake] [--reuse]
        [--profile K]   # instead of timing: the top K functions (BENCH_PROFILE_SORT, BENCH_PROFILE_CALLERS)

Builds the demo district (``orgs.demo.build``; ``--reuse`` keeps an existing one), then posts ``--n``
new demands through Django's test client, each from its own client address (the per-client limit
counts each one, as for residents), for each door:

- the web form's last step (``demands:submit``, step "send": phone, name, no photo) to a chosen grid,
  and with "我不清楚" (the grid unknown: the receiving community is found from the address);
- Open311 ``POST /open311/v2/requests.json`` anonymously, with ``attribute[grid]`` and with only an
  address.

Prints per POST the app CPU (``time.process_time``, median and mean over the run), the wall time
and the queries of one request (``CaptureQueriesContext``), with the on-commit work (notices of the
holders) included, as a real request runs it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zh_bench_intake"


def measure(label: str, n: int, post: Callable[[int], Any], profile: int = 0) -> None:
    from django.db import connection

    post(10**6)  # warm-up
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = post(10**6 + 1)
    if response.status_code not in (200, 201):
        print(f"  {label}: HTTP {response.status_code}")
        print(response.content.decode()[:2000])
        return
    cpu, wall = [], []
    if profile:  # where the CPU goes: the top functions by cumulative time over the run
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [post(i) for i in range(n)])
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative"))
        stats.print_stats(profile)
        if os.environ.get("BENCH_PROFILE_CALLERS"):
            stats.print_callers(os.environ["BENCH_PROFILE_CALLERS"])
        return
    for i in range(n):
        c, w = time.process_time(), time.perf_counter()
        response = post(i)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
        if response.status_code not in (200, 201):
            raise SystemExit(f"{label}: HTTP {response.status_code}")
    print(f"  {label:<40} app CPU median {statistics.median(cpu) * 1000:6.2f} ms, mean "
          f"{statistics.mean(cpu) * 1000:6.2f} ms; wall median {statistics.median(wall) * 1000:6.1f} ms; "
          f"{len(queries)} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--url", default=os.environ.get("BENCH_INTAKE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="keep an existing demo district")
    parser.add_argument("--profile", type=int, default=0,
                        help="instead of timing, profile each door and print its top K functions (cumulative)")
    opts = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from common import pg_demo

    pg_demo(opts.url, opts.reuse)

    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from zongheng.demands.models import Category
    from zongheng.orgs.models import Org

    setup_test_environment()  # the test client's hosts; nothing else changes
    settings.DEMAND_PUBLIC_PER_HOUR = 10**9  # each client posts once; the count still runs
    grid = Org.objects.filter(level__code="grid", kind="regular").order_by("path")[5]
    community = Org.objects.get(path=grid.path[: -Org.steplen])
    category = Category.objects.get(code="municipal")
    client = Client()
    form_url, open311_url = reverse("demands:submit"), reverse("open311:requests", kwargs={"fmt": "json"})
    text = "小区路灯坏了，晚上很黑，老人出门不方便"

    def web(grid_value: int) -> Callable[[int], Any]:
        def post(i: int) -> Any:
            return client.post(form_url, {
                "step": "send", "description": text, "address": f"{community.name}{i % 40} 栋楼下",
                "grid": grid_value, "category": category.pk, "phone": "13800001111", "contact_name": "王",
            }, REMOTE_ADDR=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}")
        return post

    def open311(extra: dict[str, str]) -> Callable[[int], Any]:
        def post(i: int) -> Any:
            return client.post(open311_url, {
                "service_code": category.code, "description": text, "address_string": f"{community.name}{i % 40} 栋",
                "phone": "13800001111", **extra,
            }, REMOTE_ADDR=f"11.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}")
        return post

    print(f"{opts.n} POSTs per door (grid {grid.name}, community {community.name}):")
    measure("web form, last step, chosen grid", opts.n, web(grid.pk), opts.profile)
    measure("web form, last step, 我不清楚", opts.n, web(0), opts.profile)
    measure("Open311 POST, attribute[grid]", opts.n, open311({"attribute[grid]": str(grid.pk)}), opts.profile)
    measure("Open311 POST, address only", opts.n, open311({}), opts.profile)


if __name__ == "__main__":
    main()
