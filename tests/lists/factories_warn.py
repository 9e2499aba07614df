"""Task lists built straight through the models for the status, roll-up and warning tests of 一清单: the rules
read the records (milestones, reports, reviews), whatever action wrote them. Clock passed in everywhere."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from django.utils import timezone

from zongheng.lists import progress
from zongheng.lists.choices import ReviewResult
from zongheng.lists.models import AnnualReview, Milestone, ProgressReport, QuarterReview, Task, TaskList
from zongheng.orgs.models import Org

_seq = itertools.count(1)
YEAR = 2018
D = dt.date


def aware(day: dt.date, hour: int = 12) -> dt.datetime:
    """Noon (or ``hour``) of a local day (Asia/Shanghai), as the clock passed in."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_list(org: Org, year: int = 2018, report_day: int = 5) -> TaskList:
    return TaskList.objects.create(org=org, org_path=org.path, year=year, title=f"{year}年任务清单{next(_seq)}",
                                   report_day=report_day)


def make_task(task_list: TaskList, org: Org, parent: Task | None = None, *, weight: int = 1,
              starts_on: dt.date | None = None, ends_on: dt.date | None = None, **kw: Any) -> Task:
    year = task_list.year
    n = next(_seq)
    task = Task.objects.create(
        task_list=task_list, parent=parent, root=parent.root if parent else None, code=kw.pop("code", f"T{n}"),
        title=kw.pop("title", f"任务{n}"), category=kw.pop("category", "组织建设"), weight=weight, org=org,
        org_path=org.path, starts_on=starts_on or dt.date(year, 1, 1), ends_on=ends_on or dt.date(year, 12, 31), **kw)
    if parent is None:
        Task.objects.filter(pk=task.pk).update(root=task)
        task.root = task
    return task


def make_milestone(task: Task, due_on: dt.date, *, weight: int = 1, done_on: dt.date | None = None) -> Milestone:
    return Milestone.objects.create(task=task, title=f"节点{next(_seq)}", due_on=due_on, weight=weight,
                                    done_on=done_on, evidence="佐证材料" if done_on else "")


def meet(milestone: Milestone, day: dt.date) -> None:
    Milestone.objects.filter(pk=milestone.pk).update(done_on=day, evidence="佐证材料")


def file_report(task: Task, month: dt.date, filed_on: dt.date, *, problems: str = "",
                returned_on: dt.date | None = None, accepted_on: dt.date | None = None) -> ProgressReport:
    review: dict[str, Any] = {}
    if returned_on is not None:
        review = {"result": ReviewResult.RETURNED, "reviewed_at": aware(returned_on, 15), "review_note": "请补充"}
    elif accepted_on is not None:
        review = {"result": ReviewResult.ACCEPTED, "reviewed_at": aware(accepted_on, 15)}
    return ProgressReport.objects.create(task=task, org_path=task.org_path, month=month, done="按计划推进",
                                         problems=problems, filed_at=aware(filed_on, 10), **review)


def hold_quarter(task_list: TaskList, quarter: int, held_on: dt.date) -> QuarterReview:
    return QuarterReview.objects.create(task_list=task_list, quarter=quarter, held_on=held_on, summary="逐项调度")


def review_year(task: Task, day: dt.date, score: int = 90) -> AnnualReview:
    return AnnualReview.objects.create(task=task, org_path=task.org_path, score=score, comments="完成良好",
                                       reviewed_at=aware(day))


# ---------------------------------------------------------------- a random list, written to the database


def day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment of a local day: early morning, office hours or just before midnight (UTC storage differs)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.choice([0, 10, 23]), rng.choice([5, 55]))))


def build_random_list(rng: random.Random, tree: Any, size: int = 1) -> TaskList:
    """A random list of the test tree's district for ``YEAR``: a random tree of pieces carried anywhere down to the
    grids, random weights, milestones met early, late or never, monthly reports filed early, late, near midnight,
    returned, accepted or missing."""
    task_list = make_list(tree.district, YEAR, report_day=rng.choice([1, 5, 10, 28, rng.randint(1, 28)]))
    orgs = [tree.district, *tree.streets, *tree.communities, *tree.grids]
    n = 0

    def add(parent: Task | None, depth: int) -> None:
        nonlocal n
        n += 1
        org = rng.choice(orgs)
        starts = day_between(rng, D(YEAR, 1, 1), D(YEAR, 10, 1)) if rng.random() < 0.5 else D(YEAR, 1, 1)
        ends = day_between(rng, starts, D(YEAR, 12, 31))
        task = Task.objects.create(task_list=task_list, parent=parent, root=parent.root if parent else None,
                                   code=f"T{n}", title=f"任务{n}", category="组织建设", weight=rng.randint(1, 5),
                                   org=org, org_path=org.path, starts_on=starts, ends_on=ends)
        if parent is None:
            Task.objects.filter(pk=task.pk).update(root=task)
            task.root = task
        kids = rng.choice([0, 0, 1, 2, 3]) if depth < 3 else 0
        if not kids or rng.random() < 0.3:  # a parent sometimes has milestones of its own
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                due = day_between(rng, starts, ends)
                done = rng.choice([None, day_between(rng, starts, due),
                                   day_between(rng, due, due + dt.timedelta(days=60))])
                milestones.append(Milestone(task=task, title="节点", due_on=due, weight=rng.randint(1, 4),
                                            done_on=done, evidence="佐证" if done else ""))
        if not kids or rng.random() < 0.2:
            month = starts.replace(day=1)
            while month <= ends:
                following = progress.next_month(month)
                fate = rng.random()
                if fate > 0.15:
                    deadline = following.replace(day=task_list.report_day)
                    filed = day_between(rng, following - dt.timedelta(days=3), deadline) if fate > 0.35 else \
                        day_between(rng, deadline, deadline + dt.timedelta(days=20))
                    review = {}
                    if rng.random() < 0.5:
                        result = "returned" if rng.random() < 0.3 else "accepted"
                        review = {"result": result, "reviewed_at": _at(filed + dt.timedelta(days=rng.randint(0, 15)),
                                                                       rng)}
                    reports.append(ProgressReport(task=task, org_path=task.org_path, month=month, done="推进",
                                                  problems=rng.choice(["", "", " ", "资金缺口"]),
                                                  filed_at=_at(filed, rng), **review))
                month = following
        for _ in range(kids):
            add(task, depth + 1)

    milestones: list[Milestone] = []
    reports: list[ProgressReport] = []
    for _ in range(rng.randint(1, 3 * size)):
        add(None, 0)
    Milestone.objects.bulk_create(milestones)
    ProgressReport.objects.bulk_create(reports)
    return task_list
