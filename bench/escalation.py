"""The escalation sweep on PostgreSQL: escalations per second, and a second sweep's time.

Usage (its own database; the data in it is replaced):

    .venv/bin/python bench/escalation.py [--n 20000] [--url postgres://postgres@127.0.0.1:5432/zh_bench_esc] \
        [--reuse]

1. Creates the database when missing, migrates, builds the demo district (orgs, people, posts:
   ``orgs.demo.build``; ``--reuse`` keeps an existing one), deletes every demand.
2. Bulk-creates ``--n`` open demands assigned to the grids, received two days before ``now`` and
   overdue at ``now`` (``bench/demands.py`` ``bulk_demands``: not through the actions).
3. Runs ``actions.escalate_overdue(now)`` once and prints escalations/s, then a second sweep at the
   same ``now`` (which must escalate nothing) and its time, and checks the rows it wrote: one
   escalate event and one audit row per escalated demand. Also prints the CPU time of the app and
   of its PostgreSQL backend (read from /proc), which a machine shared with other jobs inflates less
   than wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zh_bench_esc"


def backend_cpu(connection: Any) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine: /proc)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--url", default=os.environ.get("BENCH_ESC_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="keep an existing demo district")
    opts = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from common import pg_demo

    pg_demo(opts.url, opts.reuse)

    from django.db import connection

    from demands import TZ, bulk_demands
    from zongheng.core.models import AuditLog
    from zongheng.demands import actions
    from zongheng.demands.models import Demand, DemandEvent, Notification

    Notification.objects.all().delete()
    Demand.objects.all().delete()
    now = dt.datetime(2018, 6, 1, 10, 0, tzinfo=TZ)
    start = time.perf_counter()
    bulk_demands(opts.n, overdue_at=now, seed=99)
    print(f"{opts.n:,} open overdue demands created in {time.perf_counter() - start:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    audit_before = AuditLog.objects.filter(action="demand.escalate").count()

    start, cpu, db = time.perf_counter(), time.process_time(), backend_cpu(connection)
    done = actions.escalate_overdue(now)
    took, cpu, db = time.perf_counter() - start, time.process_time() - cpu, backend_cpu(connection) - db
    per = max(done, 1)
    print(f"sweep: escalated {done:,} in {took:.2f} s = {done / took:,.0f} escalations/s")
    print(f"  CPU: app {cpu:.2f} s ({cpu / per * 1000:.3f} ms each), PostgreSQL backend {db:.2f} s "
          f"({db / per * 1000:.3f} ms each); {done / (cpu + db):,.0f} escalations per CPU-second of both")
    start = time.perf_counter()
    again = actions.escalate_overdue(now)
    print(f"second sweep at the same time: escalated {again} in {time.perf_counter() - start:.3f} s")
    events = DemandEvent.objects.filter(action="escalate").count()
    audits = AuditLog.objects.filter(action="demand.escalate").count() - audit_before
    notices = Notification.objects.count()
    print(f"rows written: {events:,} escalate events, {audits:,} audit rows, {notices:,} notifications")
    if not (done == events == audits == opts.n) or again:
        sys.exit("MISMATCH: the sweep did not escalate each overdue demand exactly once")


if __name__ == "__main__":
    main()
