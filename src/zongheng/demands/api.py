"""民心零距离 in the JSON API: demands, their transitions, and the figures.

Same doors as the pages: ``require`` (no right anywhere → 403), reads through
``Demand.objects.restrict`` (out of scope → 404, like a missing row), writes through one
``do_*`` action each (audited; a refused or unknown transition → 400 with the Chinese
message). Phone numbers only ever appear masked. Lists are paginated with
``limit``/``offset`` and run a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.access import in_scope, require
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.api import (
    CREATE,
    ERR,
    LIST,
    MAX_ID,
    NO_NUL,
    ONE,
    WRITE,
    Limit,
    Offset,
    OrgRef,
    PathId,
    _ref,
    _user,
)
from zongheng.orgs.models import Org

from . import actions, figures, resolve, selectors
from .choices import Channel, Urgency
from .choices import Status as DemandStatus
from .figures import Period
from .models import Category, Demand, DemandEvent, Summons
from .workflow import TRANSITIONS

router = Router(tags=["demands"])

Text = Annotated[str, Field(max_length=2000, pattern=NO_NUL)]
Short = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
PeriodText = Annotated[str, Field(max_length=10, pattern=r"^\d{4}(-(Q[1-4]|\d{1,2}))?$")]
FiguresPeriod = Query(None, description="2018-03（月）、2018-Q1（季度）或 2018（年）；默认为有诉求的最近一年")
ReceivedPeriod = Query(None, description="受理时间所在期间：2018-03、2018-Q1 或 2018")
StatusQuery = Query(None, description="状态；open 表示所有未办结")


class CategoryRef(Schema):
    code: str
    name: str


class EventOut(Schema):
    seq: int
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    actor: str
    org: OrgRef = Field(description="该步之后的承办组织（派单、上报的去向）")
    by_org: OrgRef | None = Field(None, description="办理人所在的组织（系统、居民的动作为承办组织；旧记录为空）")
    note: str


class DemandOut(Schema):
    id: int
    ref: str = Field(description="编号（亦即 Open311 的 service_request_id）")
    status: str
    status_name: str
    version: int = Field(description="办理时以 expected_version 提交，防止覆盖他人的更新")
    channel: str
    category: CategoryRef
    urgency: str
    description: str
    address: str
    lat: Decimal | None
    long: Decimal | None
    contact_name: str
    phone_masked: str = Field(description="脱敏电话，如 138****5678")
    grid: OrgRef
    org: OrgRef = Field(description="当前承办组织")
    received_at: dt.datetime
    first_response_due_at: dt.datetime
    response_due_at: dt.datetime
    resolution_due_at: dt.datetime
    first_accepted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    answered_at: dt.datetime | None
    answer: str
    rating: int | None
    rated_at: dt.datetime | None
    closed_at: dt.datetime | None
    reject_reason: str
    escalations: int
    reopens: int
    overdue: bool = Field(description="仍未办结且已过当前时限")


class DemandDetailOut(DemandOut):
    events: list[EventOut]


class DemandCreatedOut(DemandOut):
    code: str = Field(description="居民查询码（只返回这一次，请转告居民）")


class DemandPage(Schema):
    count: int = Field(description="符合筛选条件的件数；count_capped 为 true 时只数到这个数")
    count_capped: bool = Field(False, description="true：符合条件的超过 count 件（范围很大，不逐条计数；"
                                                  "加筛选条件可得到准确件数），用 next_cursor 仍可翻到每一条")
    limit: int
    offset: int
    items: list[DemandOut]
    next_cursor: str | None = Field(None, description="下一页的 cursor 参数（键集分页）；没有下一页时为 null")


CURSOR = r"^[0-9]{1,18}-[0-9]{1,18}$"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
Cursor = Query(None, max_length=40, pattern=CURSOR,
               description="键集分页：填上一页返回的 next_cursor，从该条之后继续（不论翻到第几页都一样快）；"
                           "与 offset 同时给出时，offset 从游标之后算起")


def _cursor_of(d: Demand) -> str:
    """``<received_at in µs since the epoch>-<id>``: the list order's key of the last row of a page."""
    return f"{(d.received_at - EPOCH) // dt.timedelta(microseconds=1)}-{d.pk}"


def _after_cursor(qs: QuerySet[Demand], cursor: str) -> QuerySet[Demand]:
    """The rows after ``cursor`` in the list's order (``-received_at, -id``): one index range, no offset scan."""
    from django.db.models import Q

    micros, _, pk = cursor.partition("-")
    try:
        at = EPOCH + dt.timedelta(microseconds=int(micros))
    except OverflowError as exc:
        raise ActionError("cursor 无效：请使用上一页返回的 next_cursor") from exc
    return qs.filter(Q(received_at__lt=at) | Q(received_at=at, id__lt=int(pk)))


class DemandIn(Schema):
    channel: Literal["station", "phone", "listening", "api"] = "api"
    category: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[-a-zA-Z0-9_]+$")] = Field(
        description="类别代码，如 sanitation")
    urgency: Urgency = Urgency.NORMAL
    description: Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_NUL)]
    address: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
    grid: int = Field(ge=1, le=MAX_ID, description="所在网格的组织 id，须在您的登记范围内")
    phone: Annotated[str, Field(max_length=20, pattern=NO_NUL)] = ""
    contact_name: Annotated[str, Field(max_length=50, pattern=NO_NUL)] = ""
    lat: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    long: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    station: int | None = Field(None, ge=1, le=MAX_ID, description="民心驿站 id")
    listening_session: int | None = Field(None, ge=1, le=MAX_ID, description="每月一听 id")


STAFF_ACTIONS = ("assign", "return", "accept", "start", "answer", "escalate", "whistle", "report", "reject", "merge")


class TransitionIn(Schema):
    action: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_NUL)] = Field(
        description="办理动作：" + "、".join(STAFF_ACTIONS))
    expected_version: int | None = Field(None, ge=0, le=2**31, description="读取时的 version；已被他人更新则拒绝")
    note: Short = ""
    reason: Short = Field("", description="return / escalate / reject 的理由")
    answer: Text = Field("", description="answer 的答复内容")
    report: Text = Field("", description="report 的报到情况")
    org: int | None = Field(None, ge=1, le=MAX_ID, description="assign 的目标组织；report 的报到单位")
    orgs: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field([], max_length=50, description="whistle 的报到单位")
    into: int | None = Field(None, ge=1, le=MAX_ID, description="merge：保留的诉求 id")


class FiguresOut(Schema):
    counted: int = Field(description="诉求数：本期间受理、网格在该组织下的诉求（不含不予受理、已合并）")
    responded: int
    resolved: int
    rated: int
    satisfied: int
    answered: int
    overdue: int
    response_due: int = Field(description="应响应：首次响应时限已过或已接单的诉求")
    resolution_due: int = Field(description="应办结：办结时限已过或已办结的诉求")
    response_rate: float | None = Field(description="响应率 = responded / response_due；分母为 0 时为 null")
    resolution_rate: float | None = Field(description="解决率 = resolved / resolution_due；分母为 0 时为 null")
    satisfaction_rate: float | None = Field(description="满意率 = satisfied / rated")
    avg_handling_hours: float | None = Field(description="平均办理时长（受理到答复，小时）")
    by_status: dict[str, int]


class OrgFiguresOut(Schema):
    org: OrgRef
    figures: FiguresOut


class FiguresReportOut(Schema):
    period: str
    start: dt.datetime
    end: dt.datetime
    org: OrgRef
    figures: FiguresOut
    children: list[OrgFiguresOut]
    as_of: dt.datetime | None = Field(
        None, description="区及以上范围的统计为快照：统计的时刻（默认至多 5 分钟前）；为空表示实时统计")


# ---------------------------------------------------------------- helpers


def _demands_qs(user: Any) -> QuerySet[Demand]:
    return Demand.objects.restrict(user, Perm.DEMAND_VIEW).select_related("category", "grid", "org")


def _demand(d: Demand, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    due = d.current_due_at
    return {
        "id": d.pk, "ref": d.ref, "status": d.status, "status_name": d.get_status_display(), "version": d.version,
        "channel": d.channel, "category": {"code": d.category.code, "name": d.category.name},
        "urgency": d.urgency, "description": d.description, "address": d.address, "lat": d.lat, "long": d.long,
        "contact_name": d.contact_name, "phone_masked": d.phone_masked, "grid": _ref(d.grid), "org": _ref(d.org),
        "received_at": d.received_at, "first_response_due_at": d.first_response_due_at,
        "response_due_at": d.response_due_at, "resolution_due_at": d.resolution_due_at,
        "first_accepted_at": d.first_accepted_at, "accepted_at": d.accepted_at, "answered_at": d.answered_at,
        "answer": d.answer, "rating": d.rating, "rated_at": d.rated_at, "closed_at": d.closed_at,
        "reject_reason": d.reject_reason, "escalations": d.escalations, "reopens": d.reopens,
        "overdue": d.is_open and due < now,
    }


def _detail(user: Any, pk: int) -> dict[str, Any]:
    events = Prefetch("events", DemandEvent.objects.select_related("org", "by_org").order_by("seq"))
    d = get_object_or_404(_demands_qs(user).prefetch_related(events), pk=pk)
    return _demand(d) | {"events": [
        {"seq": e.seq, "at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
         "actor": e.actor_label, "org": _ref(e.org), "by_org": _ref(e.by_org) if e.by_org else None,
         "note": e.note} for e in d.events.all()
    ]}


def _figures(f: figures.Figures) -> dict[str, Any]:
    return f.as_dict()


# ---------------------------------------------------------------- figures


@router.get("/demands/figures", response={200: FiguresReportOut, **ONE, 400: ERR},
            summary="诉求统计：组织及其下级的响应率、解决率、满意率（口径见 docs/demands.md）")
def demand_figures(
    request: HttpRequest,
    org: int | None = Query(None, ge=1, le=MAX_ID, description="组织 id；默认为您管辖范围的顶层组织"),
    period: PeriodText | None = FiguresPeriod,
) -> Any:
    user = _user(request)
    require(user, Perm.DEMAND_VIEW)
    orgs = Org.objects.restrict(user, Perm.DEMAND_VIEW)
    target = get_object_or_404(orgs, pk=org) if org is not None else orgs.order_by("path").first()
    if target is None:
        raise PermissionDenied("您没有此项权限")
    try:
        p = Period.parse(period) if period else figures.latest_period(target)
    except ValueError as exc:
        raise ActionError(str(exc)) from exc
    roll = figures.roll_up(target, p, snapshot=True)
    return {
        "period": str(p), "start": p.start, "end": p.end, "org": _ref(target), "figures": _figures(roll.total),
        "children": [{"org": _ref(c), "figures": _figures(f)} for c, f in roll.children], "as_of": roll.as_of,
    }


# ---------------------------------------------------------------- demands


@router.get("/demands", response={200: DemandPage, **LIST, 400: ERR}, summary="诉求列表（管辖范围内，电话脱敏）")
def list_demands(
    request: HttpRequest,
    status: DemandStatus | Literal["open"] | None = StatusQuery,
    category: str | None = Query(None, max_length=32, pattern=r"^[-a-zA-Z0-9_]*$", description="类别代码"),
    channel: Channel | None = None,
    grid: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织（含下级网格）的诉求"),
    overdue: bool | None = Query(None, description="true 只列已超时未办结的"),
    period: PeriodText | None = ReceivedPeriod,
    limit: int = Limit,
    offset: int = Offset,
    cursor: str | None = Cursor,
) -> Any:
    user = _user(request)
    require(user, Perm.DEMAND_VIEW)
    qs = _demands_qs(user)
    now = timezone.now()
    if status == "open":
        qs = qs.filter(status__in=[DemandStatus.RECEIVED, DemandStatus.ASSIGNED, DemandStatus.ACCEPTED,
                                   DemandStatus.IN_PROGRESS])
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__code=category)
    if channel:
        qs = qs.filter(channel=channel)
    if grid is not None:
        node = Org.objects.filter(pk=grid).values_list("path", flat=True).first()
        qs = qs.filter(grid_path__startswith=node) if node else qs.none()
    if overdue is not None:
        qs = qs.filter(actions.overdue_q(now)) if overdue else qs.exclude(actions.overdue_q(now))
    if period:
        try:
            p = Period.parse(period)
        except ValueError as exc:
            raise ActionError(str(exc)) from exc
        qs = qs.filter(received_at__gte=p.start, received_at__lt=p.end)
    qs = qs.order_by("-received_at", "-id")
    count, capped = selectors.capped_count(qs)  # what matches the filters, whatever the cursor
    if cursor:
        qs = _after_cursor(qs, cursor)
    rows = list(qs[offset:offset + limit])
    return {"count": count, "count_capped": capped, "limit": limit, "offset": offset,
            "items": [_demand(d, now) for d in rows],
            "next_cursor": _cursor_of(rows[-1]) if len(rows) == limit else None}


@router.get("/demands/{id}", response={200: DemandDetailOut, **ONE}, summary="诉求详情（含办理记录）")
def get_demand(request: HttpRequest, id: int = PathId) -> Any:
    require(_user(request), Perm.DEMAND_VIEW)
    return _detail(_user(request), id)


@router.post("/demands", response={201: DemandCreatedOut, **CREATE}, summary="登记诉求（民心驿站、电话、每月一听）")
def create_demand(request: HttpRequest, payload: DemandIn) -> Any:
    user = _user(request)
    require(user, Perm.DEMAND_ENTER)
    grid = resolve.resolve_entry_grid(user, payload.grid)
    category = Category.objects.filter(code=payload.category, active=True).first()
    if category is None:
        raise ActionError(f"类别“{payload.category}”不存在或已停用")
    data = payload.dict()
    data.update(
        grid=grid, category=category,
        # The same scoped lookups as the staff form (demands/resolve.py): another community's station or
        # session is refused exactly like a missing one.
        station=resolve.resolve_station(user, payload.station) if payload.station is not None else None,
        listening_session=(resolve.resolve_listening_session(user, payload.listening_session)
                           if payload.listening_session is not None else None),
    )
    if data["station"] is None:
        data.pop("station")
    if data["listening_session"] is None:
        data.pop("listening_session")
    demand, code = actions.do_submit_demand(user, data)
    return Status(201, _demand(_demands_qs(user).get(pk=demand.pk)) | {"code": code})


_PERM_OF = {
    "assign": Perm.DEMAND_DISPATCH, "whistle": Perm.DEMAND_DISPATCH, "reject": Perm.DEMAND_DISPATCH,
    "merge": Perm.DEMAND_DISPATCH,
}


def _apply(user: Any, demand: Demand, p: TransitionIn) -> None:
    v = p.expected_version
    a = p.action
    if a == "assign":
        if p.org is None:
            raise ActionError("请指定您管辖范围内的派单组织（org）")
        org = resolve.resolve_dispatch_target(user, p.org)
        actions.do_assign(user, demand, org, note=p.note, expected_version=v)
    elif a == "return":
        actions.do_return(user, demand, p.reason, expected_version=v)
    elif a == "accept":
        actions.do_accept(user, demand, expected_version=v)
    elif a == "start":
        actions.do_start(user, demand, note=p.note, expected_version=v)
    elif a == "answer":
        actions.do_answer(user, demand, p.answer, expected_version=v)
    elif a == "escalate":
        actions.do_escalate(user, demand, reason=p.reason, expected_version=v)
    elif a == "whistle":
        orgs = resolve.resolve_whistle_targets(demand, p.orgs)
        actions.do_whistle(user, demand, orgs, note=p.note, expected_version=v)
    elif a == "report":
        summons = demand.summons.select_related("org").filter(reported_at__isnull=True)
        if p.org is not None:
            summons = summons.filter(org_id=p.org)
        mine = [s for s in summons if in_scope(user, Perm.DEMAND_HANDLE, s.org.path)]
        if not mine:
            raise ActionError("该诉求没有需要您所在单位报到的吹哨")
        actions.do_report(user, mine[0], p.report)
    elif a == "reject":
        actions.do_reject(user, demand, p.reason, expected_version=v)
    elif a == "merge":
        into = Demand.objects.restrict(user, Perm.DEMAND_DISPATCH).filter(pk=p.into).first() if p.into else None
        if into is None:
            raise ActionError("请指定您管辖范围内要合并到的诉求（into）")
        actions.do_merge(user, demand, into)


@router.post("/demands/{id}/transitions", response={200: DemandDetailOut, **WRITE},
             summary="办理诉求：派单、退回、接单、开始办理、答复、上报、吹哨、报到、不予受理、合并")
def demand_transition(request: HttpRequest, payload: TransitionIn, id: int = PathId) -> Any:
    user = _user(request)
    require(user, Perm.DEMAND_VIEW)
    demand = get_object_or_404(_demands_qs(user), pk=id)
    if payload.action not in STAFF_ACTIONS:
        if payload.action in TRANSITIONS:
            raise ActionError(f"“{TRANSITIONS[payload.action][2]}”不能通过接口办理")
        raise ActionError(f"未知的办理动作：{payload.action}")
    perm = _PERM_OF.get(payload.action, Perm.DEMAND_HANDLE)
    require(user, perm)
    summoned = payload.action == "report" and any(
        in_scope(user, perm, s.org.path) for s in Summons.objects.filter(demand=demand).select_related("org"))
    if not (summoned or actions.may_act(user, perm, demand)):  # the holder and those above it
        raise PermissionDenied("该诉求不在您的办理范围内（只有当前承办组织及其上级可以办理）")
    _apply(user, demand, payload)
    return _detail(user, demand.pk)
