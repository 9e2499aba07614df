"""Benchmarks of 民心零距离: staff queue and figures at 10× and 100× the demo year, and the sweep.

Usage (PostgreSQL recommended; the database's data is replaced):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench .venv/bin/python bench/demands.py \
        [--sweep N] [--volumes 10,100]

1. Builds the demo district without demands (orgs only, ``demo.build``), then bulk-creates
   ``k × 1,000`` demands (k in --volumes) spread over the year and the grids, in a realistic mix of
   statuses, with their receive/assign events. For each volume it times (median of 5 after a warm-up)
   the staff queue ``demands:queue`` and the figures page ``demands:figures`` as the district and
   the community demo accounts, with the number of queries. Pages that do not exist yet print a note.
2. The escalation sweep over N open overdue demands (default 100,000): bulk-created at the grids,
   then ``escalate_overdue`` runs once; prints time and demands per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from common import setup_django, timed

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from zongheng.accounts.models import User  # noqa: E402
from zongheng.demands import actions  # noqa: E402
from zongheng.demands.choices import Channel, Status, Urgency  # noqa: E402
from zongheng.demands.models import Category, Demand, DemandEvent, hash_code  # noqa: E402
from zongheng.orgs import demo  # noqa: E402
from zongheng.orgs.models import Org  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))
MIX = [(Status.CLOSED, 80), (Status.ASSIGNED, 5), (Status.ACCEPTED, 4), (Status.IN_PROGRESS, 3),
       (Status.ANSWERED, 3), (Status.REJECTED, 3), (Status.MERGED, 2)]


def bulk_demands(n: int, *, overdue_at: dt.datetime | None = None, seed: int = 1) -> None:
    """``n`` demands with receive/assign events, created in bulk (not through the actions)."""
    rng = random.Random(seed)
    grids = list(Org.objects.filter(level__code="grid"))
    cats = list(Category.objects.all())
    start = dt.datetime(2018, 1, 1, 8, 30, tzinfo=TZ)
    base = Demand.objects.count()
    batch: list[Demand] = []
    for i in range(n):
        grid = rng.choice(grids)
        at = overdue_at - dt.timedelta(days=2) if overdue_at else start + dt.timedelta(minutes=rng.randrange(525_600))
        status = Status.ASSIGNED if overdue_at else rng.choices([s for s, _ in MIX], [w for _, w in MIX])[0]
        answered = status in (Status.CLOSED, Status.ANSWERED)
        code = f"bench{base + i:011d}"
        batch.append(Demand(
            ref=f"BX{base + i:012d}", code_hash=hash_code(code), code_prefix=code[:6], status=status, version=2,
            channel=Channel.WEB,
            category=rng.choice(cats), urgency=Urgency.NORMAL, description="路灯不亮", address="测试路",
            grid=grid, grid_path=grid.path, org=grid, org_path=grid.path, received_at=at,
            first_response_due_at=at + dt.timedelta(hours=4), response_due_at=at + dt.timedelta(hours=4),
            resolution_due_at=at + dt.timedelta(days=9), answer="已处理" if answered else "",
            answered_at=at + dt.timedelta(days=2) if answered else None,
            rating=rng.choice([3, 4, 5, 5, 5]) if status == Status.CLOSED else None,
            closed_at=at + dt.timedelta(days=3) if status == Status.CLOSED else None,
            first_accepted_at=at + dt.timedelta(hours=1) if status != Status.ASSIGNED else None,
        ))
        if len(batch) == 5000 or i == n - 1:
            with transaction.atomic():
                made = Demand.objects.bulk_create(batch)
                DemandEvent.objects.bulk_create(
                    [DemandEvent(demand=d, seq=s, at=d.received_at, action=a, from_status=f, to_status=t,
                                 actor_label="系统", org=d.org)
                     for d in made for s, a, f, t in ((1, "receive", "", "received"), (2, "assign", "received",
                                                                                         "assigned"))])
            batch = []


def pages(label: str) -> None:
    users = [("district", User.objects.get(username="district")), ("community", User.objects.get(username="community"))]
    for name in ("demands:queue", "demands:figures"):
        try:
            url = reverse(name) + "?period=2018"
        except NoReverseMatch:
            print(f"  {name}: not present yet (no route), skipped")
            continue
        for who, user in users:
            client = Client()
            client.force_login(user)
            ms, queries, response = timed(lambda url=url, client=client: client.get(url))
            note = "" if response.status_code == 200 else f"  (HTTP {response.status_code})"
            print(f"  {label:>6} {name:<18} as {who:<10} {ms:8.0f} ms {queries:4d} queries{note}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volumes", default="10,100")
    parser.add_argument("--sweep", type=int, default=100_000)
    opts = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    if Org.objects.exists():
        demo.reset()
    Demand.objects.all().delete()
    start = time.perf_counter()
    demo.build(seed=2018)
    print(f"demo district (orgs only) built in {time.perf_counter() - start:.1f} s")
    have = 0
    for k in [int(v) for v in opts.volumes.split(",") if v]:
        target = k * 1000
        start = time.perf_counter()
        bulk_demands(target - have, seed=k)
        have = target
        print(f"{target:,} demands ({k}× the demo year) created in {time.perf_counter() - start:.1f} s")
        pages(f"{k}×")
    if opts.sweep:
        Demand.objects.all().delete()
        now = dt.datetime(2018, 6, 1, 10, 0, tzinfo=TZ)
        start = time.perf_counter()
        bulk_demands(opts.sweep, overdue_at=now, seed=99)
        print(f"{opts.sweep:,} open overdue demands created in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        done = actions.escalate_overdue(now)
        took = time.perf_counter() - start
        print(f"sweep: escalated {done:,} in {took:.1f} s = {done / took:,.0f} demands/s")
        start = time.perf_counter()
        again = actions.escalate_overdue(now)
        print(f"second sweep at the same time: escalated {again} in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
