"""民情日记 (visits) in the JSON API (mounted by ``members.api``): list, get, record (with ``raise_demand``: the
concern becomes a demand in the same step), correct, turn a concern into a demand later, the households the
user may visit, and the counts per household (or child organisation) and month.

Same doors as the pages: no right at all → 403; a visit out of scope → 404 like a missing one; the household
a visit names goes through ``selectors_visits.resolve_household`` (refused → 400 in Chinese, the same message
for missing and out of scope); writes through the ``do_*`` actions of ``actions_visits``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import has_perm
from zongheng.core.permissions import Perm
from zongheng.orgs.api import CREATE, LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _ref, _user

from . import actions_visits as actions
from . import selectors_visits as selectors
from .models import Visit

router = Router(tags=["我是党员我带头"])

Text = Annotated[str, Field(max_length=1000, pattern=NO_NUL)]
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class VisitHouseholdOut(Schema):
    id: int
    address: str
    contact_name: str = Field(description="户主")
    central: OrgRef = Field(description="所属党员中心户")


class VisitPersonRef(Schema):
    id: int
    name: str


class DemandRef(Schema):
    id: int
    ref: str = Field(description="诉求编号")
    status: str = Field(description="诉求状态代码")
    status_label: str


class VisitOut(Schema):
    id: int
    visited_on: dt.date
    household: VisitHouseholdOut
    visitor: VisitPersonRef = Field(description="走访人")
    raised: str = Field(description="群众反映的情况（空为未反映）")
    follow_up: str = Field(description="跟进和答复")
    demand: DemandRef | None = Field(description="转成的居民诉求")
    created_at: dt.datetime


class VisitCreatedOut(VisitOut):
    tracking_code: str | None = Field(description="转为诉求时居民的查询码（只返回这一次）；未转为空")


class VisitPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[VisitOut]


class VisitHouseholdPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[VisitHouseholdOut]


class VisitIn(Schema):
    household: int = Field(ge=1, le=MAX_ID, description="联系户 id（/members/visits/households 列出可选的）")
    visited_on: dt.date | None = Field(None, description="走访日期；默认今天，不能晚于今天，最早一年前")
    raised: Text = Field("", description="群众反映的情况")
    follow_up: Text = Field("", description="跟进和答复")
    raise_demand: bool = Field(False, description="true：反映的情况同时登记为居民诉求（来源：民情日记）")


class VisitPatchIn(Schema):
    raised: Text | None = Field(None, description="群众反映的情况（已转为诉求的不能再改）")
    follow_up: Text | None = Field(None, description="跟进和答复")


class CountRowOut(Schema):
    kind: Literal["org", "household"] = Field(description="org：下级组织；household：中心户的联系户")
    id: int
    name: str
    counts: list[int] = Field(description="与 months 一一对应的走访次数")
    total: int


class CountsOut(Schema):
    org: OrgRef
    months: list[str] = Field(description="最近 12 个月（YYYY-MM），由早到晚")
    rows: list[CountRowOut]


def _household(h: Any, central: Any = None) -> dict[str, Any]:
    return {"id": h.pk, "address": h.address, "contact_name": h.contact_name, "central": _ref(central or h.central)}


def _visit(v: Visit) -> dict[str, Any]:
    d = v.demand
    return {"id": v.pk, "visited_on": v.visited_on, "household": _household(v.household, v.central),
            "visitor": {"id": v.visitor.pk, "name": v.visitor.name}, "raised": v.raised, "follow_up": v.follow_up,
            "demand": {"id": d.pk, "ref": d.ref, "status": d.status, "status_label": d.get_status_display()}
            if d else None, "created_at": v.created_at}


def _require_view(user: Any) -> None:
    if not selectors.may_view(user):
        raise PermissionDenied("您没有此项权限")


def _require_record(user: Any) -> None:
    if not selectors.may_record(user):
        raise PermissionDenied("您不能记民情日记")


@router.get("/members/visits", response={200: VisitPage, **LIST}, summary="民情日记列表（管辖范围内的和本人记的）")
def list_visits(
    request: HttpRequest,
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织（街道、社区、网格或中心户）之下的"),
    household: int | None = Query(None, ge=1, le=MAX_ID, description="只列这一户联系户的"),
    month: str | None = Query(None, pattern=MONTH, description="只列这个月的（YYYY-MM）"),
    year: int | None = Query(None, ge=2000, le=2100, description="只列这一年的"),
    demand: Literal["yes", "no"] | None = Query(None, description="yes 已转为诉求；no 未转"),
    raised: Literal["yes", "no"] | None = Query(None, description="yes 有反映情况；no 无"),
    mine: bool = Query(False, description="true：只列我记的"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _require_view(user)
    params = {"org": org or "", "household": household or "", "month": month or "", "year": year or "",
              "demand": demand or "", "raised": raised or "", "mine": "1" if mine else ""}
    qs = selectors.visit_list(user, selectors.filters(user, params))
    items = [_visit(v) for v in qs[offset:offset + limit]]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


@router.post("/members/visits", response={201: VisitCreatedOut, **CREATE},
             summary="记民情日记（raise_demand=true 时反映的情况同时转为居民诉求）")
def create_visit(request: HttpRequest, payload: VisitIn) -> Any:
    user = _user(request)
    _require_record(user)
    data = payload.dict()
    data["household"] = selectors.resolve_household(user, payload.household)
    data["visited_on"] = payload.visited_on or timezone.localdate()
    visit, code = actions.do_record_visit(user, data)
    return Status(201, _visit(selectors.visit_for(user, visit.pk)) | {"tracking_code": code or None})


@router.get("/members/visits/households", response={200: VisitHouseholdPage, **LIST},
            summary="我可以记民情日记的联系户（本人中心户的在前）")
def list_visit_households(
    request: HttpRequest,
    q: str | None = Query(None, max_length=40, pattern=NO_NUL, description="地址、户主或中心户名称中的文字"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _require_record(user)
    qs = selectors.visit_households(user)
    for word in (q or "").split()[:5]:
        from django.db.models import Q

        qs = qs.filter(Q(address__icontains=word) | Q(contact_name__icontains=word) | Q(central__name__icontains=word))
    items = [_household(h) for h in qs[offset:offset + limit]]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


@router.get("/members/visits/counts", response={200: CountsOut, **ONE},
            summary="民情日记按户按月统计（下级组织或联系户 × 最近 12 个月；不作排名）")
def visit_counts(
    request: HttpRequest,
    org: int | None = Query(None, ge=1, le=MAX_ID, description="组织 id；默认为管辖范围的最高一级"),
    end: str | None = Query(None, pattern=MONTH, description="统计截至的月份（YYYY-MM），默认本月"),
) -> Any:
    user = _user(request)
    if not has_perm(user, Perm.MEMBER_VIEW):
        raise PermissionDenied("您没有此项权限")
    target = selectors.org_filter(user, org) if org else selectors.counts_root(user)
    if target is None:
        raise Http404
    today = timezone.localdate()
    last = selectors.month_of(end) if end else None
    months = selectors.last_months(last if last is not None and last <= today else today)
    rows = selectors.counts(target, months)
    return {"org": _ref(target), "months": [m.strftime("%Y-%m") for m in months],
            "rows": [{"kind": r.filter_key, "id": r.filter_value, "name": r.label, "counts": r.cells,
                      "total": r.total} for r in rows]}


@router.get("/members/visits/{id}", response={200: VisitOut, **ONE}, summary="一条民情日记")
def get_visit(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _require_view(user)
    return _visit(selectors.visit_for(user, id))


@router.patch("/members/visits/{id}", response={200: VisitOut, **WRITE},
              summary="修改民情日记（记录人：更正反映情况、补充跟进和答复）")
def update_visit(request: HttpRequest, payload: VisitPatchIn, id: int = PathId) -> Any:
    user = _user(request)
    _require_record(user)
    visit = selectors.editable_visit(user, id)
    actions.do_update_visit(user, visit, {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None})
    return _visit(selectors.visit_for(user, visit.pk))


@router.post("/members/visits/{id}/demand", response={201: VisitCreatedOut, **WRITE},
             summary="把民情日记反映的情况转为居民诉求（只能转一次）")
def raise_visit_demand(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _require_record(user)
    visit = selectors.visit_for(user, id)
    if not selectors.may_record_for(user, visit.household):
        raise Http404
    visit, code = actions.do_raise_demand(user, visit)
    return Status(201, _visit(selectors.visit_for(user, visit.pk)) | {"tracking_code": code or None})
