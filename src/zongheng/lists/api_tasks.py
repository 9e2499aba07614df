"""The task list (任务清单) in the JSON API (added by ``lists.api``): list the pieces in scope (paged, filtered;
status and progress computed by ``progress.py``), one piece with its milestones and children, the monthly
reports, filing a report and reviewing one.

Same doors as the pages (``selectors_tasks``): anonymous → 401, no right at all (neither ``list.view`` nor a led
task) → 403, a piece or report out of scope → 404 like a missing one; writes through the ``do_*`` actions of
``actions_tasks`` (refused → 400 in Chinese).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.orgs.api import LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _user

from . import actions_tasks as actions
from . import progress
from . import selectors_tasks as sel
from .choices import ReviewResult, TaskStatus
from .models import ProgressReport, Task

router = Router(tags=["一清单"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class PersonRef(Schema):
    id: int
    name: str


class TaskOut(Schema):
    id: int
    code: str
    title: str
    category: str
    parent_id: int | None = Field(description="上级任务 id；一项工程为空")
    root_id: int | None = Field(description="所属一项工程的 id")
    org: OrgRef = Field(description="责任单位")
    lead: PersonRef | None = Field(description="领衔县处级干部（一项工程的）")
    weight: int
    starts_on: dt.date
    ends_on: dt.date
    status: str = Field(description="状态代码（按路线图节点和月度进展实时计算）")
    status_label: str
    progress: float = Field(description="进度（0–1，按节点和下级权重加权）")


class TaskPage(Schema):
    year: int | None
    count: int
    limit: int
    offset: int
    items: list[TaskOut]


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    weight: int
    done_on: dt.date | None
    evidence: str


class TaskDetailOut(TaskOut):
    goal: str
    measures: str
    pledge_on: dt.date | None
    pledge_text: str
    milestones: list[MilestoneOut]
    children: list[TaskOut] = Field(description="分解到下级的部分（管辖范围内的）")
    missing_reports: list[str] = Field(description="缺报的月份（YYYY-MM）")


class ReportOut(Schema):
    id: int
    task_id: int
    month: str = Field(description="YYYY-MM")
    done: str
    milestone_id: int | None
    problems: str
    evidence: str
    filed_at: dt.datetime
    result: str = Field(description="审核结果：accepted 通过、returned 退回补充；空为待审核")
    review_note: str
    reviewed_at: dt.datetime | None


class ReportPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReportOut]


class ReportIn(Schema):
    month: str = Field(pattern=MONTH, description="月份（YYYY-MM），不能是以后的月份")
    done: str = Field(max_length=2000, pattern=NO_NUL, description="本月完成情况")
    milestone: int | None = Field(None, ge=1, le=MAX_ID, description="对应节点 id（这项任务的）")
    problems: str = Field("", max_length=2000, pattern=NO_NUL, description="存在问题")
    evidence: str = Field("", max_length=2000, pattern=NO_NUL, description="佐证材料")


class ReviewIn(Schema):
    result: Literal["accepted", "returned"] = Field(description="accepted 通过；returned 退回补充")
    note: str = Field("", max_length=500, pattern=NO_NUL, description="审核意见（退回时必填）")


def _require(user: Any) -> None:
    if not sel.may_view(user):
        raise PermissionDenied(sel.NO_ACCESS)


def _task(t: Task, board: progress.Board) -> dict[str, Any]:
    lead = t.lead if t.parent_id is None else (t.root.lead if t.root else None)
    status = board.status.get(t.pk, TaskStatus.UNPLANNED)
    return {"id": t.pk, "code": t.code, "title": t.title, "category": t.category, "parent_id": t.parent_id,
            "root_id": t.root_id, "org": {"id": t.org.pk, "name": t.org.name},
            "lead": {"id": lead.pk, "name": lead.name} if lead else None, "weight": t.weight,
            "starts_on": t.starts_on, "ends_on": t.ends_on, "status": status, "status_label": TaskStatus(status).label,
            "progress": float(board.progress.get(t.pk, 0))}


def _report(r: ProgressReport) -> dict[str, Any]:
    return {"id": r.pk, "task_id": r.task_id, "month": r.month.strftime("%Y-%m"), "done": r.done,
            "milestone_id": r.milestone_id, "problems": r.problems, "evidence": r.evidence, "filed_at": r.filed_at,
            "result": r.result, "review_note": r.review_note, "reviewed_at": r.reviewed_at}


@router.get("/lists/tasks", response={200: TaskPage, **LIST}, summary="任务清单（管辖范围内的和我领衔的任务）")
def list_tasks(
    request: HttpRequest,
    year: int | None = Query(None, ge=2000, le=2100, description="年度；默认最近一年的清单"),
    status: Literal["done", "on_track", "at_risk", "overdue", "unplanned"] | None = Query(None, description="状态"),
    category: str | None = Query(None, max_length=40, pattern=NO_NUL, description="类别"),
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织及其下级承担的"),
    leaf: bool = Query(False, description="true：只列未再分解的任务（一清单首页各状态的项数按此统计）"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _require(user)
    tl = sel.list_for_year(user, year)
    if tl is None:
        return {"year": None, "count": 0, "limit": limit, "offset": offset, "items": []}
    board = progress.read(tl, timezone.localdate())
    f = sel.filters({"status": status or "", "category": category or "", "org": org or "", "leaf": "1" if leaf else ""})
    ids = sel.task_ids(user, tl, f, board)
    items = [_task(t, board) for t in sel.tasks_by_ids(ids[offset:offset + limit])]
    return {"year": tl.year, "count": len(ids), "limit": limit, "offset": offset, "items": items}


@router.get("/lists/tasks/{id}", response={200: TaskDetailOut, **ONE}, summary="一项任务：路线图节点和分解情况")
def get_task(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _require(user)
    task = sel.task_for(user, id)
    board = progress.read(task.task_list, timezone.localdate())
    children = sel.tasks_in_scope(user).filter(parent=task).select_related("org", "root__lead").order_by("code", "id")
    return _task(task, board) | {
        "goal": task.goal, "measures": task.measures, "pledge_on": task.pledge_on, "pledge_text": task.pledge_text,
        "milestones": [{"id": m.pk, "title": m.title, "due_on": m.due_on, "weight": m.weight, "done_on": m.done_on,
                        "evidence": m.evidence} for m in task.milestones.all()],
        "children": [_task(c, board) for c in children],
        "missing_reports": [m.strftime("%Y-%m") for m in board.missing_reports(task.pk)]}


@router.get("/lists/reports", response={200: ReportPage, **LIST}, summary="月度进展（管辖范围内的和我领衔任务的）")
def list_reports(
    request: HttpRequest,
    task: int | None = Query(None, ge=1, le=MAX_ID, description="只列这项任务的"),
    month: str | None = Query(None, pattern=MONTH, description="只列这个月的（YYYY-MM）"),
    state: Literal["pending", "accepted", "returned"] | None = Query(None, description="pending 待审核"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _require(user)
    qs = ProgressReport.objects.restrict(user).order_by("-month", "task_id", "id")
    if task:
        qs = qs.filter(task_id=task)
    if month:
        qs = qs.filter(month=dt.date(int(month[:4]), int(month[5:]), 1))
    if state == "pending":
        qs = qs.filter(result="")
    elif state:
        qs = qs.filter(result=ReviewResult(state))
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_report(r) for r in qs[offset:offset + limit]]}


@router.post("/lists/tasks/{id}/reports", response={201: ReportOut, **WRITE},
             summary="报送月度进展（每项任务每月一份；退回的请修改后重新报送）")
def file_report(request: HttpRequest, payload: ReportIn, id: int = PathId) -> Any:
    user = _user(request)
    _require(user)
    task = sel.task_for(user, id)
    if not sel.may_report(user, task):
        raise PermissionDenied(actions.REPORT_REFUSED)
    data = payload.dict()
    data["month"] = dt.date(int(payload.month[:4]), int(payload.month[5:]), 1)
    report = actions.do_file_report(user, task, data)
    return Status(201, _report(report))


@router.post("/lists/reports/{id}/review", response={200: ReportOut, **WRITE},
             summary="审核月度进展（通过，或退回补充并说明理由）")
def review_report(request: HttpRequest, payload: ReviewIn, id: int = PathId) -> Any:
    user = _user(request)
    _require(user)
    report = sel.report_for(user, id)
    return _report(actions.do_review_report(user, report, payload.dict()))
