"""Pages of activities (活动): the list (filters, paged, exported), an activity with its sign-ups, the form,
publishing and cancelling, sign-up and its cancellation, residents added by the organiser, the attendance
sheet, the roster export, the figures and the sign-up rows they count, and a person's own page.

Reads through scoped querysets (no right anywhere → 403, a row out of scope → 404 like a missing one); a
person acts on their own sign-ups only (``request.user.person``, never by a right); every write is one
``do_*`` action of ``actions_activities`` whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from zongheng.core.access import has_perm, in_scope, require
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm

from . import actions_activities as actions
from . import exports_activities as exports
from . import selectors_activities as selectors
from .choices import ActivityKind, ActivityState, SignUpState
from .forms_activities import ActivityForm, PublicSignUpForm, ResidentForm, TransitionForm
from .models import Activity, SignUp

PAGE_SIZE = 30
EXPORT_LIMIT = 100_000
ROSTER_LIMIT = 500
MINE_LIMIT = 50
WALK_IN_ROWS = 5
ALL_ORGS = "全部组织"


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, str(e))


def _person_or_403(request: HttpRequest) -> Any:
    """A person acts for themselves: an account without a person record has nothing here."""
    person = getattr(request.user, "person", None)
    if person is None:
        raise PermissionDenied("您的账号没有关联人员信息")
    return person


def _organised(request: HttpRequest, pk: int) -> Activity:
    """An activity the user organises: member.change somewhere (else 403), over its organisation (else 404)."""
    require(request.user, Perm.MEMBER_CHANGE)
    return get_object_or_404(selectors.activities_in_scope(request.user, Perm.MEMBER_CHANGE), pk=pk)


def _visible(request: HttpRequest, pk: int) -> Activity:
    user = request.user
    if not (has_perm(user, Perm.MEMBER_VIEW) or getattr(user, "person_id", None)):
        raise PermissionDenied("您没有此项权限")
    return get_object_or_404(selectors.visible_activities(user), pk=pk)


def _org_context(request: HttpRequest) -> dict[str, Any]:
    """The organisation filter: the chosen one (ticked, with its path) and "全部组织" to clear it."""
    from zongheng.orgs.picker import path_labels

    org = selectors.org_filter(request.user, request.GET.get("org"))
    items = [(org, path_labels([org])[org.pk], True)] if org is not None else []
    return {"org": org, "pick_url": reverse("members:activity_pick"), "org_items": items,
            "org_fixed": [("", ALL_ORGS, org is None)]}


# ---------------------------------------------------------------- list, export, picker


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """活动: the activities in scope; a person without member.view is sent to their own page."""
    user = request.user
    if not has_perm(user, Perm.MEMBER_VIEW):
        return redirect("members:my_activities")
    now = timezone.now()
    qs = selectors.activity_list(user, request.GET, now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_attended(list(page.object_list))
    return render(request, "members/activity_list.html", {
        "page": page, "query": filter_query(request), "kinds": ActivityKind.choices, "states": ActivityState.choices,
        "whens": list(selectors.WHEN.items()), "now": now, "section": "activities",
        "can_create": has_perm(user, Perm.MEMBER_CHANGE), **_org_context(request)})


@login_required
def activity_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MEMBER_VIEW)
    qs = selectors.annotate_attended(selectors.activity_list(request.user, request.GET, timezone.now()))
    return exports.activities_xlsx(qs[:EXPORT_LIMIT])


@login_required
def activity_pick(request: HttpRequest) -> HttpResponse:
    """The organisation picker (htmx) of the filters (view scope) and of the form (``perm=change``)."""
    from zongheng.orgs.picker import render_pick

    require(request.user, Perm.MEMBER_VIEW)
    change = request.GET.get("perm") == "change"
    perm = Perm.MEMBER_CHANGE if change else Perm.MEMBER_VIEW
    fixed = None if change else [("", ALL_ORGS, False)]
    return render_pick(request, selectors.org_choices(request.user, perm), name="org", multiple=False, fixed=fixed)


# ---------------------------------------------------------------- one activity


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One activity: its facts; for whoever sees its organisation, the sign-ups (phones masked); for a person
    it is open to, their own sign-up and the button to sign up or cancel."""
    a = _visible(request, pk)
    user, now = request.user, timezone.now()
    sees_roster = in_scope(user, Perm.MEMBER_VIEW, a.org_path)
    can_organise = actions.may_organise(user, a)
    person = getattr(user, "person", None)
    mine = selectors.own_signup(a, getattr(user, "person_id", None))
    live_mine = mine if mine is not None and mine.state == SignUpState.SIGNED else None
    open_now = a.state == ActivityState.PUBLISHED and a.starts_at > now
    full = a.capacity is not None and a.signed >= a.capacity
    may_join = person is not None and (person.is_party_member or a.open_to_residents)
    is_open_to = (open_now and may_join and live_mine is None
                  and selectors.open_activities(person, now).filter(pk=a.pk).exists())
    roster = list(selectors.roster(a)[:ROSTER_LIMIT]) if sees_roster else []
    transitions = [(s, verb) for s, verb in actions.TRANSITIONS.get(a.state, {}).items()
                   if s != ActivityState.HELD] if can_organise else []
    return render(request, "members/activity_detail.html", {
        "a": a, "now": now, "section": "activities", "sees_roster": sees_roster, "can_organise": can_organise,
        "mine": mine, "live_mine": live_mine, "can_sign_up": is_open_to, "full": full,
        "can_cancel_mine": live_mine is not None and open_now,
        "roster": roster, "counts": selectors.roster_counts(a) if sees_roster else None,
        "roster_more": sees_roster and len(roster) == ROSTER_LIMIT,
        "transitions": transitions, "ended": a.ends_at <= now, "started": a.starts_at <= now,
        "can_attend": can_organise and a.state in (ActivityState.PUBLISHED, ActivityState.HELD) and a.starts_at <= now,
        "can_add_resident": can_organise and open_now and a.open_to_residents and not full,
        "resident_form": ResidentForm() if can_organise and open_now and a.open_to_residents else None,
        "public_url": reverse("members:activity_public", args=[a.pk]) if open_now and a.open_to_residents else "",
    })


@login_required
def activity_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.MEMBER_CHANGE)
    now = timezone.localtime()
    start = (now + dt.timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    initial: dict[str, Any] = {"starts_at": start, "ends_at": start.replace(hour=11), "open_to_residents": True,
                               "kind": ActivityKind.VOLUNTEER}
    if (org := request.GET.get("org", "")).isdigit():
        initial["org"] = org
    if (team := request.GET.get("team", "")).isdigit():
        initial["team"] = team
        initial["kind"] = ActivityKind.TEAM
    form = ActivityForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            a = actions.do_create_activity(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "活动已发布，党员和居民可以报名了" if a.state == ActivityState.PUBLISHED
                             else "活动已保存为草稿，确认无误后请发布")
            return redirect("members:activity", pk=a.pk)
    return render(request, "members/activity_form.html", {"form": form, "title": "新建活动", "button": "保存",
                                                          "section": "activities"})


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    a = _organised(request, pk)
    if a.state != ActivityState.DRAFT:
        messages.error(request, f"活动{a.get_state_display()}，不能再修改（只能修改草稿）")
        return redirect("members:activity", pk=a.pk)
    initial = {"org": a.org_id, "team": a.team_id or "", "kind": a.kind, "title": a.title,
               "description": a.description, "place": a.place, "starts_at": timezone.localtime(a.starts_at),
               "ends_at": timezone.localtime(a.ends_at), "capacity": a.capacity,
               "open_to_residents": a.open_to_residents}
    form = ActivityForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_activity(request.user, a, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "活动已修改")
            return redirect("members:activity", pk=a.pk)
    return render(request, "members/activity_form.html", {"form": form, "title": f"修改活动：{a.title}",
                                                          "button": "保存", "a": a, "section": "activities"})


@login_required
@require_POST
def activity_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """发布 or 取消 (with the reason); the form carries the state the organiser saw."""
    a = _organised(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "该活动的状态已变化，请刷新页面后重试")
        return redirect("members:activity", pk=a.pk)
    try:
        a = actions.do_transition(request.user, a, form.cleaned_data["state"],
                                  from_state=form.cleaned_data["from_state"], reason=form.cleaned_data["reason"])
        messages.success(request, "活动已发布" if a.state == ActivityState.PUBLISHED
                         else "活动已取消，报名者会在本人页面看到原因")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("members:activity", pk=a.pk)


# ---------------------------------------------------------------- sign-ups


@login_required
@require_POST
def activity_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    """我要报名: the signed-in person, for an activity open to them (any other answers 404)."""
    person = _person_or_403(request)
    a = get_object_or_404(Activity.objects.open_to(person).exclude(state=ActivityState.DRAFT), pk=pk)
    try:
        actions.do_sign_up(request.user, a)
        messages.success(request, f"报名成功：{a.title}，{timezone.localtime(a.starts_at):%m月%d日 %H:%M}，{a.place}")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(_next(request, reverse("members:activity", args=[a.pk])))


def _next(request: HttpRequest, default: str) -> str:
    """Back to the member's own page when the form came from there (a fixed name, never a URL from input)."""
    return reverse("members:my_activities") if request.POST.get("back") == "mine" else default


@login_required
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """取消报名: one's own sign-up, or (the organiser) anyone's, before the start."""
    user = request.user
    person_id = getattr(user, "person_id", None)
    if not (person_id or has_perm(user, Perm.MEMBER_CHANGE)):
        raise PermissionDenied("您没有此项权限")
    mine_or_organised = Q(pk__in=selectors.signups_in_scope(user, Perm.MEMBER_CHANGE).values("pk"))
    if person_id:
        mine_or_organised |= Q(person_id=person_id)
    s = get_object_or_404(SignUp.objects.filter(mine_or_organised).select_related("activity"), pk=pk)
    try:
        actions.do_cancel_sign_up(user, s)
        messages.success(request, "已取消报名")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(_next(request, reverse("members:activity", args=[s.activity_id])))


@login_required
@require_POST
def activity_resident(request: HttpRequest, pk: int) -> HttpResponse:
    """代居民报名: the organiser signs a resident up (name, phone encrypted and shown masked)."""
    a = _organised(request, pk)
    form = ResidentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            s = actions.do_add_resident(request.user, a, form.cleaned_data["name"], form.cleaned_data["phone"])
            messages.success(request, f"已为居民{s.name}报名")
        except ActionError as exc:
            messages.error(request, exc.message)
    return redirect("members:activity", pk=a.pk)


# ---------------------------------------------------------------- attendance


def _marks(request: HttpRequest, rows: list[SignUp]) -> dict[int, bool]:
    everyone = request.POST.get("all") == "1"
    marks: dict[int, bool] = {}
    for s in rows:
        value = request.POST.get(f"mark-{s.pk}", "")
        if value in ("1", "0"):
            marks[s.pk] = value == "1"
        elif everyone and s.attended is None:
            marks[s.pk] = True
    return marks


def _walk_ins(request: HttpRequest) -> list[dict[str, str]]:
    names = request.POST.getlist("walkin_name")[:200]
    phones = request.POST.getlist("walkin_phone")[:200]
    phones += [""] * (len(names) - len(phones))
    return [{"name": n, "phone": p} for n, p in zip(names, phones, strict=False) if n.strip()]


@login_required
def activity_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """出勤确认: after the start, the organiser marks each sign-up present or absent and adds walk-ins; the first
    confirmation makes the activity 已确认出勤 and awards the members' points."""
    a = _organised(request, pk)
    now = timezone.now()
    rows = list(SignUp.objects.filter(activity=a, state=SignUpState.SIGNED).select_related("person")
                .order_by("walk_in", "-is_member", "signed_at", "id"))
    if request.method == "POST":
        try:
            actions.do_confirm_attendance(request.user, a, _marks(request, rows), _walk_ins(request), now=now)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "出勤已确认，参加活动的党员积分已记入")
            return redirect("members:activity", pk=a.pk)
        posted = {s.pk: request.POST.get(f"mark-{s.pk}", "") for s in rows}
    else:
        posted = {s.pk: "" if s.attended is None else ("1" if s.attended else "0") for s in rows}
    return render(request, "members/activity_attendance.html", {
        "a": a, "rows": [(s, posted.get(s.pk, "")) for s in rows], "section": "activities",
        "open": a.state in (ActivityState.PUBLISHED, ActivityState.HELD) and a.starts_at <= now,
        "walk_in_rows": range(WALK_IN_ROWS), "counts": selectors.roster_counts(a)})


@login_required
def activity_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-up list of one activity (.xlsx; phones masked)."""
    require(request.user, Perm.MEMBER_VIEW)
    a = get_object_or_404(selectors.activities_in_scope(request.user), pk=pk)
    return exports.roster_xlsx(a, selectors.roster(a))


# ---------------------------------------------------------------- figures and the rows they count


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return timezone.localdate().year


@login_required
def activity_figures(request: HttpRequest) -> HttpResponse:
    """开展活动, 党员参加 and 服务群众 (人次) of a year, in scope and per organisation, each opening its rows."""
    require(request.user, Perm.MEMBER_VIEW)
    year = _year(request)
    ctx = _org_context(request)
    total, rows = selectors.figures(request.user, year, ctx["org"])
    return render(request, "members/activity_figures.html", {
        "year": year, "years": range(timezone.localdate().year, 2014, -1), "total": total, "rows": rows,
        "section": "activities", **ctx})


@login_required
def activity_signups(request: HttpRequest) -> HttpResponse:
    """报名记录: the sign-up rows in scope (what the figures count), phones masked."""
    require(request.user, Perm.MEMBER_VIEW)
    qs = selectors.signup_list(request.user, request.GET, timezone.now())
    page = Paginator(qs, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    return render(request, "members/activity_signups.html", {
        "page": page, "query": filter_query(request), "section": "activities", "kinds": ActivityKind.choices,
        **_org_context(request)})


@login_required
def activity_signups_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MEMBER_VIEW)
    return exports.signups_xlsx(selectors.signup_list(request.user, request.GET, timezone.now())[:EXPORT_LIMIT])


# ---------------------------------------------------------------- a person's own page


@login_required
def my_activities(request: HttpRequest) -> HttpResponse:
    """我的活动: the activities open to the person now (upcoming) and their own sign-ups."""
    user = request.user
    person = getattr(user, "person", None)
    now = timezone.now()
    open_rows: list[Activity] = []
    signed_ids: set[int] = set()
    mine: list[SignUp] = []
    if person is not None:
        open_rows = list(selectors.open_activities(person, now).order_by("starts_at", "id")[:MINE_LIMIT])
        mine = list(selectors.my_signups(person.pk)[:MINE_LIMIT])
        signed_ids = set(SignUp.objects.filter(person=person, state=SignUpState.SIGNED,
                                               activity_id__in=[a.pk for a in open_rows])
                         .values_list("activity_id", flat=True))
    return render(request, "members/activity_mine.html", {
        "person": person, "now": now, "section": "activities",
        "open_rows": [(a, a.pk in signed_ids, a.capacity is not None and a.signed >= a.capacity) for a in open_rows],
        "mine": mine, "can_view": has_perm(user, Perm.MEMBER_VIEW)})


# ---------------------------------------------------------------- residents online (no account)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def activity_public(request: HttpRequest, pk: int) -> HttpResponse:
    """居民报名 (no account) for a published activity that takes residents and has not started; anything else
    answers 404. Shows the activity's public facts only — never who signed up, never a phone; a phone already
    on the list is answered like a new sign-up (``do_public_sign_up``). CSRF-protected, and counted per client
    like the demands' public intake."""
    from zongheng.demands.actions_public import client_of

    now = timezone.now()
    a = get_object_or_404(Activity.objects.select_related("org").filter(
        state=ActivityState.PUBLISHED, open_to_residents=True, starts_at__gt=now), pk=pk)
    form = PublicSignUpForm(request.POST or None)
    full = a.capacity is not None and a.signed >= a.capacity
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_public_sign_up(a, form.cleaned_data["name"], form.cleaned_data["phone"],
                                          client_of(request), now=now)
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                return _no_store(render(request, "members/activity_public.html", {"a": a, "done": True}))
        return _no_store(render(request, "members/activity_public.html", {"a": a, "form": form, "full": full},
                                status=400))
    return _no_store(render(request, "members/activity_public.html", {"a": a, "form": form, "full": full}))
