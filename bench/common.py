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
