"""一横 in the JSON API — claim agreements, their items, pairings and activities (mounted by ``cobuild.api``).

Same doors as the pages: ``require`` (no right anywhere → 403), reads through ``restrict`` (out of scope →
404 like a missing row), references through the scoped lookups, writes through the same ``do_*`` actions
(400 in Chinese).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
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

from . import actions_agreements as actions
from . import resolve
from . import selectors_agreements as selectors
from .choices import ActivityKind, AgreementState, ItemKind, PartnerKind
from .models import Agreement, AgreementItem, Pairing
from .pace import pace, with_held

router = Router(tags=["一横"])

Text200 = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Text50 = Annotated[str, Field(min_length=1, max_length=50, pattern=NO_NUL)]
LongText = Annotated[str, Field(max_length=5000, pattern=NO_NUL)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class AgreementUnitRef(Schema):
    id: int
    name: str


class AgreementOut(Schema):
    id: int
    title: str
    org: OrgRef = Field(description="街道或社区")
    unit: AgreementUnitRef = Field(description="认领单位")
    signed_on: dt.date
    starts_on: dt.date
    ends_on: dt.date
    state: str = Field(description="draft 草拟、active 履行中、done 已完成、ended 已终止")
    version: int
    item_count: int | None = None
    done_count: int | None = None


class AgreementItemOut(Schema):
    id: int
    agreement_id: int
    kind: str = Field(description="joint_building 党建联建、joint_affairs 事务联办、shared_resources 资源联享")
    title: str
    target: str
    org_owner: str
    unit_owner: str
    due_on: dt.date
    progress: int
    state: str = Field(description="open 推进中、done 已完成、dropped 已取消")
    completed_on: dt.date | None
    problems_solved: int
    result: str
    overdue: bool
    due_soon: bool = Field(description="14 天内到期")
    version: int


class AgreementDetailOut(AgreementOut):
    note: str
    allowed_states: list[str] = Field(description="可转入的状态")
    items: list[AgreementItemOut]


class AgreementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AgreementOut]


class AgreementItemPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AgreementItemOut]


class ItemUpdateOut(Schema):
    progress: int
    note: str
    at: dt.datetime
    by: str


class AgreementItemDetailOut(AgreementItemOut):
    updates: list[ItemUpdateOut]
    demands: list[str] = Field(description="解决的诉求编号")


class AgreementIn(Schema):
    org: Id = Field(description="街道或社区的组织 id（须在您的管辖范围内）")
    unit: Id = Field(description="驻区单位 id")
    title: Text200
    signed_on: dt.date
    starts_on: dt.date | None = None
    ends_on: dt.date
    state: Literal["draft", "active"] = "active"
    note: LongText = ""


class AgreementPatchIn(Schema):
    version: int = Field(ge=0, le=2**31 - 1, description="读取时的版本号；已被他人更新时拒绝")
    state: AgreementState | None = Field(None, description="转入的状态（按规定的流转）")
    title: Text200 | None = None
    signed_on: dt.date | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    note: LongText | None = None


class AgreementItemIn(Schema):
    kind: ItemKind
    title: Text200
    target: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] = ""
    org_owner: Text50
    unit_owner: Text50
    due_on: dt.date


class ItemProgressIn(Schema):
    progress: int = Field(ge=0, le=100, description="进度（%）")
    note: Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_NUL)] = Field(description="进展情况")
    version: int | None = Field(None, ge=0, le=2**31 - 1, description="读取时的版本号（可不填）")


class ItemCompleteIn(Schema):
    completed_on: dt.date | None = None
    problems_solved: int = Field(0, ge=0, le=100000)
    result: Annotated[str, Field(min_length=1, max_length=5000, pattern=NO_NUL)]
    demands: list[Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$")]] = Field(
        default_factory=list, max_length=50, description="解决的诉求（id 或编号）")
    version: int | None = Field(None, ge=0, le=2**31 - 1)


class PairingPaceOut(Schema):
    required: int = Field(description="每年至少活动次数")
    held: int = Field(description="今年已开展")
    expected: int = Field(description="按进度到今天应开展：floor(全年至少次数 × 今年已过天数 ÷ 全年天数)")
    behind: bool


class PairingOut(Schema):
    id: int
    org: OrgRef = Field(description="社区")
    partner_kind: str = Field(description="unit 驻区单位党组织、outside 外地先进社区")
    unit: AgreementUnitRef | None
    partner_name: str
    partner_region: str
    starts_on: dt.date
    ends_on: dt.date | None
    pace: PairingPaceOut


class PairingActivityOut(Schema):
    id: int
    held_on: dt.date
    kind: str
    content: str
    participants: int
    residents_reached: int


class PairingDetailOut(PairingOut):
    note: str
    activities: list[PairingActivityOut]


class PairingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PairingOut]


class PairingIn(Schema):
    org: Id = Field(description="社区的组织 id（须在您的管辖范围内）")
    partner_kind: PartnerKind = PartnerKind.UNIT
    unit: Id | None = Field(None, description="驻区单位 id（结对对象为驻区单位时）")
    partner_name: Annotated[str, Field(max_length=100, pattern=NO_NUL)] = ""
    partner_region: Literal["", "江苏", "浙江", "上海"] = ""
    starts_on: dt.date
    required_per_year: int = Field(4, ge=1, le=52)
    note: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = ""


class PairingActivityIn(Schema):
    held_on: dt.date
    kind: ActivityKind
    content: Annotated[str, Field(min_length=1, max_length=5000, pattern=NO_NUL)]
    participants: int = Field(0, ge=0, le=1_000_000)
    residents_reached: int = Field(0, ge=0, le=1_000_000)


# ---------------------------------------------------------------- rendering


def _unit(u: Any) -> dict[str, Any] | None:
    return {"id": u.pk, "name": u.name} if u is not None else None


def _agreement(a: Agreement) -> dict[str, Any]:
    return {"id": a.pk, "title": a.title, "org": _ref(a.org), "unit": _unit(a.unit), "signed_on": a.signed_on,
            "starts_on": a.starts_on, "ends_on": a.ends_on, "state": a.state, "version": a.version,
            "item_count": getattr(a, "item_count", None), "done_count": getattr(a, "done_count", None)}


def _item(i: AgreementItem, today: dt.date) -> dict[str, Any]:
    return {"id": i.pk, "agreement_id": i.agreement_id, "kind": i.kind, "title": i.title, "target": i.target,
            "org_owner": i.org_owner, "unit_owner": i.unit_owner, "due_on": i.due_on, "progress": i.progress,
            "state": i.state, "completed_on": i.completed_on, "problems_solved": i.problems_solved,
            "result": i.result, "version": i.version, **selectors.item_flags(i, today)}


def _agreement_detail(user: Any, pk: int) -> dict[str, Any]:
    a = get_object_or_404(selectors.agreements_in_scope(user), pk=pk)
    today = timezone.localdate()
    return _agreement(a) | {"note": a.note, "allowed_states": list(actions.allowed_states(a)),
                            "items": [_item(i, today) for i in a.items.order_by("due_on", "id")]}


def _item_detail(user: Any, pk: int) -> dict[str, Any]:
    i = get_object_or_404(selectors.items_in_scope(user), pk=pk)
    updates = [{"progress": u.progress, "note": u.note, "at": u.at,
                "by": u.by.display_name if u.by is not None else "系统"}
               for u in i.updates.select_related("by")[:100]]
    return _item(i, timezone.localdate()) | {"updates": updates,
                                             "demands": list(i.demands.values_list("ref", flat=True)[:100])}


def _pairing(p: Pairing, today: dt.date) -> dict[str, Any]:
    pc = pace(p, today)
    return {"id": p.pk, "org": _ref(p.org), "partner_kind": p.partner_kind, "unit": _unit(p.unit),
            "partner_name": p.partner_name, "partner_region": p.partner_region, "starts_on": p.starts_on,
            "ends_on": p.ends_on, "pace": {"required": pc.required, "held": pc.held, "expected": pc.expected,
                                           "behind": pc.behind}}


def _activity(a: Any) -> dict[str, Any]:
    return {"id": a.pk, "held_on": a.held_on, "kind": a.kind, "content": a.content, "participants": a.participants,
            "residents_reached": a.residents_reached}


def _pairing_detail(user: Any, pk: int) -> dict[str, Any]:
    today = timezone.localdate()
    p = with_held(selectors.pairings_in_scope(user).filter(pk=pk), today).first()
    if p is None:
        raise Http404
    return _pairing(p, today) | {"note": p.note, "activities": [_activity(a) for a in p.activities.all()[:200]]}


# ---------------------------------------------------------------- agreements


@router.get("/agreements", response={200: AgreementPage, **LIST}, summary="项目认领书列表（管辖范围内）")
def list_agreements(
    request: HttpRequest,
    state: AgreementState | None = None,
    year: int | None = Query(None, ge=2000, le=2100, description="签订年度"),
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织（街道、社区或单位）及其下级的"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    params = {"state": state or "", "year": str(year or ""), "org": str(org or "")}
    return _page(selectors.agreement_list(user, params), limit, offset, _agreement)


@router.post("/agreements", response={201: AgreementDetailOut, **CREATE}, summary="登记项目认领书")
def create_agreement(request: HttpRequest, payload: AgreementIn) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    data = payload.dict()
    data["org"] = resolve.resolve_side_org(user, payload.org)
    data["unit"] = resolve.resolve_any_unit(payload.unit)
    a = actions.do_create_agreement(user, data)
    return Status(201, _agreement_detail(user, a.pk))


@router.get("/agreements/{id}", response={200: AgreementDetailOut, **ONE}, summary="项目认领书详情（含认领项目）")
def get_agreement(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _agreement_detail(user, id)


@router.patch("/agreements/{id}", response={200: AgreementDetailOut, **WRITE},
              summary="修改认领书或变更其状态（须带读取时的版本号）")
def update_agreement(request: HttpRequest, payload: AgreementPatchIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    a = get_object_or_404(selectors.agreements_in_scope(user), pk=id)
    if not actions.may_change(user, a):
        raise PermissionDenied("该认领书须由街道或社区一方维护")
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if k not in ("version", "state")}
    version = payload.version
    if fields:
        a = actions.do_update_agreement(user, a, fields, expected_version=version)
        version = a.version
    if payload.state is not None:
        actions.do_transition_agreement(user, a, payload.state, expected_version=version)
    return _agreement_detail(user, id)


@router.post("/agreements/{id}/items", response={201: AgreementItemDetailOut, **WRITE}, summary="添加认领项目")
def add_agreement_item(request: HttpRequest, payload: AgreementItemIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    a = get_object_or_404(selectors.agreements_in_scope(user), pk=id)
    if not actions.may_change(user, a):
        raise PermissionDenied("该认领书须由街道或社区一方维护")
    item = actions.do_add_item(user, a, payload.dict())
    return Status(201, _item_detail(user, item.pk))


# ---------------------------------------------------------------- items


@router.get("/items", response={200: AgreementItemPage, **LIST}, summary="认领项目列表（管辖范围内）")
def list_agreement_items(
    request: HttpRequest,
    state: Literal["open", "due", "overdue", "attention", "done", "dropped"] | None = Query(
        None, description="open 推进中、due 14 天内到期、overdue 已逾期、attention 即将到期和已逾期、done、dropped"),
    kind: ItemKind | None = None,
    agreement: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    today = timezone.localdate()
    params = {"state": state or "", "kind": kind or "", "agreement": str(agreement or "")}
    return _page(selectors.item_list(user, params, today), limit, offset, lambda i: _item(i, today))


@router.get("/items/{id}", response={200: AgreementItemDetailOut, **ONE}, summary="认领项目详情（含进度更新）")
def get_agreement_item(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _item_detail(user, id)


@router.post("/items/{id}/progress", response={200: AgreementItemDetailOut, **WRITE},
             summary="更新认领项目进度（双方均可；驻区单位联络员只能更新本单位的项目）")
def agreement_item_progress(request: HttpRequest, payload: ItemProgressIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_PROGRESS)
    item = get_object_or_404(selectors.items_in_scope(user), pk=id)
    if not actions.may_progress(user, item):
        raise PermissionDenied("您不能更新该项目的进度")
    actions.do_item_progress(user, item, payload.progress, payload.note, expected_version=payload.version)
    return _item_detail(user, id)


@router.post("/items/{id}/complete", response={200: AgreementItemDetailOut, **WRITE},
             summary="确认认领项目完成（街道或社区一方；登记解决的问题和诉求）")
def complete_agreement_item(request: HttpRequest, payload: ItemCompleteIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    item = get_object_or_404(selectors.items_in_scope(user), pk=id)
    if not actions.may_change(user, item):
        raise PermissionDenied("项目完成须由街道或社区一方确认")
    data = payload.dict()
    data["demands"] = selectors.resolve_item_demands(user, item, payload.demands)
    actions.do_complete_item(user, item, data, expected_version=payload.version)
    return _item_detail(user, id)


# ---------------------------------------------------------------- pairings


@router.get("/pairings", response={200: PairingPage, **LIST}, summary="结对共建列表（含今年活动进度）")
def list_pairings(
    request: HttpRequest,
    partner: PartnerKind | None = None,
    behind: bool = Query(False, description="true：只列落后于进度的"),
    org: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    today = timezone.localdate()
    params = {"partner": partner or "", "pace": "behind" if behind else "", "org": str(org or "")}
    return _page(selectors.pairing_list(user, params, today), limit, offset, lambda p: _pairing(p, today))


@router.post("/pairings", response={201: PairingDetailOut, **CREATE}, summary="登记结对共建")
def create_pairing(request: HttpRequest, payload: PairingIn) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_CHANGE)
    data = payload.dict()
    data["org"] = resolve.resolve_community(user, payload.org)
    data["unit"] = resolve.resolve_any_unit(payload.unit) if payload.partner_kind == PartnerKind.UNIT else None
    p = actions.do_create_pairing(user, data)
    return Status(201, _pairing_detail(user, p.pk))


@router.get("/pairings/{id}", response={200: PairingDetailOut, **ONE}, summary="结对共建详情（含共建活动）")
def get_pairing(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    return _pairing_detail(user, id)


@router.get("/pairings/{id}/activities", response={200: list[PairingActivityOut], **ONE},
            summary="结对的共建活动（最近 200 次）")
def list_pairing_activities(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_VIEW)
    p = get_object_or_404(selectors.pairings_in_scope(user), pk=id)
    return [_activity(a) for a in p.activities.all()[:200]]


@router.post("/pairings/{id}/activities", response={201: PairingActivityOut, **WRITE},
             summary="登记共建活动（结对双方均可）")
def log_pairing_activity(request: HttpRequest, payload: PairingActivityIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.COBUILD_PROGRESS)
    p = get_object_or_404(selectors.pairings_in_scope(user), pk=id)
    if not actions.may_progress(user, p):
        raise PermissionDenied("您不能为该结对登记活动")
    return Status(201, _activity(actions.do_log_activity(user, p, payload.dict())))
