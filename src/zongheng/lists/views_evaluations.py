"""Pages of 述职评议 (evaluation rounds): the rounds list with the viewer's pending ratings, a round's page (its
formula, subjects, raters' progress and — for the organiser — results), the organiser's forms (create or copy,
formula, subjects, raters, moves, paper sheets), the rater's pages (the subjects they rate and the score sheet),
the subject's pages (their report, their own published result), and the exports.

No capacity at all → 403; a round (or a subject of it) the viewer sees in no capacity → 404 like a missing one;
every write is one ``do_*`` action whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, org_names
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm

from . import actions_evaluations as actions
from . import scoring
from . import selectors_evaluations as selectors
from .choices_evaluations import EvalMove, EvalState
from .forms_evaluations import FormulaForm, RatersForm, RoundEditForm, RoundForm, VoteForm, formula_text
from .models_evaluations import EvalRater, EvalSubject, EvalVote

PAGE_SIZE = 50
SECTION = "evaluations"


def _require_use(user: Any) -> None:
    if not selectors.may_use(user):
        raise PermissionDenied("您没有此项权限")


def _seat(request: HttpRequest, pk: int) -> selectors.Seat:
    _require_use(request.user)
    return selectors.seat_for(request.user, pk)


def _organised(request: HttpRequest, pk: int) -> Any:
    _require_use(request.user)
    seat = selectors.seat_for(request.user, pk)
    if not seat.organises:
        if seat.reads_all:
            raise PermissionDenied("只有组织评议的党组织可以进行这项操作")
        raise Http404
    return seat.round


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """述职评议: the rounds the viewer organises, reads, rates or reported in; their pending ratings first."""
    user = request.user
    _require_use(user)
    qs = selectors.visible_rounds(user).select_related("org").order_by("-year", "-month", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lists/evaluations/round_list.html", {
        "section": SECTION, "page": page, "query": "", "pending": selectors.pending_for(user),
        "mine": list(selectors.my_results(user)[:10]), "can_create": has_perm(user, Perm.EVAL_RUN),
        "can_hub": has_perm(user, Perm.LIST_VIEW)})


@login_required
def org_pick(request: HttpRequest) -> HttpResponse:
    from zongheng.orgs.picker import render_pick

    if not has_perm(request.user, Perm.EVAL_RUN):
        raise PermissionDenied("您没有此项权限")
    return render_pick(request, selectors.round_org_choices(request.user), name="org", multiple=False)


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_perm(user, Perm.EVAL_RUN):
        raise PermissionDenied("您没有此项权限")
    form = RoundForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = actions.do_create_round(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已新建评议轮次，请设置评议办法、述职人和评议人")
            return redirect("lists:eval_round", pk=round_.pk)
    return render(request, "lists/evaluations/round_form.html", {"section": SECTION, "form": form})


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: its facts and formula; for the organiser its subjects, raters' progress, moves and results; for a
    rater a link to their score sheets; for a subject their report and (published) result."""
    user = request.user
    seat = _seat(request, pk)
    r = seat.round
    context: dict[str, Any] = {"section": SECTION, "r": seat.round, "seat": seat,
                               "groups": list(r.groups.all()), "items": list(r.items.all()),
                               "bands": list(r.bands.all()), "full": scoring.sheet_total(r)}
    if seat.reads_all:
        subjects = r.subjects.select_related("person", "org").order_by("org_path", "pk")
        results = scoring.results(r) if r.state != EvalState.DRAFT else None
        context.update({
            "subjects": Paginator(subjects, PAGE_SIZE).get_page(request.GET.get("page")), "query": "",
            "progress": scoring.vote_progress(r), "moves": selectors.moves_for(user, r), "results": results,
            "ranked": Paginator(results.rows, PAGE_SIZE).get_page(request.GET.get("rpage")) if results else None,
            "levels": selectors.level_choices(r) if seat.organises and r.state == EvalState.DRAFT else []})
    return render(request, "lists/evaluations/round_detail.html", context)


@login_required
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改名称、匿名设置和评分截止时间 (until the round is published)."""
    user = request.user
    r = _organised(request, pk)
    if r.state == EvalState.PUBLISHED:
        raise PermissionDenied("评议结果已公布，不能再修改")
    form = RoundEditForm(request.POST or None, initial={"title": r.title, "anonymous": r.anonymous,
                                                        "due_at": r.due_at})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_round(user, r, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("lists:eval_round", pk=r.pk)
    return render(request, "lists/evaluations/round_edit.html", {"section": SECTION, "form": form, "r": r})


@login_required
def round_formula(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    r = _organised(request, pk)
    if r.state != EvalState.DRAFT:
        raise PermissionDenied("评分开始后不能再修改评议办法")
    initial = {"groups": formula_text([(g.name, g.weight) for g in r.groups.all()]),
               "items": formula_text([(i.title, i.max_score) for i in r.items.all()]),
               "bands": formula_text([(b.label, b.min_score) for b in r.bands.all()])}
    form = FormulaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_formula(user, r, *form.parsed())
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "评议办法已保存")
            return redirect("lists:eval_round", pk=r.pk)
    return render(request, "lists/evaluations/formula_form.html", {"section": SECTION, "form": form, "r": r})


@login_required
@require_POST
def subjects_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    r = _organised(request, pk)
    try:
        level = selectors.resolve_level(r, request.POST.get("level"))
        added = actions.do_add_subjects(user, r, level)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已加入 {added} 名述职人")
    return redirect("lists:eval_round", pk=r.pk)


@login_required
@require_POST
def subject_remove(request: HttpRequest, pk: int, subject_pk: int) -> HttpResponse:
    user = request.user
    r = _organised(request, pk)
    subject = r.subjects.filter(pk=subject_pk).first()
    if subject is None:
        raise Http404
    try:
        actions.do_remove_subject(user, subject)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已移除述职人")
    return redirect("lists:eval_round", pk=r.pk)


@login_required
def member_org_pick(request: HttpRequest, pk: int) -> HttpResponse:
    from zongheng.orgs.picker import render_pick

    r = _organised(request, pk)
    return render_pick(request, selectors.member_org_choices(request.user, r), name="org", multiple=False)


@login_required
def rater_people(request: HttpRequest, pk: int) -> HttpResponse:
    """The raters form's person search (htmx): people the organiser may assign."""
    from zongheng.orgs.person_picker import render_people

    r = _organised(request, pk)
    return render_people(request, selectors.rater_people_choices(request.user, r), name="people", multiple=True)


@login_required
def raters(request: HttpRequest, pk: int) -> HttpResponse:
    """评议人: who rates in each group (paged), and the form that adds people from a source."""
    user = request.user
    r = _organised(request, pk)
    form = RatersForm(request.POST or None, user=user, round_=r)
    if request.method == "POST" and form.is_valid():
        try:
            group = selectors.group_for(r, form.cleaned_data["group"])
            people = _rater_source(user, r, form.cleaned_data)
            within = form.cleaned_data.get("org") if form.cleaned_data["source"] == "members" else None
            added = actions.do_add_raters(user, r, group, people, within=within)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已加入 {added} 名评议人")
            return redirect("lists:eval_raters", pk=r.pk)
    rows = (EvalRater.objects.filter(round=r).select_related("group", "person", "person__org")
            .order_by("group__order", "person__org_path", "pk"))
    voted = set(EvalVote.objects.filter(round=r, rater__isnull=False).values_list("rater_id", flat=True).distinct())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    names = org_names({x.within for x in page if x.within})
    for x in page:
        x.within_name = names.get(x.within, "")  # type: ignore[attr-defined]
    return render(request, "lists/evaluations/raters.html", {
        "section": SECTION, "r": r, "form": form, "page": page,
        "query": "", "voted": voted, "can_change": r.state in (EvalState.DRAFT, EvalState.SCORING)})


def _rater_source(user: Any, r: Any, data: dict[str, Any]) -> list[Any]:
    today = timezone.localdate()
    source = data["source"]
    if source == "leaders":
        return selectors.leaders_of(r, today)
    if source == "subjects":
        return list(r.subjects.values_list("person_id", flat=True))
    if source == "members":
        if data.get("org") is None:
            raise ActionError("请选择组织")
        return selectors.members_of(data["org"])
    values = data.get("people") or []
    if not values:
        raise ActionError("请输入姓名查找并勾选评议人")
    return selectors.resolve_rater_people(user, r, values)


@login_required
@require_POST
def rater_remove(request: HttpRequest, pk: int, rater_pk: int) -> HttpResponse:
    user = request.user
    r = _organised(request, pk)
    rater = EvalRater.objects.filter(round=r, pk=rater_pk).first()
    if rater is None:
        raise Http404
    try:
        actions.do_remove_rater(user, rater)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已移除评议人")
    return redirect("lists:eval_raters", pk=r.pk)


@login_required
@require_POST
def round_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    user = request.user
    r = _organised(request, pk)
    if move not in EvalMove.values:
        raise Http404
    try:
        actions.do_move_round(user, r, move)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{EvalMove(move).label}")
    return redirect("lists:eval_round", pk=r.pk)


@login_required
def subject_detail(request: HttpRequest, pk: int, subject_pk: int) -> HttpResponse:
    """The organiser's view of one subject: report, result, comments; who gave which score only when the round is
    not anonymous."""
    seat = _seat(request, pk)
    if not seat.reads_all:
        raise Http404
    r = seat.round
    subject = r.subjects.select_related("person", "org").filter(pk=subject_pk).first()
    if subject is None:
        raise Http404
    votes = []
    if not r.anonymous:
        votes = list(EvalVote.objects.filter(subject=subject).select_related("group", "rater__person", "sheet")
                     .prefetch_related("scores").order_by("group__order", "pk")[:500])
    return render(request, "lists/evaluations/subject_detail.html", {
        "section": SECTION, "r": r, "subject": subject, "result": scoring.results(r).for_subject(subject.pk),
        "comments": scoring.comments_for(subject.pk), "votes": votes, "items": list(r.items.all())})


# ---------------------------------------------------------------- the rater


def _rater(request: HttpRequest, pk: int) -> tuple[Any, EvalRater]:
    seat = _seat(request, pk)
    if seat.rater is None:
        raise Http404
    return seat.round, seat.rater


@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """我的评分: the subjects the rater rates (all but themselves), each marked rated or not."""
    r, rater = _rater(request, pk)
    subjects = selectors.rateable_subjects(rater)
    mine = set(EvalVote.objects.filter(rater=rater).values_list("subject_id", flat=True))
    page = Paginator(subjects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lists/evaluations/rate.html", {
        "section": SECTION, "r": r, "rater": rater, "page": page, "query": "", "mine": mine,
        "left": subjects.count() - len(mine)})


@login_required
def rate_subject(request: HttpRequest, pk: int, subject_pk: int) -> HttpResponse:
    """The score sheet for one subject (their report above it); a second visit amends the rater's own vote."""
    user = request.user
    r, rater = _rater(request, pk)
    subject = selectors.rater_subject(rater, subject_pk)
    vote = EvalVote.objects.filter(rater=rater, subject=subject).prefetch_related("scores").first()
    initial: dict[str, Any] = {}
    if vote is not None:
        initial = {f"item_{s.item_id}": s.score for s in vote.scores.all()} | {"comment": vote.comment}
    form = VoteForm(request.POST or None, round_=r, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_vote(user, r, subject, form.values(), form.cleaned_data["comment"],
                            amend=request.POST.get("amend") == "1")
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已提交对{subject.person.name}的评分")
            return redirect("lists:eval_rate", pk=r.pk)
    return render(request, "lists/evaluations/rate_subject.html", {
        "section": SECTION, "r": r, "subject": subject, "form": form, "vote": vote})


# ---------------------------------------------------------------- paper sheets


@login_required
def sheet_new(request: HttpRequest, pk: int) -> HttpResponse:
    """录入纸质评分表: the sheet's number and group, then a score row per subject it rates (empty rows skipped)."""
    user = request.user
    r = _organised(request, pk)
    if r.state != EvalState.SCORING:
        raise PermissionDenied("只有评分中的评议可以录入纸质评分表")
    subjects = list(r.subjects.select_related("person", "org").order_by("org_path", "pk")[:200])
    items = list(r.items.all())
    error = ""
    if request.method == "POST":
        try:
            group = selectors.group_for(r, request.POST.get("group"))
            rows: dict[EvalSubject, tuple[dict[Any, Any], str]] = {}
            for s in subjects:
                values = {i.pk: request.POST.get(f"s{s.pk}_i{i.pk}", "").strip() for i in items}
                comment = request.POST.get(f"s{s.pk}_comment", "")
                if any(values.values()) or comment.strip():
                    rows[s] = (values, comment)
            sheet = actions.do_enter_sheet(user, r, group, request.POST.get("number", ""), rows)
        except ActionError as exc:
            error = exc.message
        else:
            messages.success(request, f"评分表 {sheet.number} 已录入（{len(rows)} 名述职人）")
            return redirect("lists:eval_sheet", pk=r.pk)
    return render(request, "lists/evaluations/sheet_form.html", {
        "section": SECTION, "r": r, "subjects": subjects, "items": items, "groups": list(r.groups.all()),
        "error": error, "post": request.POST, "sheets": r.sheets.count()})


# ---------------------------------------------------------------- the subject


def _subject(request: HttpRequest, pk: int) -> tuple[Any, EvalSubject]:
    seat = _seat(request, pk)
    if seat.subject is None:
        raise Http404
    return seat.round, seat.subject


@login_required
def my_report(request: HttpRequest, pk: int) -> HttpResponse:
    """我的述职报告: written by the subject until the round closes."""
    user = request.user
    r, subject = _subject(request, pk)
    error = ""
    if request.method == "POST":
        try:
            actions.do_submit_report(user, subject, request.POST.get("report", ""))
        except ActionError as exc:
            error = exc.message
        else:
            messages.success(request, "述职报告已提交")
            return redirect("lists:eval_round", pk=r.pk)
    return render(request, "lists/evaluations/my_report.html", {
        "section": SECTION, "r": r, "subject": subject, "error": error,
        "text": request.POST.get("report", subject.report),
        "can_write": r.state in (EvalState.DRAFT, EvalState.SCORING)})


@login_required
def my_result(request: HttpRequest, pk: int) -> HttpResponse:
    """我的评议结果 (published rounds): own per-group means, total, grade, rank and the comments — never who
    gave them, never another subject."""
    r, subject = _subject(request, pk)
    if r.state != EvalState.PUBLISHED:
        raise Http404
    res = scoring.results(r)
    return render(request, "lists/evaluations/my_result.html", {
        "section": SECTION, "r": r, "subject": subject, "result": res.for_subject(subject.pk),
        "ranked": sum(1 for row in res.rows if row.rank is not None), "comments": scoring.comments_for(subject.pk)})


# ---------------------------------------------------------------- exports


@login_required
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from .exports_evaluations import results_xlsx
    from .exports_tasks import download

    seat = _seat(request, pk)
    if not seat.reads_all:
        raise Http404
    return download(results_xlsx(seat.round),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    f"{seat.round.title}评议结果.xlsx")


@login_required
def notice_docx(request: HttpRequest, pk: int, subject_pk: int) -> HttpResponse:
    """述职评议结果通知书 (.docx): the organiser for any subject once results exist; a subject for their own once
    published."""
    from .exports_evaluations import notice_docx as build
    from .exports_tasks import DOCX_MIME, download

    seat = _seat(request, pk)
    r = seat.round
    own = seat.subject is not None and seat.subject.pk == subject_pk and r.state == EvalState.PUBLISHED
    if not (seat.reads_all or own) or r.state == EvalState.DRAFT:
        raise Http404
    subject = r.subjects.select_related("person", "org").filter(pk=subject_pk).first()
    if subject is None:
        raise Http404
    return download(build(r, subject), DOCX_MIME, f"述职评议结果通知书-{subject.person.name}.docx")
