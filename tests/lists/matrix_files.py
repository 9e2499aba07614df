"""Permission-matrix rows of the task list's files (concatenated by tests/lists/matrix.py): the import and the
exports.

Inside ``community`` a list of the community's own (year 2040, so it meets no other part's list) with one task
carried there, its milestone, a monthly report and its annual review: the owner (the community's secretary:
list.view) exports it; the other community's list is out of their scope (404). The import and its template
need list.configure (the district's organisation department only): they name no row, so no 404 row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zongheng.lists.models import AnnualReview, Milestone, ProgressReport, Task, TaskList

YEAR = 2040


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    tl = TaskList.objects.create(org=community, org_path=community.path, year=YEAR,
                                 title=f"{community.name}{YEAR}年清单")
    task = Task.objects.create(task_list=tl, org=community, org_path=community.path, code="1", title="建强社区党组织",
                               category="组织体系", starts_on=dt.date(YEAR, 1, 1), ends_on=dt.date(YEAR, 12, 31))
    Task.objects.filter(pk=task.pk).update(root=task)
    milestone = Milestone.objects.create(task=task, title="完成摸底", due_on=dt.date(YEAR, 3, 31))
    ProgressReport.objects.create(task=task, org_path=task.org_path, month=dt.date(YEAR, 2, 1), done="完成摸底",
                                  milestone=milestone, filed_at=timezone.now())
    AnnualReview.objects.create(task=task, org_path=task.org_path, score=92, comments="完成良好",
                                reviewed_at=timezone.now())
    return {"lf_list": tl}


def routes(Route: Any) -> list[Any]:
    tl = lambda o: {"pk": o["lf_list"].pk}  # noqa: E731
    return [
        Route("lists:import", holder="dept"),
        Route("lists:import_template", holder="dept"),
        Route("lists:export_xlsx", tl),
        Route("lists:export_reports_docx", tl),
        Route("lists:export_annual_docx", tl),
    ]
