"""Reads of duty campaigns (认领): every list and page starts from the user's scope or the member's own rows,
with its filters, in a constant number of queries.

Who sees a campaign: a cadre holding member.view over its organisation (drafts included), and a party member
it is open to (``Campaign.objects.open_to``: campaigns of the organisations above where they are managed or
registered), once it is no longer a draft. Everything else answers 404, like a missing row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from zongheng.core.access import org_names, path_q, scope_paths, steplen
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org
from zongheng.orgs.resolve import pick_one, refusal

from .actions_campaigns import CHECK_OUT_LATE
from .choices import CampaignKind, CampaignState, DutyState
from .models import Campaign, Companion, DutyClaim, Segment, Shift

GAP_ROWS = 12  # shifts still short shown on the campaign page (the shift list pages through all)
ON_DUTY_ROWS = 30
SEGMENT_ROWS = 120  # per-segment coverage rows on the campaign page (the segments page pages through all)


def int_param(params: Any, key: str) -> int | None:
    text = str(params.get(key) or "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _day(params: Any, key: str = "day") -> dt.date | None:
    text = str(params.get(key) or "").strip()
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def member_of(user: Any) -> Any:
    """The signed-in party member (their Person), or None (no person record, or not a party member)."""
    if not (user and user.is_authenticated and getattr(user, "person_id", None)):
        return None
    person = user.person
    return person if person is not None and person.is_party_member else None


# ---------------------------------------------------------------- campaigns


def visible_campaigns(user: Any) -> QuerySet[Campaign]:
    """Campaigns in the user's member.view scope, and the non-draft ones open to them as a party member."""
    qs = Campaign.objects.restrict(user, Perm.MEMBER_VIEW)
    person = member_of(user)
    if person is not None:
        qs = qs | Campaign.objects.open_to(person).exclude(state=CampaignState.DRAFT)
    return qs


def may_see_any(user: Any) -> bool:
    """A cadre with member.view anywhere, or a party member (campaigns may be open to them)."""
    return bool(scope_paths(user, Perm.MEMBER_VIEW)) or member_of(user) is not None


def is_cadre_of(user: Any, campaign: Campaign, perm: str = Perm.MEMBER_VIEW) -> bool:
    return any(campaign.org_path.startswith(p) for p in scope_paths(user, perm))


def resolve_campaign(user: Any, value: Any, *, perm: str | None = None) -> Campaign:
    """One campaign by id: among those the user sees (``perm`` None), or in their scope for ``perm``."""
    qs = visible_campaigns(user) if perm is None else Campaign.objects.restrict(user, perm)
    return pick_one(qs.select_related("org"), value, refusal("认领活动"))


def with_figures(qs: QuerySet[Campaign], now: dt.datetime) -> QuerySet[Campaign]:
    """Each campaign with its shifts, places, claimed places and the shifts still short from now on (one join
    over the shifts: no multiplication)."""
    return qs.annotate(
        shift_count=Count("shifts"), capacity_sum=Sum("shifts__capacity"), claimed_sum=Sum("shifts__claimed"),
        short_count=Count("shifts", filter=Q(shifts__ends_at__gt=now, shifts__claimed__lt=F("shifts__capacity"))))


def campaign_list(user: Any, params: Any, now: dt.datetime) -> QuerySet[Campaign]:
    """认领活动 the user sees, with figures; filters: state, kind, year (of the start), org (a subtree), q."""
    qs = visible_campaigns(user).select_related("org")
    state = str(params.get("state") or "").strip()
    if state:
        qs = qs.filter(state=state) if state in CampaignState.values else qs.none()
    kind = str(params.get("kind") or "").strip()
    if kind:
        qs = qs.filter(kind=kind) if kind in CampaignKind.values else qs.none()
    year = str(params.get("year") or "").strip()
    if year:
        qs = qs.filter(starts_on__year=int(year)) if year.isdigit() and len(year) == 4 else qs.none()
    if (org := int_param(params, "org")) is not None or str(params.get("org") or "").strip():
        path = (Org.objects.restrict(user, Perm.MEMBER_VIEW).filter(pk=org).values_list("path", flat=True).first()
                if org is not None else None)
        qs = qs.filter(org_path__startswith=path) if path else qs.none()
    if q := str(params.get("q") or "").strip()[:50]:
        qs = qs.filter(Q(title__contains=q) | Q(org__name__contains=q))
    return with_figures(qs, now).order_by("-starts_on", "-id")


# ---------------------------------------------------------------- segments and shifts


def segments_with_coverage(campaign: Campaign, now: dt.datetime) -> QuerySet[Segment]:
    """The campaign's segments, each with its shifts, places, claimed places and the shifts still short."""
    return (Segment.objects.filter(campaign=campaign)
            .annotate(shift_count=Count("shifts"), capacity_sum=Sum("shifts__capacity"),
                      claimed_sum=Sum("shifts__claimed"),
                      short_count=Count("shifts", filter=Q(shifts__ends_at__gt=now,
                                                           shifts__claimed__lt=F("shifts__capacity"))))
            .order_by("order", "id"))


def resolve_segment(user: Any, value: Any, *, perm: str | None = None) -> Segment:
    campaigns = visible_campaigns(user) if perm is None else Campaign.objects.restrict(user, perm)
    return pick_one(Segment.objects.filter(campaign__in=campaigns).select_related("campaign", "campaign__org"),
                    value, refusal("认领段"))


def resolve_shift(user: Any, value: Any, *, perm: str | None = None) -> Shift:
    campaigns = visible_campaigns(user) if perm is None else Campaign.objects.restrict(user, perm)
    return pick_one(Shift.objects.filter(campaign__in=campaigns).select_related("segment", "campaign",
                                                                               "campaign__org"),
                    value, refusal("班次"))


def shift_list(user: Any, params: Any, now: dt.datetime) -> QuerySet[Shift]:
    """Shifts of the campaigns the user sees, in time order. Filters: campaign, segment, day (shifts that
    overlap that day), short=1 (places left), state (the campaign's), when: upcoming (default: not ended) /
    all / past."""
    qs = Shift.objects.filter(campaign__in=visible_campaigns(user)).select_related("segment", "campaign")
    if (campaign := int_param(params, "campaign")) is not None:
        qs = qs.filter(campaign_id=campaign)
    elif str(params.get("campaign") or "").strip():
        qs = qs.none()
    if (segment := int_param(params, "segment")) is not None:
        qs = qs.filter(segment_id=segment)
    elif str(params.get("segment") or "").strip():
        qs = qs.none()
    if (day := _day(params)) is not None:
        start, end = day_bounds(day)
        qs = qs.filter(starts_at__lt=end, ends_at__gt=start)
    elif str(params.get("day") or "").strip():
        qs = qs.none()
    if str(params.get("short") or "") == "1":
        qs = qs.filter(claimed__lt=F("capacity"))
    state = str(params.get("state") or "").strip()
    if state:
        qs = qs.filter(campaign__state=state) if state in CampaignState.values else qs.none()
    when = str(params.get("when") or "upcoming")
    if when == "upcoming":
        qs = qs.filter(ends_at__gt=now)
    elif when == "past":
        qs = qs.filter(ends_at__lte=now)
    return qs.order_by("starts_at", "segment__order", "segment_id", "id")


def my_live_claims(user: Any, shift_ids: list[int]) -> dict[int, DutyClaim]:
    """{shift id: the member's live claim} among ``shift_ids`` (one query; none without a person)."""
    person_id = getattr(user, "person_id", None)
    if not person_id or not shift_ids:
        return {}
    return {c.shift_id: c for c in DutyClaim.objects.filter(person_id=person_id, state=DutyState.CLAIMED,
                                                            shift_id__in=shift_ids)}


# ---------------------------------------------------------------- claims


def _companions(qs: QuerySet[DutyClaim]) -> QuerySet[DutyClaim]:
    return qs.annotate(companion_count=Count("companions"))


def my_claims(user: Any, params: Any, now: dt.datetime) -> QuerySet[DutyClaim]:
    """The member's own claims. ``when``: upcoming (default: live and not yet over — including the shift on
    now and one waiting for its check-out), past (live and over), released, all."""
    qs = DutyClaim.objects.filter(person_id=getattr(user, "person_id", None) or 0).select_related(
        "shift__segment", "campaign")
    when = str(params.get("when") or "upcoming")
    if when == "upcoming":
        qs = qs.filter(state=DutyState.CLAIMED).filter(
            Q(ends_at__gt=now) | Q(checked_in_at__isnull=False, checked_out_at__isnull=True,
                                   ends_at__gt=now - CHECK_OUT_LATE))
    elif when == "past":
        qs = qs.filter(state=DutyState.CLAIMED, ends_at__lte=now)
    elif when == "released":
        qs = qs.filter(state=DutyState.RELEASED)
    if (campaign := int_param(params, "campaign")) is not None:
        qs = qs.filter(campaign_id=campaign)
    order = ["-starts_at", "-id"] if when in ("past", "released", "all") else ["starts_at", "id"]
    return _companions(qs).order_by(*order)


def resolve_my_claim(user: Any, value: Any) -> DutyClaim:
    """One of the member's own claims (anyone else's, or a missing one: the same refusal)."""
    qs = DutyClaim.objects.filter(person_id=getattr(user, "person_id", None) or 0)
    return pick_one(qs.select_related("shift__segment", "campaign"), value, refusal("认领记录", scoped=False))


ROSTER_STATES = {
    "claimed": ("已认领", Q(state=DutyState.CLAIMED)),
    "on_duty": ("正在值守", Q(state=DutyState.CLAIMED, checked_in_at__isnull=False, checked_out_at__isnull=True)),
    "done": ("已签退", Q(state=DutyState.CLAIMED, checked_out_at__isnull=False)),
    "absent": ("未签到（班次已结束）", None),  # needs now
    "released": ("已退领", Q(state=DutyState.RELEASED)),
}


def roster(user: Any, params: Any, now: dt.datetime) -> QuerySet[DutyClaim]:
    """认领名册: the claims of the campaigns in the user's member.view scope. Filters: campaign, segment, day,
    state (claimed / on_duty / done / absent / released; default: claimed), q (the member's name)."""
    qs = DutyClaim.objects.filter(path_q("campaign__org_path", scope_paths(user, Perm.MEMBER_VIEW)))
    qs = qs.select_related("person", "shift__segment", "campaign")
    if (campaign := int_param(params, "campaign")) is not None:
        qs = qs.filter(campaign_id=campaign)
    elif str(params.get("campaign") or "").strip():
        qs = qs.none()
    if (segment := int_param(params, "segment")) is not None:
        qs = qs.filter(shift__segment_id=segment)
    if (day := _day(params)) is not None:
        start, end = day_bounds(day)
        qs = qs.filter(starts_at__lt=end, ends_at__gt=start)
    elif str(params.get("day") or "").strip():
        qs = qs.none()
    state = str(params.get("state") or "claimed")
    if state == "absent":
        qs = qs.filter(state=DutyState.CLAIMED, checked_in_at__isnull=True, ends_at__lte=now)
    elif state in ROSTER_STATES:
        qs = qs.filter(ROSTER_STATES[state][1])  # type: ignore[arg-type]
    elif state != "all":
        qs = qs.none()
    if q := str(params.get("q") or "").strip()[:50]:
        qs = qs.filter(person__name__contains=q)
    return _companions(qs).order_by("starts_at", "shift__segment__order", "id")


# ---------------------------------------------------------------- coverage (the live part of a campaign page)


@dataclass
class Participation:
    label: str
    path: str
    members: int
    claims: int
    done: int
    companions: int


@dataclass
class Coverage:
    """What the campaign page shows live: coverage and gaps, in a constant number of queries."""

    shifts: int = 0
    capacity: int = 0
    claimed: int = 0
    full: int = 0
    short: int = 0  # shifts not ended with places left
    missing: int = 0  # places left on them
    members: int = 0
    claims: int = 0
    checked_in: int = 0
    checked_out: int = 0
    due_now: int = 0  # claims whose shift is on now
    due_now_in: int = 0  # … of them checked in
    on_duty: int = 0  # checked in, not checked out
    companions: int = 0
    segments: list[Segment] = field(default_factory=list)
    segment_count: int = 0
    gaps: list[Shift] = field(default_factory=list)
    on_duty_rows: list[DutyClaim] = field(default_factory=list)
    participation: list[Participation] = field(default_factory=list)

    @property
    def rate(self) -> int:
        """Places claimed, in whole per cent of the places."""
        return round(100 * self.claimed / self.capacity) if self.capacity else 0


def coverage(campaign: Campaign, now: dt.datetime, *, names: bool = True) -> Coverage:
    """Coverage (per segment claimed/capacity), the gaps still to fill in time order, who is on duty now
    (``names``: for the campaign's cadres), residents brought along and per-organisation participation:
    the members grouped by the child of the campaign's organisation that manages them (``GROUP BY
    substr(org_path)``). Eight queries whatever the size."""
    cov = Coverage()
    shifts = Shift.objects.filter(campaign=campaign)
    short_q = Q(ends_at__gt=now, claimed__lt=F("capacity"))
    t = shifts.aggregate(n=Count("id"), cap=Sum("capacity"), got=Sum("claimed"),
                         full=Count("id", filter=Q(claimed__gte=F("capacity"))), short=Count("id", filter=short_q),
                         short_cap=Sum("capacity", filter=short_q), short_got=Sum("claimed", filter=short_q))
    cov.shifts, cov.capacity, cov.claimed, cov.full, cov.short = (t["n"], t["cap"] or 0, t["got"] or 0, t["full"],
                                                                  t["short"])
    cov.missing = (t["short_cap"] or 0) - (t["short_got"] or 0)
    cov.segments = list(segments_with_coverage(campaign, now)[:SEGMENT_ROWS + 1])
    cov.segment_count = len(cov.segments)
    cov.segments = cov.segments[:SEGMENT_ROWS]
    cov.gaps = list(shifts.filter(short_q).select_related("segment").order_by("starts_at", "segment__order",
                                                                               "id")[:GAP_ROWS])
    live = DutyClaim.objects.filter(campaign=campaign, state=DutyState.CLAIMED)
    on_duty_q = Q(checked_in_at__isnull=False, checked_out_at__isnull=True, ends_at__gt=now - CHECK_OUT_LATE)
    now_q = Q(starts_at__lte=now, ends_at__gt=now)
    a = live.aggregate(members=Count("person_id", distinct=True), claims=Count("id"),
                       checked_in=Count("id", filter=Q(checked_in_at__isnull=False)),
                       checked_out=Count("id", filter=Q(checked_out_at__isnull=False)),
                       due_now=Count("id", filter=now_q),
                       due_now_in=Count("id", filter=now_q & Q(checked_in_at__isnull=False)),
                       on_duty=Count("id", filter=on_duty_q))
    for key, value in a.items():
        setattr(cov, key, value or 0)
    if names:
        cov.on_duty_rows = list(live.filter(on_duty_q).select_related("person", "shift__segment")
                                .order_by("starts_at", "id")[:ON_DUTY_ROWS])
    cov.participation = participation(campaign)
    cov.companions = sum(p.companions for p in cov.participation)
    return cov


def participation(campaign: Campaign) -> list[Participation]:
    """Per-organisation participation: live claims grouped by the child of the campaign's organisation that
    manages the member (本级 for members of the organisation itself; 其他组织 for members it reaches through
    their registration, 双联双管). Three queries."""
    base = campaign.org_path
    n = len(base) + steplen()
    rows = (DutyClaim.objects.filter(campaign=campaign, state=DutyState.CLAIMED)
            .annotate(child=Substr("person__org_path", 1, n)).values("child")
            .annotate(members=Count("person_id", distinct=True), claims=Count("id"),
                      done=Count("id", filter=Q(checked_out_at__isnull=False))).order_by("child"))
    brought = dict(Companion.objects.filter(claim__campaign=campaign, claim__state=DutyState.CLAIMED)
                   .annotate(child=Substr("claim__person__org_path", 1, n)).values("child")
                   .annotate(c=Count("id")).values_list("child", "c"))
    groups: dict[str, Participation] = {}
    found = list(rows)
    names = org_names(r["child"] for r in found if len(r["child"]) == n and r["child"].startswith(base))
    for r in found:
        child = r["child"]
        if child in names:
            key, label = child, names[child]
        elif child == base:
            key, label = base, "本级"
        else:
            key, label = "", "其他组织（报到党员等）"
        g = groups.setdefault(key, Participation(label, key, 0, 0, 0, 0))
        g.members += r["members"]
        g.claims += r["claims"]
        g.done += r["done"]
        g.companions += brought.get(child, 0)
    return sorted(groups.values(), key=lambda p: (p.path == "", p.path == base, p.path))


# ---------------------------------------------------------------- figures for the hub and the to-do list


def short_soon(paths: Sequence[str], now: dt.datetime, hours: int = 48) -> list[dict[str, Any]]:
    """Open campaigns run by the organisations at ``paths`` with shifts starting within ``hours`` that still
    have places left: [{campaign_id, campaign__title, n, first}] (one query)."""
    if not paths:
        return []
    return list(Shift.objects.filter(campaign__state=CampaignState.OPEN, campaign__org_path__in=paths,
                                     starts_at__gte=now, starts_at__lte=now + dt.timedelta(hours=hours),
                                     claimed__lt=F("capacity"))
                .values("campaign_id", "campaign__title").annotate(n=Count("id"), first=Min("starts_at"))
                .order_by("first"))

