"""Pages of duty campaigns (认领).

Cadres (member.view over the campaign's organisation; member.change to run it) create a campaign, generate
its segments and shifts, open and close it, clone it, and watch coverage and gaps live (an htmx partial
polled every 30 s, constant queries). A party member the campaign is open to claims shifts from a phone
(paged, filtered by campaign, segment and day), releases them before they start, checks in and out, and
records the residents they brought along — on their OWN claims only. Every write is one ``do_*`` action;
its ``ActionError`` is shown in Chinese and changes nothing. A row out of reach answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, require
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm

from . import actions_campaigns as actions
from . import exports_campaigns as exports
from . import selectors_campaigns as selectors
from .choices import CampaignKind, CampaignState, DutyState
from .forms_campaigns import (
    CampaignEditForm,
    CampaignForm,
    CloneForm,
    CompanionsForm,
    GenerateForm,
    SegmentForm,
    ShiftForm,
    campaign_org_choices,
)
from .models import Campaign, DutyClaim, Segment, Shift

PAGE_SIZE = 30
EXPORT_LIMIT = 100_000
LIVE_SECONDS = 30


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, str(e))


def _next(request: HttpRequest, default: str) -> str:
    back = request.POST.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return back
    return default


def _require_seer(request: HttpRequest) -> None:
    """Campaign pages: a cadre with member.view anywhere, or a party member (campaigns may be open to them)."""
    if not selectors.may_see_any(request.user):
        raise PermissionDenied("您没有此项权限：认领面向党员和党组织")


def _require_member(request: HttpRequest) -> None:
    """A member's own claims: the signed-in user must be a party member (their own person record)."""
    if selectors.member_of(request.user) is None:
        raise PermissionDenied("只有党员可以认领值守班次（您的账号没有关联党员信息）")


def _visible(request: HttpRequest, pk: int) -> Campaign:
    _require_seer(request)
    return get_object_or_404(selectors.visible_campaigns(request.user).select_related("org"), pk=pk)


def _changeable(request: HttpRequest, pk: int) -> Campaign:
    require(request.user, Perm.MEMBER_CHANGE)
    return get_object_or_404(Campaign.objects.restrict(request.user, Perm.MEMBER_CHANGE).select_related("org"),
                             pk=pk)


def _segment(request: HttpRequest, pk: int, perm: str = Perm.MEMBER_VIEW) -> Segment:
    require(request.user, perm)
    return get_object_or_404(Segment.objects.filter(campaign__in=Campaign.objects.restrict(request.user, perm))
                             .select_related("campaign", "campaign__org"), pk=pk)


def _shift(request: HttpRequest, pk: int) -> Shift:
    _require_seer(request)
    return get_object_or_404(Shift.objects.filter(campaign__in=selectors.visible_campaigns(request.user))
                             .select_related("segment", "campaign", "campaign__org"), pk=pk)


def _my_claim(request: HttpRequest, pk: int) -> DutyClaim:
    _require_member(request)
    return get_object_or_404(DutyClaim.objects.filter(person_id=getattr(request.user, "person_id", 0) or 0)
                             .select_related("shift__segment", "campaign"), pk=pk)


# ---------------------------------------------------------------- campaigns


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """认领: the campaigns in the cadre's scope, and those open to the member."""
    _require_seer(request)
    user, now = request.user, timezone.now()
    qs = selectors.campaign_list(user, request.GET, now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/campaign_list.html", {
        "page": page, "query": filter_query(request), "states": CampaignState.choices, "kinds": CampaignKind.choices,
        "can_create": has_perm(user, Perm.MEMBER_CHANGE), "is_cadre": has_perm(user, Perm.MEMBER_VIEW),
        "is_member": selectors.member_of(user) is not None, "section": "campaigns"})


@login_required
def campaign_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MEMBER_VIEW)
    qs = selectors.campaign_list(request.user, request.GET, timezone.now()).filter(
        pk__in=Campaign.objects.restrict(request.user, Perm.MEMBER_VIEW).values("pk"))
    return exports.campaigns_xlsx(qs[:EXPORT_LIMIT])


@login_required
def campaign_pick(request: HttpRequest) -> HttpResponse:
    """The organisation picker of the campaign form (htmx): districts, streets and communities in scope."""
    from zongheng.orgs.picker import render_pick

    require(request.user, Perm.MEMBER_CHANGE)
    return render_pick(request, campaign_org_choices(request.user), name="org", multiple=False)


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.MEMBER_CHANGE)
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today + dt.timedelta(days=13), "title": f"{today.year}年防汛值守"}
    form = CampaignForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            c = actions.do_create_campaign(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "认领活动已建立（筹备中），请生成段和班次")
            return redirect("members:campaign_generate", pk=c.pk)
    return render(request, "members/campaign_form.html", {"form": form, "title": "发起认领活动", "button": "建立",
                                                          "section": "campaigns"})


def _detail_context(request: HttpRequest, c: Campaign) -> dict[str, Any]:
    user, now = request.user, timezone.now()
    is_cadre = selectors.is_cadre_of(user, c)
    member = selectors.member_of(user)
    mine = 0
    if member is not None:
        mine = DutyClaim.objects.filter(person_id=member.pk, campaign=c, state=DutyState.CLAIMED,
                                        ends_at__gt=now).count()
    return {"c": c, "cov": selectors.coverage(c, now, names=is_cadre), "is_cadre": is_cadre, "now": now,
            "can_change": actions.may_change(user, c), "is_member": member is not None, "mine": mine,
            "live": c.state == CampaignState.OPEN, "live_seconds": LIVE_SECONDS,
            "more_segments": selectors.SEGMENT_ROWS}


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One campaign: its facts, the cadre's actions, and coverage and gaps live."""
    c = _visible(request, pk)
    context = _detail_context(request, c)
    context["transitions"] = ([(s, actions.TRANSITION_VERBS.get(s, ""))
                               for s in actions.allowed_states(c)] if context["can_change"] else [])
    context["section"] = "campaigns"
    return render(request, "members/campaign_detail.html", context)


@login_required
def campaign_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the campaign page (htmx, polled while the campaign is open)."""
    c = _visible(request, pk)  # rendered without the page's context processors: only what the partial shows
    return HttpResponse(render_to_string("members/campaign_live.html", _detail_context(request, c)))


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    c = _changeable(request, pk)
    form = CampaignEditForm(request.POST or None, initial={
        "kind": c.kind, "title": c.title, "starts_on": c.starts_on, "ends_on": c.ends_on,
        "description": c.description})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_campaign(request.user, c, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "认领活动已修改")
            return redirect("members:campaign", pk=c.pk)
    return render(request, "members/campaign_form.html", {"form": form, "c": c, "title": f"修改：{c.title}",
                                                          "button": "保存", "section": "campaigns"})


@login_required
@require_POST
def campaign_transition(request: HttpRequest, pk: int) -> HttpResponse:
    c = _changeable(request, pk)
    try:
        c = actions.do_transition_campaign(request.user, c, request.POST.get("state", ""),
                                           from_state=request.POST.get("from") or "")
        messages.success(request, f"认领活动已{actions.TRANSITION_VERBS.get(c.state, c.get_state_display())}")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("members:campaign", pk=c.pk)


@login_required
def campaign_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """批量生成段和班次."""
    c = _changeable(request, pk)
    form = GenerateForm(request.POST or None, initial={"shifts_from": c.starts_on, "shifts_to": c.ends_on})
    if request.method == "POST" and form.is_valid():
        try:
            segments, shifts = actions.do_generate(request.user, c, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已新增 {segments} 段（岗）、{shifts} 个班次")
            return redirect("members:campaign", pk=c.pk)
    counts = {"segments": c.segments.count(), "shifts": Shift.objects.filter(campaign=c).count()}
    return render(request, "members/campaign_generate.html", {"form": form, "c": c, "counts": counts,
                                                              "section": "campaigns"})


@login_required
def campaign_clone(request: HttpRequest, pk: int) -> HttpResponse:
    """复制为下一年: segments and shifts copied, dates moved, a new draft."""
    c = _changeable(request, pk)
    form = CloneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            copy = actions.do_clone_campaign(request.user, c, starts_on=form.cleaned_data.get("starts_on"),
                                             title=form.cleaned_data.get("title") or "")
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已复制为“{copy.title}”（筹备中），请核对日期后开放认领")
            return redirect("members:campaign", pk=copy.pk)
    return render(request, "members/campaign_form.html", {
        "form": form, "c": c, "title": f"复制：{c.title}", "button": "复制", "section": "campaigns",
        "intro": "段和班次（时间、人数）一并复制，不复制认领记录；新的认领活动为筹备中。"})


@login_required
def campaign_coverage_export(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MEMBER_VIEW)
    c = get_object_or_404(Campaign.objects.restrict(request.user, Perm.MEMBER_VIEW), pk=pk)
    return exports.coverage_xlsx(c, selectors.segments_with_coverage(c, timezone.now()))


# ---------------------------------------------------------------- segments


@login_required
def campaign_segments(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's segments with their coverage (paged); a cadre adds one here."""
    c = _visible(request, pk)
    qs = selectors.segments_with_coverage(c, timezone.now())
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    can_change = actions.may_change(request.user, c) and c.state != CampaignState.CLOSED
    return render(request, "members/campaign_segments.html", {
        "c": c, "page": page, "query": "", "can_change": can_change,
        "is_cadre": selectors.is_cadre_of(request.user, c), "form": SegmentForm() if can_change else None,
        "section": "campaigns"})


@login_required
@require_POST
def campaign_segment_add(request: HttpRequest, pk: int) -> HttpResponse:
    c = _changeable(request, pk)
    form = SegmentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            s = actions.do_add_segment(request.user, c, form.cleaned_data)
            messages.success(request, f"已添加“{s.name}”")
        except ActionError as exc:
            messages.error(request, exc.message)
    return redirect("members:campaign_segments", pk=c.pk)


@login_required
def campaign_segment(request: HttpRequest, pk: int) -> HttpResponse:
    """One segment (cadres): its shifts (paged) and, while the campaign is not over, edit and add-shift forms."""
    s = _segment(request, pk)
    c = s.campaign
    can_change = actions.may_change(request.user, c) and c.state != CampaignState.CLOSED
    form = SegmentForm(request.POST or None, initial={"name": s.name, "place": s.place, "order": s.order,
                                                    "length_km": s.length_km})
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("您不能修改该段（岗）")
        if form.is_valid():
            try:
                actions.do_update_segment(request.user, s, form.cleaned_data)
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已保存")
                return redirect("members:campaign_segment", pk=s.pk)
    shifts = Paginator(Shift.objects.filter(segment=s).order_by("starts_at", "id"), 50).get_page(
        request.GET.get("page"))
    shift_form = ShiftForm(initial={"capacity": 2}) if can_change else None
    return render(request, "members/campaign_segment.html", {
        "s": s, "c": c, "form": form if can_change else None, "shift_form": shift_form, "page": shifts,
        "query": "", "now": timezone.now(), "section": "campaigns"})


@login_required
@require_POST
def campaign_segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    s = _segment(request, pk, Perm.MEMBER_CHANGE)
    try:
        actions.do_delete_segment(request.user, s)
        messages.success(request, f"已删除“{s.name}”及其班次")
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("members:campaign_segment", pk=s.pk)
    return redirect("members:campaign_segments", pk=s.campaign_id)


@login_required
@require_POST
def campaign_shift_add(request: HttpRequest, pk: int) -> HttpResponse:
    s = _segment(request, pk, Perm.MEMBER_CHANGE)
    form = ShiftForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            shift = actions.do_add_shift(request.user, s, form.cleaned_data)
            messages.success(request, f"已添加班次 {actions.span_text(shift.starts_at, shift.ends_at)}")
        except ActionError as exc:
            messages.error(request, exc.message)
    return redirect("members:campaign_segment", pk=s.pk)


# ---------------------------------------------------------------- shifts and claiming


def _shift_rows(request: HttpRequest, shifts: list[Shift], now: dt.datetime) -> list[dict[str, Any]]:
    """What each listed shift offers the viewer: their own live claim on it, and whether they may claim it."""
    user = request.user
    member = selectors.member_of(user)
    mine = selectors.my_live_claims(user, [s.pk for s in shifts])
    open_ids: set[int] = set()
    if member is not None and shifts:
        open_ids = set(Campaign.objects.open_to(member).filter(pk__in={s.campaign_id for s in shifts},
                                                               state=CampaignState.OPEN)
                       .values_list("pk", flat=True))
    held: list[tuple[dt.datetime, dt.datetime]] = []
    if member is not None and shifts:  # the member's live claims around the listed shifts: a clash shows, no button
        held = list(DutyClaim.objects.filter(person_id=member.pk, state=DutyState.CLAIMED,
                                             ends_at__gt=min(s.starts_at for s in shifts),
                                             starts_at__lt=max(s.ends_at for s in shifts))
                    .values_list("starts_at", "ends_at"))
    rows = []
    for s in shifts:
        claim = mine.get(s.pk)
        busy = claim is None and any(a < s.ends_at and b > s.starts_at for a, b in held)
        rows.append({"s": s, "claim": claim, "left": max(s.capacity - s.claimed, 0), "busy": busy,
                     "span": actions.span_text(s.starts_at, s.ends_at), "running": s.starts_at <= now < s.ends_at,
                     "may_claim": claim is None and not busy and s.campaign_id in open_ids and s.ends_at > now
                     and s.claimed < s.capacity})
    return rows


@login_required
def campaign_shifts(request: HttpRequest) -> HttpResponse:
    """认领班次: shifts in time order, filtered by campaign, segment and day — paged, phone first. A party member
    claims with one button; a cadre sees the same list over the campaigns of their scope."""
    _require_seer(request)
    user, now = request.user, timezone.now()
    params = request.GET
    qs = selectors.shift_list(user, params, now)
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    campaign = None
    segments: list[Segment] = []
    if (pk := selectors.int_param(params, "campaign")) is not None:
        campaign = selectors.visible_campaigns(user).filter(pk=pk).first()
        if campaign is not None:
            segments = list(Segment.objects.filter(campaign=campaign).only("pk", "name").order_by("order", "id"))
    today = timezone.localdate()
    return render(request, "members/campaign_shifts.html", {
        "page": page, "rows": _shift_rows(request, list(page), now), "query": filter_query(request),
        "campaign": campaign, "segments": segments, "today": today, "tomorrow": today + dt.timedelta(days=1),
        "is_member": selectors.member_of(user) is not None, "section": "campaigns",
        "here": request.get_full_path()})


@login_required
def campaign_shift(request: HttpRequest, pk: int) -> HttpResponse:
    """One shift: who holds it (the campaign's cadres see names), a claim button for a member, and for a cadre
    the edit form (time while nobody holds it, capacity never below the claims) and delete."""
    s = _shift(request, pk)
    c, user, now = s.campaign, request.user, timezone.now()
    is_cadre = selectors.is_cadre_of(user, c)
    can_change = actions.may_change(user, c) and c.state != CampaignState.CLOSED
    tz = timezone.get_current_timezone()
    form = ShiftForm(request.POST or None, initial={
        "starts_at": s.starts_at.astimezone(tz), "ends_at": s.ends_at.astimezone(tz), "capacity": s.capacity})
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("您不能修改该班次")
        if form.is_valid():
            try:
                actions.do_update_shift(user, s, form.cleaned_data)
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "班次已保存")
                return redirect("members:campaign_shift", pk=s.pk)
    claims = (list(DutyClaim.objects.filter(shift=s).select_related("person")
                   .annotate(companion_count=Count("companions")).order_by("state", "claimed_at", "id")[:200])
              if is_cadre else [])
    return render(request, "members/campaign_shift.html", {
        "s": s, "c": c, "row": _shift_rows(request, [s], now)[0], "claims": claims, "is_cadre": is_cadre,
        "form": form if can_change else None, "section": "campaigns", "here": request.get_full_path()})


@login_required
@require_POST
def campaign_shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.MEMBER_CHANGE)
    s = get_object_or_404(Shift.objects.filter(campaign__in=Campaign.objects.restrict(request.user,
                                                                                       Perm.MEMBER_CHANGE))
                          .select_related("campaign", "segment"), pk=pk)
    try:
        actions.do_delete_shift(request.user, s)
        messages.success(request, "班次已删除")
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("members:campaign_shift", pk=s.pk)
    return redirect("members:campaign_segment", pk=s.segment_id)


@login_required
@require_POST
def campaign_shift_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """认领 (one button on a phone): the signed-in member takes a place on the shift."""
    _require_member(request)
    s = _shift(request, pk)
    try:
        actions.do_claim(request.user, s)
        messages.success(request, f"认领成功：{s.segment.name} {actions.span_text(s.starts_at, s.ends_at)}。"
                                  "请按时到岗并签到")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(_next(request, reverse("members:campaign_shifts") + f"?campaign={s.campaign_id}"))


# ---------------------------------------------------------------- my claims


WHENS = [("upcoming", "待值守"), ("past", "已结束"), ("released", "已退领")]


@login_required
def duty_claims(request: HttpRequest) -> HttpResponse:
    """我的认领: upcoming shifts (check in and out, release, residents brought along), past and released ones."""
    _require_member(request)
    user, now = request.user, timezone.now()
    when = request.GET.get("when") or "upcoming"
    qs = selectors.my_claims(user, request.GET, now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for claim in page:
        opens, closes = actions.check_in_window(claim)
        rows.append({
            "c": claim, "span": actions.span_text(claim.starts_at, claim.ends_at),
            "may_release": claim.state == DutyState.CLAIMED and claim.starts_at > now
            and claim.campaign.state == CampaignState.OPEN,
            "may_check_in": claim.state == DutyState.CLAIMED and claim.checked_in_at is None
            and opens <= now <= closes and claim.campaign.state == CampaignState.OPEN,
            "may_check_out": claim.state == DutyState.CLAIMED and claim.checked_in_at is not None
            and claim.checked_out_at is None and now <= claim.ends_at + actions.CHECK_OUT_LATE,
            "may_companions": claim.state == DutyState.CLAIMED and claim.checked_in_at is not None
            and now <= claim.ends_at + actions.COMPANIONS_LATE,
            "soon": claim.state == DutyState.CLAIMED and claim.checked_in_at is None and now < opens,
        })
    return render(request, "members/campaign_claims.html", {
        "page": page, "rows": rows, "query": filter_query(request), "when": when, "whens": WHENS,
        "section": "campaigns", "here": request.get_full_path()})


def _claim_action(request: HttpRequest, pk: int, do: Any, done: str) -> HttpResponse:
    claim = _my_claim(request, pk)
    try:
        do(request.user, claim)
        messages.success(request, done)
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(_next(request, reverse("members:duty_claims")))


@login_required
@require_POST
def duty_claim_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, actions.do_release, "已退领，该班次的名额已释放")


@login_required
@require_POST
def duty_claim_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, actions.do_check_in, "已签到，值守辛苦了")


@login_required
@require_POST
def duty_claim_checkout(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, actions.do_check_out, "已签退，值守记录已确认")


@login_required
def duty_claim_companions(request: HttpRequest, pk: int) -> HttpResponse:
    """带动群众: the residents brought along on this shift, one a line."""
    claim = _my_claim(request, pk)
    current = list(claim.companions.all())
    initial = "\n".join(f"{x.name}，{x.note}" if x.note else x.name for x in current)
    form = CompanionsForm(request.POST or None, initial={"names": initial})
    if request.method == "POST" and form.is_valid():
        try:
            rows = actions.do_set_companions(request.user, claim, form.cleaned_data["names"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记带动群众 {len(rows)} 人")
            return redirect("members:duty_claims")
    return render(request, "members/campaign_companions.html", {
        "claim": claim, "form": form, "count": len(current), "span": actions.span_text(claim.starts_at,
                                                                                      claim.ends_at),
        "open": claim.state == DutyState.CLAIMED and claim.checked_in_at is not None
        and timezone.now() <= claim.ends_at + actions.COMPANIONS_LATE, "section": "campaigns"})


# ---------------------------------------------------------------- roster (cadres)


@login_required
def campaign_roster(request: HttpRequest) -> HttpResponse:
    """认领名册: who claimed which shift, checked in and out, and how many residents they brought."""
    require(request.user, Perm.MEMBER_VIEW)
    user, now = request.user, timezone.now()
    qs = selectors.roster(user, request.GET, now)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    campaign = None
    if (pk := selectors.int_param(request.GET, "campaign")) is not None:
        campaign = Campaign.objects.restrict(user, Perm.MEMBER_VIEW).filter(pk=pk).first()
    return render(request, "members/campaign_roster.html", {
        "page": page, "query": filter_query(request), "campaign": campaign,
        "states": [(k, v[0]) for k, v in selectors.ROSTER_STATES.items()] + [("all", "全部")],
        "state": request.GET.get("state") or "claimed", "section": "campaigns"})


@login_required
def campaign_roster_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MEMBER_VIEW)
    return exports.roster_xlsx(selectors.roster(request.user, request.GET, timezone.now())[:EXPORT_LIMIT])
