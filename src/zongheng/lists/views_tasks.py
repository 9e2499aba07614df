"""Pages of the task list (任务清单): the list of pieces in scope (filters, paging), a piece's page (plan,
timetable, pledge, pieces below it, monthly reports, annual review) and its writes — split, plan and pledge,
milestones, monthly reports and their review, the quarterly and the annual review.

No right at all → 403; a piece or report out of scope → 404 like a missing one; every write is one ``do_*``
action of ``actions_tasks`` whose ``ActionError`` is shown in Chinese and changes nothing. Status and progress
come from ``progress.load`` (one board per page: three queries).
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query

from . import actions_tasks as actions
from . import progress
from . import selectors_tasks as sel
from .choices import TaskStatus
from .forms_tasks import AnnualForm, MeetForm, MilestoneForm, PlanForm, QuarterForm, ReportForm, ReviewForm, SplitForm
from .models import AnnualReview, QuarterReview, Task

PAGE_SIZE = 50


def _status(board: progress.Board, task_id: int) -> tuple[str, str, str]:
    code = board.status.get(task_id, TaskStatus.UNPLANNED)
    return code, TaskStatus(code).label, sel.percent(board.progress.get(task_id))


# ---------------------------------------------------------------- the list


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    today = timezone.localdate()
    tl = sel.list_for_year(user, request.GET.get("year"))
    f = sel.filters(request.GET)
    context: dict[str, Any] = {"task_list": tl, "f": f, "query": filter_query(request),
                               "statuses": TaskStatus.choices}
    if tl is not None:
        board = progress.read(tl, today)
        page = Paginator(sel.task_ids(user, tl, f, board), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(t, *_status(board, t.pk)) for t in sel.tasks_by_ids(list(page.object_list))]
        context.update(page=page, rows=rows, categories=sel.categories(user, tl), orgs=sel.filter_orgs(user, f))
    return render(request, "lists/task_list.html", context)


# ---------------------------------------------------------------- one piece


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    task = sel.task_for(user, pk)
    today = timezone.localdate()
    board = progress.read(task.task_list, today)
    children = list(sel.tasks_in_scope(user).filter(parent=task).select_related("org").order_by("code", "id"))
    reports = list(task.reports.select_related("milestone", "filed_by", "reviewed_by").order_by("-month"))
    annual = AnnualReview.objects.filter(task=task).select_related("reviewed_by").first()
    code, label, pct = _status(board, task.pk)
    can_review = sel.may_review_piece(user, task)
    return render(request, "lists/task_detail.html", {
        "task": task, "status": code, "status_label": label, "progress_text": pct,
        "lead": task.lead if task.parent_id is None else (task.root.lead if task.root else None),
        "milestones": list(task.milestones.all()), "missing": board.missing_reports(task.pk),
        "children": [(c, *_status(board, c.pk)) for c in children],
        "reports": reports, "annual": annual,
        "can_report": sel.may_report(user, task), "can_split": sel.may_split(user, task),
        "can_review": can_review,
        "can_annual": can_review and (annual is None or annual.reviewed_by_id == user.pk)})


def _task_form(request: HttpRequest, task: Task, form: Any, act: Callable[[dict[str, Any]], Any],
               done: str | Callable[[Any], str], title: str, submit: str, *, multipart: bool = False) -> HttpResponse:
    """A piece's form page: on a valid post, the action; its refusal shown on the form (nothing written), its
    success back on the piece's page."""
    if request.method == "POST" and form.is_valid():
        try:
            result = act(form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect("lists:task", pk=task.pk)
    return render(request, "lists/task_form.html", {"task": task, "form": form, "title": title, "submit": submit,
                                                    "multipart": multipart})


@login_required
def task_split(request: HttpRequest, pk: int) -> HttpResponse:
    """分解: a piece to an organisation below the carrying one, with its weight."""
    user = request.user
    task = sel.task_for_action(user, pk, sel.may_split, "您不能分解这项任务")
    form = SplitForm(request.POST or None, task=task)
    return _task_form(request, task, form, lambda data: actions.do_split_task(user, task, data),
                      lambda child: f"已分解给{child.org.name}", "分解任务", "分解")


@login_required
def task_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """计划书和责任状."""
    user = request.user
    task = sel.task_for_action(user, pk, sel.may_report, actions.REPORT_REFUSED)
    initial = {"goal": task.goal, "measures": task.measures, "pledge_by": task.pledge_by_id,
               "pledge_on": task.pledge_on, "pledge_text": task.pledge_text}
    form = PlanForm(request.POST or None, request.FILES or None, initial=initial, task=task)
    return _task_form(request, task, form, lambda data: actions.do_update_plan(user, task, data),
                      "已保存计划书和责任状", "计划书和责任状", "保存", multipart=True)


@login_required
def milestone_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    task = sel.task_for_action(user, pk, sel.may_report, actions.REPORT_REFUSED)
    form = MilestoneForm(request.POST or None)
    return _task_form(request, task, form, lambda data: actions.do_add_milestone(user, task, data),
                      "已添加节点", "添加路线图节点", "添加")


@login_required
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    milestone = sel.milestone_for_action(user, pk, actions.REPORT_REFUSED)
    initial = {"title": milestone.title, "due_on": milestone.due_on, "weight": milestone.weight}
    form = MilestoneForm(request.POST or None, initial=initial)
    return _task_form(request, milestone.task, form, lambda data: actions.do_update_milestone(user, milestone, data),
                      "已修改节点", "修改节点", "保存")


@login_required
def milestone_meet(request: HttpRequest, pk: int) -> HttpResponse:
    """完成节点: evidence and the day it was met."""
    user = request.user
    milestone = sel.milestone_for_action(user, pk, actions.REPORT_REFUSED)
    form = MeetForm(request.POST or None, request.FILES or None, initial={"done_on": timezone.localdate()})
    return _task_form(request, milestone.task, form, lambda data: actions.do_meet_milestone(user, milestone, data),
                      "已提交佐证材料，节点已完成", f"完成节点：{milestone.title}", "提交", multipart=True)


def _attachment(file: Any) -> FileResponse:
    """An attachment of the task list, as a download (never a public MEDIA URL, never rendered in the page)."""
    if not file:
        raise Http404
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    response = FileResponse(file.open("rb"), content_type=content_type, as_attachment=True,
                            filename=file.name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def milestone_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A milestone's evidence file, served only to those who may see its piece."""
    sel.require_view(request.user)
    return _attachment(sel.milestone_for(request.user, pk).evidence_file)


@login_required
def task_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """A piece's 计划书 or 责任状 attachment, served only to those who may see the piece."""
    sel.require_view(request.user)
    task = sel.task_for(request.user, pk)
    return _attachment({"plan": task.plan_file, "pledge": task.pledge_file}.get(kind))


@login_required
@require_POST
def milestone_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    milestone = sel.milestone_for_action(user, pk, actions.REPORT_REFUSED)
    try:
        actions.do_remove_milestone(user, milestone)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已删除节点")
    return redirect("lists:task", pk=milestone.task_id)


# ---------------------------------------------------------------- monthly reports


@login_required
def report_new(request: HttpRequest, pk: int) -> HttpResponse:
    """报送月度进展 (default: last month)."""
    user = request.user
    task = sel.task_for_action(user, pk, sel.may_report, actions.REPORT_REFUSED)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    form = ReportForm(request.POST or None, task=task, initial={"month": max(last_month, task.starts_on)})
    if request.method == "POST" and form.is_valid():
        try:
            report = actions.do_file_report(user, task, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已报送月度进展")
            return redirect("lists:report", pk=report.pk)
    return render(request, "lists/report_form.html", {"task": task, "form": form, "title": "报送月度进展"})


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    report = sel.report_for(user, pk)
    may_review = sel.may_review_report(user, report) and report.reviewed_at is None
    return render(request, "lists/report_detail.html", {
        "report": report, "task": report.task, "review_form": ReviewForm() if may_review else None,
        "can_edit": sel.may_report(user, report.task) and report.result != "accepted"})


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改月报 (waiting for review), or re-file a returned one."""
    user = request.user
    sel.require_view(user)
    report = sel.report_for(user, pk)
    if not sel.may_report(user, report.task):
        raise PermissionDenied(actions.REPORT_REFUSED)
    initial = {"done": report.done, "milestone": report.milestone_id, "problems": report.problems,
               "evidence": report.evidence}
    form = ReportForm(request.POST or None, task=report.task, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_report(user, report, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存月报" if not report.result else "已重新报送，等待审核")
            return redirect("lists:report", pk=report.pk)
    title = "修改后重新报送" if report.result == "returned" else "修改月报"
    return render(request, "lists/report_form.html", {"task": report.task, "form": form, "title": title,
                                                      "report": report})


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    report = sel.report_for(user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果")
        return redirect("lists:report", pk=report.pk)
    try:
        actions.do_review_report(user, report, form.cleaned_data)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已审核")
    return redirect("lists:report", pk=report.pk)


# ---------------------------------------------------------------- reviews


@login_required
def task_annual(request: HttpRequest, pk: int) -> HttpResponse:
    """年度述评 of a piece (once; its reviewer may correct it)."""
    user = request.user
    task = sel.task_for_action(user, pk, sel.may_review_piece, "您不能述评这项任务：须由上级组织或领衔干部述评")
    annual = AnnualReview.objects.filter(task=task).first()
    initial = {"score": annual.score, "comments": annual.comments} if annual else {}
    form = AnnualForm(request.POST or None, initial=initial)
    return _task_form(request, task, form, lambda data: actions.do_annual_review(user, task, data),
                      "已保存年度述评", "年度述评", "保存")


@login_required
def review_quarter_new(request: HttpRequest, pk: int) -> HttpResponse:
    """季度调度会: quarter, date, summary and a remark per top-level task (optional)."""
    user = request.user
    sel.require_view(user)
    tl = sel.lists_for(user).filter(pk=pk).first()
    if tl is None:
        raise Http404
    if not sel.may_record_quarter(user, tl):
        raise PermissionDenied("您不能记录季度调度会：须在制发清单的组织负责审核")
    tops = list(Task.objects.filter(task_list=tl, parent__isnull=True).order_by("code", "id"))
    form = QuarterForm(request.POST or None, initial={"held_on": timezone.localdate()})
    remarks = {t.pk: request.POST.get(f"remark_{t.pk}", "") for t in tops} if request.method == "POST" else {}
    if request.method == "POST" and form.is_valid():
        try:
            review = actions.do_record_quarter(user, tl, {**form.cleaned_data, "remarks": remarks})
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已记录第{review.quarter}季度调度会")
            return redirect("lists:review_quarter", pk=review.pk)
    return render(request, "lists/review_quarter_form.html", {
        "task_list": tl, "form": form, "tops": [(t, remarks.get(t.pk, "")) for t in tops]})


@login_required
def review_quarter(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    review = QuarterReview.objects.filter(pk=pk, task_list__in=sel.lists_for(user)).select_related(
        "task_list", "recorded_by").first()
    if review is None:
        raise Http404
    visible = sel.tasks_in_scope(user).filter(task_list=review.task_list_id)
    items = list(review.items.filter(task__in=visible).select_related("task").order_by("task__code"))
    return render(request, "lists/review_quarter.html", {"review": review, "items": items})
