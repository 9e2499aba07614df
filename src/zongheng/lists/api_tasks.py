"""The task list (任务清单) in the JSON API (added by ``lists.api``): list the pieces in scope (paged, filtered;
status and progress computed by ``progress.py``), one piece with its milestones and children, the monthly
reports, filing a report and reviewing one — and the other writes of the pages: split a piece, plan and pledge,
the roadmap's milestones (add, change, remove, meet with evidence; no file through the API), the quarterly
review of a list and the annual review of a piece.

Same doors as the pages (``selectors_tasks`` and ``views_tasks``): anonymous → 401, no right at all (neither
``list.view`` nor a led task) → 403, a piece, milestone, report, list or organisation out of scope → 404 like a
missing one, the piece in scope but the write not the user's (``may_split``, ``may_report``,
``may_review_piece``, ``may_record_quarter``) → 403; writes through the ``do_*`` actions of ``actions_tasks``
(refused → 400 in Chinese).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.orgs.api import LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _user

from . import actions_tasks as actions
from . import progress
from . import selectors_tasks as sel
from .choices import ReviewResult, TaskStatus
from .forms_tasks import SplitForm
from .models import AnnualReview, Milestone, ProgressReport, Task

router = Router(tags=["一清单"])

MONTH = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"  # a year from 1000: dt.date has no year 0


class TaskPersonRef(Schema):
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
    lead: TaskPersonRef | None = Field(description="领衔县处级干部（一项工程的）")
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


class ReportReviewIn(Schema):
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


def _milestone(m: Milestone) -> dict[str, Any]:
    return {"id": m.pk, "title": m.title, "due_on": m.due_on, "weight": m.weight, "done_on": m.done_on,
            "evidence": m.evidence}


def _detail(user: Any, task: Task) -> dict[str, Any]:
    board = progress.read(task.task_list, timezone.localdate())
    children = sel.tasks_in_scope(user).filter(parent=task).select_related("org", "root__lead").order_by("code", "id")
    return _task(task, board) | {
        "goal": task.goal, "measures": task.measures, "pledge_on": task.pledge_on, "pledge_text": task.pledge_text,
        "milestones": [_milestone(m) for m in task.milestones.all()],
        "children": [_task(c, board) for c in children],
        "missing_reports": [m.strftime("%Y-%m") for m in board.missing_reports(task.pk)]}


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
    return _detail(user, sel.task_for(user, id))


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
def review_report(request: HttpRequest, payload: ReportReviewIn, id: int = PathId) -> Any:
    user = _user(request)
    _require(user)
    report = sel.report_for(user, id)
    return _report(actions.do_review_report(user, report, payload.dict()))


# ---------------------------------------------------------------- the other writes of the pages


class SplitIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="承担这部分任务的组织 id（承担这项任务的组织的直接下级）")
    weight: int = Field(1, ge=1, le=100, description="在同一项任务分解出的各部分之间的比重（1–100）")
    title: str = Field("", max_length=200, pattern=NO_NUL, description="任务名称；不填则沿用上级任务名称")
    goal: str = Field("", max_length=2000, pattern=NO_NUL, description="目标")


class PlanIn(Schema):
    goal: str | None = Field(None, max_length=2000, pattern=NO_NUL, description="目标")
    measures: str | None = Field(None, max_length=4000, pattern=NO_NUL, description="主要措施")
    pledge_on: dt.date | None = Field(None, description="责任状签订日期（null 清除）")
    pledge_text: str | None = Field(None, max_length=2000, pattern=NO_NUL, description="责任状内容")


class MilestoneIn(Schema):
    title: str = Field(max_length=200, pattern=NO_NUL, description="节点")
    due_on: dt.date = Field(description="节点时间（在任务期限内）")
    weight: int = Field(1, ge=1, le=100, description="权重（1–100）")


class MilestonePatch(Schema):
    title: str | None = Field(None, max_length=200, pattern=NO_NUL, description="节点")
    due_on: dt.date | None = Field(None, description="节点时间（在任务期限内）")
    weight: int | None = Field(None, ge=1, le=100, description="权重（1–100）")


class MeetIn(Schema):
    done_on: dt.date = Field(description="完成日期（不晚于今天，不早于任务开始日期）")
    evidence: str = Field(max_length=2000, pattern=NO_NUL, description="佐证材料（附件请在页面上传）")


Remark = Annotated[str, Field(max_length=500, pattern=NO_NUL)]
TaskId = Annotated[int, Field(ge=1, le=MAX_ID)]


class QuarterIn(Schema):
    quarter: int = Field(ge=1, le=4, description="季度（1–4；每季度一次）")
    held_on: dt.date = Field(description="召开日期（清单年度内，不晚于今天）")
    summary: str = Field(max_length=4000, pattern=NO_NUL, description="调度情况")
    remarks: dict[TaskId, Remark] = Field(default_factory=dict, max_length=1000,
                                          description="调度意见：{任务 id: 意见}（这份清单中的任务；可选）")


class RemarkOut(Schema):
    task_id: int
    remark: str


class QuarterOut(Schema):
    id: int
    task_list_id: int
    quarter: int
    held_on: dt.date
    summary: str
    remarks: list[RemarkOut]


class AnnualIn(Schema):
    score: Decimal = Field(ge=0, le=100, max_digits=4, decimal_places=1, description="得分（0–100，一位小数）")
    comments: str = Field(max_length=2000, pattern=NO_NUL, description="述评意见")


class AnnualOut(Schema):
    task_id: int
    score: float
    comments: str
    reviewed_at: dt.datetime


@router.post("/lists/tasks/{id}/split", response={201: TaskOut, **WRITE},
             summary="分解任务：交给承担组织的直接下级承担一部分（须在承担组织负责审核）")
def split_task(request: HttpRequest, payload: SplitIn, id: int = PathId) -> Any:
    user = _user(request)
    task = sel.task_for_action(user, id, sel.may_split, "您不能分解这项任务")
    # The organisations the page's form offers (right below the carrying one); any other id is not found.
    field = SplitForm(task=task).fields["org"]
    org = field.queryset.filter(pk=payload.org).first()  # type: ignore[attr-defined]
    if org is None:
        raise Http404
    child = actions.do_split_task(user, task, payload.dict() | {"org": org})
    return Status(201, _task(sel.task_for(user, child.pk), progress.read(task.task_list, timezone.localdate())))


@router.patch("/lists/tasks/{id}/plan", response={200: TaskDetailOut, **WRITE},
              summary="计划书和责任状（只改给出的字段）")
def update_plan(request: HttpRequest, payload: PlanIn, id: int = PathId) -> Any:
    user = _user(request)
    task = sel.task_for_action(user, id, sel.may_report, actions.REPORT_REFUSED)
    data = payload.dict(exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None or k == "pledge_on"}
    actions.do_update_plan(user, task, data)
    return _detail(user, sel.task_for(user, task.pk))


@router.post("/lists/tasks/{id}/milestones", response={201: MilestoneOut, **WRITE}, summary="添加路线图节点")
def add_milestone(request: HttpRequest, payload: MilestoneIn, id: int = PathId) -> Any:
    user = _user(request)
    task = sel.task_for_action(user, id, sel.may_report, actions.REPORT_REFUSED)
    return Status(201, _milestone(actions.do_add_milestone(user, task, payload.dict())))


@router.patch("/lists/milestones/{id}", response={200: MilestoneOut, **WRITE},
              summary="修改路线图节点（未完成的；只改给出的字段）")
def update_milestone(request: HttpRequest, payload: MilestonePatch, id: int = PathId) -> Any:
    user = _user(request)
    milestone = sel.milestone_for_action(user, id, actions.REPORT_REFUSED)
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return _milestone(actions.do_update_milestone(user, milestone, data))


@router.delete("/lists/milestones/{id}", response={204: None, **WRITE}, summary="删除路线图节点（未完成的）")
def remove_milestone(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    milestone = sel.milestone_for_action(user, id, actions.REPORT_REFUSED)
    actions.do_remove_milestone(user, milestone)
    return Status(204, None)


@router.post("/lists/milestones/{id}/meet", response={200: MilestoneOut, **WRITE},
             summary="完成节点：提交佐证材料和完成日期（附件请在页面上传）")
def meet_milestone(request: HttpRequest, payload: MeetIn, id: int = PathId) -> Any:
    user = _user(request)
    milestone = sel.milestone_for_action(user, id, actions.REPORT_REFUSED)
    return _milestone(actions.do_meet_milestone(user, milestone, payload.dict()))


@router.post("/lists/task-lists/{id}/quarters", response={201: QuarterOut, **WRITE},
             summary="记录季度调度会（须在制发清单的组织负责审核）")
def record_quarter(request: HttpRequest, payload: QuarterIn, id: int = PathId) -> Any:
    user = _user(request)
    _require(user)
    tl = sel.lists_for(user).filter(pk=id).first()
    if tl is None:
        raise Http404
    if not sel.may_record_quarter(user, tl):
        raise PermissionDenied("您不能记录季度调度会：须在制发清单的组织负责审核")
    remarks = payload.remarks
    if remarks:  # every task named: in the user's scope and on this list, else not found
        known = set(sel.tasks_in_scope(user).filter(task_list=tl, pk__in=list(remarks)).values_list("pk", flat=True))
        if set(remarks) - known:
            raise Http404
    review = actions.do_record_quarter(user, tl, payload.dict())
    items = [{"task_id": i.task_id, "remark": i.remark} for i in review.items.order_by("task_id")]
    return Status(201, {"id": review.pk, "task_list_id": tl.pk, "quarter": review.quarter,
                        "held_on": review.held_on, "summary": review.summary, "remarks": items})


@router.put("/lists/tasks/{id}/annual", response={200: AnnualOut, **WRITE},
            summary="年度述评（每项任务一次；述评人可以修改）")
def annual_review(request: HttpRequest, payload: AnnualIn, id: int = PathId) -> Any:
    user = _user(request)
    task = sel.task_for_action(user, id, sel.may_review_piece, "您不能述评这项任务：须由上级组织或领衔干部述评")
    review: AnnualReview = actions.do_annual_review(user, task, payload.dict())
    return {"task_id": task.pk, "score": float(review.score), "comments": review.comments,
            "reviewed_at": review.reviewed_at}
