"""What every in-process benchmark script shares: Django set up for the demo, and one timer."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))


def setup_django() -> None:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongheng.settings.base")
    os.environ.setdefault("ZONGHENG_DEMO", "1")  # development keys; never point this at production
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def pg_demo(url: str, reuse: bool) -> None:
    """Django on its own PostgreSQL database ``url`` (created if missing), migrated, holding the demo
    district: kept with ``reuse``, else rebuilt. What the PostgreSQL benchmarks start from."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import ensure_pg_database

    if not ensure_pg_database(url):
        sys.exit("PostgreSQL is needed")
    os.environ["DATABASE_URL"] = url
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from zongheng.orgs import demo
    from zongheng.orgs.models import Org

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {url.rpartition('/')[2]}")
    if not (reuse and Org.objects.exists()):
        if Org.objects.exists():
            demo.reset()
        start = time.perf_counter()
        demo.build(seed=2018)
        print(f"demo district built in {time.perf_counter() - start:.1f} s")


def timed(fn: Any, repeat: int = REPEAT) -> tuple[float, int, Any]:
    """Median wall time (ms) over ``repeat`` runs after one warm-up, and the query count of one run."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    result = fn()
    times = []
    reset_queries()  # a request resets the query log: capture from an empty one
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    queries = len(ctx.captured_queries)  # now: the next request resets the log the capture is a view of
    for _ in range(repeat - 1):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, queries, result


def run_scales(script: str, one: Any, name: str, report: Any) -> list[dict[str, Any]]:
    """The driver of a benchmark measured per scale, each scale in a subprocess of its own on its own database:
    ``--scales 1,10`` (which), ``--url`` (a PostgreSQL database, replaced; default a temporary SQLite file per
    scale); the subprocess (``--one N``) prints ``one(N)`` as JSON; ``report(result)`` prints a line per scale.
    Returns the results, in scale order."""
    import argparse
    import json
    import subprocess
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--url", default="", help="PostgreSQL database (replaced); default: a temporary SQLite file")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.one:
        print(json.dumps(one(opts.one), ensure_ascii=False))
        sys.exit(0)
    if opts.url:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from run import ensure_pg_database

        if not ensure_pg_database(opts.url):
            sys.exit("PostgreSQL is needed")
    results = []
    with tempfile.TemporaryDirectory(prefix=f"zh-bench-{name}-") as tmp:
        for scale in [int(s) for s in opts.scales.split(",")]:
            url = opts.url or f"sqlite:///{tmp}/{name}-{scale}.sqlite3"
            proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
                [sys.executable, script, "--one", str(scale)], env=os.environ | {"DATABASE_URL": url},
                capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr)
                sys.exit(f"benchmark failed at scale {scale}")
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(result)
            report(result)
    return results
