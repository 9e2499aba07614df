"""一横 in the JSON API — the three lists, proposals and matches (mounted by ``cobuild.api``).

Same doors as the pages: ``require`` (no right anywhere → 403), reads through the scoped selectors (out of
scope → 404 like a missing row), references through the scoped lookups, writes through the ``do_*`` actions
of ``actions_lists`` (400 in Chinese). A row in view scope that the user may not change: 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import in_scope, require
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

from . import actions_lists as actions
from . import matching, resolve
from . import selectors_lists as sel
from .choices import NeedState, ResourceKind
from .matching import Proposal
from .models import Match, Need, Resource, Service

router = Router(tags=["一横"])

Title = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Detail = Annotated[str, Field(max_length=5000, pattern=NO_NUL)]
Short = Annotated[str, Field(max_length=100, pattern=NO_NUL)]
Quantity = Annotated[int, Field(ge=1, le=10**9)]
KIND_DOC = ("venue 场地（平方米）、volunteers 志愿者（人次）、funds 资金（元）、skills 专业技能（人次）、"
            "goods 物资（件）、other 其他（项）")


class ListUnitRef(Schema):
    id: int
    name: str


class NeedOut(Schema):
    id: int
    org: OrgRef = Field(description="社区")
    kind: str = Field(description=KIND_DOC)
    title: str
    detail: str
    quantity: int
    met: int = Field(description="已对接数量")
    state: str = Field(description="open 待对接、matched 已对接、closed 已关闭")
    demand_id: int | None = Field(description="来自诉求")
    listening_session_id: int | None = Field(description="来自每月一听")
    created_at: dt.datetime


class NeedPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[NeedOut]


class NeedIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="社区 id（须在您的管辖范围内）")
    kind: ResourceKind
    title: Title
    detail: Detail = ""
    quantity: Quantity
    demand: int | None = Field(None, ge=1, le=MAX_ID, description="由该诉求转为需求（诉求 id）")
    listening_session: int | None = Field(None, ge=1, le=MAX_ID, description="由该每月一听活动转为需求")


class NeedPatchIn(Schema):
    kind: ResourceKind | None = None
    title: Title | None = None
    detail: Detail | None = None
    quantity: Quantity | None = None


class ResourceOut(Schema):
    id: int
    unit: ListUnitRef = Field(description="提供单位")
    kind: str = Field(description=KIND_DOC)
    title: str
    detail: str
    capacity: int
    used: int = Field(description="已对接数量")
    remaining: int
    area_m2: int | None
    availability: str
    place: OrgRef = Field(description="提供地点（街道或社区）")
    idle: bool = Field(description="闲置资源")
    active: bool


class ResourcePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ResourceOut]


class ResourceIn(Schema):
    unit: int = Field(ge=1, le=MAX_ID, description="驻区单位 id（须在您的管辖范围内）")
    kind: ResourceKind
    title: Title
    detail: Detail = ""
    capacity: Quantity
    area_m2: Quantity | None = None
    availability: Short = ""
    place: int | None = Field(None, ge=1, le=MAX_ID, description="提供地点（街道或社区 id）；默认为单位所在地")
    idle: bool = False
    active: bool = True


class ResourcePatchIn(Schema):
    kind: ResourceKind | None = None
    title: Title | None = None
    detail: Detail | None = None
    capacity: Quantity | None = None
    area_m2: Quantity | None = None
    availability: Short | None = None
    place: int | None = Field(None, ge=1, le=MAX_ID)
    idle: bool | None = None
    active: bool | None = None


class ServiceOut(Schema):
    id: int
    org: OrgRef = Field(description="社区")
    kind: str = Field(description=KIND_DOC)
    title: str
    detail: str
    schedule: str
    active: bool


class ServicePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ServiceOut]


class ServiceIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="社区 id（须在您的管辖范围内）")
    kind: ResourceKind = ResourceKind.OTHER
    title: Title
    detail: Detail = ""
    schedule: Short = ""
    active: bool = True


class ServicePatchIn(Schema):
    kind: ResourceKind | None = None
    title: Title | None = None
    detail: Detail | None = None
    schedule: Short | None = None
    active: bool | None = None


class MatchOut(Schema):
    id: int
    need_id: int
    need_title: str
    org: OrgRef = Field(description="需求所在社区")
    resource_id: int
    resource_title: str
    unit: ListUnitRef
    kind: str
    quantity: int
    reason: str
    agreement_id: int
    item_id: int
    accepted_at: dt.datetime


class MatchPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MatchOut]


class MatchProposalOut(Schema):
    need_id: int
    need_title: str
    org: OrgRef
    resource_id: int
    resource_title: str
    unit: ListUnitRef
    quantity: int = Field(description="建议对接数量：不超过需求尚缺和资源剩余")
    tier: int = Field(description="0 同一社区、1 同一街道、2 区内其他地方")
    reason: str


class MatchAcceptIn(Schema):
    resource: int = Field(ge=1, le=MAX_ID, description="建议中的资源 id")
    quantity: Quantity | None = Field(None, description="对接数量；默认为可对接的全部")


def _need(n: Need) -> dict[str, Any]:
    """A need read through ``selectors_lists.need_list`` (annotated with ``met``)."""
    return {"id": n.pk, "org": _ref(n.org), "kind": n.kind, "title": n.title, "detail": n.detail,
            "quantity": n.quantity, "met": getattr(n, "met", 0), "state": n.state, "demand_id": n.demand_id,
            "listening_session_id": n.listening_session_id, "created_at": n.created_at}


def _resource(r: Resource) -> dict[str, Any]:
    return {"id": r.pk, "unit": {"id": r.unit_id, "name": r.unit.name}, "kind": r.kind, "title": r.title,
            "detail": r.detail, "capacity": r.capacity, "used": r.used, "remaining": r.capacity - r.used,
            "area_m2": r.area_m2, "availability": r.availability, "place": _ref(r.place), "idle": r.idle,
            "active": r.active}


def _service(s: Service) -> dict[str, Any]:
    return {"id": s.pk, "org": _ref(s.org), "kind": s.kind, "title": s.title, "detail": s.detail,
            "schedule": s.schedule, "active": s.active}


def _match(m: Match) -> dict[str, Any]:
    return {"id": m.pk, "need_id": m.need_id, "need_title": m.need.title, "org": _ref(m.need.org),
            "resource_id": m.resource_id, "resource_title": m.resource.title,
            "unit": {"id": m.resource.unit_id, "name": m.resource.unit.name}, "kind": m.resource.kind,
            "quantity": m.quantity, "reason": m.reason, "agreement_id": m.item.agreement_id, "item_id": m.item_id,
            "accepted_at": m.accepted_at}


def _proposal(p: Proposal) -> dict[str, Any]:
    return {"need_id": p.need.pk, "need_title": p.need.title, "org": _ref(p.need.org), "resource_id": p.resource.pk,
            "resource_title": p.resource.title, "unit": {"id": p.resource.unit_id, "name": p.resource.unit.name},
            "quantity": p.quantity, "tier": p.tier, "reason": p.reason}


def _may_change(user: Any, path: str) -> None:
    if not in_scope(user, Perm.COBUILD_CHANGE, path):
        raise PermissionDenied("该条目不在您的维护范围内")


def _set(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------- needs


@router.get("/needs", response={200: NeedPage, **LIST}, summary="需求清单（管辖范围内）")
def list_needs(request: HttpRequest, state: NeedState | None = None, kind: ResourceKind | None = None,
               org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织及其下级的"),
               q: str | None = Query(None, max_length=50, pattern=NO_NUL, description="关键词"),
               limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    params = {"state": state or "", "kind": kind or "", "org": str(org or ""), "q": q or ""}
    return _page(sel.need_list(user, params), limit, offset, _need)


@router.post("/needs", response={201: NeedOut, **CREATE}, summary="登记需求（可由诉求或每月一听转入）")
def create_need(request: HttpRequest, payload: NeedIn) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    data = payload.dict()
    data["org"] = resolve.resolve_community(user, payload.org)
    data["demand"] = sel.resolve_demand_for_need(user, payload.demand) if payload.demand else None
    data["listening_session"] = (sel.resolve_session_for_need(user, payload.listening_session)
                                 if payload.listening_session else None)
    need = actions.do_create_need(user, data)
    return Status(201, _need(sel.need_list(user, {}).get(pk=need.pk)))


@router.get("/needs/{id}", response={200: NeedOut, **ONE}, summary="需求详情")
def get_need(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _need(get_object_or_404(sel.need_list(user, {}), pk=id))


@router.patch("/needs/{id}", response={200: NeedOut, **WRITE}, summary="修改需求")
def update_need(request: HttpRequest, payload: NeedPatchIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    need = get_object_or_404(sel.needs_in_scope(user), pk=id)
    _may_change(user, need.org_path)
    actions.do_update_need(user, need, _set(payload.dict()))
    return _need(sel.need_list(user, {}).get(pk=id))


@router.post("/needs/{id}/close", response={200: NeedOut, **WRITE}, summary="关闭需求")
def close_need(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    need = get_object_or_404(sel.needs_in_scope(user), pk=id)
    _may_change(user, need.org_path)
    actions.do_close_need(user, need)
    return _need(sel.need_list(user, {}).get(pk=id))


@router.get("/needs/{id}/proposals", response={200: list[MatchProposalOut], **ONE},
            summary="需求的建议对接资源（同类、本社区优先、再本街道、再区内，不超过剩余数量）")
def need_proposals(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    need = get_object_or_404(sel.needs_in_scope(user), pk=id)
    return [_proposal(p) for p in matching.proposals_for_need(need)]


@router.post("/needs/{id}/accept", response={201: MatchOut, **WRITE},
             summary="确认对接：建立资源对接和认领项目（资源联享），占用资源数量")
def accept_match(request: HttpRequest, payload: MatchAcceptIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    need = get_object_or_404(sel.needs_in_scope(user), pk=id)
    _may_change(user, need.org_path)
    resource = sel.resolve_proposed_resource(need, payload.resource)
    match = actions.do_accept_match(user, need, resource, quantity=payload.quantity)
    return Status(201, _match(Match.objects.select_related("need", "need__org", "resource", "resource__unit",
                                                            "item").get(pk=match.pk)))


# ---------------------------------------------------------------- resources


@router.get("/resources", response={200: ResourcePage, **LIST}, summary="资源清单（管辖范围内）")
def list_resources(request: HttpRequest, kind: ResourceKind | None = None,
                   idle: bool | None = Query(None, description="true 只列闲置资源"),
                   used: bool | None = Query(None, description="true 已有对接；false 尚无对接"),
                   org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织及其下级的"),
                   unit: int | None = Query(None, ge=1, le=MAX_ID, description="只列该单位的"),
                   q: str | None = Query(None, max_length=50, pattern=NO_NUL, description="关键词"),
                   limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    params = {"kind": kind or "", "idle": "1" if idle else "", "used": "" if used is None else ("1" if used else "0"),
              "org": str(org or ""), "unit": str(unit or ""), "q": q or ""}
    return _page(sel.resource_list(user, params), limit, offset, _resource)


@router.post("/resources", response={201: ResourceOut, **CREATE}, summary="登记资源（驻区单位可提供的）")
def create_resource(request: HttpRequest, payload: ResourceIn) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    data = payload.dict()
    data["unit"] = sel.resolve_unit_for_resource(user, payload.unit)
    data["place"] = sel.resolve_place(user, payload.place, data["unit"]) if payload.place else None
    resource = actions.do_create_resource(user, data)
    return Status(201, _resource(sel.resources_in_scope(user).get(pk=resource.pk)))


@router.get("/resources/{id}", response={200: ResourceOut, **ONE}, summary="资源详情")
def get_resource(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _resource(get_object_or_404(sel.resources_in_scope(user), pk=id))


@router.patch("/resources/{id}", response={200: ResourceOut, **WRITE}, summary="修改资源")
def update_resource(request: HttpRequest, payload: ResourcePatchIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    resource = get_object_or_404(sel.resources_in_scope(user), pk=id)
    _may_change(user, resource.unit_path)
    data = _set(payload.dict())
    if "place" in data:
        data["place"] = sel.resolve_place(user, data["place"], resource.unit)
    if "area_m2" in payload.model_fields_set and payload.area_m2 is None:
        data["area_m2"] = None
    actions.do_update_resource(user, resource, data)
    return _resource(sel.resources_in_scope(user).get(pk=id))


@router.get("/resources/{id}/proposals", response={200: list[MatchProposalOut], **ONE},
            summary="资源可对接的需求（同类、本社区优先、再本街道、再区内）")
def resource_proposals(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    resource = get_object_or_404(sel.resources_in_scope(user).select_related("place__level"), pk=id)
    return [_proposal(p) for p in matching.proposals_for_resource(resource)]


# ---------------------------------------------------------------- services


@router.get("/services", response={200: ServicePage, **LIST}, summary="服务清单（管辖范围内）")
def list_services(request: HttpRequest, kind: ResourceKind | None = None,
                  org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织及其下级的"),
                  q: str | None = Query(None, max_length=50, pattern=NO_NUL, description="关键词"),
                  limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _page(sel.service_list(user, {"kind": kind or "", "org": str(org or ""), "q": q or ""}), limit, offset,
                 _service)


@router.post("/services", response={201: ServiceOut, **CREATE}, summary="登记服务（社区提供的）")
def create_service(request: HttpRequest, payload: ServiceIn) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    data = payload.dict()
    data["org"] = resolve.resolve_community(user, payload.org)
    service = actions.do_create_service(user, data)
    return Status(201, _service(sel.services_in_scope(user).get(pk=service.pk)))


@router.get("/services/{id}", response={200: ServiceOut, **ONE}, summary="服务详情")
def get_service(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _service(get_object_or_404(sel.services_in_scope(user), pk=id))


@router.patch("/services/{id}", response={200: ServiceOut, **WRITE}, summary="修改服务")
def update_service(request: HttpRequest, payload: ServicePatchIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    service = get_object_or_404(sel.services_in_scope(user), pk=id)
    _may_change(user, service.org_path)
    actions.do_update_service(user, service, _set(payload.dict()))
    return _service(sel.services_in_scope(user).get(pk=id))


# ---------------------------------------------------------------- matches


@router.get("/matches", response={200: MatchPage, **LIST}, summary="资源对接（已确认的）")
def list_matches(request: HttpRequest, kind: ResourceKind | None = None,
                 idle: bool | None = Query(None, description="true 只列闲置资源的对接"),
                 need: int | None = Query(None, ge=1, le=MAX_ID), resource: int | None = Query(None, ge=1, le=MAX_ID),
                 org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织及其下级的"),
                 limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    params = {"kind": kind or "", "idle": "1" if idle else "", "need": str(need or ""),
              "resource": str(resource or ""), "org": str(org or "")}
    return _page(sel.match_list(user, params), limit, offset, _match)


@router.get("/matches/{id}", response={200: MatchOut, **ONE}, summary="资源对接详情")
def get_match(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _match(get_object_or_404(sel.matches_in_scope(user), pk=id))
