"""Task lists built straight through the models for the status, roll-up and warning tests of 一清单: the rules
read the records (milestones, reports, reviews), whatever action wrote them. Clock passed in everywhere."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from zongheng.lists.choices import ReviewResult
from zongheng.lists.models import AnnualReview, Milestone, ProgressReport, QuarterReview, Task, TaskList
from zongheng.orgs.models import Org

_seq = itertools.count(1)


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
