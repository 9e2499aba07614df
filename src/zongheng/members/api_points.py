"""The points part (积分) in the JSON API (mounted by ``members.api``).

Same doors as the pages: a member reads their own points and claims and submits claims; ``member.view``
reads the ledger and totals of the members of the scope (a member or organisation outside it answers 404,
like a missing one); ``member.change`` reviews claims; rules are read with ``member.view`` and changed with
``member.configure`` at the root. Writes go through the ``do_*`` actions (400 in Chinese).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import NotAuthenticated, has_perm, require, require_at_root
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.api import CREATE, LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, PersonRef, _page
from zongheng.orgs.models import Person

from . import actions_points as actions
from . import selectors_points as sel
from .choices import CapPeriod, ClaimState
from .models import PointClaim, PointEntry, PointRule

router = Router(tags=["我是党员我带头 · 积分"])

Year = Query(None, ge=2000, le=2100, description="年度；默认为今年")
STATE = Query("all", description="状态；all 为全部")
REVIEW = Query(False, description="true 只列由我审核的")


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


def _found(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except ActionError as exc:
        raise Http404(exc.message) from exc


def _someone(user: Any) -> None:
    """Self-service routes: a user with a person record, or one holding member.view."""
    if not (user and user.is_authenticated):
        raise NotAuthenticated
    if not getattr(user, "person_id", None) and not has_perm(user, Perm.MEMBER_VIEW):
        raise PermissionDenied("您的账号没有关联人员信息")


# ---------------------------------------------------------------- schemas


class EntryOut(Schema):
    id: int
    person: PersonRef
    year: int
    occurred_on: dt.date
    deed: str = Field(description="积分来源：activity 参加活动、duty 认领值守、demand 办理诉求、visit 走访联系户、"
                                  "claim 申报事项")
    item: str | None = Field(description="八带头事项代码")
    item_name: str | None
    points: int = Field(description="本条积分（更正记录为增减的分数）")
    source: str = Field(description="来源记录，如 demand:88、claim:3")
    note: str
    corrects: int | None = Field(description="更正的原记录 id；原记录为空")
    created_at: dt.datetime


class EntryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EntryOut]


class ItemPointsOut(Schema):
    item: str
    name: str
    points: int


class RuleOut(Schema):
    id: int
    deed: str
    deed_name: str
    item: str
    item_name: str
    points: int = Field(description="每次积分")
    cap: int | None = Field(description="周期上限；空为不设上限")
    cap_period: str = Field(description="month 每月、quarter 每季度、year 每年")


class RuleSetOut(Schema):
    id: int
    member_type: str = Field(description="党员类型代码；registered 为双联双管报到党员")
    name: str
    note: str
    rules: list[RuleOut]


class MyPointsOut(Schema):
    person: PersonRef
    year: int
    total: int
    by_item: list[ItemPointsOut]
    rule_set: RuleSetOut | None = Field(description="适用的积分办法")
    entries: list[EntryOut] = Field(description="本年度的积分记录（含更正）")
    pending_claims: int


class BandOut(Schema):
    label: str
    members: int


class TotalsRowOut(Schema):
    label: str
    org: OrgRef | None = Field(description="下级组织；本级和报到党员两行为空")
    members: int
    points: int
    average: float | None
    with_points: int
    bands: list[BandOut]


class TotalsOut(Schema):
    org: OrgRef
    year: int
    total: TotalsRowOut
    children: list[TotalsRowOut] = Field(description="各下级组织（双联双管党员在所在组织和报到社区各计一次）")


class PointClaimOut(Schema):
    id: int
    person: PersonRef
    item: str
    item_name: str
    occurred_on: dt.date
    description: str
    state: str = Field(description="pending 待审核、approved 已通过、declined 未通过、withdrawn 已撤回")
    review_note: str
    reviewed_at: dt.datetime | None
    created_at: dt.datetime


class PointClaimPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PointClaimOut]


class ClaimIn(Schema):
    item: int = Field(ge=1, le=MAX_ID, description="八带头事项 id（见 /members/points/rules 的 items）")
    occurred_on: dt.date
    description: Annotated[str, Field(min_length=1, max_length=1000, pattern=NO_NUL)]


class ClaimReviewIn(Schema):
    action: Literal["approve", "decline"] = Field(description="approve 通过、decline 不予通过")
    note: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = ""


class ReviewOut(PointClaimOut):
    points: int | None = Field(description="通过时记的积分；不计分为空")


class ItemOut(Schema):
    id: int
    code: str
    name: str


class RulesOut(Schema):
    items: list[ItemOut]
    sets: list[RuleSetOut]


class RulePatchIn(Schema):
    item: int | None = Field(None, ge=1, le=MAX_ID, description="八带头事项 id")
    points: int | None = Field(None, ge=0, le=100)
    cap: int | None = Field(None, ge=1, le=10_000, description="周期上限；配合 no_cap 取消上限")
    no_cap: bool = Field(False, description="true 取消周期上限")
    cap_period: CapPeriod | None = None


# ---------------------------------------------------------------- renderers


def _entry(e: PointEntry) -> dict[str, Any]:
    return {"id": e.pk, "person": {"id": e.person_id, "name": e.person.name}, "year": e.year,
            "occurred_on": e.occurred_on, "deed": e.deed, "item": e.item.code if e.item else None,
            "item_name": e.item.name if e.item else None, "points": e.points, "source": e.source, "note": e.note,
            "corrects": e.corrects_id, "created_at": e.created_at}


def _rule(r: PointRule) -> dict[str, Any]:
    return {"id": r.pk, "deed": r.deed, "deed_name": r.get_deed_display(), "item": r.item.code,
            "item_name": r.item.name, "points": r.points, "cap": r.cap, "cap_period": r.cap_period}


def _rule_set(view: sel.RuleSetView) -> dict[str, Any]:
    s = view.rule_set
    return {"id": s.pk, "member_type": s.member_type, "name": s.name, "note": s.note,
            "rules": [_rule(r) for r in view.rules]}


def _claim(c: PointClaim) -> dict[str, Any]:
    return {"id": c.pk, "person": {"id": c.person_id, "name": c.person.name}, "item": c.item.code,
            "item_name": c.item.name, "occurred_on": c.occurred_on, "description": c.description, "state": c.state,
            "review_note": c.review_note, "reviewed_at": c.reviewed_at, "created_at": c.created_at}


def _totals_row(label: str, org: Any, t: sel.Totals) -> dict[str, Any]:
    return {"label": label, "org": org, "members": t.members, "points": t.points,
            "average": round(t.average, 2) if t.average is not None else None, "with_points": t.with_points,
            "bands": [{"label": label, "members": n} for label, n in t.band_rows()]}


# ---------------------------------------------------------------- my points, the ledger, totals


@router.get("/members/points/mine", response={200: MyPointsOut, **LIST}, summary="我的积分（本人，按年度）")
def points_mine(request: HttpRequest, year: int | None = Year) -> Any:
    user = _user(request)
    person = getattr(user, "person", None)
    if person is None or not person.is_party_member:
        raise PermissionDenied("只有关联了党员信息的账号才有积分")
    y = _year(year)
    led = sel.ledger(person.pk, y)
    by_item = [{"item": b.item.code, "name": b.item.name, "points": b.points} for b in led.blocks if b.item]
    view = sel.rule_set_of(person)
    for e in led.entries:
        e.person = person
    return {"person": {"id": person.pk, "name": person.name}, "year": y, "total": led.total, "by_item": by_item,
            "rule_set": _rule_set(view) if view is not None else None, "entries": [_entry(e) for e in led.entries],
            "pending_claims": PointClaim.objects.filter(person=person, state=ClaimState.PENDING).count()}


@router.get("/members/points/entries", response={200: EntryPage, **ONE},
            summary="积分台账（本人的，及管辖范围内党员的）")
def points_entries(
    request: HttpRequest,
    year: int | None = Year,
    person: int | None = Query(None, ge=1, le=MAX_ID, description="只列该党员的；须在管辖范围内（或本人），否则 404"),
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织（管理或报到）党员的；须在管辖范围内"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _someone(user)
    qs = PointEntry.objects.restrict(user).select_related("person", "item")
    if person is not None and person != getattr(user, "person_id", None):
        qs = qs.filter(person=_found(sel.resolve_member, user, person))
    elif person is not None:
        qs = qs.filter(person_id=person)
    if org is not None:
        found = _found(sel.resolve_scope_org, user, org)
        qs = qs.filter(person__in=Person.objects.filter(sel.members_below(found.path)))
    if year is not None:
        qs = qs.filter(year=year)
    return _page(qs.order_by("-occurred_on", "-id"), limit, offset, _entry)


@router.get("/members/points/totals", response={200: TotalsOut, **ONE},
            summary="组织党员积分统计（合计、人均、分布，及各下级组织）")
def points_totals(
    request: HttpRequest,
    org: int | None = Query(None, ge=1, le=MAX_ID, description="组织 id；默认为管辖范围的顶层组织"),
    year: int | None = Year,
) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_VIEW)
    found = _found(sel.resolve_scope_org, user, org) if org is not None else sel.default_org(user)
    if found is None:
        raise Http404
    y = _year(year)
    total = sel.org_totals(found, y)
    children = sel.child_totals(found, y)
    return {"org": {"id": found.pk, "name": found.name}, "year": y,
            "total": _totals_row(found.name, {"id": found.pk, "name": found.name}, total),
            "children": [_totals_row(c.label, {"id": c.org_id, "name": c.label} if c.org_id else None, c.totals)
                         for c in children]}


# ---------------------------------------------------------------- claims


@router.get("/members/points/claims", response={200: PointClaimPage, **LIST},
            summary="积分申报（本人的，及管辖范围内党员的）")
def points_claims(
    request: HttpRequest,
    state: ClaimState | Literal["all"] = STATE,
    review: bool = REVIEW,
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _someone(user)
    qs = sel.claim_list(user, {"state": state, "review": "1" if review else ""})
    return _page(qs, limit, offset, _claim)


@router.post("/members/points/claims", response={201: PointClaimOut, **CREATE}, summary="申报积分（本人）")
def points_create_claim(request: HttpRequest, payload: ClaimIn) -> Any:
    user = _user(request)
    if not getattr(user, "person_id", None):
        raise PermissionDenied("您的账号没有关联人员信息，不能申报积分")
    claim = actions.do_submit_claim(user, {"item": sel.resolve_item(payload.item),
                                           "occurred_on": payload.occurred_on, "description": payload.description})
    return Status(201, _claim(sel.resolve_claim(user, claim.pk)))


@router.get("/members/points/claims/{id}", response={200: PointClaimOut, **ONE}, summary="一条积分申报")
def points_claim(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _someone(user)
    return _claim(_found(sel.resolve_claim, user, id))


@router.post("/members/points/claims/{id}/review", response={200: ReviewOut, **WRITE},
             summary="审核积分申报（通过或不予通过）")
def points_review_claim(request: HttpRequest, payload: ClaimReviewIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_CHANGE)
    claim = _found(sel.resolve_claim, user, id, review=True)
    claim, entry = actions.do_review_claim(user, claim, payload.action, payload.note)
    return _claim(claim) | {"points": entry.points if entry is not None else None}


@router.post("/members/points/claims/{id}/withdraw", response={200: PointClaimOut, **WRITE},
             summary="撤回本人待审核的积分申报")
def points_withdraw_claim(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _someone(user)
    claim = _found(sel.resolve_own_claim, user, id)
    return _claim(actions.do_withdraw_claim(user, claim))


# ---------------------------------------------------------------- rules


@router.get("/members/points/rules", response={200: RulesOut, **LIST}, summary="积分规则（各类党员的积分办法）")
def points_rules(request: HttpRequest) -> Any:
    user = _user(request)
    require(user, Perm.MEMBER_VIEW)
    return {"items": [{"id": i.pk, "code": i.code, "name": i.name} for i in sel.items()],
            "sets": [_rule_set(v) for v in sel.rule_sets()]}


@router.patch("/members/points/rules/{id}", response={200: RuleOut, **WRITE},
              summary="修改积分细则（区委组织部）")
def points_update_rule(request: HttpRequest, payload: RulePatchIn, id: int = PathId) -> Any:
    user = _user(request)
    require_at_root(user, Perm.MEMBER_CONFIGURE)
    rule = _found(sel.resolve_rule, id)
    data: dict[str, Any] = {}
    if payload.item is not None:
        data["item"] = sel.resolve_item(payload.item)
    if payload.points is not None:
        data["points"] = payload.points
    if payload.no_cap:
        data["cap"] = None
    elif payload.cap is not None:
        data["cap"] = payload.cap
    if payload.cap_period is not None:
        data["cap_period"] = payload.cap_period
    rule = actions.do_update_rule(user, rule, data)
    return _rule(sel.resolve_rule(rule.pk))
