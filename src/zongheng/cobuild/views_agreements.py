"""Pages of claim agreements (项目认领书), their items, pairings (结对共建) and joint activities.

Reads through restricted querysets (no right anywhere → 403, a row out of scope → 404 like a missing
one); every write is one ``do_*`` action of ``actions_agreements`` whose ``ActionError`` is shown in
Chinese and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, require
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm

from . import actions_agreements as actions
from . import exports_agreements as exports
from . import selectors_agreements as selectors
from .choices import AgreementState, ItemKind, ItemState, PartnerKind
from .forms_agreements import (
    PICK_FIELDS,
    ActivityForm,
    AgreementEditForm,
    AgreementForm,
    CompleteForm,
    DropForm,
    ItemForm,
    PairingForm,
    ProgressForm,
    pick_targets,
)
from .models import Agreement, AgreementItem, Pairing
from .pace import held_q, pace

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
ACTIVITY_LIMIT = 200


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, str(e))


def _agreement(request: HttpRequest, pk: int) -> Agreement:
    require(request.user, Perm.COBUILD_VIEW)
    return get_object_or_404(selectors.agreements_in_scope(request.user), pk=pk)


def _changeable_agreement(request: HttpRequest, pk: int) -> Agreement:
    require(request.user, Perm.COBUILD_CHANGE)
    a = _agreement(request, pk)
    if not actions.may_change(request.user, a):
        raise PermissionDenied("该认领书须由街道或社区一方维护")
    return a


def _item(request: HttpRequest, pk: int, perm: str = Perm.COBUILD_VIEW) -> AgreementItem:
    require(request.user, perm)
    return get_object_or_404(selectors.items_in_scope(request.user), pk=pk)


def _pairing(request: HttpRequest, pk: int, perm: str = Perm.COBUILD_VIEW) -> Pairing:
    require(request.user, perm)
    return get_object_or_404(selectors.pairings_in_scope(request.user), pk=pk)


@login_required
def pick(request: HttpRequest) -> HttpResponse:
    """The pickers of the agreement and pairing forms (htmx): ``field`` org / community / unit."""
    from zongheng.orgs.picker import render_pick

    require(request.user, Perm.COBUILD_CHANGE)
    field = request.GET.get("field", "org")
    if field not in PICK_FIELDS:
        raise Http404
    return render_pick(request, pick_targets(request.user, field), name="org" if field == "community" else field,
                       multiple=False)


# ---------------------------------------------------------------- agreements


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    """项目认领书: the agreements in scope, with item counts; filters by state, year, text."""
    require(request.user, Perm.COBUILD_VIEW)
    qs = selectors.agreement_list(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    years = range(timezone.localdate().year, 2014, -1)
    return render(request, "cobuild/agreement_list.html", {
        "page": page, "query": filter_query(request), "states": AgreementState.choices, "years": years,
        "can_change": has_perm(request.user, Perm.COBUILD_CHANGE)})


@login_required
def agreement_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    return exports.agreements_xlsx(selectors.agreement_list(request.user, request.GET)[:EXPORT_LIMIT])


@login_required
def agreement_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    today = timezone.localdate()
    initial = {"signed_on": today, "starts_on": today, "ends_on": today.replace(month=12, day=31),
               "title": f"{today.year}年度共驻共建项目认领书"}
    form = AgreementForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            a = actions.do_create_agreement(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "认领书已登记，请添加认领项目")
            return redirect("cobuild:agreement", pk=a.pk)
    return render(request, "cobuild/agreement_form.html", {"form": form, "title": "登记项目认领书", "button": "登记"})


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One agreement: its facts, its items (progress, due, done), state changes and new items."""
    a = _agreement(request, pk)
    today = timezone.localdate()
    can_change = actions.may_change(request.user, a)
    items = sorted(a.items.all(), key=lambda i: (i.state != ItemState.OPEN, i.due_on, i.pk))
    rows = [(i, selectors.item_flags(i, today), actions.may_progress(request.user, i)) for i in items]
    writable = a.state in (AgreementState.DRAFT, AgreementState.ACTIVE)
    return render(request, "cobuild/agreement_detail.html", {
        "a": a, "rows": rows, "today": today, "can_change": can_change,
        "transitions": [(s, AgreementState(s).label, actions.TRANSITION_VERBS.get(s, ""))
                        for s in actions.allowed_states(a)] if can_change else [],
        "item_form": ItemForm(initial={"due_on": a.ends_on}) if can_change and writable else None,
        "counts": {"total": len(items), "done": sum(1 for i in items if i.state == ItemState.DONE),
                   "open": sum(1 for i in items if i.state == ItemState.OPEN),
                   "solved": sum(i.problems_solved for i in items if i.state == ItemState.DONE)},
        "kinds": ItemKind.choices})


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    a = _changeable_agreement(request, pk)
    form = AgreementEditForm(request.POST or None, initial={
        "title": a.title, "signed_on": a.signed_on, "starts_on": a.starts_on, "ends_on": a.ends_on, "note": a.note,
        "version": a.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            actions.do_update_agreement(request.user, a, data, expected_version=version)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "认领书已修改")
            return redirect("cobuild:agreement", pk=a.pk)
    return render(request, "cobuild/agreement_form.html", {"form": form, "title": f"修改认领书：{a.title}",
                                                           "button": "保存", "a": a})


@login_required
@require_POST
def agreement_transition(request: HttpRequest, pk: int) -> HttpResponse:
    a = _changeable_agreement(request, pk)
    state, version = request.POST.get("state", ""), request.POST.get("version", "")
    try:
        if not version.isdigit() or len(version) > 9:
            raise ActionError("该记录已被他人更新，请刷新页面后重试")
        a = actions.do_transition_agreement(request.user, a, state, expected_version=int(version))
        messages.success(request, f"认领书状态已改为“{a.get_state_display()}”")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("cobuild:agreement", pk=a.pk)


@login_required
@require_POST
def agreement_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    a = _changeable_agreement(request, pk)
    form = ItemForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            item = actions.do_add_item(request.user, a, form.cleaned_data)
            messages.success(request, f"已添加认领项目“{item.title}”")
        except ActionError as exc:
            messages.error(request, exc.message)
    return redirect("cobuild:agreement", pk=a.pk)


# ---------------------------------------------------------------- items


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    """认领项目: items in scope; 即将到期 (14 days) and 已逾期 first of all."""
    require(request.user, Perm.COBUILD_VIEW)
    today = timezone.localdate()
    qs = selectors.item_list(request.user, request.GET, today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(i, selectors.item_flags(i, today)) for i in page.object_list]
    return render(request, "cobuild/item_list.html", {
        "page": page, "rows": rows, "query": filter_query(request), "kinds": ItemKind.choices,
        "state": request.GET.get("state", ""), "kind": request.GET.get("kind", ""), "today": today})


@login_required
def item_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    today = timezone.localdate()
    return exports.items_xlsx(selectors.item_list(request.user, request.GET, today)[:EXPORT_LIMIT], today)


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    today = timezone.localdate()
    open_ = item.state == ItemState.OPEN and item.agreement.state == AgreementState.ACTIVE
    return render(request, "cobuild/item_detail.html", {
        "item": item, "a": item.agreement, "flags": selectors.item_flags(item, today),
        "updates": list(item.updates.select_related("by")[:100]),
        "demands": list(item.demands.all().only("pk", "ref", "description", "status")[:100]),
        "can_progress": open_ and actions.may_progress(request.user, item),
        "can_change": open_ and actions.may_change(request.user, item),
        "drop_form": DropForm(initial={"version": item.version}), "today": today})


@login_required
def item_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """更新进度: the unit's liaison or either side's cadre (cobuild.progress)."""
    item = _item(request, pk, Perm.COBUILD_PROGRESS)
    if not actions.may_progress(request.user, item):
        raise PermissionDenied("您不能更新该项目的进度")
    form = ProgressForm(request.POST or None, initial={"progress": item.progress, "version": item.version})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_item_progress(request.user, item, form.cleaned_data["progress"], form.cleaned_data["note"],
                                     expected_version=form.cleaned_data["version"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"进度已更新为 {form.cleaned_data['progress']}%")
            return redirect("cobuild:item", pk=item.pk)
    return render(request, "cobuild/item_progress.html", {
        "item": item, "a": item.agreement, "form": form, "updates": list(item.updates.select_related("by")[:5]),
        "flags": selectors.item_flags(item, timezone.localdate())})


@login_required
def item_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """完成确认: by the street/community side, with the problems solved and the demands it resolved."""
    item = _item(request, pk, Perm.COBUILD_CHANGE)
    if not actions.may_change(request.user, item):
        raise PermissionDenied("项目完成须由街道或社区一方确认")
    form = CompleteForm(request.POST or None, user=request.user, item=item,
                        initial={"completed_on": timezone.localdate(), "version": item.version,
                                 "problems_solved": item.problems_solved or 0})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            actions.do_complete_item(request.user, item, data, expected_version=version)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "项目已完成")
            return redirect("cobuild:item", pk=item.pk)
    return render(request, "cobuild/item_complete.html", {
        "item": item, "a": item.agreement, "form": form, "summoned": selectors.summoned_demands(item)})


@login_required
@require_POST
def item_drop(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk, Perm.COBUILD_CHANGE)
    if not actions.may_change(request.user, item):
        raise PermissionDenied("取消项目须由街道或社区一方决定")
    form = DropForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请说明取消原因")
    else:
        try:
            actions.do_drop_item(request.user, item, form.cleaned_data["reason"],
                                 expected_version=form.cleaned_data["version"])
            messages.success(request, "项目已取消")
        except ActionError as exc:
            messages.error(request, exc.message)
    return redirect("cobuild:item", pk=item.pk)


# ---------------------------------------------------------------- pairings


@login_required
def pairing_list(request: HttpRequest) -> HttpResponse:
    """结对共建: each pairing with this year's activities against its pace."""
    require(request.user, Perm.COBUILD_VIEW)
    today = timezone.localdate()
    qs = selectors.pairing_list(request.user, request.GET, today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(p, pace(p, today)) for p in page.object_list]
    return render(request, "cobuild/pairing_list.html", {
        "page": page, "rows": rows, "query": filter_query(request), "partners": PartnerKind.choices, "today": today,
        "can_change": has_perm(request.user, Perm.COBUILD_CHANGE)})


@login_required
def pairing_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    today = timezone.localdate()
    return exports.pairings_xlsx(selectors.pairing_list(request.user, request.GET, today)[:EXPORT_LIMIT], today)


@login_required
def pairing_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    form = PairingForm(request.POST or None, user=user, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            p = actions.do_create_pairing(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "结对已登记")
            return redirect("cobuild:pairing", pk=p.pk)
    return render(request, "cobuild/pairing_form.html", {"form": form, "title": "登记结对共建", "button": "登记"})


@login_required
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One pairing: this year's activities against ``required_per_year`` and the pace; log an activity."""
    p = _pairing(request, pk)
    today = timezone.localdate()
    activities = list(p.activities.select_related("created_by")[:ACTIVITY_LIMIT])
    this_year = p.activities.filter(held_q(today, prefix="")).aggregate(
        n=Count("pk"), residents=Sum("residents_reached"), participants=Sum("participants"))
    p.held_this_year = this_year["n"]  # type: ignore[attr-defined]  # the pace counts the same rows
    can_log = actions.may_progress(request.user, p)
    return render(request, "cobuild/pairing_detail.html", {
        "p": p, "pace": pace(p, today), "activities": activities, "this_year": this_year, "today": today,
        "more": max(p.activities.count() - ACTIVITY_LIMIT, 0) if len(activities) == ACTIVITY_LIMIT else 0,
        "form": ActivityForm(initial={"held_on": today}) if can_log else None})


@login_required
@require_POST
def pairing_activity(request: HttpRequest, pk: int) -> HttpResponse:
    p = _pairing(request, pk, Perm.COBUILD_PROGRESS)
    if not actions.may_progress(request.user, p):
        raise PermissionDenied("您不能为该结对登记活动")
    form = ActivityForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            actions.do_log_activity(request.user, p, form.cleaned_data)
            messages.success(request, "共建活动已登记")
        except ActionError as exc:
            messages.error(request, exc.message)
    return redirect("cobuild:pairing", pk=p.pk)
