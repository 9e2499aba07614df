"""一横 in the JSON API — stationed units, their liaisons and performance, councils and their members
(mounted by ``cobuild.api``).

Same doors as the pages: ``require`` (no right anywhere → 403), reads through ``restrict`` (out of scope →
404 like a missing row), references through the scoped lookups, writes through the ``do_*`` actions of
``actions_units`` (400 in Chinese).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

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
from zongheng.orgs.models import Post
from zongheng.orgs.resolve import resolve_person, resolve_sent_from

from . import actions_units as actions
from . import performance, resolve
from . import selectors_units as selectors
from .choices import PartyManagement, Rank, SeatKind, UnitLevel, UnitType
from .models import Council, CouncilMember, Unit

router = Router(tags=["一横"])

Text = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
Year = Query(None, ge=2000, le=2100, description="年份；默认为今年")


class UnitOut(Schema):
    id: int
    name: str
    credit_code: str | None
    type: str = Field(description="agency 机关、institution 事业单位、state_enterprise 国有企业、"
                                  "private_enterprise 非公企业、social 社会组织")
    level: str = Field(description="city 市直、district 区直、vertical 垂管、local 属地")
    address: str
    place: OrgRef = Field(description="所在街道/社区")
    node: OrgRef = Field(description="组织树中代表本单位的节点")
    party_management: str = Field(description="local 属地管理、system 系统管理")
    party_org_name: str
    secretary_name: str
    members_count: int | None
    joined_on: dt.date | None


class UnitLiaisonOut(Schema):
    post_id: int
    name: str
    starts_on: dt.date


class UnitSeatOut(Schema):
    council_id: int
    council: str
    name: str
    council_post: str


class UnitDetailOut(UnitOut):
    liaisons: list[UnitLiaisonOut] = Field(description="在任联络员（仅姓名）")
    seats: list[UnitSeatOut] = Field(description="在任大工委/大党委委员席位")
    agreements: int
    items_open: int
    items_overdue: int
    pairings: int
    resources: int
    summons_open: int = Field(description="吹哨召集、尚未报到的诉求数")


class UnitPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[UnitOut]


class UnitIn(Schema):
    place: int = Field(ge=1, le=MAX_ID, description="所在街道/社区的组织 id")
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
    credit_code: Annotated[str, Field(max_length=18, pattern=r"^[0-9A-Za-z]*$")] = ""
    type: UnitType
    level: UnitLevel
    address: Text = ""
    party_management: PartyManagement = PartyManagement.LOCAL
    party_org_name: Annotated[str, Field(max_length=100, pattern=NO_NUL)] = ""
    secretary_name: Annotated[str, Field(max_length=50, pattern=NO_NUL)] = ""
    members_count: int | None = Field(None, ge=0, le=1_000_000)
    joined_on: dt.date | None = None


class UnitPatchIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)] | None = None
    credit_code: Annotated[str, Field(max_length=18, pattern=r"^[0-9A-Za-z]*$")] | None = None
    type: UnitType | None = None
    level: UnitLevel | None = None
    address: Text | None = None
    party_management: PartyManagement | None = None
    party_org_name: Annotated[str, Field(max_length=100, pattern=NO_NUL)] | None = None
    secretary_name: Annotated[str, Field(max_length=50, pattern=NO_NUL)] | None = None
    members_count: int | None = Field(None, ge=0, le=1_000_000)
    joined_on: dt.date | None = None


class UnitLiaisonIn(Schema):
    person: int | None = Field(None, ge=1, le=MAX_ID, description="名册中人员的 id；不填则按姓名新登记人员")
    name: Annotated[str, Field(max_length=50, pattern=NO_NUL)] = ""
    phone: Annotated[str, Field(max_length=20, pattern=r"^[0-9\-() ]*$")] = ""
    starts_on: dt.date | None = None


class UnitEndIn(Schema):
    ends_on: dt.date | None = None


class UnitPerformanceOut(Schema):
    unit: OrgRef = Field(description="驻区单位（id 为单位 id）")
    year: int
    meetings: int = Field(description="参加大工委/大党委会议次数")
    on_time: int = Field(description="按期完成认领项目数")
    activities: int = Field(description="开展结对共建活动次数")
    problems: int = Field(description="解决问题数")
    shared: int = Field(description="共享资源对接次数")


class UnitPerformancePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[UnitPerformanceOut]


class CouncilOut(Schema):
    id: int
    org: OrgRef
    name: str
    term_starts_on: dt.date
    term_ends_on: dt.date | None


class CouncilMemberOut(Schema):
    id: int
    seat: str = Field(description="unit 驻区单位兼职委员、sent 街道下派干部、own 本级干部")
    name: str
    unit: OrgRef | None = Field(description="所在驻区单位（id 为单位 id）")
    sent_from: OrgRef | None
    rank: str = Field(description="bureau 厅局级、county 县处级、section 乡科级、other 其他")
    post: str
    council_post: str
    starts_on: dt.date
    ends_on: dt.date | None


class CouncilCommitmentOut(Schema):
    unit: OrgRef
    agreements: int
    items: int
    items_done: int
    problems_solved: int


class CouncilMeetingOut(Schema):
    id: int
    type_name: str
    held_at: dt.datetime
    present: int
    invited: int


class CouncilDetailOut(CouncilOut):
    members: list[CouncilMemberOut]
    commitments: list[CouncilCommitmentOut]
    meetings: list[CouncilMeetingOut] = Field(description="本届召开的联席会议（会议模块记录，最近 50 次）")
    meetings_total: int


class CouncilPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CouncilOut]


class CouncilIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="街道/社区的组织 id")
    name: Annotated[str, Field(max_length=100, pattern=NO_NUL)] = ""
    term_starts_on: dt.date
    term_ends_on: dt.date | None = None


class CouncilPatchIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)] | None = None
    term_starts_on: dt.date | None = None
    term_ends_on: dt.date | None = None


class CouncilMemberIn(Schema):
    seat: SeatKind = SeatKind.UNIT
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="驻区单位 id（兼职委员）")
    sent_from: int | None = Field(None, ge=1, le=MAX_ID, description="派出街道的组织 id（下派干部）")
    person: int | None = Field(None, ge=1, le=MAX_ID, description="名册中人员的 id（可不填）")
    name: Annotated[str, Field(max_length=50, pattern=NO_NUL)] = ""
    rank: Rank = Rank.OTHER
    post: Annotated[str, Field(max_length=100, pattern=NO_NUL)] = ""
    council_post: Annotated[str, Field(max_length=50, pattern=NO_NUL)] = ""
    starts_on: dt.date | None = None


# ---------------------------------------------------------------- renderers


def _unit(u: Unit) -> dict[str, Any]:
    return {"id": u.pk, "name": u.name, "credit_code": u.credit_code, "type": u.type, "level": u.level,
            "address": u.address, "place": _ref(u.place), "node": _ref(u.org),
            "party_management": u.party_management, "party_org_name": u.party_org_name,
            "secretary_name": u.secretary_name, "members_count": u.members_count, "joined_on": u.joined_on}


def _unit_detail(user: Any, unit: Unit) -> dict[str, Any]:
    d = selectors.unit_page(user, unit)
    return _unit(unit) | {
        "liaisons": [{"post_id": p.pk, "name": p.person.name, "starts_on": p.starts_on} for p in d.liaisons],
        "seats": [{"council_id": s.council_id, "council": s.council.name, "name": s.name,
                   "council_post": s.council_post} for s in d.seats],
        "agreements": len(d.agreements), "items_open": d.items_open, "items_overdue": d.overdue,
        "pairings": len(d.pairings), "resources": len(d.resources), "summons_open": d.summons_open,
    }


def _perf(unit: Unit, p: performance.Performance) -> dict[str, Any]:
    return {"unit": {"id": unit.pk, "name": unit.name}, "year": p.year, "meetings": p.meetings,
            "on_time": p.on_time, "activities": p.activities, "problems": p.problems, "shared": p.shared}


def _council(c: Council) -> dict[str, Any]:
    return {"id": c.pk, "org": _ref(c.org), "name": c.name, "term_starts_on": c.term_starts_on,
            "term_ends_on": c.term_ends_on}


def _member(m: CouncilMember) -> dict[str, Any]:
    return {"id": m.pk, "seat": m.seat, "name": m.name,
            "unit": {"id": m.unit.pk, "name": m.unit.name} if m.unit else None, "sent_from": _ref(m.sent_from),
            "rank": m.rank, "post": m.post, "council_post": m.council_post, "starts_on": m.starts_on,
            "ends_on": m.ends_on}


def _council_detail(council: Council) -> dict[str, Any]:
    everyone = list(selectors.council_members(council, current=False))
    meetings, total = selectors.council_meetings(council)
    commitments = selectors.commitments(council, [m for m in everyone if m.ends_on is None])
    return _council(council) | {
        "members": [_member(m) for m in everyone],
        "commitments": [{"unit": {"id": c.unit.pk, "name": c.unit.name}, "agreements": c.agreements,
                         "items": c.items, "items_done": c.done, "problems_solved": c.problems} for c in commitments],
        "meetings": [{"id": m.pk, "type_name": m.type.name, "held_at": m.held_at, "present": m.present,
                      "invited": m.invited} for m in meetings],
        "meetings_total": total,
    }


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


# ---------------------------------------------------------------- units


@router.get("/units", response={200: UnitPage, **LIST}, summary="驻区单位列表（管辖范围内）")
def list_units(
    request: HttpRequest,
    place: int | None = Query(None, ge=1, le=MAX_ID, description="只列该街道/社区之下的单位"),
    q: str | None = Query(None, max_length=50, pattern=NO_NUL, description="名称关键词"),
    type: UnitType | None = None,
    level: UnitLevel | None = None,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    params = {"place": place or "", "q": q or "", "type": type or "", "level": level or ""}
    return _page(selectors.unit_list(user, params), limit, offset, _unit)


@router.post("/units", response={201: UnitDetailOut, **CREATE},
             summary="登记驻区单位（同时在所在街道/社区之下建立其组织节点）")
def create_unit(request: HttpRequest, payload: UnitIn) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    data = payload.dict()
    data["place"] = resolve.resolve_side_org(user, payload.place)
    unit = actions.do_create_unit(user, data)
    return Status(201, _unit_detail(user, selectors.unit_for(user, unit.pk)))


@router.get("/units/performance", response={200: UnitPerformancePage, **LIST},
            summary="驻区单位履职情况（每单位一年的五项指标，均由记录计算）")
def list_performance(
    request: HttpRequest,
    year: int | None = Year,
    place: int | None = Query(None, ge=1, le=MAX_ID, description="只列该街道/社区之下的单位"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    qs = selectors.unit_list(user, {"place": place or ""})
    units = list(qs[offset:offset + limit])
    perfs = performance.unit_performance(units, _year(year))
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": [_perf(u, perfs[u.pk]) for u in units]}


@router.get("/units/{id}", response={200: UnitDetailOut, **ONE}, summary="驻区单位详情")
def get_unit(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _unit_detail(user, get_object_or_404(selectors.units_in_scope(user), pk=id))


@router.patch("/units/{id}", response={200: UnitDetailOut, **WRITE}, summary="修改驻区单位（只改提交的字段）")
def update_unit(request: HttpRequest, payload: UnitPatchIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    unit = get_object_or_404(selectors.units_in_scope(user, Perm.COBUILD_CHANGE), pk=id)
    actions.do_update_unit(user, unit, payload.dict(exclude_unset=True))
    return _unit_detail(user, selectors.unit_for(user, unit.pk))


@router.get("/units/{id}/performance", response={200: UnitPerformanceOut, **ONE}, summary="一个驻区单位一年的履职情况")
def unit_performance(request: HttpRequest, id: int = PathId, year: int | None = Year) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    unit = get_object_or_404(selectors.units_in_scope(user), pk=id)
    return _perf(unit, performance.unit_performance([unit], _year(year))[unit.pk])


@router.post("/units/{id}/liaisons", response={201: UnitDetailOut, **WRITE},
             summary="任命联络员（驻区单位节点上的“驻区单位联络员”职务）")
def appoint_liaison(request: HttpRequest, payload: UnitLiaisonIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    unit = get_object_or_404(selectors.units_in_scope(user, Perm.COBUILD_CHANGE), pk=id)
    person = resolve_person(user, payload.person) if payload.person else None
    actions.do_appoint_liaison(user, unit, person=person, name=payload.name, phone=payload.phone,
                               starts_on=payload.starts_on)
    return Status(201, _unit_detail(user, unit))


@router.post("/units/{id}/liaisons/{post_id}/end", response={200: UnitDetailOut, **WRITE}, summary="联络员离任")
def end_liaison(request: HttpRequest, payload: UnitEndIn, id: int = PathId,
                post_id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    unit = get_object_or_404(selectors.units_in_scope(user, Perm.COBUILD_CHANGE), pk=id)
    post = get_object_or_404(Post.objects.all(), pk=post_id, org_id=unit.org_id, role="liaison")
    actions.do_end_liaison(user, unit, post, payload.ends_on)
    return _unit_detail(user, unit)


# ---------------------------------------------------------------- councils


@router.get("/councils", response={200: CouncilPage, **LIST}, summary="大工委/大党委列表（管辖范围内）")
def list_councils(
    request: HttpRequest,
    place: int | None = Query(None, ge=1, le=MAX_ID, description="只列该街道/社区及其下级的"),
    current: bool = Query(False, description="true：只列本届在任的"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    qs = selectors.council_list(user, {"place": place or "", "current": "1" if current else ""})
    return _page(qs, limit, offset, _council)


@router.post("/councils", response={201: CouncilDetailOut, **CREATE}, summary="新建大工委/大党委（一届）")
def create_council(request: HttpRequest, payload: CouncilIn) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    data = payload.dict()
    data["org"] = resolve.resolve_side_org(user, payload.org)
    council = actions.do_create_council(user, data)
    return Status(201, _council_detail(selectors.council_for(user, council.pk)))


@router.get("/councils/{id}", response={200: CouncilDetailOut, **ONE},
            summary="大工委/大党委详情（委员、各单位认领情况、联席会议）")
def get_council(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _council_detail(get_object_or_404(selectors.councils_in_scope(user), pk=id))


@router.patch("/councils/{id}", response={200: CouncilDetailOut, **WRITE}, summary="修改大工委/大党委")
def update_council(request: HttpRequest, payload: CouncilPatchIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    council = get_object_or_404(selectors.councils_in_scope(user, Perm.COBUILD_CHANGE), pk=id)
    data = {"name": council.name, "term_starts_on": council.term_starts_on, "term_ends_on": council.term_ends_on}
    data |= payload.dict(exclude_unset=True)
    actions.do_update_council(user, council, data)
    return _council_detail(selectors.council_for(user, council.pk))


@router.post("/councils/{id}/members", response={201: CouncilMemberOut, **WRITE},
             summary="增补委员（驻区单位兼职委员、街道下派干部或本级干部）")
def add_council_member(request: HttpRequest, payload: CouncilMemberIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    council = get_object_or_404(selectors.councils_in_scope(user, Perm.COBUILD_CHANGE), pk=id)
    data = payload.dict()
    data["unit"] = resolve.resolve_any_unit(payload.unit) if payload.unit else None
    data["sent_from"] = resolve_sent_from(council.org, payload.sent_from) if payload.sent_from else None
    data["person"] = resolve_person(user, payload.person) if payload.person else None
    member = actions.do_add_member(user, council, data)
    return Status(201, _member(CouncilMember.objects.select_related("unit", "sent_from").get(pk=member.pk)))


@router.post("/councils/members/{id}/end", response={200: CouncilMemberOut, **WRITE}, summary="委员离任")
def end_council_member(request: HttpRequest, payload: UnitEndIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    member = get_object_or_404(CouncilMember.objects.filter(
        council__in=selectors.councils_in_scope(user, Perm.COBUILD_CHANGE)), pk=id)
    actions.do_end_member(user, member, payload.ends_on)
    return _member(CouncilMember.objects.select_related("unit", "sent_from").get(pk=member.pk))
