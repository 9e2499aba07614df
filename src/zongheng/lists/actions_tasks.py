"""Every write of the task list (任务清单): split a piece down the tree, the roadmap's milestones (add, edit,
remove, meet with evidence), plan and pledge, the monthly report (file, re-file a returned one, review), the
quarterly review and the annual review of a piece.

Each ``do_*`` runs in one transaction, locks the row it changes (``select_for_update``: two reviewers at once
leave one decision), checks the right through the one rule of ``selectors_tasks``, writes the audit record and
raises ``ActionError`` (Chinese) when refused — then nothing is written. Status and progress are never written:
``progress.py`` derives them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.core.errors import checked_text as _text
from zongheng.orgs.models import Org

from . import selectors_tasks as sel
from .choices import ReviewResult
from .models import AnnualReview, Milestone, ProgressReport, QuarterReview, QuarterReviewItem, Task, TaskList
from .progress import month_start

TASK_FIELDS = ["code", "title", "category", "weight", "org", "parent", "goal", "measures", "starts_on", "ends_on",
               "pledge_by", "pledge_on", "pledge_text"]
MILESTONE_FIELDS = ["title", "due_on", "weight", "done_on", "evidence"]
REPORT_FIELDS = ["month", "done", "milestone", "problems", "evidence", "filed_at", "result", "review_note"]
ANNUAL_FIELDS = ["score", "comments"]
EVIDENCE_TYPES = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx")
REPORT_REFUSED = "您不能为这项任务报送：须在承担这项任务的组织担任可报送进展的职务"


def _weight(value: Any) -> int:
    try:
        weight = int(value)
    except (TypeError, ValueError):
        raise ActionError("权重须为 1 到 100 的整数") from None
    if not 1 <= weight <= 100:
        raise ActionError("权重须为 1 到 100 的整数")
    return weight


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise ActionError(f"请填写{label}")
    return value


def _locked_task(task: Task) -> Task:
    return Task.objects.select_for_update(of=("self",)).select_related("root", "task_list").get(pk=task.pk)


# ---------------------------------------------------------------- split, plan and pledge


@transaction.atomic
def do_split_task(user: Any, task: Task, data: dict[str, Any]) -> Task:
    """分解: a piece of ``task`` carried by an organisation strictly below its own, weighted among its siblings.
    ``data``: org (an ``Org``), weight, title (default the parent's), goal."""
    task = _locked_task(task)
    if not sel.may_split(user, task):
        raise ActionError("您不能分解这项任务：须在承担这项任务的组织负责审核（如区委工作专班、街道党工委）")
    org = data.get("org")
    if not isinstance(org, Org):
        raise ActionError("请选择承担这部分任务的组织")
    org = Org.objects.get(pk=org.pk)
    if not org.path.startswith(task.org_path) or org.path == task.org_path:
        raise ActionError("只能分解给承担这项任务的组织的下级组织")
    if Task.objects.filter(parent=task, org=org).exists():
        raise ActionError(f"这项任务已分解给{org.name}，请修改原来那一部分")
    weight = _weight(data.get("weight", 1))
    title = _text(data.get("title"), "任务名称", 200) or task.title
    goal = _text(data.get("goal"), "目标", 2000)
    n = Task.objects.filter(parent=task).count() + 1
    while Task.objects.filter(task_list_id=task.task_list_id, code=f"{task.code}.{n}").exists():
        n += 1
    child = Task.objects.create(
        task_list_id=task.task_list_id, parent=task, root=task.root or task, code=f"{task.code}.{n}", title=title,
        category=task.category, weight=weight, document_id=task.document_id, org=org, org_path=org.path,
        goal=goal, starts_on=task.starts_on, ends_on=task.ends_on)
    audit.record(user, "lists.task_split", child, after=audit.snapshot(child, TASK_FIELDS))
    return child


@transaction.atomic
def _check_upload(upload: Any, label: str) -> None:
    """An attachment (evidence, a plan, a signed pledge): a document or an image, at most 10 MB."""
    if getattr(upload, "size", 0) > 10 * 1024 * 1024:
        raise ActionError(f"{label}最大 10 MB")
    suffix = str(getattr(upload, "name", "")).rpartition(".")[2].lower()
    if suffix not in EVIDENCE_TYPES:
        raise ActionError(f"{label}须为 PDF、图片、Word 或 Excel 文件（" + "、".join(EVIDENCE_TYPES) + "）")


def do_update_plan(user: Any, task: Task, data: dict[str, Any]) -> Task:
    """计划书和责任状: goal, measures, pledge_by, pledge_on, pledge_text and the two attachments (``plan_file``,
    ``pledge_file``); only the keys given change. The signer is one of the carrying organisation's cadres
    (``selectors_tasks.pledge_signers``)."""
    task = _locked_task(task)
    if not sel.may_report(user, task):
        raise ActionError(REPORT_REFUSED)
    before = audit.snapshot(task, TASK_FIELDS) | {f: getattr(task, f).name for f in ("plan_file", "pledge_file")}
    if "pledge_by" in data:
        signer = data["pledge_by"]
        signer_id = getattr(signer, "pk", signer)
        if signer_id in (None, ""):
            task.pledge_by = None
        else:
            found = sel.pledge_signers(task).filter(pk=signer_id).first() if str(signer_id).isdigit() else None
            if found is None:
                raise ActionError("责任状签订人须是承担这项任务的组织的在任干部")
            task.pledge_by = found
    for field, label in (("plan_file", "计划书附件"), ("pledge_file", "责任状附件")):
        upload = data.get(field)
        if upload:
            _check_upload(upload, label)
            getattr(task, field).save(getattr(upload, "name", field), upload, save=False)
    if "goal" in data:
        task.goal = _text(data["goal"], "目标", 2000)
    if "measures" in data:
        task.measures = _text(data["measures"], "主要措施", 4000)
    if "pledge_text" in data:
        task.pledge_text = _text(data["pledge_text"], "责任状内容", 2000)
    if "pledge_on" in data:
        value = data["pledge_on"]
        task.pledge_on = _date(value, "责任状签订日期") if value else None
    task.save(update_fields=["goal", "measures", "pledge_text", "pledge_on", "pledge_by", "plan_file", "pledge_file"])
    after = audit.snapshot(task, TASK_FIELDS) | {f: getattr(task, f).name for f in ("plan_file", "pledge_file")}
    audit.record(user, "lists.task_plan", task, before=before, after=after)
    return task


# ---------------------------------------------------------------- milestones


def _due_on(value: Any, task: Task) -> dt.date:
    due = _date(value, "节点时间")
    if due < task.starts_on or due > task.ends_on:
        raise ActionError(f"节点时间须在任务期限内（{task.starts_on:%Y-%m-%d} 至 {task.ends_on:%Y-%m-%d}）")
    return due


@transaction.atomic
def do_add_milestone(user: Any, task: Task, data: dict[str, Any]) -> Milestone:
    """添加节点: title, due_on (inside the task's run), weight."""
    task = _locked_task(task)
    if not sel.may_report(user, task):
        raise ActionError(REPORT_REFUSED)
    milestone = Milestone.objects.create(task=task, title=_text(data.get("title"), "节点", 200, required=True),
                                         due_on=_due_on(data.get("due_on"), task),
                                         weight=_weight(data.get("weight", 1)))
    audit.record(user, "lists.milestone_add", milestone, org_path=task.org_path,
                 after=audit.snapshot(milestone, MILESTONE_FIELDS))
    return milestone


def _locked_milestone(milestone: Milestone) -> Milestone:
    locked = Milestone.objects.select_for_update().filter(pk=milestone.pk).first()
    if locked is None:
        raise ActionError("这个节点已被删除")
    locked.task = Task.objects.select_related("root").get(pk=locked.task_id)
    return locked


@transaction.atomic
def do_update_milestone(user: Any, milestone: Milestone, data: dict[str, Any]) -> Milestone:
    """修改节点 (not yet met): title, due_on, weight."""
    milestone = _locked_milestone(milestone)
    task = milestone.task
    if not sel.may_report(user, task):
        raise ActionError(REPORT_REFUSED)
    if milestone.done_on is not None:
        raise ActionError("这个节点已完成，不能再修改")
    before = audit.snapshot(milestone, MILESTONE_FIELDS)
    if "title" in data:
        milestone.title = _text(data["title"], "节点", 200, required=True)
    if "due_on" in data:
        milestone.due_on = _due_on(data["due_on"], task)
    if "weight" in data:
        milestone.weight = _weight(data["weight"])
    milestone.save(update_fields=["title", "due_on", "weight"])
    audit.record(user, "lists.milestone_update", milestone, org_path=task.org_path, before=before,
                 after=audit.snapshot(milestone, MILESTONE_FIELDS))
    return milestone


@transaction.atomic
def do_remove_milestone(user: Any, milestone: Milestone) -> None:
    """删除节点: only one not yet met (a met milestone is the record of what was done)."""
    milestone = _locked_milestone(milestone)
    task = milestone.task
    if not sel.may_report(user, task):
        raise ActionError(REPORT_REFUSED)
    if milestone.done_on is not None:
        raise ActionError("这个节点已完成并提交了佐证材料，不能删除")
    before = audit.snapshot(milestone, MILESTONE_FIELDS)
    pk, title = milestone.pk, str(milestone)
    milestone.delete()
    audit.record(user, "lists.milestone_remove", object_type="lists.milestone", object_id=pk, object_repr=title,
                 org_path=task.org_path, before=before)


@transaction.atomic
def do_meet_milestone(user: Any, milestone: Milestone, data: dict[str, Any], *,
                      today: dt.date | None = None) -> Milestone:
    """完成节点: the evidence (text, and optionally a file) and the day it was met (not after today)."""
    today = today or timezone.localdate()
    milestone = _locked_milestone(milestone)
    task = milestone.task
    if not sel.may_report(user, task):
        raise ActionError(REPORT_REFUSED)
    if milestone.done_on is not None:
        raise ActionError(f"这个节点已于 {milestone.done_on:%Y-%m-%d} 完成")
    done_on = _date(data.get("done_on"), "完成日期")
    if done_on > today:
        raise ActionError("完成日期不能晚于今天")
    if done_on < task.starts_on:
        raise ActionError("完成日期不能早于任务开始日期")
    before = audit.snapshot(milestone, MILESTONE_FIELDS)
    milestone.evidence = _text(data.get("evidence"), "佐证材料", 2000, required=True)
    milestone.done_on = done_on
    milestone.done_by = user if getattr(user, "is_authenticated", False) else None
    upload = data.get("evidence_file")
    if upload:
        _check_upload(upload, "佐证附件")
        milestone.evidence_file.save(getattr(upload, "name", "evidence"), upload, save=False)
    milestone.save()
    audit.record(user, "lists.milestone_meet", milestone, org_path=task.org_path, before=before,
                 after=audit.snapshot(milestone, MILESTONE_FIELDS))
    return milestone


# ---------------------------------------------------------------- monthly reports


def _milestone_of(task: Task, value: Any) -> Milestone | None:
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    found = Milestone.objects.filter(task=task, pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise ActionError("对应节点须是这项任务的节点")
    return found


def _report_text(report: ProgressReport, data: dict[str, Any], task: Task) -> None:
    report.done = _text(data.get("done"), "本月完成情况", 2000, required=True)
    report.problems = _text(data.get("problems"), "存在问题", 2000)
    report.evidence = _text(data.get("evidence"), "佐证材料", 2000)
    report.milestone = _milestone_of(task, data.get("milestone"))


@transaction.atomic
def do_file_report(user: Any, task: Task, data: dict[str, Any], *, now: dt.datetime | None = None) -> ProgressReport:
    """报送月度进展: month (any day of it; not a future month, inside the task's run), done, milestone,
    problems, evidence. One per task and month: a returned report is re-filed by editing it."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    task = _locked_task(task)
    if not sel.may_report(user, task):
        raise ActionError(REPORT_REFUSED)
    month = month_start(_date(data.get("month"), "月份"))
    if month > month_start(today):
        raise ActionError("不能报送以后月份的进展")
    if month < month_start(task.starts_on) or month > month_start(task.ends_on):
        raise ActionError(f"月份须在任务期限内（{task.starts_on:%Y年%m月} 至 {task.ends_on:%Y年%m月}）")
    existing = ProgressReport.objects.filter(task=task, month=month).first()
    if existing is not None:
        if existing.result == ReviewResult.RETURNED:
            raise ActionError(f"{month:%Y年%m月}的进展已被退回，请修改原月报后重新报送")
        raise ActionError(f"{month:%Y年%m月}的进展已经报送，不能重复报送")
    report = ProgressReport(task=task, org_path=task.org_path, month=month, filed_at=now,
                            filed_by=user if getattr(user, "is_authenticated", False) else None)
    _report_text(report, data, task)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ActionError(f"{month:%Y年%m月}的进展已经报送，不能重复报送") from None
    audit.record(user, "lists.report_file", report, after=audit.snapshot(report, REPORT_FIELDS))
    return report


def _locked_report(report: ProgressReport) -> ProgressReport:
    locked = ProgressReport.objects.select_for_update().get(pk=report.pk)
    locked.task = Task.objects.select_related("root").get(pk=locked.task_id)
    return locked


@transaction.atomic
def do_update_report(user: Any, report: ProgressReport, data: dict[str, Any], *,
                     now: dt.datetime | None = None) -> ProgressReport:
    """修改月报: while it waits for review, or to re-file it after it was returned (the review is cleared and it
    waits for review again). An accepted report stays as it is."""
    now = now or timezone.now()
    report = _locked_report(report)
    task = report.task
    if not sel.may_report(user, task):
        raise ActionError(REPORT_REFUSED)
    if report.result == ReviewResult.ACCEPTED:
        raise ActionError("这份月报已审核通过，不能再修改")
    before = audit.snapshot(report, REPORT_FIELDS)
    _report_text(report, data, task)
    if report.result == ReviewResult.RETURNED:
        report.result, report.review_note, report.reviewed_at, report.reviewed_by = "", "", None, None
        report.filed_at = now
        report.filed_by = user if getattr(user, "is_authenticated", False) else None
    report.save()
    audit.record(user, "lists.report_update", report, before=before, after=audit.snapshot(report, REPORT_FIELDS))
    return report


@transaction.atomic
def do_review_report(user: Any, report: ProgressReport, data: dict[str, Any], *,
                     now: dt.datetime | None = None) -> ProgressReport:
    """审核月报: result (accepted / returned) and, for a return, the reason. Once per filing: a report already
    reviewed is refused (two reviewers at once: the second finds it decided)."""
    now = now or timezone.now()
    report = _locked_report(report)
    if not sel.may_review_report(user, report):
        raise ActionError("您不能审核这份月报：须由上级组织或这项任务的领衔干部审核，报送单位不能自己审核")
    if report.reviewed_at is not None:
        raise ActionError(f"这份月报已经审核（{report.get_result_display()}），不能重复审核")
    result = str(data.get("result") or "")
    if result not in ReviewResult.values:
        raise ActionError("请选择审核结果：通过或退回补充")
    note = _text(data.get("note"), "审核意见", 500, required=result == ReviewResult.RETURNED)
    before = audit.snapshot(report, REPORT_FIELDS)
    report.result, report.review_note, report.reviewed_at = result, note, now
    report.reviewed_by = user if getattr(user, "is_authenticated", False) else None
    report.save(update_fields=["result", "review_note", "reviewed_at", "reviewed_by"])
    audit.record(user, "lists.report_review", report, before=before, after=audit.snapshot(report, REPORT_FIELDS))
    return report


# ---------------------------------------------------------------- quarterly and annual reviews


@transaction.atomic
def do_record_quarter(user: Any, task_list: TaskList, data: dict[str, Any], *,
                      today: dt.date | None = None) -> QuarterReview:
    """季度调度会: quarter (1–4, once), held_on (not after today), summary, remarks {task id: remark} on the
    list's tasks (optional)."""
    today = today or timezone.localdate()
    task_list = TaskList.objects.select_for_update().get(pk=task_list.pk)
    if not sel.may_record_quarter(user, task_list):
        raise ActionError("您不能记录季度调度会：须在制发清单的组织负责审核（如区委工作专班）")
    try:
        quarter = int(data.get("quarter") or 0)
    except (TypeError, ValueError):
        quarter = 0
    if not 1 <= quarter <= 4:
        raise ActionError("季度须为 1 到 4")
    if QuarterReview.objects.filter(task_list=task_list, quarter=quarter).exists():
        raise ActionError(f"第{quarter}季度调度会已经记录")
    held_on = _date(data.get("held_on"), "召开日期")
    if held_on > today:
        raise ActionError("召开日期不能晚于今天")
    if held_on.year != task_list.year:
        raise ActionError(f"召开日期须在 {task_list.year} 年")
    summary = _text(data.get("summary"), "调度情况", 4000, required=True)
    remarks = {int(k): _text(v, "调度意见", 500) for k, v in (data.get("remarks") or {}).items()}
    remarks = {k: v for k, v in remarks.items() if v}
    known = set(Task.objects.filter(task_list=task_list, pk__in=remarks).values_list("pk", flat=True))
    if set(remarks) - known:
        raise ActionError("调度意见须针对这份清单中的任务")
    review = QuarterReview.objects.create(task_list=task_list, quarter=quarter, held_on=held_on, summary=summary,
                                          recorded_by=user if getattr(user, "is_authenticated", False) else None)
    QuarterReviewItem.objects.bulk_create([QuarterReviewItem(review=review, task_id=k, remark=v)
                                           for k, v in sorted(remarks.items())])
    audit.record(user, "lists.quarter_record", review, org_path=task_list.org_path,
                 after={"quarter": quarter, "held_on": str(held_on), "summary": summary,
                        "remarks": {str(k): v for k, v in remarks.items()}})
    return review


def _score(value: Any) -> Decimal:
    try:
        score = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ActionError("得分须为 0 到 100 的数") from None
    if not Decimal(0) <= score <= Decimal(100):
        raise ActionError("得分须为 0 到 100 的数")
    return score


@transaction.atomic
def do_annual_review(user: Any, task: Task, data: dict[str, Any], *, now: dt.datetime | None = None) -> AnnualReview:
    """年度述评: score (0–100) and comments; once per piece, and then editable by its reviewer only."""
    now = now or timezone.now()
    task = _locked_task(task)
    if not sel.may_review_piece(user, task):
        raise ActionError("您不能述评这项任务：须由上级组织或这项任务的领衔干部述评")
    score = _score(data.get("score"))
    comments = _text(data.get("comments"), "述评意见", 2000, required=True)
    review = AnnualReview.objects.filter(task=task).first()
    if review is not None:
        if review.reviewed_by_id != getattr(user, "pk", None):
            raise ActionError("这项任务已经述评，只有述评人可以修改")
        before = audit.snapshot(review, ANNUAL_FIELDS)
        review.score, review.comments, review.reviewed_at = score, comments, now
        review.save(update_fields=["score", "comments", "reviewed_at"])
        audit.record(user, "lists.annual_update", review, before=before, after=audit.snapshot(review, ANNUAL_FIELDS))
        return review
    review = AnnualReview.objects.create(task=task, org_path=task.org_path, score=score, comments=comments,
                                         reviewed_at=now,
                                         reviewed_by=user if getattr(user, "is_authenticated", False) else None)
    audit.record(user, "lists.annual_review", review, after=audit.snapshot(review, ANNUAL_FIELDS))
    return review
