"""Pages of 双联双管报到: the list (filters, paging, .xlsx), a registration with its history and the buttons its
viewer can take now, the member's application, the community's entry on a member's behalf, and the counts per
community (members it manages, members registered with it, applications waiting — each opening its rows).

Reads through restricted querysets (out of scope → 404; neither a right nor a person record → 403); every
write is one ``do_*`` action whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, in_scope, require
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm
from zongheng.orgs.picker import path_labels, render_pick

from . import actions_registration as actions
from . import exports_registration as exports
from . import selectors_registration as selectors
from .choices import OPEN_REGISTRATION
from .forms_registration import ApplyForm, EnterForm, TransitionForm, pick_url

PAGE_SIZE = 50
EXPORT_MAX = 20_000
ALL_COMMUNITIES = "全部社区"
DONE = {"confirm": "已确认报到", "decline": "已答复不同意报到", "withdraw": "已撤回报到申请", "end": "已结束报到"}


def _require_viewer(user: Any) -> None:
    """A cadre with member.view, or a person (who sees their own registrations); else 403."""
    if not selectors.may_view(user):
        raise PermissionDenied("您的账号没有关联人员信息，也没有查看党员报到的权限")


def _member(user: Any) -> Any:
    """The signed-in party member (their own person record); else 403."""
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    if person is None or not person.is_party_member:
        raise PermissionDenied("只有党员可以申请到社区报到")
    return person


def _is_member(user: Any) -> bool:
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    return bool(person is not None and person.is_party_member)


def _community_context(user: Any, value: Any) -> dict[str, Any]:
    """The community filter: the chosen one (ticked, with its street) and "全部社区" to clear it."""
    community = selectors.community_filter(user, value)
    items = [(community, path_labels([community])[community.pk], True)] if community is not None else []
    return {"community": community, "pick_url": pick_url("filter"), "community_items": items,
            "community_fixed": [("", ALL_COMMUNITIES, community is None)]}


# ---------------------------------------------------------------- the list


@login_required
def registration_list(request: HttpRequest) -> HttpResponse:
    """双联双管报到: the registrations the user sees (both sides, or their own), filtered and paged."""
    user = request.user
    _require_viewer(user)
    can_view = has_perm(user, Perm.MEMBER_VIEW)
    qs = selectors.registration_list(user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/registration_list.html", {
        "page": page, "query": filter_query(request), "can_view": can_view,
        "can_enter": has_perm(user, Perm.MEMBER_CHANGE), "states": selectors.STATE_FILTERS,
        "sides": selectors.SIDES, "is_member": _is_member(user),
        **(_community_context(user, request.GET.get("community")) if can_view else {})})


@login_required
def registration_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MEMBER_VIEW)
    return exports.registrations_xlsx(selectors.registration_list(request.user, request.GET)[:EXPORT_MAX])


@login_required
def registration_pick(request: HttpRequest) -> HttpResponse:
    """The community picker (htmx): ``for=apply`` the communities and villages of the member's district (names
    only), ``for=enter`` those of the cadre's member.change scope, otherwise the list's filter."""
    user = request.user
    purpose = request.GET.get("for", "")
    fixed = None
    if purpose == "apply":
        targets = selectors.apply_choices(_member(user))
    elif purpose == "enter":
        require(user, Perm.MEMBER_CHANGE)
        targets = selectors.enter_choices(user)
    else:
        _require_viewer(user)
        targets = selectors.filter_choices(user)
        fixed = [("", ALL_COMMUNITIES, False)]
    return render_pick(request, targets, name="community", multiple=False, fixed=fixed)


# ---------------------------------------------------------------- one registration


@login_required
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A registration: the member, the community, the dates, its history, and what the viewer can do now."""
    user = request.user
    _require_viewer(user)
    reg = selectors.registration_for(user, pk)
    person = reg.person
    may_open_person = (getattr(user, "person_id", None) == person.pk
                       or in_scope(user, Perm.PERSON_VIEW, person.org_path)
                       or bool(person.registered_path and in_scope(user, Perm.PERSON_VIEW, person.registered_path)))
    buttons = [(name, actions.TRANSITIONS[name]) for name in actions.allowed_actions(user, reg)]
    return render(request, "members/registration_detail.html", {
        "reg": reg, "events": selectors.history(reg), "buttons": buttons, "may_open_person": may_open_person,
        "is_own": getattr(user, "person_id", None) == reg.person_id,
        "can_view": has_perm(user, Perm.MEMBER_VIEW)})


@login_required
@require_POST
def registration_act(request: HttpRequest, pk: int) -> HttpResponse:
    """One transition (confirm, decline, withdraw, end) with the state the page showed; stale pages are refused."""
    user = request.user
    _require_viewer(user)
    reg = selectors.registration_for(user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(next(iter(form.errors.values()))[0]))
    else:
        d = form.cleaned_data
        try:
            actions.do_transition(user, reg, d["action"], reason=d.get("reason") or "",
                                  expected_state=d.get("state") or None)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, DONE[d["action"]])
    return redirect("members:registration", pk=reg.pk)


# ---------------------------------------------------------------- apply and enter


@login_required
def registration_apply(request: HttpRequest) -> HttpResponse:
    """申请报到: a party member applies, for themselves, to the community where they live."""
    user = request.user
    person = _member(user)
    current = selectors.current_of(person)
    if current is not None and current.state in OPEN_REGISTRATION:
        if request.method == "POST":
            messages.error(request, "您已有一条待确认或已生效的报到，须先撤回申请或结束报到")
            return redirect("members:registration", pk=current.pk)
        return render(request, "members/registration_apply.html", {"current": current, "person": person})
    form = ApplyForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            reg = actions.do_apply(user, person, d["community"], {"skills": d["skills"], "note": d["note"]})
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已向{reg.community.name}提交报到申请，社区确认后即完成报到")
            return redirect("members:registration", pk=reg.pk)
    return render(request, "members/registration_apply.html", {"form": form, "person": person, "last": current})


@login_required
def registration_enter(request: HttpRequest) -> HttpResponse:
    """代为登记: a community cadre enters a member's registration, finding the member by name and full ID number."""
    user = request.user
    require(user, Perm.MEMBER_CHANGE)
    form = EnterForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = actions.lookup_member(user, d["community"], d["name"], d["id_number"])
            reg = actions.do_enter(user, person, d["community"], {
                "applied_on": d.get("applied_on"), "skills": d["skills"], "note": d["note"],
                "confirm": bool(d.get("confirm"))})
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            done = "并已确认报到" if reg.state == "confirmed" else "，待社区确认"
            messages.success(request, f"已为{reg.person.name}登记到{reg.community.name}的报到{done}")
            return redirect("members:registration", pk=reg.pk)
    return render(request, "members/registration_enter.html", {"form": form})


# ---------------------------------------------------------------- counts per community


def _count_rows(orgs: list[Any]) -> list[Any]:
    rows = selectors.community_counts(orgs)
    streets = path_labels(orgs)
    for row in rows:
        row.path = streets.get(row.org.pk, "")
        row.links = selectors.count_links(row.org)  # type: ignore[attr-defined]
    return rows


@login_required
def registration_counts(request: HttpRequest) -> HttpResponse:
    """报到统计: for each community in scope, the party members it manages, the members registered with it and
    the applications waiting — each a link to exactly those rows."""
    user = request.user
    require(user, Perm.MEMBER_VIEW)
    page = Paginator(selectors.count_rows(user, request.GET), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/registration_counts.html", {
        "page": page, "rows": _count_rows(list(page.object_list)), "query": filter_query(request)})


@login_required
def registration_counts_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.MEMBER_VIEW)
    orgs = list(selectors.count_rows(user, request.GET)[:EXPORT_MAX])
    return exports.counts_xlsx(_count_rows(orgs))


@login_required
def registration_people(request: HttpRequest, pk: int) -> HttpResponse:
    """The party members a community manages (the 'managed' count), with where each is registered."""
    user = request.user
    require(user, Perm.MEMBER_VIEW)
    community = selectors.managed_community(user, pk)
    qs = selectors.managed_people(community, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/registration_people.html", {
        "community": community, "page": page, "query": filter_query(request),
        "may_open_person": in_scope(user, Perm.PERSON_VIEW, community.path),
        "counts_url": reverse("members:registration_counts")})


@login_required
def registration_people_export(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.MEMBER_VIEW)
    community = selectors.managed_community(user, pk)
    return exports.people_xlsx(community, selectors.managed_people(community, request.GET)[:EXPORT_MAX])
