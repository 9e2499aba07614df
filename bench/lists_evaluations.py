"""述职评议 at scales 1 and 10 — time and queries of computing a round's results (``scoring.results``), the
organiser's round page and the results export.

Usage (each scale in a subprocess of its own, on its own database; the data in it is replaced):

    .venv/bin/python bench/lists_evaluations.py [--scales 1,10] [--url postgres://postgres@127.0.0.1:5432/zh_bench_eval]

Without ``--url`` each scale runs on a temporary SQLite file. For scale s (untimed set-up, bulk inserts): a district
with 31·s communities in streets of six, each community's secretary a subject of one year-end round with the four
rater groups of the demo (上级 20 %, 同级书记 10 %, 基层党员 30 %, 服务对象 40 %) and four items: ten district leaders
rate every subject, each secretary the other five of their street, five members of each community their own
secretary, and eight paper sheets per community — about 60 votes (240 item scores) a subject. Then timed (median
of ``BENCH_REPEAT`` after a warm-up, ``bench/common.timed``): the results, the round's page as the organiser, and
the .xlsx export. The query counts must not grow with the data.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = int(os.environ.get("BENCH_SEED", "2018"))


def one(scale: int) -> dict[str, Any]:
    """One scale on the database named by DATABASE_URL (runs in the subprocess)."""
    sys.path.insert(0, str(HERE))
    from common import setup_django, timed

    setup_django()
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from zongheng.accounts.models import User
    from zongheng.core.permissions import Role
    from zongheng.lists import demo_evaluations, scoring
    from zongheng.lists.exports_evaluations import results_xlsx
    from zongheng.lists.models_evaluations import EvalRater, EvalRound, EvalSheet, EvalSubject
    from zongheng.orgs.models import Level, Org, Person, Post

    call_command("migrate", verbosity=0)
    EvalRound.objects.all().delete()
    User.objects.filter(username="bench_eval").delete()
    Post.objects.all().delete()
    Person.objects.all().delete()
    Org.objects.all().delete()
    start = time.perf_counter()
    rng = random.Random(SEED)
    levels = {lv.code: lv for lv in Level.objects.all()}
    district = Org.objects.add_root(instance=Org(name="评议基准区", level=levels["district"]))
    communities: list[Org] = []
    streets = []
    for k in range((31 * scale + 5) // 6):
        street = Org.objects.add_child(district, instance=Org(name=f"第{k + 1}街道", level=levels["street"]))
        streets.append(street)
        for c in range(min(6, 31 * scale - len(communities))):
            communities.append(Org.objects.add_child(street, instance=Org(name=f"第{k + 1}街道第{c + 1}社区",
                                                                          level=levels["community"])))
    people = []
    for org in [district] * 11 + [o for o in communities for _ in range(6)]:
        people.append(Person(name=f"人员{len(people)}", gender="M", org=org, org_path=org.path))
    people = Person.objects.bulk_create(people, batch_size=2000)
    day = dt.date(2018, 1, 1)
    dept = people[0]
    posts = [Post(person=dept, org=district, role=Role.ORG_DEPT, starts_on=day)]
    posts += [Post(person=p, org=district, role=Role.COMMITTEE_MEMBER, starts_on=day) for p in people[1:11]]
    by_org: dict[int, list[Person]] = {}
    for p in people[11:]:
        by_org.setdefault(p.org_id, []).append(p)
    posts += [Post(person=by_org[c.pk][0], org=c, role=Role.SECRETARY, starts_on=day) for c in communities]
    Post.objects.bulk_create(posts)
    user = User.objects.create_user(username="bench_eval", password="x", person=dept,  # noqa: S106
                                    must_change_password=False)
    d = demo_evaluations._District(district, day, rng)
    b = demo_evaluations._Builder(district, rng)
    since = timezone.now()
    r = b.round(district, "annual", "基准年度述职评议", 2018, None, "closed", since, since,
                demo_evaluations.ANNUAL_GROUPS, demo_evaluations.ANNUAL_ITEMS, demo_evaluations.BANDS)
    groups = {g.name: g for g in r.groups.all()}
    items = list(r.items.all())
    subjects = b.subjects(r, d.subject_rows(), d.names, since)
    raters = b.raters(r, groups["上级党组织"], [(p.pk, "") for p in people[1:11]])
    raters += b.raters(r, groups["同级书记"], [(s.person_id, d.street_of(s.org_path).path) for s in subjects])
    raters += b.raters(r, groups["基层党员"], [(p.pk, c.path) for c in communities for p in by_org[c.pk][1:6]])
    for rater in raters:
        for s in subjects:
            if s.person_id != rater.person_id and s.org_path.startswith(rater.within):
                b.vote(r, s, rater.group_id, items, d.standing[s.org_id], since, rater=rater)
    sheets = EvalSheet.objects.bulk_create([EvalSheet(round=r, group=groups["服务对象"], number=f"FW-{n:05d}",
                                                      entered_at=since) for n in range(8 * len(subjects))])
    for n, s in enumerate(subjects):
        for sheet in sheets[8 * n:8 * n + 8]:
            b.vote(r, s, sheet.group_id, items, d.standing[s.org_id], since, sheet=sheet)
    votes = b.flush()
    setup_s = round(time.perf_counter() - start, 1)
    rows = []
    ms, queries, res = timed(lambda: scoring.results(r))
    assert all(row.rank for row in res.rows)
    rows.append({"what": "scoring.results (the whole round)", "ms": round(ms, 1), "queries": queries})
    client = Client()
    client.force_login(user)
    url = reverse("lists:eval_round", args=[r.pk])
    ms, queries, response = timed(lambda: client.get(url))
    assert response.status_code == 200, response.status_code
    rows.append({"what": "page: the round as organiser (results table)", "ms": round(ms, 1), "queries": queries})
    ms, queries, _content = timed(lambda: results_xlsx(r))
    rows.append({"what": "export: results .xlsx (with every vote)", "ms": round(ms, 1), "queries": queries})
    return {"scale": scale, "vendor": connection.vendor, "setup_s": setup_s, "subjects": len(subjects),
            "votes": votes, "raters": EvalRater.objects.filter(round=r).count(),
            "subjects_check": EvalSubject.objects.filter(round=r).count(),
            "total_weight": str(sum((g.weight for g in groups.values()), Decimal(0))), "rows": rows}


def _report(result: dict[str, Any]) -> None:
    print(f"scale {result['scale']} ({result['vendor']}): setup {result['setup_s']} s; {result['subjects']} subjects, "
          f"{result['raters']} online raters, {result['votes']:,} votes", flush=True)


def main() -> None:
    sys.path.insert(0, str(HERE))
    from common import run_scales

    results = run_scales(__file__, one, "evaluations", _report)
    print("\n| db | scale | what | ms | queries |")
    print("|---|---:|---|---:|---:|")
    for r in results:
        for row in r["rows"]:
            print(f"| {r['vendor']} | {r['scale']} | {row['what']} | {row['ms']} | {row['queries']} |")


if __name__ == "__main__":
    main()
