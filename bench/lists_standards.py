"""标准化建设 at scales 1 and 10 — time and queries of the score cards of EVERY organisation for a quarter.

Usage (each scale in a subprocess of its own, on its own database; the data in it is replaced):

    .venv/bin/python bench/lists_standards.py [--scales 1,10] [--url postgres://postgres@127.0.0.1:5432/zh_bench_std]

Without ``--url`` each scale runs on a temporary SQLite file. For scale s (untimed set-up): the demo district
(``orgs.demo.build``: the tree with its central households and linked households, ×s), the meetings of 2018
(``meetings.demo``), the 2018 task list (``lists.demo_tasks``) and the assessed scores of every organisation for
the four quarters (``lists.demo_standards``). Then, timed (``bench/common.timed``: median after one warm-up):
``standards.cards`` for every organisation of the tree for 2018-Q4 (the export and the ranking pages compute
these), and a ranking page (the district's communities) through the test client. The query count must not grow
with the tree: every computed indicator is set-based.
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
    sys.path.insert(0, str(HERE))
    from common import setup_django, timed

    setup_django()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from zongheng.accounts.models import User
    from zongheng.core.indicators import Quarter
    from zongheng.lists import demo_standards, demo_tasks, standards
    from zongheng.meetings import demo as meetings_demo
    from zongheng.orgs import demo
    from zongheng.orgs.models import Org

    call_command("migrate", verbosity=0)
    if Org.objects.exists():
        demo.reset()
    start = time.perf_counter()
    built = demo.build(seed=SEED, scale=scale)
    district = built.districts[0]
    meetings_demo.build(district, seed=SEED, year=2018)
    demo_tasks.build(district, seed=SEED, year=2018)
    demo_standards.build(district, seed=SEED, year=2018)
    setup_s = round(time.perf_counter() - start, 1)
    quarter = Quarter(2018, 4)
    now = timezone.make_aware(dt.datetime.combine(dt.date(2026, 11, 28), dt.time(10)))
    orgs = Org.objects.all()
    n = orgs.count()
    out: dict[str, Any] = {"vendor": connection.vendor, "scale": scale, "orgs": n, "setup_s": setup_s, "rows": []}
    ms, queries, cards = timed(lambda: standards.cards(standards.targets(orgs), quarter, now), repeat=3)
    out["rows"].append({"what": f"score cards of all {n} organisations, 2018-Q4", "ms": round(ms), "queries": queries})
    out["scored"] = sum(1 for c in cards if c.maximum)
    client = Client()
    client.force_login(User.objects.get(username="district"))
    url = f"/lists/standards/?org={district.pk}&level=community&period=2018-Q4"
    ms, queries, response = timed(lambda: client.get(url), repeat=3)
    assert response.status_code == 200, response.status_code
    out["rows"].append({"what": "ranking page (the district's communities)", "ms": round(ms), "queries": queries})
    return out


def _report(result: dict[str, Any]) -> None:
    print(f"scale {result['scale']} ({result['vendor']}): {result['orgs']} organisations, set-up {result['setup_s']} s")
    for row in result["rows"]:
        print(f"  {row['what']}: {row['ms']} ms, {row['queries']} queries")


def main() -> None:
    sys.path.insert(0, str(HERE))
    from common import run_scales

    results = run_scales(__file__, one, "standards", _report)
    print("\n| db | scale | what | ms | queries |")
    print("|---|---|---|---|---|")
    for r in results:
        for row in r["rows"]:
            print(f"| {r['vendor']} | {r['scale']} | {row['what']} | {row['ms']} | {row['queries']} |")


if __name__ == "__main__":
    main()
