"""双联双管报到 in the JSON API (mounted by ``members.api``).

Same doors as the pages: a member (a person record) reads their own registrations and applies for
themselves; a cadre reads both sides of their scope (``member.view``), enters a registration on a member's
behalf and confirms, declines or ends (``member.change``, checked by the action). A registration outside what
the user sees answers 404 like a missing one; a refused write 400 in Chinese; a body that does not match the
schema 422. Lists are paginated with ``limit``/``offset`` (a constant number of queries).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import require
from zongheng.core.permissions import Perm
from zongheng.orgs.api import CREATE, LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _page, _user
from zongheng.orgs.picker import path_labels, rank_targets

from . import actions_registration as actions
from . import selectors_registration as selectors
from .choices import RegistrationState

router = Router(tags=["党员带头：双联双管报到"])

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
STATES = "applied 待社区确认、confirmed 已报到、declined 社区未同意、withdrawn 本人已撤回、ended 已结束报到"


class PersonBrief(Schema):
    id: int
    name: str
    member_type: str
    org: OrgRef = Field(description="所在（管理）党组织")


class RegistrationEventOut(Schema):
    state: str
    note: str
    at: dt.datetime
    by: str = Field(description="办理人（姓名或账号）；本人线上申请为空")


class RegistrationOut(Schema):
    id: int
    person: PersonBrief
    community: OrgRef = Field(description="报到社区")
    state: str = Field(description=STATES)
    skills: str
    note: str
    applied_on: dt.date
    confirmed_on: dt.date | None
    ended_on: dt.date | None
    reason: str


class RegistrationDetailOut(RegistrationOut):
    actions: list[str] = Field(description="您现在可以办理的操作：confirm、decline、withdraw、end")
    events: list[RegistrationEventOut]


class RegistrationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RegistrationOut]


class CommunityCountOut(Schema):
    community: OrgRef
    street: str = Field(description="所在街道（乡）")
    managed: int = Field(description="管理党员：组织关系在该社区（含其下级）的党员")
    registered: int = Field(description="报到党员：已确认到该社区报到的")
    pending: int = Field(description="待确认的报到申请")


class CountPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CommunityCountOut]


class CommunityChoice(Schema):
    id: int
    name: str
    street: str


class ApplyIn(Schema):
    community: Id = Field(description="报到社区 id（本区的社区或村，见 /registrations/communities）")
    skills: Text = ""
    note: Text = ""


class EnterIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=50, pattern=NO_NUL)] = Field(description="党员姓名")
    id_number: Annotated[str, Field(min_length=1, max_length=30, pattern=NO_NUL)] = Field(
        description="18 位身份证号码；与姓名都相符才登记，未找到时不返回任何人员信息")
    community: Id = Field(description="报到社区 id（须在您的管辖范围内）")
    applied_on: dt.date | None = Field(None, description="申请日期，不填为今天")
    skills: Text = ""
    note: Text = ""
    confirm: bool = Field(True, description="同时确认报到")


class RegistrationTransitionIn(Schema):
    action: Literal["confirm", "decline", "withdraw", "end"] = Field(
        description="confirm 确认报到、decline 不同意（须填原因）、withdraw 本人撤回申请、end 结束报到（须填原因）")
    reason: Text = ""
    state: RegistrationState | None = Field(None, description="读取时的状态；已被他人办理（状态已变）时拒绝")


def _out(r: Any) -> dict[str, Any]:
    p = r.person
    return {"id": r.pk, "community": {"id": r.community_id, "name": r.community.name}, "state": r.state,
            "person": {"id": p.pk, "name": p.name, "member_type": p.member_type,
                       "org": {"id": p.org_id, "name": p.org.name}},
            "skills": r.skills, "note": r.note, "applied_on": r.applied_on, "confirmed_on": r.confirmed_on,
            "ended_on": r.ended_on, "reason": r.reason}


def _detail(user: Any, pk: int) -> dict[str, Any]:
    r = selectors.registration_for(user, pk)
    events = [{"state": e.state, "note": e.note, "at": e.at, "by": e.by.display_name() if e.by else ""}
              for e in selectors.history(r)]
    return _out(r) | {"actions": actions.allowed_actions(user, r), "events": events}


def _viewer(user: Any) -> None:
    if not selectors.may_view(user):
        raise PermissionDenied("您的账号没有关联人员信息，也没有查看党员报到的权限")


def _member(user: Any) -> Any:
    person = user.person if getattr(user, "person_id", None) else None
    if person is None or not person.is_party_member:
        raise PermissionDenied("只有党员可以申请到社区报到")
    return person


@router.get("/registrations", response={200: RegistrationPage, **LIST},
            summary="报到列表（报到到辖区社区的、辖区党员在外报到的，或本人的）")
def list_registrations(
    request: HttpRequest,
    state: Literal["open", "applied", "confirmed", "declined", "withdrawn", "ended"] | None = Query(
        None, description="open 待确认和已报到；或 " + STATES),
    community: int | None = Query(None, ge=1, le=MAX_ID, description="报到社区 id"),
    side: Literal["community", "member", "mine"] | None = Query(
        None, description="community 到辖区社区报到的、member 辖区管理的党员、mine 本人的"),
    q: str | None = Query(None, max_length=50, pattern=NO_NUL, description="党员姓名"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _viewer(user)
    params = {"state": state or "", "community": community or "", "side": side or "", "q": q or ""}
    return _page(selectors.registration_list(user, params), limit, offset, _out)


@router.post("/registrations", response={201: RegistrationDetailOut, **CREATE}, summary="本人申请到社区报到")
def apply_registration(request: HttpRequest, payload: ApplyIn) -> Any:
    user = _user(request)
    person = _member(user)
    community = selectors.resolve_apply_community(person, payload.community)
    reg = actions.do_apply(user, person, community, {"skills": payload.skills, "note": payload.note})
    return Status(201, _detail(user, reg.pk))


@router.post("/registrations/enter", response={201: RegistrationDetailOut, **CREATE},
             summary="社区代为登记报到（按姓名和身份证号码查找党员，查询记入审计日志）")
def enter_registration(request: HttpRequest, payload: EnterIn) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_CHANGE)
    community = selectors.resolve_enter_community(user, payload.community)
    person = actions.lookup_member(user, community, payload.name, payload.id_number)
    reg = actions.do_enter(user, person, community, {"applied_on": payload.applied_on, "skills": payload.skills,
                                                     "note": payload.note, "confirm": payload.confirm})
    return Status(201, _detail(user, reg.pk))


@router.get("/registrations/counts", response={200: CountPage, **LIST},
            summary="各社区报到统计：管理党员、报到党员、待确认申请（管辖范围内的社区和村）")
def registration_counts(
    request: HttpRequest,
    q: str | None = Query(None, max_length=40, pattern=NO_NUL, description="社区名称"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_VIEW)
    qs = selectors.count_rows(user, {"q": q or ""})
    orgs = list(qs[offset:offset + limit])
    streets = path_labels(orgs)
    items = [{"community": {"id": c.org.pk, "name": c.org.name}, "street": streets.get(c.org.pk, ""),
              "managed": c.managed, "registered": c.registered, "pending": c.pending}
             for c in selectors.community_counts(orgs)]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


@router.get("/registrations/communities", response={200: list[CommunityChoice], **LIST},
            summary="可申请报到的社区和村（本人所在区；最多 20 个，按名称筛选）")
def registration_communities(
    request: HttpRequest,
    q: str = Query("", max_length=40, pattern=NO_NUL, description="名称的一部分"),
) -> Any:
    user = _user(request)
    found, _ = rank_targets(selectors.apply_choices(_member(user)), q)
    streets = path_labels(found)
    return [{"id": o.pk, "name": o.name, "street": streets.get(o.pk, "")} for o in found]


@router.get("/registrations/{id}", response={200: RegistrationDetailOut, **ONE},
            summary="报到详情（含办理记录和您现在可以办理的操作）")
def get_registration(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _viewer(user)
    return _detail(user, id)


@router.post("/registrations/{id}/transition", response={200: RegistrationDetailOut, **WRITE},
             summary="办理报到：确认、不同意、撤回申请或结束报到")
def transition_registration(request: HttpRequest, payload: RegistrationTransitionIn, id: int = PathId) -> Any:
    user = _user(request)
    _viewer(user)
    reg = selectors.registration_for(user, id)
    actions.do_transition(user, reg, payload.action, reason=payload.reason,
                          expected_state=payload.state.value if payload.state else None)
    return _detail(user, id)
