"""Pages of the inspections (巡查): the rounds (list, create, a round with its teams and targets and only the
moves its viewer can make now), teams and targets (pickers loaded on demand), a target's findings, findings
and rectification items, the rectification ledger (整改台账: filters, paging, .xlsx), an item's page (history,
reports with evidence, report and verification forms), the evidence files (served only in scope) and a round's
report (.docx).

No right at all → 403; a row out of scope → 404 like a missing one; every write is one ``do_*`` action of
``actions_inspections`` whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query

from . import actions_inspections as actions
from . import selectors_inspections as sel
from .choices_inspections import RectMove, RectState, RoundMove, RoundState
from .forms_inspections import FindingForm, ItemForm, ReportForm, RoundForm, TargetForm, TeamForm, VerifyForm
from .models_inspections import InspectionRound, InspectionTarget, Rectification, RectificationEvidence

PAGE_SIZE = 50


def _form_page(request: HttpRequest, form: Any, title: str, back: str, *, multipart: bool = False,
               intro: str = "") -> HttpResponse:
    return render(request, "lists/inspections/form.html", {
        "form": form, "title": title, "back": back, "multipart": multipart, "intro": intro},
        status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- rounds


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """巡查轮次: the rounds the viewer may read (organised in scope, with a target in scope, or assigned)."""
    user = request.user
    sel.require_view(user)
    qs = sel.rounds_in_scope(user).select_related("org")
    state = str(request.GET.get("state") or "")
    if state in RoundState.values:
        qs = qs.filter(state=state)
    elif request.GET.get("open"):
        qs = qs.exclude(state=RoundState.COMPLETED)
    page = Paginator(qs.order_by("-year", "-starts_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lists/inspections/round_list.html", {
        "page": page, "query": filter_query(request), "states": RoundState.choices, "state": state,
        "can_create": sel.may_create(user)})


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not sel.may_create(user):
        raise PermissionDenied("您没有此项权限")
    form = RoundForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            rnd = actions.do_create_round(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已创建巡查轮次，请组建巡查组并确定被巡查对象")
            return redirect("lists:inspection", pk=rnd.pk)
    return _form_page(request, form, "新建巡查轮次", reverse("lists:inspections"))


def _target_rows(user: Any, rnd: InspectionRound) -> list[Any]:
    """The viewer's targets of the round, each with its counts by state (two queries)."""
    targets = list(sel.targets_of(user, rnd))
    today = timezone.localdate()
    counts = {row["target_id"]: row for row in (
        Rectification.objects.filter(target__in=[t.pk for t in targets]).values("target_id")
        .annotate(total=Count("pk"), closed=Count("pk", filter=Q(state=RectState.CLOSED)),
                  overdue=Count("pk", filter=sel.overdue_q(today))).order_by())}
    for t in targets:
        t.counts = counts.get(t.pk, {"total": 0, "closed": 0, "overdue": 0})  # type: ignore[attr-defined]
    return targets


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    rnd = sel.round_for(user, pk)
    runs = sel.may_run(user, rnd)
    teams = list(rnd.teams.select_related("leader").prefetch_related("members").order_by("id")) if runs else []
    return render(request, "lists/inspections/round_detail.html", {
        "r": rnd, "runs": runs, "teams": teams, "targets": _target_rows(user, rnd),
        "moves": sel.round_moves(user, rnd),
        "rects_url": f"{reverse('lists:inspection_rects')}?round={rnd.pk}",
        "events": _round_events(rnd),
        "can_setup": runs and rnd.state != RoundState.COMPLETED})


def _round_events(rnd: InspectionRound) -> list[Any]:
    events = list(rnd.events.filter(rectification__isnull=True).select_related("by__person").order_by("at", "id"))
    labels = dict(RoundMove.choices) | {"create": "创建"}
    for e in events:
        e.move_label = labels.get(e.move, e.move)  # type: ignore[attr-defined]
    return events


@login_required
@require_POST
def round_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    rnd = sel.round_for(user, pk)
    if move not in RoundMove.values:
        raise Http404
    try:
        actions.do_move_round(user, rnd, move)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{RoundMove(move).label}")
    return redirect("lists:inspection", pk=rnd.pk)


def _running(user: Any, pk: int) -> InspectionRound:
    sel.require_view(user)
    rnd = sel.round_for(user, pk)
    if not sel.may_run(user, rnd):
        raise PermissionDenied("只有组织巡查的单位可以组建巡查组、确定被巡查对象")
    return rnd


def _people(request: HttpRequest, people: Any) -> HttpResponse:
    """The person search's answer (htmx) for one of the forms' person fields."""
    from zongheng.orgs.person_picker import render_people

    field = request.GET.get("field") or ""
    if field not in ("leader", "members", "responsible"):
        field = "leader"
    return render_people(request, people, name=field, multiple=field == "members")


@login_required
def round_people(request: HttpRequest, pk: int) -> HttpResponse:
    """巡查组成员 search (htmx): people of the organiser's subtree."""
    return _people(request, sel.team_people(_running(request.user, pk)))


@login_required
def team_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    rnd = _running(user, pk)
    form = TeamForm(request.POST or None, rnd=rnd, url=reverse("lists:inspection_people", args=[rnd.pk]))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_team(user, rnd, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已组建巡查组")
            return redirect("lists:inspection", pk=rnd.pk)
    return _form_page(request, form, f"组建巡查组：{rnd.title}", reverse("lists:inspection", args=[rnd.pk]))


@login_required
def target_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """被巡查组织 picker (htmx): organisations strictly inside the organiser's subtree."""
    from zongheng.orgs.picker import render_pick

    return render_pick(request, sel.target_choices(_running(request.user, pk)), name="org", multiple=False)


@login_required
def target_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a target to a team (``pk``: the team)."""
    user = request.user
    sel.require_view(user)
    team = sel.team_for(user, pk)
    rnd = _running(user, team.round_id)
    form = TargetForm(request.POST or None, rnd=rnd, url=reverse("lists:inspection_target_pick", args=[rnd.pk]))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_target(user, team, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已确定被巡查对象")
            return redirect("lists:inspection", pk=rnd.pk)
    return _form_page(request, form, f"{team.name}：添加被巡查对象", reverse("lists:inspection", args=[rnd.pk]))


# ---------------------------------------------------------------- targets, findings, items


@login_required
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    target = sel.target_for(user, pk)
    findings = list(target.findings.order_by("id"))
    rects = list(target.rectifications.select_related("org", "responsible").order_by("finding_id", "id"))
    by_finding: dict[int, list[Any]] = {}
    today = timezone.localdate()
    for r in rects:
        r.overdue = sel.is_overdue(r, today)  # type: ignore[attr-defined]
        by_finding.setdefault(r.finding_id, []).append(r)
    for f in findings:
        f.items = by_finding.get(f.pk, [])  # type: ignore[attr-defined]
    rnd = target.round
    can_record = sel.may_record(user, target, rnd) and rnd.state in (RoundState.INSPECTING, RoundState.RECTIFYING)
    return render(request, "lists/inspections/target_detail.html", {
        "t": target, "r": rnd, "findings": findings, "can_record": can_record})


def _recording(user: Any, target: InspectionTarget) -> None:
    if not sel.may_record(user, target, target.round):
        raise PermissionDenied("只有组织巡查的单位或负责这个对象的巡查组可以登记问题和整改事项")


@login_required
def target_people(request: HttpRequest, pk: int) -> HttpResponse:
    """整改责任人 search (htmx): people of the target's subtree (the action checks the owner's)."""
    from zongheng.orgs.models import Person

    user = request.user
    sel.require_view(user)
    target = sel.target_for(user, pk)
    _recording(user, target)
    return _people(request, Person.objects.filter(org_path__startswith=target.org_path).select_related("org"))


@login_required
def owner_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """整改责任单位 picker (htmx): the target and the organisations below it."""
    from zongheng.orgs.picker import render_pick

    user = request.user
    sel.require_view(user)
    target = sel.target_for(user, pk)
    _recording(user, target)
    return render_pick(request, sel.owner_choices(target), name="org", multiple=False)


def _item_urls(target: InspectionTarget) -> dict[str, str]:
    return {"org_url": reverse("lists:inspection_owner_pick", args=[target.pk]),
            "people_url": reverse("lists:inspection_target_people", args=[target.pk])}


@login_required
def finding_new(request: HttpRequest, pk: int) -> HttpResponse:
    """发现问题 at a target, with its first rectification item."""
    user = request.user
    sel.require_view(user)
    target = sel.target_for(user, pk)
    _recording(user, target)
    form = FindingForm(request.POST or None, target=target, **_item_urls(target))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_record_finding(user, target, {"text": form.cleaned_data["text"], "items": [form.item()]})
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已登记问题和整改事项")
            return redirect("lists:inspection_target", pk=target.pk)
    return _form_page(request, form, f"登记问题：{target.org.name}", reverse("lists:inspection_target",
                                                                       args=[target.pk]))


@login_required
def rect_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Another rectification item of a finding (``pk``)."""
    user = request.user
    sel.require_view(user)
    finding = sel.finding_for(user, pk)
    target = sel.target_for(user, finding.target_id)
    _recording(user, target)
    form = ItemForm(request.POST or None, target=target, **_item_urls(target))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_rectification(user, finding, form.item())
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已添加整改事项")
            return redirect("lists:inspection_target", pk=target.pk)
    return _form_page(request, form, "添加整改事项", reverse("lists:inspection_target", args=[target.pk]),
                      intro=f"问题：{finding.text}")


# ---------------------------------------------------------------- the ledger and an item


@login_required
def rect_list(request: HttpRequest) -> HttpResponse:
    """整改台账: the items the viewer may read; filters state, round, overdue, mine, title."""
    user = request.user
    sel.require_view(user)
    f = sel.rect_filters(request.GET)
    today = timezone.localdate()
    page = Paginator(sel.rect_list(user, f, today), PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page:
        r.overdue = sel.is_overdue(r, today)  # type: ignore[attr-defined]
    return render(request, "lists/inspections/rect_list.html", {
        "page": page, "query": filter_query(request), "f": f, "states": RectState.choices})


@login_required
def rect_export(request: HttpRequest) -> HttpResponse:
    from .exports_inspections import ledger_response

    user = request.user
    sel.require_view(user)
    return ledger_response(user, sel.rect_filters(request.GET), timezone.localdate())


@login_required
def rect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    rect = sel.rect_for(user, pk)
    reports = list(rect.reports.select_related("filed_by__person").prefetch_related("files").order_by("filed_at"))
    last = reports[-1].filed_by_id if reports else None
    moves = sel.rect_moves(user, rect, last)
    events = list(rect.events.select_related("by__person").order_by("at", "id"))
    labels = dict(RectMove.choices) | {"create": "登记"}
    for e in events:
        e.move_label = labels.get(e.move, e.move)  # type: ignore[attr-defined]
        e.to_label = RectState(e.to_state).label if e.to_state in RectState.values else e.to_state  # type: ignore[attr-defined]
    move_codes = [m for m, _ in moves]
    return render(request, "lists/inspections/rect_detail.html", {
        "x": rect, "reports": reports, "events": events, "overdue": sel.is_overdue(rect, timezone.localdate()),
        "can_report": RectMove.REPORT in move_codes and rect.round.state != RoundState.COMPLETED,
        "can_verify": RectMove.ACCEPT in move_codes, "report_form": ReportForm(), "verify_form": VerifyForm()})


@login_required
@require_POST
def rect_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    rect = sel.rect_for(user, pk)
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("lists:inspection_rect", pk=rect.pk)
    try:
        actions.do_report(user, rect, {"text": form.cleaned_data["text"], "files": form.cleaned_data["evidence"]})
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已报告整改情况，等待核验")
    return redirect("lists:inspection_rect", pk=rect.pk)


@login_required
@require_POST
def rect_verify(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    rect = sel.rect_for(user, pk)
    if move not in (RectMove.ACCEPT, RectMove.RETURN):
        raise Http404
    form = VerifyForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.do_verify(user, rect, move, note)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已销号" if move == RectMove.ACCEPT else "已退回")
    return redirect("lists:inspection_rect", pk=rect.pk)


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A report's evidence file, served only to those who may read its rectification item (else 404)."""
    user = request.user
    sel.require_view(user)
    found = (RectificationEvidence.objects.filter(
        pk=pk, report__rectification__in=Rectification.objects.restrict(user).values("pk")).first())
    if found is None or not found.file:
        raise Http404
    content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    response = FileResponse(found.file.open("rb"), content_type=content_type, as_attachment=True,
                            filename=found.name)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def round_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """巡查情况报告 (.docx): what the viewer may read of the round."""
    from .exports_inspections import round_report_response

    user = request.user
    sel.require_view(user)
    return round_report_response(user, sel.round_for(user, pk), timezone.localdate())



