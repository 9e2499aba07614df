"""Activities in the JSON API (mounted by ``members.api``): list, get, create, update, publish/cancel, sign up
(oneself), cancel one's sign-up, add a resident, the sign-up list, attendance, a person's own activities and
the figures.

Same doors as the pages: ``require`` (no right anywhere → 403), reads through scoped querysets (out of scope
→ 404 like a missing row), references through the scoped lookups, writes through the same ``do_*`` actions
(400 in Chinese). A person acts on their own sign-ups only. Phones are always the masked copies.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import has_perm, require
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.api import CREATE, LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _page, _user

from . import actions_activities as actions
from . import selectors_activities as selectors
from .choices import ActivityKind, ActivityState, SignUpState
from .models import Activity, SignUp

router = Router(tags=["党员带头 · 活动"])

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Title = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
Place = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Description = Annotated[str, Field(max_length=2000, pattern=NO_NUL)]
Name = Annotated[str, Field(min_length=1, max_length=50, pattern=NO_NUL)]
Phone = Annotated[str, Field(max_length=20, pattern=r"^[0-9０-９ \-]*$")]
Capacity = Annotated[int, Field(ge=1, le=actions.MAX_CAPACITY)]


class TeamRef(Schema):
    id: int
    name: str


class ActivityOut(Schema):
    id: int
    org: OrgRef = Field(description="组织单位")
    team: TeamRef | None = Field(description="活动队伍")
    kind: str = Field(description="functional 功能型党组织活动、team 活动队伍活动、pairing 结对共建活动、"
                                  "volunteer 志愿服务、other 其他")
    title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None = Field(description="人数上限；null 为不限")
    signed: int = Field(description="已报名人数（不含现场补登）")
    open_to_residents: bool
    state: str = Field(description="draft 草稿、published 报名中、cancelled 已取消、held 已确认出勤")
    cancel_reason: str
    attended: int | None = Field(None, description="出勤人次（列表中）")


class MySignUpOut(Schema):
    id: int
    state: str = Field(description="signed 已报名、cancelled 已取消报名")
    attended: bool | None


class ActivityDetailOut(ActivityOut):
    description: str
    confirmed_at: dt.datetime | None
    allowed_states: list[str] = Field(description="组织者可转入的状态（held 须通过出勤确认）")
    can_sign_up: bool = Field(description="当前用户现在可以报名")
    my_signup: MySignUpOut | None = Field(description="当前用户本人的报名")


class ActivityPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ActivityOut]


class SignUpOut(Schema):
    id: int
    name: str
    is_member: bool
    phone_masked: str = Field(description="电话（隐去中间四位）")
    state: str
    walk_in: bool = Field(description="出勤确认时补登的现场参加者")
    attended: bool | None
    signed_at: dt.datetime


class SignUpPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SignUpOut]


class MineSignUpOut(Schema):
    activity: ActivityOut
    signup: MySignUpOut


class MineOut(Schema):
    open: list[ActivityOut] = Field(description="现在可以报名的活动（最近 50 场）")
    signups: list[MineSignUpOut] = Field(description="本人的报名（最近 50 条）：活动与报名状态")


class FigureRowOut(Schema):
    name: str
    org_id: int | None
    held: int = Field(description="开展活动（已确认出勤的活动）")
    residents: int = Field(description="服务群众（出勤的居民报名，人次）")
    members: int = Field(description="党员参加（出勤的党员报名，人次）")


class ActivityFiguresOut(Schema):
    year: int
    total: FigureRowOut
    rows: list[FigureRowOut]


class ActivityIn(Schema):
    org: Id | None = Field(None, description="组织单位 id（须在您的组织活动范围内）；只给 team 时为队伍所属组织")
    team: Id | None = Field(None, description="活动队伍 id（须属于该组织）")
    kind: ActivityKind | None = None
    title: Title
    description: Description = ""
    place: Place
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: Capacity | None = Field(None, description="人数上限；不填为不限")
    open_to_residents: bool = True
    publish: bool = Field(False, description="true：保存后立即发布")


class ActivityPatchIn(Schema):
    org: Id | None = None
    team: Id | None = None
    kind: ActivityKind | None = None
    title: Title | None = None
    description: Description | None = None
    place: Place | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    capacity: Capacity | None = None
    open_to_residents: bool | None = None


class ActivityTransitionIn(Schema):
    state: Literal["published", "cancelled"] = Field(description="published 发布、cancelled 取消")
    from_state: ActivityState = Field(description="读取时的状态；已变化时拒绝")
    reason: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = Field("", description="取消原因（取消时必填）")


class ResidentIn(Schema):
    name: Name
    phone: Phone = ""


class MarkIn(Schema):
    signup: Id
    attended: bool


class AttendanceIn(Schema):
    marks: list[MarkIn] = Field(default_factory=list, max_length=actions.MAX_MARKS)
    walk_ins: list[ResidentIn] = Field(default_factory=list, max_length=500, description="现场参加的居民")


# ---------------------------------------------------------------- rendering


def _activity(a: Activity) -> dict[str, Any]:
    return {"id": a.pk, "org": {"id": a.org.pk, "name": a.org.name},
            "team": {"id": a.team.pk, "name": a.team.name} if a.team else None, "kind": a.kind, "title": a.title,
            "place": a.place, "starts_at": a.starts_at, "ends_at": a.ends_at, "capacity": a.capacity,
            "signed": a.signed, "open_to_residents": a.open_to_residents, "state": a.state,
            "cancel_reason": a.cancel_reason, "attended": getattr(a, "attended_count", None)}


def _signup(s: SignUp) -> dict[str, Any]:
    person = s.person if s.person_id is not None else None
    return {"id": s.pk, "name": person.name if person else s.name, "is_member": s.is_member,
            "phone_masked": person.phone_masked if person else s.phone_masked, "state": s.state,
            "walk_in": s.walk_in, "attended": s.attended, "signed_at": s.signed_at}


def _detail(user: Any, pk: int) -> dict[str, Any]:
    a = get_object_or_404(selectors.visible_activities(user), pk=pk)
    now = timezone.now()
    person = getattr(user, "person", None)
    mine = selectors.own_signup(a, getattr(user, "person_id", None))
    live = mine is not None and mine.state == SignUpState.SIGNED
    can_sign_up = (person is not None and not live and (person.is_party_member or a.open_to_residents)
                   and (a.capacity is None or a.signed < a.capacity)
                   and selectors.open_activities(person, now).filter(pk=a.pk).exists())
    organiser = actions.may_organise(user, a)
    return _activity(a) | {
        "description": a.description, "confirmed_at": a.confirmed_at,
        "allowed_states": list(actions.allowed_states(a)) if organiser else [], "can_sign_up": can_sign_up,
        "my_signup": {"id": mine.pk, "state": mine.state, "attended": mine.attended} if mine else None}


def _person(user: Any) -> Any:
    person = getattr(user, "person", None)
    if person is None:
        raise PermissionDenied("您的账号没有关联人员信息")
    return person


def _organised(user: Any, pk: int) -> Activity:
    require(user, Perm.MEMBER_CHANGE)
    return get_object_or_404(selectors.activities_in_scope(user, Perm.MEMBER_CHANGE), pk=pk)


def _refs(user: Any, org: int | None, team: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if org is not None:
        out["org"] = selectors.resolve_org(user, org)
    if team is not None:
        out["team"] = selectors.resolve_team(user, team)
    return out


# ---------------------------------------------------------------- routes


@router.get("/member-activities", response={200: ActivityPage, **LIST}, summary="活动列表（管辖范围内）")
def list_member_activities(
    request: HttpRequest,
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织及其下级的"),
    kind: ActivityKind | None = None,
    state: ActivityState | None = None,
    when: Literal["upcoming", "past", "await"] | None = Query(
        None, description="upcoming 未开始、past 已开始、await 已结束待确认出勤"),
    year: int | None = Query(None, ge=2000, le=2100, description="开始时间所在年度"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_VIEW)
    params = {"org": str(org or ""), "kind": kind or "", "state": state or "", "when": when or "",
              "year": str(year or "")}
    qs = selectors.activity_list(user, params, timezone.now())
    rows = selectors.with_attended(list(qs[offset:offset + limit]))
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": [_activity(a) for a in rows]}


@router.post("/member-activities", response={201: ActivityDetailOut, **CREATE}, summary="新建活动（草稿或立即发布）")
def create_member_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_CHANGE)
    data = payload.dict() | _refs(user, payload.org, payload.team)
    if payload.org is None and payload.team is None:
        raise ActionError("请选择组织单位")
    a = actions.do_create_activity(user, data)
    return Status(201, _detail(user, a.pk))


@router.get("/member-activities/mine", response={200: MineOut, **LIST},
            summary="本人可以报名的活动和本人的报名")
def my_member_activities(request: HttpRequest) -> Any:
    user = _user(request)
    person = _person(user)
    now = timezone.now()
    open_rows = selectors.open_activities(person, now).order_by("starts_at", "id")[:50]
    signups = [{"activity": _activity(s.activity), "signup": {
        "id": s.pk, "state": s.state, "attended": s.attended}} for s in selectors.my_signups(person.pk)[:50]]
    return {"open": [_activity(a) for a in open_rows], "signups": signups}


@router.get("/member-activities/figures", response={200: ActivityFiguresOut, **ONE},
            summary="活动统计：开展活动、服务群众、党员参加（人次），合计与按组织")
def member_activity_figures(
    request: HttpRequest,
    year: int | None = Query(None, ge=2000, le=2100),
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只统计该组织及其下级"),
) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_VIEW)
    chosen = selectors.org_filter(user, org) if org is not None else None
    if org is not None and chosen is None:
        raise Http404
    y = year or timezone.localdate().year
    total, rows = selectors.figures(user, y, chosen)

    def row(r: Any) -> dict[str, Any]:
        return {"name": r.name, "org_id": r.org_id, "held": r.held, "residents": r.residents, "members": r.members}

    return {"year": y, "total": row(total), "rows": [row(r) for r in rows]}


@router.get("/member-activities/{id}", response={200: ActivityDetailOut, **ONE}, summary="活动详情")
def get_member_activity(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    if not (has_perm(user, Perm.MEMBER_VIEW) or getattr(user, "person_id", None)):
        raise PermissionDenied("您没有此项权限")
    return _detail(user, id)


@router.patch("/member-activities/{id}", response={200: ActivityDetailOut, **WRITE}, summary="修改活动（仅草稿）")
def update_member_activity(request: HttpRequest, payload: ActivityPatchIn, id: int = PathId) -> Any:
    user = _user(request)
    a = _organised(user, id)
    fields = payload.dict(exclude_unset=True)
    data = {k: v for k, v in fields.items() if k not in ("org", "team")}
    data |= _refs(user, fields.get("org"), fields.get("team"))
    if "team" in fields and fields["team"] is None:
        data["team"] = None
    actions.do_update_activity(user, a, data)
    return _detail(user, id)


@router.post("/member-activities/{id}/transition", response={200: ActivityDetailOut, **WRITE},
             summary="发布或取消活动（须带读取时的状态；取消须说明原因）")
def transition_member_activity(request: HttpRequest, payload: ActivityTransitionIn, id: int = PathId) -> Any:
    user = _user(request)
    a = _organised(user, id)
    actions.do_transition(user, a, payload.state, from_state=payload.from_state, reason=payload.reason)
    return _detail(user, id)


@router.post("/member-activities/{id}/signup", response={201: MySignUpOut, **WRITE},
             summary="本人报名（面向本人所在组织、已发布且未开始的活动）")
def sign_up_member_activity(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    person = _person(user)
    a = get_object_or_404(Activity.objects.open_to(person).exclude(state=ActivityState.DRAFT), pk=id)
    s = actions.do_sign_up(user, a)
    return Status(201, {"id": s.pk, "state": s.state, "attended": s.attended})


@router.delete("/member-activities/{id}/signup", response={200: MySignUpOut, **WRITE},
               summary="取消本人的报名（活动开始前）")
def cancel_member_activity_signup(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    person = _person(user)
    s = get_object_or_404(SignUp.objects.select_related("activity"), activity_id=id, person=person,
                          state=SignUpState.SIGNED)
    s = actions.do_cancel_sign_up(user, s)
    return {"id": s.pk, "state": s.state, "attended": s.attended}


@router.post("/member-activities/{id}/residents", response={201: SignUpOut, **WRITE},
             summary="代居民报名（组织者；电话加密保存，只返回隐去中间四位的号码）")
def add_member_activity_resident(request: HttpRequest, payload: ResidentIn, id: int = PathId) -> Any:
    user = _user(request)
    a = _organised(user, id)
    return Status(201, _signup(actions.do_add_resident(user, a, payload.name, payload.phone)))


@router.get("/member-activities/{id}/signups", response={200: SignUpPage, **ONE},
            summary="活动报名名单（电话隐去中间四位）")
def list_member_activity_signups(request: HttpRequest, id: int = PathId, limit: int = Limit,
                                 offset: int = Offset) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_VIEW)
    a = get_object_or_404(selectors.activities_in_scope(user), pk=id)
    return _page(selectors.roster(a), limit, offset, _signup)


@router.post("/member-activities/{id}/attendance", response={200: ActivityDetailOut, **WRITE},
             summary="确认出勤（组织者；活动开始后）：逐一标记出勤或缺勤，补登现场参加的居民")
def confirm_member_activity_attendance(request: HttpRequest, payload: AttendanceIn, id: int = PathId) -> Any:
    user = _user(request)
    a = _organised(user, id)
    marks: dict[int, bool] = {}
    for m in payload.marks:
        if m.signup in marks:
            raise ActionError("同一报名记录只能标记一次")
        marks[m.signup] = m.attended
    actions.do_confirm_attendance(user, a, marks, [w.dict() for w in payload.walk_ins])
    return _detail(user, id)
