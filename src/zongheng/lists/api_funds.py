"""财政保障 in the JSON API (added by ``lists.api``): the funds figures of an organisation and year (its own
account, its subtree, its direct children), the budget lines, the allocation and spending ledgers (with writes
and reversals), office space against the standard, workers' pay against the city's reference, and 三增三减.

Same doors as the pages: anonymous → 401, no ``list.view`` → 403, an organisation or a row out of scope → 404
like a missing one; references through ``selectors_funds``'s scoped lookups (refused → 400 in Chinese); writes
through ``actions_funds``. Every figure comes from ``funds.py``. Amounts are yuan (元) with two decimals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import has_perm
from zongheng.core.permissions import Perm
from zongheng.orgs.api import CREATE, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _ref, _user
from zongheng.orgs.models import Org

from . import actions_funds as actions
from . import funds
from . import selectors_funds as sel
from .models_funds import BudgetCategory, BudgetLine, FundAllocation, FundSpending

router = Router(tags=["一清单"])

OrgQ = Query(None, ge=1, le=MAX_ID, description="单位 id；默认为管辖范围的最高一级；不在管辖范围内 404")
YearQ = Query(None, ge=2000, le=2100, description="年度；默认今年")
Money = Annotated[Decimal, Field(gt=0, le=Decimal("999999999999.99"), decimal_places=2)]
Text200 = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Reason = Annotated[str, Field(min_length=1, max_length=180, pattern=NO_NUL)]
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]


class FundsAccountOut(Schema):
    budget: Decimal = Field(description="本级预算")
    received: Decimal = Field(description="收到上级下拨")
    allocated: Decimal = Field(description="下拨下级")
    spent: Decimal = Field(description="本级支出")
    balance: Decimal = Field(description="本级余额")


class FundsSubtreeOut(Schema):
    budget: Decimal = Field(description="本级及下级预算")
    inflow: Decimal = Field(description="上级下拨进入本级及下级的")
    spent: Decimal = Field(description="本级及下级支出")
    balance: Decimal = Field(description="本级及下级余额")
    spent_share: Decimal | None = Field(description="支出占比（%）；无经费时为空")


class FundsFiguresOut(Schema):
    org: OrgRef
    year: int
    account: FundsAccountOut
    subtree: FundsSubtreeOut
    budget_last_year: Decimal
    budget_growth: Decimal | None = Field(description="预算较上年增长（%）；上年无预算时为空")


class FundsChildOut(Schema):
    org: OrgRef
    figures: FundsSubtreeOut


class FundsChildPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[FundsChildOut]


class FundsBudgetLineOut(Schema):
    id: int
    org: OrgRef
    year: int
    category: str
    category_label: str
    amount: Decimal
    note: str


class FundsBudgetLineIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="预算单位 id（区或市级组织）")
    year: int = Field(ge=2000, le=2100)
    category: Literal["site", "work", "pay", "project", "activity", "other"]
    amount: Decimal = Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2,
                            description="金额（元）；0 删除该类别")
    note: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = ""


class FundAllocationOut(Schema):
    id: int
    year: int
    giver: OrgRef
    receiver: OrgRef
    amount: Decimal
    allocated_on: dt.date
    purpose: str
    reverses: int | None = Field(description="冲销的下拨 id")


class FundAllocationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[FundAllocationOut]


class FundAllocationIn(Schema):
    giver: int = Field(ge=1, le=MAX_ID, description="下拨单位 id")
    receiver: int = Field(ge=1, le=MAX_ID, description="接收单位 id（下拨单位的下级）")
    amount: Money
    allocated_on: Day
    purpose: Text200


class FundReverseIn(Schema):
    reason: Reason


class FundSpendingOut(Schema):
    id: int
    org: OrgRef
    year: int
    spent_on: dt.date
    amount: Decimal
    purpose: str
    has_voucher: bool
    reverses: int | None = Field(description="冲销的支出 id")


class FundSpendingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[FundSpendingOut]


class FundSpendingIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="支出单位 id")
    amount: Money
    spent_on: Day
    purpose: Text200


class FundsSpaceRowOut(Schema):
    org: OrgRef
    area: Decimal | None = Field(description="面积（平方米）；未登记为空")
    meets: bool


class FundsSpaceOut(Schema):
    org: OrgRef
    year: int
    standard: Decimal | None = Field(description="社区办公用房最低面积（平方米）")
    communities: int
    measured: int
    meeting: int
    share: Decimal | None = Field(description="达标社区占比（%）")
    growth: Decimal | None = Field(description="社区办公用房总面积较上年增长（%）")
    count: int
    limit: int
    offset: int
    items: list[FundsSpaceRowOut]


class FundsSpaceIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="社区 id")
    area: Annotated[Decimal, Field(gt=0, le=Decimal("999999.99"), decimal_places=2)]
    measured_on: Day
    note: Annotated[str, Field(max_length=200, pattern=NO_NUL)] = ""


class FundsSpaceRecordOut(Schema):
    id: int
    org: OrgRef
    year: int
    area: Decimal
    measured_on: dt.date


class FundsPayRowOut(Schema):
    org: OrgRef
    headcount: int
    average: Decimal
    ratio: Decimal | None = Field(description="人均年报酬与全市参考之比（%）")
    rank: int


class FundsPayOut(Schema):
    org: OrgRef
    year: int
    city: str | None
    reference: Decimal | None = Field(description="全市社区工作者人均年报酬参考（元）")
    average: Decimal | None
    ratio: Decimal | None
    growth: Decimal | None = Field(description="人均年报酬较上年增长（%）")
    count: int
    limit: int
    offset: int
    items: list[FundsPayRowOut]


class FundsPayIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="社区 id")
    year: int = Field(ge=2000, le=2100)
    worker_name: Annotated[str, Field(min_length=1, max_length=50, pattern=NO_NUL)]
    post: Annotated[str, Field(min_length=1, max_length=40, pattern=NO_NUL)]
    annual_pay: Annotated[Decimal, Field(gt=0, le=Decimal("9999999.99"), decimal_places=2)]


class FundsWorkerPayOut(Schema):
    id: int
    org: OrgRef
    year: int
    worker_name: str = Field(description="姓名（不管理该社区经费的用户看到的是脱敏姓名）")
    post: str
    annual_pay: Decimal


class FundsThreeFigureOut(Schema):
    label: str
    value: Decimal | None = Field(description="百分比；没有记录能说明的为空")
    note: str


class FundsThreeOut(Schema):
    org: OrgRef
    year: int
    figures: list[FundsThreeFigureOut]


# ---------------------------------------------------------------- helpers


def _view(request: HttpRequest, org: int | None, year: int | None) -> tuple[Any, Org, int]:
    user = _user(request)
    sel.require_view(user)
    target = sel.org_for(user, org) if org is not None else sel.top_org(user)
    if target is None:
        raise PermissionDenied("您没有此项权限")
    return user, target, year or timezone.localdate().year


def _sub(s: funds.Subtree) -> dict[str, Any]:
    return {"budget": s.budget, "inflow": s.inflow, "spent": s.spent, "balance": s.balance,
            "spent_share": s.spent_share}


def _alloc(a: FundAllocation) -> dict[str, Any]:
    return {"id": a.pk, "year": a.year, "giver": _ref(a.giver), "receiver": _ref(a.receiver), "amount": a.amount,
            "allocated_on": a.allocated_on, "purpose": a.purpose, "reverses": a.reverses_id}


def _spend(s: FundSpending) -> dict[str, Any]:
    return {"id": s.pk, "org": _ref(s.org), "year": s.year, "spent_on": s.spent_on, "amount": s.amount,
            "purpose": s.purpose, "has_voucher": bool(s.voucher), "reverses": s.reverses_id}


def _line(b: BudgetLine) -> dict[str, Any]:
    return {"id": b.pk, "org": _ref(b.org), "year": b.year, "category": b.category,
            "category_label": BudgetCategory(b.category).label, "amount": b.amount, "note": b.note}


def _require_manage_any(user: Any) -> None:
    if not has_perm(user, Perm.FUNDS_MANAGE):
        raise PermissionDenied("您没有此项权限")


# ---------------------------------------------------------------- figures


@router.get("/lists/funds/figures", response={200: FundsFiguresOut, **ONE},
            summary="党建经费：单位本级和含下级的预算、下拨、支出、余额及预算增长")
def funds_figures(request: HttpRequest, org: int | None = OrgQ, year: int | None = YearQ) -> Any:
    _, target, year = _view(request, org, year)
    acc = funds.account(target.path, year)
    series = funds.budget_series(target.path, [year - 1, year])
    return {"org": _ref(target), "year": year,
            "account": {"budget": acc.budget, "received": acc.received, "allocated": acc.allocated,
                        "spent": acc.spent, "balance": acc.balance},
            "subtree": _sub(funds.subtree(target.path, year)), "budget_last_year": series[year - 1],
            "budget_growth": funds.growth(series[year], series[year - 1])}


@router.get("/lists/funds/children", response={200: FundsChildPage, **ONE},
            summary="党建经费：各直属下级（含其下级）的预算、上级下拨、支出、余额")
def funds_children(request: HttpRequest, org: int | None = OrgQ, year: int | None = YearQ, limit: int = Limit,
                   offset: int = Offset) -> Any:
    _, target, year = _view(request, org, year)
    qs = sel.children_of(target)
    kids = list(qs[offset:offset + limit])
    roll = funds.children(target.path, year, [k.path for k in kids])
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [{"org": _ref(k), "figures": _sub(roll[k.path])} for k in kids]}


@router.get("/lists/funds/three", response={200: FundsThreeOut, **ONE},
            summary="三增三减：增报酬、增空间有记录可算；增权力、减负、减压、减责没有记录时为空")
def funds_three(request: HttpRequest, org: int | None = OrgQ, year: int | None = YearQ) -> Any:
    _, target, year = _view(request, org, year)
    figures = funds.three_up_three_down(target.path, year).figures
    return {"org": _ref(target), "year": year,
            "figures": [{"label": f.label, "value": f.value, "note": f.note} for f in figures]}


# ---------------------------------------------------------------- budget


@router.get("/lists/funds/budget", response={200: list[FundsBudgetLineOut], **ONE}, summary="单位的年度预算明细")
def budget_lines(request: HttpRequest, org: int | None = OrgQ, year: int | None = YearQ) -> Any:
    user, target, year = _view(request, org, year)
    rows = BudgetLine.objects.restrict(user).filter(org_path=target.path, year=year).select_related("org")
    return [_line(b) for b in rows.order_by("category")[:50]]


@router.post("/lists/funds/budget", response={200: FundsBudgetLineOut, 204: None, **CREATE},
             summary="编制预算：设置区级年度预算的一个类别（金额为 0 删除该类别；仅区委组织部）")
def set_budget(request: HttpRequest, payload: FundsBudgetLineIn) -> Any:
    user = _user(request)
    _require_manage_any(user)
    org = sel.resolve_budget_org(user, payload.org)
    line = actions.do_set_budget(user, org, payload.year, payload.category, payload.amount, payload.note)
    return Status(204, None) if line is None else _line(line)


# ---------------------------------------------------------------- allocations


@router.get("/lists/funds/allocations", response={200: FundAllocationPage, **ONE},
            summary="下拨明细：单位下拨的（out）、收到的（in）、上级拨入本级及下级的（inflow）")
def list_allocations(request: HttpRequest, org: int | None = OrgQ, year: int | None = YearQ,
                     dir: Literal["out", "in", "inflow"] = Query("out", description="方向"),
                     limit: int = Limit, offset: int = Offset) -> Any:
    user, target, year = _view(request, org, year)
    qs = sel.allocations(user).filter(year=year)
    if dir == "out":
        qs = qs.filter(giver_path=target.path)
    elif dir == "in":
        qs = qs.filter(receiver_path=target.path)
    else:
        qs = qs.filter(receiver_path__startswith=target.path).exclude(giver_path__startswith=target.path)
    qs = qs.order_by("-allocated_on", "-id")
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_alloc(a) for a in qs[offset:offset + limit]]}


@router.get("/lists/funds/allocations/{id}", response={200: FundAllocationOut, **ONE}, summary="一笔下拨")
def get_allocation(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    return _alloc(sel.allocation_for(user, id))


@router.post("/lists/funds/allocations", response={201: FundAllocationOut, **CREATE},
             summary="下拨经费给本单位的下级组织（不超过本单位余额）")
def create_allocation(request: HttpRequest, payload: FundAllocationIn) -> Any:
    user = _user(request)
    _require_manage_any(user)
    giver = sel.resolve_manage_org(user, payload.giver)
    receiver = sel.resolve_receiver(user, giver, payload.receiver)
    row = actions.do_allocate(user, giver, receiver, payload.amount, payload.allocated_on, payload.purpose)
    return Status(201, _alloc(sel.allocation_for(user, row.pk)))


@router.post("/lists/funds/allocations/{id}/reverse", response={201: FundAllocationOut, **WRITE},
             summary="冲销一笔下拨（接收单位尚未使用这笔经费时）")
def reverse_allocation(request: HttpRequest, payload: FundReverseIn, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    row = sel.allocation_for(user, id)
    back = actions.do_reverse_allocation(user, row, payload.reason)
    return Status(201, _alloc(sel.allocation_for(user, back.pk)))


# ---------------------------------------------------------------- spending


@router.get("/lists/funds/spending", response={200: FundSpendingPage, **ONE},
            summary="支出明细：单位本级的，或含下级的（all=true）")
def list_spending(request: HttpRequest, org: int | None = OrgQ, year: int | None = YearQ,
                  all: bool = Query(False, description="true 含下级"), limit: int = Limit,
                  offset: int = Offset) -> Any:
    user, target, year = _view(request, org, year)
    qs = sel.spendings(user).filter(year=year)
    qs = qs.filter(org_path__startswith=target.path) if all else qs.filter(org_path=target.path)
    qs = qs.order_by("-spent_on", "-id")
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_spend(s) for s in qs[offset:offset + limit]]}


@router.get("/lists/funds/spending/{id}", response={200: FundSpendingOut, **ONE}, summary="一笔支出")
def get_spending(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    return _spend(sel.spending_for(user, id))


@router.post("/lists/funds/spending", response={201: FundSpendingOut, **CREATE},
             summary="登记支出（不超过单位余额；凭证请在页面上传）")
def create_spending(request: HttpRequest, payload: FundSpendingIn) -> Any:
    user = _user(request)
    _require_manage_any(user)
    org = sel.resolve_manage_org(user, payload.org)
    row = actions.do_spend(user, org, payload.amount, payload.spent_on, payload.purpose)
    return Status(201, _spend(sel.spending_for(user, row.pk)))


@router.post("/lists/funds/spending/{id}/reverse", response={201: FundSpendingOut, **WRITE},
             summary="冲销一笔支出")
def reverse_spending(request: HttpRequest, payload: FundReverseIn, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    row = sel.spending_for(user, id)
    back = actions.do_reverse_spending(user, row, payload.reason)
    return Status(201, _spend(sel.spending_for(user, back.pk)))


# ---------------------------------------------------------------- space and pay


@router.get("/lists/funds/space", response={200: FundsSpaceOut, **ONE},
            summary="社区办公用房：各社区面积与标准、达标社区占比、较上年增长")
def get_space(request: HttpRequest, org: int | None = OrgQ, year: int | None = YearQ, limit: int = Limit,
              offset: int = Offset) -> Any:
    _, target, year = _view(request, org, year)
    fig = funds.space_figures(target.path, year)
    page = list(funds.communities(target.path).order_by("path")[offset:offset + limit])
    rows = funds.space_rows(target.path, year, page)
    return {"org": _ref(target), "year": year, "standard": fig.standard, "communities": fig.communities,
            "measured": fig.measured, "meeting": fig.meeting, "share": fig.share,
            "growth": funds.space_growth(target.path, year), "count": fig.communities, "limit": limit,
            "offset": offset, "items": [{"org": _ref(r.org), "area": r.area, "meets": r.meets} for r in rows]}


@router.post("/lists/funds/space", response={201: FundsSpaceRecordOut, **CREATE},
             summary="登记社区办公用房面积（每年一条，再次登记覆盖当年的）")
def record_space(request: HttpRequest, payload: FundsSpaceIn) -> Any:
    user = _user(request)
    _require_manage_any(user)
    org = sel.resolve_community(user, payload.org)
    row = actions.do_record_space(user, org, payload.area, payload.measured_on, payload.note)
    return Status(201, {"id": row.pk, "org": _ref(org), "year": row.year, "area": row.area,
                        "measured_on": row.measured_on})


@router.get("/lists/funds/pay", response={200: FundsPayOut, **ONE},
            summary="社区工作者报酬：各社区人均年报酬、与全市参考之比、在本级范围内的排名")
def get_pay(request: HttpRequest, org: int | None = OrgQ, year: int | None = YearQ, limit: int = Limit,
            offset: int = Offset) -> Any:
    _, target, year = _view(request, org, year)
    ref = funds.pay_reference(year)
    ref_pay = ref.annual_pay if ref else None
    average = funds.pay_average(target.path, year)
    rows = funds.pay_rows(target.path, year)
    page = rows[offset:offset + limit]
    orgs = {o.pk: o for o in Org.objects.filter(pk__in=[r.org_id for r in page])}
    return {"org": _ref(target), "year": year, "city": ref.city if ref else None, "reference": ref_pay,
            "average": average, "ratio": funds.pay_ratio(average, ref_pay),
            "growth": funds.pay_growth(target.path, year), "count": len(rows), "limit": limit, "offset": offset,
            "items": [{"org": _ref(orgs.get(r.org_id)), "headcount": r.headcount, "average": r.average,
                       "ratio": funds.pay_ratio(r.average, ref_pay),
                       "rank": (funds.pay_rank(rows, r.org_id) or (0, 0))[0]}
                      for r in page]}


@router.post("/lists/funds/pay", response={201: FundsWorkerPayOut, **CREATE},
             summary="登记一名社区工作者的岗位和年报酬（同名再次登记为修改）")
def record_pay(request: HttpRequest, payload: FundsPayIn) -> Any:
    user = _user(request)
    _require_manage_any(user)
    org = sel.resolve_community(user, payload.org)
    row = actions.do_record_pay(user, org, payload.year, payload.worker_name, payload.post, payload.annual_pay)
    return Status(201, {"id": row.pk, "org": _ref(org), "year": row.year, "worker_name": row.worker_name,
                        "post": row.post, "annual_pay": row.annual_pay})


@router.get("/lists/funds/pay/{id}", response={200: FundsWorkerPayOut, **ONE}, summary="一名社区工作者的报酬记录")
def get_pay_row(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    row = sel.pay_for(user, id)
    return {"id": row.pk, "org": _ref(row.org), "year": row.year, "worker_name": sel.worker_name(user, row),
            "post": row.post, "annual_pay": row.annual_pay}



