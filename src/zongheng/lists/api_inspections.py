"""The inspections (巡查) in the JSON API (added by ``lists.api``): rounds, a round's targets and findings, the
rectification items (list with filters, detail), an item's report and its verification.

Same doors as the pages: anonymous → 401, no right at all → 403, a row out of scope → 404 like a missing one;
writes through ``actions_inspections`` (refused → 400 in Chinese). Evidence files are uploaded on the item's page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from zongheng.orgs.api import LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _ref, _user

from . import actions_inspections as actions
from . import selectors_inspections as sel
from .choices_inspections import RectMove, RectState, RoundState
from .models_inspections import Finding, InspectionRound, Rectification

router = Router(tags=["一清单"])


class InspPersonRef(Schema):
    id: int
    name: str


class InspRoundOut(Schema):
    id: int
    org: OrgRef = Field(description="组织单位")
    year: int
    period: str = Field(description="批次")
    title: str
    focus: str = Field(description="巡查重点")
    starts_on: dt.date
    ends_on: dt.date
    state: str = Field(description="preparing 筹备；inspecting 巡查中；rectifying 整改中；completed 已完成")
    state_label: str


class InspRoundPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InspRoundOut]


class InspTargetOut(Schema):
    id: int
    org: OrgRef = Field(description="被巡查组织")
    secretary: InspPersonRef | None = Field(description="书记")
    team: str = Field(description="巡查组")


class InspFindingOut(Schema):
    id: int
    target: int = Field(description="被巡查对象 id")
    text: str = Field(description="问题描述")
    recorded_at: dt.datetime


class InspRectOut(Schema):
    id: int
    round: int
    target: int
    finding: int
    title: str = Field(description="整改事项")
    org: OrgRef = Field(description="整改责任单位")
    responsible: InspPersonRef = Field(description="整改责任人")
    due_on: dt.date = Field(description="整改时限")
    overdue: bool = Field(description="逾期未销号")
    state: str = Field(description="pending 待整改；reported 已报告；closed 已销号；returned 退回")
    state_label: str
    closed_on: dt.date | None
    moves: list[str] = Field(description="当前用户现在可以进行的操作")


class InspRectPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InspRectOut]


class InspReportOut(Schema):
    text: str
    filed_at: dt.datetime
    files: list[str] = Field(description="佐证附件的下载地址")


class InspEventOut(Schema):
    move: str
    from_state: str
    to_state: str
    note: str
    at: dt.datetime


class InspRectDetailOut(InspRectOut):
    finding_text: str
    reports: list[InspReportOut]
    events: list[InspEventOut] = Field(description="流转记录")


class InspReportIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=4000, pattern=NO_NUL)] = Field(description="整改情况")


class InspVerifyIn(Schema):
    move: Literal["accept", "return"] = Field(description="accept 销号；return 退回")
    note: Annotated[str, Field(max_length=500, pattern=NO_NUL)] = Field("", description="核验意见；退回须写理由")


def _round(r: InspectionRound) -> dict[str, Any]:
    return {"id": r.pk, "org": _ref(r.org), "year": r.year, "period": r.period, "title": r.title, "focus": r.focus,
            "starts_on": r.starts_on, "ends_on": r.ends_on, "state": r.state,
            "state_label": RoundState(r.state).label}


def _rect(user: Any, r: Rectification, today: dt.date, reporter: int | None = None,
          teams: frozenset[int] | None = None) -> dict[str, Any]:
    return {"id": r.pk, "round": r.round_id, "target": r.target_id, "finding": r.finding_id, "title": r.title,
            "org": _ref(r.org), "responsible": {"id": r.responsible.pk, "name": r.responsible.name},
            "due_on": r.due_on, "overdue": sel.is_overdue(r, today), "state": r.state,
            "state_label": RectState(r.state).label, "closed_on": r.closed_on,
            "moves": [m for m, _ in sel.rect_moves(user, r, reporter, teams)]}


def _detail(user: Any, pk: int) -> dict[str, Any]:
    from django.urls import reverse

    r = sel.rect_for(user, pk)
    reports = list(r.reports.prefetch_related("files").order_by("filed_at", "id"))
    reporter = reports[-1].filed_by_id if reports else None
    return _rect(user, r, timezone.localdate(), reporter) | {
        "finding_text": r.finding.text,
        "reports": [{"text": rep.text, "filed_at": rep.filed_at,
                     "files": [reverse("lists:inspection_evidence", args=[f.pk]) for f in rep.files.all()]}
                    for rep in reports],
        "events": [{"move": e.move, "from_state": e.from_state, "to_state": e.to_state, "note": e.note, "at": e.at}
                   for e in r.events.order_by("at", "id")]}


@router.get("/lists/inspections", response={200: InspRoundPage, **LIST},
            summary="巡查轮次（管辖范围内的、本单位被巡查的、本人参加的）")
def list_inspections(
    request: HttpRequest,
    state: Literal["preparing", "inspecting", "rectifying", "completed"] | None = Query(None, description="状态"),
    year: int | None = Query(None, ge=2000, le=2100, description="年度"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    sel.require_view(user)
    qs = sel.rounds_in_scope(user).select_related("org").order_by("-year", "-starts_on", "-id")
    if state:
        qs = qs.filter(state=state)
    if year:
        qs = qs.filter(year=year)
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_round(r) for r in qs[offset:offset + limit]]}


@router.get("/lists/inspections/{id}", response={200: InspRoundOut, **ONE}, summary="一轮巡查")
def get_inspection(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    return _round(sel.round_for(user, id))


@router.get("/lists/inspections/{id}/targets", response={200: list[InspTargetOut], **ONE},
            summary="一轮巡查的被巡查对象（组织方看全部，被巡查单位只看本单位）")
def list_inspection_targets(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    rnd = sel.round_for(user, id)
    return [{"id": t.pk, "org": _ref(t.org), "team": t.team.name,
             "secretary": {"id": t.secretary.pk, "name": t.secretary.name} if t.secretary else None}
            for t in sel.targets_of(user, rnd)[:500]]


@router.get("/lists/inspections/{id}/findings", response={200: list[InspFindingOut], **ONE},
            summary="一轮巡查发现的问题（只含可查看的被巡查对象）")
def list_inspection_findings(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    rnd = sel.round_for(user, id)
    rows = Finding.objects.filter(round=rnd, target__in=sel.targets_of(user, rnd).values("pk")).order_by("id")
    return [{"id": f.pk, "target": f.target_id, "text": f.text, "recorded_at": f.recorded_at} for f in rows[:2000]]


@router.get("/lists/rectifications", response={200: InspRectPage, **LIST}, summary="整改事项（整改台账）")
def list_rectifications(
    request: HttpRequest,
    state: Literal["pending", "reported", "closed", "returned"] | None = Query(None, description="状态"),
    round: int | None = Query(None, ge=1, le=MAX_ID, description="巡查轮次 id"),
    overdue: bool = Query(False, description="只看逾期未销号"),
    mine: bool = Query(False, description="只看本单位负责或本人负责的"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    sel.require_view(user)
    today = timezone.localdate()
    f = sel.RectFilters(state=state or "", round=round, overdue=overdue, mine=mine)
    qs = sel.rect_list(user, f, today)
    teams = sel.team_ids(user)
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_rect(user, r, today, teams=teams) for r in qs[offset:offset + limit]]}


@router.get("/lists/rectifications/{id}", response={200: InspRectDetailOut, **ONE},
            summary="一项整改事项及其整改报告和流转记录")
def get_rectification(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    return _detail(user, id)


@router.post("/lists/rectifications/{id}/report", response={200: InspRectDetailOut, **WRITE},
             summary="报告整改情况（整改责任单位或责任人；佐证附件在页面上传）")
def report_rectification(request: HttpRequest, payload: InspReportIn, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    actions.do_report(user, sel.rect_for(user, id), {"text": payload.text})
    return _detail(user, id)


@router.post("/lists/rectifications/{id}/verify", response={200: InspRectDetailOut, **WRITE},
             summary="核验整改（销号或退回；组织巡查的单位或巡查组，整改单位不能核验自己的报告）")
def verify_rectification(request: HttpRequest, payload: InspVerifyIn, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    actions.do_verify(user, sel.rect_for(user, id), RectMove(payload.move), payload.note)
    return _detail(user, id)
