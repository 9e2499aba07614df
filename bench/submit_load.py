"""Open311 POST throughput and latency on gunicorn + PostgreSQL.

Usage (the demo district must exist in the database, e.g. after bench/demands.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench_demands .venv/bin/python bench/submit_load.py \
        [--requests 400] [--threads 8] [--workers 3]

Starts gunicorn on a free port against DATABASE_URL, then posts ``--requests`` demands to
``/open311/v2/requests.json`` from ``--threads`` client threads, twice: anonymously (the
per-client throttle is raised for the run; the same path as a resident's submission:
throttle row, demand, history, audit, follower, notification) and with an ``api_key``
(a district cadre's token). Prints requests/s and latency percentiles.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(env: dict[str, str]) -> tuple[str, int]:
    """A token of the district account and the id of one grid."""
    code = (
        "from zongheng.accounts.actions import do_create_token\n"
        "from zongheng.accounts.models import User\n"
        "from zongheng.orgs.models import Org\n"
        "print(do_create_token(User.objects.get(username='district'), 'bench')[1])\n"
        "print(Org.objects.filter(level__code='grid', kind='regular').order_by('path').first().pk)\n"
    )
    out = subprocess.run([sys.executable, "manage.py", "shell", "-v0", "-c", code], cwd=ROOT, env=env,  # noqa: S603
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    return out[-2], int(out[-1])


def post(url: str, fields: dict[str, str]) -> float:
    body = urllib.parse.urlencode(fields).encode()
    start = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=60) as response:  # noqa: S310
        response.read()
        if response.status != 201 and response.status != 200:
            raise RuntimeError(response.status)
    return time.perf_counter() - start


def run(url: str, n: int, threads: int, fields: dict[str, str]) -> None:
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = sorted(pool.map(lambda _i: post(url, fields), range(n)))
    took = time.perf_counter() - start
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"  {n} requests, {threads} threads: {n / took:6.1f} req/s; latency p50 {p(0.5):.0f} ms, "
          f"p95 {p(0.95):.0f} ms, max {latencies[-1] * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    opts = parser.parse_args()
    env = dict(os.environ, ZONGHENG_DEMO="1", ZONGHENG_DEMAND_PUBLIC_PER_HOUR="1000000", LOG_LEVEL="WARNING",
               DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
    if "postgres" not in env.get("DATABASE_URL", ""):
        sys.exit("set DATABASE_URL to a PostgreSQL database holding the demo district")
    token, grid = setup(env)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(ROOT / ".venv/bin/gunicorn"), "zongheng.wsgi:application", "--chdir", "src", "--bind",
         f"127.0.0.1:{port}", "--workers", str(opts.workers), "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/open311/v2/requests.json"
        fields = {"service_code": "municipal", "description": "路灯不亮，晚上很黑", "address_string": "测试路 1 号",
                  "attribute[grid]": str(grid), "phone": "13800001111"}
        print(f"gunicorn, {opts.workers} workers, PostgreSQL; Open311 POST")
        print(" anonymous (per-client throttle counted in the database):")
        run(url, opts.requests, opts.threads, fields)
        print(" with api_key (a district cadre's token):")
        run(url, opts.requests, opts.threads, fields | {"api_key": token})
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
