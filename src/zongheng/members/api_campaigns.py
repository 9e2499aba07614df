"""Duty campaigns (认领) in the JSON API (mounted by ``members.api``).

Cadres: ``/campaigns`` (list, create, get, change or move along the workflow, generate segments and shifts,
clone, segments, shifts, the claims roster). A party member: ``/duty/shifts`` (shifts open to them),
``POST /duty/shifts/{id}/claim`` (the claim endpoint), and their OWN claims under ``/duty/claims`` (release,
check in, check out, residents brought along). Same doors as the pages: ``require`` (no right anywhere → 403),
reads through the scoped querysets (out of reach → 404 like a missing row), writes through the same ``do_*``
actions (400 with the Chinese refusal).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import require
from zongheng.core.permissions import Perm
from zongheng.orgs.api import (
    CREATE,
    LIST,
    MAX_ID,
    NO_NUL,
    ONE,
    WRITE,
    Limit,
    Offset,
    OrgRef,
    PathId,
    _page,
    _ref,
    _user,
)

from . import actions_campaigns as actions
from . import selectors_campaigns as selectors
from .choices import CampaignKind, CampaignState
from .forms_campaigns import resolve_campaign_org
from .models import Campaign, DutyClaim, Shift

router = Router(tags=["认领"])

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Title = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]


class CampaignOut(Schema):
    id: int
    title: str
    kind: str = Field(description="flood 防汛值守、civilized 创建文明城市、epidemic 疫情防控、other 其他")
    org: OrgRef = Field(description="发起组织")
    starts_on: dt.date
    ends_on: dt.date
    state: str = Field(description="draft 筹备中、open 认领中、closed 已结束")
    shifts: int = Field(description="班次数")
    capacity: int = Field(description="名额（各班次人数之和）")
    claimed: int = Field(description="已认领名额")
    short: int = Field(description="未结束且未认满的班次")


class ShiftRef(Schema):
    id: int
    segment_id: int
    segment: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    claimed: int


class ParticipationOut(Schema):
    org: str = Field(description="发起组织的下级组织（党员所在组织）；“本级”或“其他组织（报到党员等）”")
    members: int
    claims: int
    checked_out: int
    companions: int


class CoverageOut(Schema):
    shifts: int
    capacity: int
    claimed: int
    full: int = Field(description="已认满的班次")
    short: int = Field(description="未结束且未认满的班次")
    missing: int = Field(description="这些班次还缺的人次")
    members: int = Field(description="认领的党员（人）")
    claims: int
    checked_in: int
    checked_out: int
    on_duty: int = Field(description="已签到未签退")
    companions: int = Field(description="带动群众（人次）")
    gaps: list[ShiftRef] = Field(description="尚缺人的班次（按时间，最多 12 个）")
    participation: list[ParticipationOut]


class CampaignDetailOut(CampaignOut):
    description: str
    segments: int
    allowed_states: list[str] = Field(description="可转入的状态（您可发起时）")
    coverage: CoverageOut


class CampaignPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CampaignOut]


class SegmentOut(Schema):
    id: int
    name: str
    place: str
    order: int
    shifts: int
    capacity: int
    claimed: int
    short: int


class SegmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SegmentOut]


class ShiftOut(ShiftRef):
    campaign_id: int
    campaign: str
    left: int = Field(description="剩余名额")


class ShiftPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ShiftOut]


class DutyClaimOut(Schema):
    id: int
    shift_id: int
    campaign_id: int
    campaign: str
    segment: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: str = Field(description="claimed 已认领、released 已退领")
    claimed_at: dt.datetime
    released_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    companions: int = Field(description="带动群众（人）")


class MyClaimOut(DutyClaimOut):
    companion_names: list[str] = Field(description="带动群众姓名")


class DutyClaimPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DutyClaimOut]


class RosterOut(DutyClaimOut):
    person_id: int
    person: str


class RosterPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RosterOut]


class CampaignIn(Schema):
    org: Id = Field(description="发起组织 id（区、街道或社区，须在您的管辖范围内）")
    kind: CampaignKind = CampaignKind.OTHER
    title: Title
    starts_on: dt.date
    ends_on: dt.date
    description: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] = ""


class CampaignPatchIn(Schema):
    state: CampaignState | None = Field(None, description="转入的状态（按规定的流转）")
    from_state: CampaignState | None = Field(None, description="读取时的状态；已被他人变更时拒绝")
    kind: CampaignKind | None = None
    title: Title | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    description: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] | None = None


class GenerateIn(Schema):
    segment_mode: Literal["", "chainage", "numbered"] = Field(
        "", description="chainage 按桩号分段、numbered 按序号、空为不新增段")
    start_km: float = Field(0, ge=0, le=10000, description="起点桩号（公里）")
    total_km: float = Field(0, ge=0, le=10000, description="总长度（公里）")
    step_km: float = Field(0, ge=0, le=10000, description="每段长度（公里）")
    count: int = Field(0, ge=0, le=actions.MAX_SEGMENTS, description="按序号时的段（岗）数")
    pattern: Annotated[str, Field(max_length=80, pattern=NO_NUL)] = Field("第{n}岗", description="{n} 为序号")
    place: Annotated[str, Field(max_length=100, pattern=NO_NUL)] = ""
    shifts_from: dt.date | None = None
    shifts_to: dt.date | None = None
    slots: list[Annotated[str, Field(max_length=20, pattern=NO_NUL)]] = Field(
        default_factory=list, max_length=actions.MAX_SLOTS, description="每天的班次，如 08:00-20:00")
    capacity: int = Field(2, ge=1, le=actions.MAX_CAPACITY)
    shift_segments: Literal["all", "new"] = "all"


class GenerateOut(Schema):
    segments: int = Field(description="新增的段（岗）")
    shifts: int = Field(description="新增的班次")


class CloneIn(Schema):
    starts_on: dt.date | None = Field(None, description="新的开始日期；不填时顺延一年")
    title: Annotated[str, Field(max_length=100, pattern=NO_NUL)] = ""


class CompanionsIn(Schema):
    names: list[Annotated[str, Field(min_length=1, max_length=160, pattern=NO_NUL)]] = Field(
        max_length=actions.MAX_COMPANIONS, description="带动的群众，每项一人：“姓名”或“姓名，说明”；替换原有名单")


# ---------------------------------------------------------------- rendering


def _campaign(c: Campaign) -> dict[str, Any]:
    return {"id": c.pk, "title": c.title, "kind": c.kind, "org": _ref(c.org), "starts_on": c.starts_on,
            "ends_on": c.ends_on, "state": c.state, "shifts": getattr(c, "shift_count", 0) or 0,
            "capacity": getattr(c, "capacity_sum", 0) or 0, "claimed": getattr(c, "claimed_sum", 0) or 0,
            "short": getattr(c, "short_count", 0) or 0}


def _shift_ref(s: Shift) -> dict[str, Any]:
    return {"id": s.pk, "segment_id": s.segment_id, "segment": s.segment.name, "starts_at": s.starts_at,
            "ends_at": s.ends_at, "capacity": s.capacity, "claimed": s.claimed}


def _shift(s: Shift) -> dict[str, Any]:
    return _shift_ref(s) | {"campaign_id": s.campaign_id, "campaign": s.campaign.title,
                            "left": max(s.capacity - s.claimed, 0)}


def _claim(c: DutyClaim) -> dict[str, Any]:
    count = getattr(c, "companion_count", None)
    if count is None:
        count = 0 if c.checked_in_at is None else c.companions.count()
    return {"id": c.pk, "shift_id": c.shift_id, "campaign_id": c.campaign_id, "campaign": c.campaign.title,
            "segment": c.shift.segment.name, "starts_at": c.starts_at, "ends_at": c.ends_at, "state": c.state,
            "claimed_at": c.claimed_at, "released_at": c.released_at, "checked_in_at": c.checked_in_at,
            "checked_out_at": c.checked_out_at,
            "companions": count}


def _my_claim(user: Any, pk: int) -> dict[str, Any]:
    c = get_object_or_404(DutyClaim.objects.filter(person_id=getattr(user, "person_id", None) or 0)
                          .select_related("shift__segment", "campaign"), pk=pk)
    names = [x.name for x in c.companions.all()]
    return _claim(c) | {"companions": len(names), "companion_names": names}


def _detail(user: Any, pk: int) -> dict[str, Any]:
    now = timezone.now()
    c = get_object_or_404(selectors.with_figures(selectors.visible_campaigns(user).select_related("org"), now),
                          pk=pk)
    cov = selectors.coverage(c, now, names=False)
    coverage = {key: getattr(cov, key) for key in ("shifts", "capacity", "claimed", "full", "short", "missing",
                                                   "members", "claims", "checked_in", "checked_out", "on_duty",
                                                   "companions")}
    coverage["gaps"] = [_shift_ref(s) for s in cov.gaps]
    coverage["participation"] = [{"org": p.label, "members": p.members, "claims": p.claims, "checked_out": p.done,
                                  "companions": p.companions} for p in cov.participation]
    return _campaign(c) | {"description": c.description, "segments": c.segments.count(),
                           "allowed_states": list(actions.allowed_states(c)) if actions.may_change(user, c) else [],
                           "coverage": coverage}


def _seer(user: Any) -> None:
    if not selectors.may_see_any(user):
        raise PermissionDenied("您没有此项权限：认领面向党员和党组织")


def _member(user: Any) -> None:
    if selectors.member_of(user) is None:
        raise PermissionDenied("只有党员可以认领值守班次（您的账号没有关联党员信息）")


def _changeable(user: Any, pk: int) -> Campaign:
    require(user, Perm.MEMBER_CHANGE)
    return get_object_or_404(Campaign.objects.restrict(user, Perm.MEMBER_CHANGE).select_related("org"), pk=pk)


# ---------------------------------------------------------------- campaigns (cadres; members read)


@router.get("/campaigns", response={200: CampaignPage, **LIST},
            summary="认领活动列表（管辖范围内的，以及面向本人的）")
def list_campaigns(
    request: HttpRequest,
    state: CampaignState | None = None,
    kind: CampaignKind | None = None,
    year: int | None = Query(None, ge=2000, le=2100, description="开始日期所在年度"),
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织及其下级发起的"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _seer(user)
    params = {"state": state or "", "kind": kind or "", "year": str(year or ""), "org": str(org or "")}
    return _page(selectors.campaign_list(user, params, timezone.now()), limit, offset, _campaign)


@router.post("/campaigns", response={201: CampaignDetailOut, **CREATE}, summary="发起认领活动（筹备中）")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_CHANGE)
    data = payload.dict()
    data["org"] = resolve_campaign_org(user, payload.org)
    c = actions.do_create_campaign(user, data)
    return Status(201, _detail(user, c.pk))


@router.get("/campaigns/{id}", response={200: CampaignDetailOut, **ONE},
            summary="认领活动详情（含覆盖情况、缺人班次和各组织参与）")
def get_campaign(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _seer(user)
    return _detail(user, id)


@router.patch("/campaigns/{id}", response={200: CampaignDetailOut, **WRITE},
              summary="修改认领活动，或变更其状态（开放认领、结束认领）")
def update_campaign(request: HttpRequest, payload: CampaignPatchIn, id: int = PathId) -> Any:
    user = _user(request)
    c = _changeable(user, id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if k not in ("state", "from_state")}
    if fields:
        c = actions.do_update_campaign(user, c, fields)
    if payload.state is not None:
        actions.do_transition_campaign(user, c, payload.state, from_state=payload.from_state)
    return _detail(user, id)


@router.post("/campaigns/{id}/generate", response={200: GenerateOut, **WRITE},
             summary="批量生成段（岗）和班次（同名的段、相同时间的班次不重复生成）")
def generate_campaign_shifts(request: HttpRequest, payload: GenerateIn, id: int = PathId) -> Any:
    user = _user(request)
    c = _changeable(user, id)
    data = payload.dict()
    data["slots"] = list(payload.slots)
    segments, shifts = actions.do_generate(user, c, data)
    return {"segments": segments, "shifts": shifts}


@router.post("/campaigns/{id}/clone", response={201: CampaignDetailOut, **WRITE},
             summary="复制为下一年（段和班次一并复制，日期顺延，筹备中）")
def clone_campaign(request: HttpRequest, payload: CloneIn, id: int = PathId) -> Any:
    user = _user(request)
    c = _changeable(user, id)
    copy = actions.do_clone_campaign(user, c, starts_on=payload.starts_on, title=payload.title)
    return Status(201, _detail(user, copy.pk))


@router.get("/campaigns/{id}/segments", response={200: SegmentPage, **ONE}, summary="认领活动的段（岗）及覆盖情况")
def list_campaign_segments(request: HttpRequest, id: int = PathId, limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    _seer(user)
    c = get_object_or_404(selectors.visible_campaigns(user), pk=id)

    def render(s: Any) -> dict[str, Any]:
        return {"id": s.pk, "name": s.name, "place": s.place, "order": s.order, "shifts": s.shift_count,
                "capacity": s.capacity_sum or 0, "claimed": s.claimed_sum or 0, "short": s.short_count}

    return _page(selectors.segments_with_coverage(c, timezone.now()), limit, offset, render)


When = Query("upcoming", description="upcoming 未结束（默认）、all 全部、past 已结束")
Day = Query(None, description="与该日有交集的班次")
Short = Query(False, description="true 只列未认满的")
CampaignStateQ = Query(None, description="认领活动的状态，如 open")
RosterState = Query("claimed", description="claimed 已认领、on_duty 正在值守、done 已签退、absent 未签到且班次已结束、"
                                           "released 已退领、all 全部")
SegmentQ = Query(None, ge=1, le=MAX_ID)


@router.get("/campaigns/{id}/shifts", response={200: ShiftPage, **ONE}, summary="认领活动的班次（按时间，分页）")
def list_campaign_shifts(
    request: HttpRequest,
    id: int = PathId,
    segment: int | None = SegmentQ,
    day: dt.date | None = Day,
    short: bool = Short,
    when: Literal["upcoming", "all", "past"] = When,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _seer(user)
    get_object_or_404(selectors.visible_campaigns(user), pk=id)
    params = {"campaign": str(id), "segment": str(segment or ""), "day": day.isoformat() if day else "",
              "short": "1" if short else "", "when": when}
    return _page(selectors.shift_list(user, params, timezone.now()), limit, offset, _shift)


@router.get("/campaigns/{id}/claims", response={200: RosterPage, **ONE},
            summary="认领名册（发起组织及上级的党组织）")
def list_campaign_claims(
    request: HttpRequest,
    id: int = PathId,
    state: Literal["claimed", "on_duty", "done", "absent", "released", "all"] = RosterState,
    day: dt.date | None = None,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_VIEW)
    get_object_or_404(Campaign.objects.restrict(user, Perm.MEMBER_VIEW), pk=id)
    params = {"campaign": str(id), "state": state, "day": day.isoformat() if day else ""}

    def render(c: DutyClaim) -> dict[str, Any]:
        return _claim(c) | {"person_id": c.person_id, "person": c.person.name}

    return _page(selectors.roster(user, params, timezone.now()), limit, offset, render)


# ---------------------------------------------------------------- a member's claims (认领、退领、签到、签退)


@router.get("/duty/shifts", response={200: ShiftPage, **LIST},
            summary="可见的班次（党员：面向本人的认领活动；按时间，分页）")
def list_duty_shifts(
    request: HttpRequest,
    campaign: int | None = Query(None, ge=1, le=MAX_ID),
    segment: int | None = SegmentQ,
    day: dt.date | None = Day,
    short: bool = Short,
    state: CampaignState | None = CampaignStateQ,
    when: Literal["upcoming", "all", "past"] = When,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _seer(user)
    params = {"campaign": str(campaign or ""), "segment": str(segment or ""), "day": day.isoformat() if day else "",
              "short": "1" if short else "", "state": state or "", "when": when}
    return _page(selectors.shift_list(user, params, timezone.now()), limit, offset, _shift)


@router.post("/duty/shifts/{id}/claim", response={201: MyClaimOut, **WRITE},
             summary="认领班次（本人；已认满、时间重叠、活动未开放或班次已结束时拒绝）")
def claim_shift(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _member(user)
    shift = get_object_or_404(Shift.objects.filter(campaign__in=selectors.visible_campaigns(user))
                              .select_related("segment", "campaign"), pk=id)
    claim = actions.do_claim(user, shift)
    claim.shift, claim.campaign = shift, shift.campaign  # what the answer names, already read
    return Status(201, _claim(claim) | {"companions": 0, "companion_names": []})


@router.get("/duty/claims", response={200: DutyClaimPage, **LIST}, summary="我的认领")
def list_my_duty_claims(
    request: HttpRequest,
    when: Literal["upcoming", "past", "released", "all"] = Query(
        "upcoming", description="upcoming 待值守（默认）、past 已结束、released 已退领、all 全部"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _member(user)
    return _page(selectors.my_claims(user, {"when": when}, timezone.now()), limit, offset, _claim)


@router.get("/duty/claims/{id}", response={200: MyClaimOut, **ONE}, summary="我的一条认领记录")
def get_my_duty_claim(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _member(user)
    return _my_claim(user, id)


def _own(user: Any, pk: int) -> DutyClaim:
    _member(user)
    return get_object_or_404(DutyClaim.objects.filter(person_id=user.person_id), pk=pk)


@router.post("/duty/claims/{id}/release", response={200: MyClaimOut, **WRITE}, summary="退领（班次开始前）")
def release_duty_claim(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    actions.do_release(user, _own(user, id))
    return _my_claim(user, id)


@router.post("/duty/claims/{id}/check-in", response={200: MyClaimOut, **WRITE},
             summary="签到（班次开始前 30 分钟至班次结束）")
def duty_check_in(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    actions.do_check_in(user, _own(user, id))
    return _my_claim(user, id)


@router.post("/duty/claims/{id}/check-out", response={200: MyClaimOut, **WRITE},
             summary="签退（签到后，至班次结束后 2 小时；记入积分）")
def duty_check_out(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    actions.do_check_out(user, _own(user, id))
    return _my_claim(user, id)


@router.put("/duty/claims/{id}/companions", response={200: MyClaimOut, **WRITE},
            summary="登记带动的群众（签到后，至班次结束后 3 天；替换原有名单）")
def set_duty_companions(request: HttpRequest, payload: CompanionsIn, id: int = PathId) -> Any:
    user = _user(request)
    actions.do_set_companions(user, _own(user, id), list(payload.names))
    return _my_claim(user, id)
