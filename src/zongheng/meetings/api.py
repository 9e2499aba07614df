"""Meetings in the JSON API (tag 会议): meetings, compliance, resolutions.

Same doors as the pages: ``require`` (no right anywhere → 403), reads through ``restrict``
(out of scope → 404 like a missing row), writes through one ``do_*`` action (400 in Chinese).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from zongheng.core.access import has_perm, require
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.api import ERR, LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _page, _ref, _user
from zongheng.orgs.models import Org

from . import actions, selectors
from .choices import MeetingStatus
from .models import Meeting, MeetingType, Resolution
from .periods import period_of

router = Router(tags=["会议"])


class PersonName(Schema):
    id: int
    name: str


class AttendanceOut(Schema):
    person: PersonName
    role: str
    status: str = Field(description="invited 待登记、present 出席、excused 请假、absent 缺席")


class ResolutionOut(Schema):
    id: int
    meeting_id: int
    text: str
    owner_org: OrgRef
    owner_person: PersonName | None
    due_on: dt.date
    status: str = Field(description="open 办理中、done 已办结")
    done_at: dt.datetime | None
    overdue: bool


class ResolutionProgressOut(Schema):
    at: dt.datetime
    text: str
    by: str


class ResolutionDetailOut(ResolutionOut):
    progress: list[ResolutionProgressOut]


class MeetingOut(Schema):
    id: int
    type: str = Field(description="会议类型代码")
    type_name: str
    org: OrgRef
    period: str = Field(description="所属期间，如 2026-Q4、2026-11、2026-H2、2026")
    scheduled_at: dt.datetime
    place: str
    status: str = Field(description="scheduled 已安排、held 已召开、cancelled 已取消")
    version: int
    held_at: dt.datetime | None
    makeup: bool = Field(description="补开：期间结束后召开")


class MeetingDetailOut(MeetingOut):
    agenda: str
    minutes: str
    present: int
    invited: int
    quorum_met: bool
    attendances: list[AttendanceOut]
    resolutions: list[ResolutionOut]


class MeetingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MeetingOut]


class ResolutionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ResolutionOut]


class ComplianceOut(Schema):
    org: OrgRef
    type: str
    period: str
    period_label: str
    status: str = Field(description="on_time 按期召开、late 补开、not_held 未召开、pending 本期待召开、"
                                    "not_required 不适用")
    status_name: str
    meeting_id: int | None
    held_at: dt.datetime | None


class ResolutionUpdateIn(Schema):
    progress: Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_NUL)] = Field(
        description="进展情况（办结时为办结情况）")
    done: bool = Field(False, description="true：标记为已办结")


def _self_or_view(user: Any) -> None:
    if not has_perm(user, Perm.MEETING_VIEW) and not getattr(user, "person_id", None):
        raise PermissionDenied("您没有此项权限")


def _meeting(m: Meeting) -> dict[str, Any]:
    return {"id": m.pk, "type": m.type.code, "type_name": m.type.name, "org": _ref(m.org), "period": m.period,
            "scheduled_at": m.scheduled_at, "place": m.place, "status": m.status, "version": m.version,
            "held_at": m.held_at, "makeup": bool(m.held_at) and m.is_makeup}


def _resolution(r: Resolution, today: dt.date) -> dict[str, Any]:
    person = {"id": r.owner_person.pk, "name": r.owner_person.name} if r.owner_person else None
    return {"id": r.pk, "meeting_id": r.meeting_id, "text": r.text, "owner_org": _ref(r.owner_org),
            "owner_person": person, "due_on": r.due_on, "status": r.status, "done_at": r.done_at,
            "overdue": r.status == "open" and r.due_on < today}


@router.get("/meetings", response={200: MeetingPage, **LIST}, summary="会议列表（管辖范围内，以及本人受邀参加的）")
def list_meetings(
    request: HttpRequest,
    type: str | None = Query(None, max_length=32, pattern=r"^[-a-z0-9_]*$", description="会议类型代码"),
    status: MeetingStatus | None = None,
    period: str | None = Query(None, max_length=10, pattern=r"^[0-9A-Z-]*$", description="所属期间"),
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只列该组织及其下级的会议"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _self_or_view(user)
    params = {"type": type or "", "status": status or "", "period": period or "", "org": str(org or "")}
    return _page(selectors.meeting_list(user, params), limit, offset, _meeting)


@router.get("/meetings/compliance", response={200: list[ComplianceOut], **ONE, 400: ERR},
            summary="会议召开情况：组织及其直接下级在某期间是否按期召开（补开、未召开）")
def meeting_compliance(
    request: HttpRequest,
    org: int | None = Query(None, ge=1, le=MAX_ID, description="组织 id；默认为您管辖范围的顶层组织"),
    type: str | None = Query(None, max_length=32, pattern=r"^[-a-z0-9_]*$",
                             description="会议类型代码；默认为适用于该组织下级的第一个已启用类型"),
    period: str | None = Query(None, max_length=10, pattern=r"^[0-9A-Z-]*$", description="期间；默认为上一期"),
) -> Any:
    user = _user(request)
    require(user, Perm.MEETING_VIEW)
    scope = Org.objects.restrict(user, Perm.MEETING_VIEW)
    target = get_object_or_404(scope, pk=org) if org is not None else scope.order_by("path").first()
    if target is None:
        raise PermissionDenied("您没有此项权限")
    below = Org.objects.filter(path__startswith=target.path, depth__lte=target.depth + 1)
    if type:
        mtype = MeetingType.objects.filter(code=type).first()
        if mtype is None:
            raise ActionError(f"会议类型“{type}”不存在")
    else:
        mtype = next((t for t in MeetingType.objects.filter(enabled=True)
                      if selectors.applicable_orgs(t, below).exists()), None)
        if mtype is None:
            raise ActionError("该组织及其直接下级没有需召开的会议类型")
    try:
        p = mtype.period(period) if period else period_of(mtype.cadence, timezone.localdate()).previous()
    except ValueError as exc:
        raise ActionError(str(exc)) from exc
    orgs = list(below.order_by("path")[:500])
    cells = selectors.compliance(mtype, p, orgs, timezone.now())
    return [{"org": _ref(o), "type": mtype.code, "period": p.key, "period_label": p.label,
             "status": cells[o.pk].status, "status_name": cells[o.pk].label, "meeting_id": cells[o.pk].meeting_id,
             "held_at": cells[o.pk].held_at} for o in orgs]


@router.get("/meetings/resolutions", response={200: ResolutionPage, **LIST}, summary="议定事项列表")
def list_resolutions(
    request: HttpRequest,
    state: str | None = Query(None, pattern=r"^(open|overdue|done)?$", description="open、overdue 或 done"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _self_or_view(user)
    today = timezone.localdate()
    return _page(selectors.resolution_list(user, {"state": state or ""}, today), limit, offset,
                 lambda r: _resolution(r, today))


def _resolution_detail(user: Any, pk: int) -> dict[str, Any]:
    r = get_object_or_404(selectors.resolutions_in_scope(user), pk=pk)
    return _resolution(r, timezone.localdate()) | {
        "progress": [{"at": p.at, "text": p.text, "by": p.by_label} for p in r.progress.all()]}


@router.get("/meetings/resolutions/{id}", response={200: ResolutionDetailOut, **ONE}, summary="议定事项详情")
def get_resolution(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _self_or_view(user)
    return _resolution_detail(user, id)


@router.patch("/meetings/resolutions/{id}", response={200: ResolutionDetailOut, **WRITE},
              summary="更新议定事项进展或办结（责任人，或管理相关组织会议的人员）")
def update_resolution(request: HttpRequest, payload: ResolutionUpdateIn, id: int = PathId) -> Any:
    user = _user(request)
    _self_or_view(user)
    r = get_object_or_404(selectors.resolutions_in_scope(user), pk=id)
    if not actions.may_update_resolution(user, r):
        raise PermissionDenied("您不是该议定事项的责任人，也不管理相关组织的会议")
    actions.do_resolution_progress(user, r, payload.progress, done=payload.done)
    return _resolution_detail(user, id)


@router.get("/meetings/{id}", response={200: MeetingDetailOut, **ONE}, summary="会议详情（出席、纪要、议定事项）")
def get_meeting(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _self_or_view(user)
    m = get_object_or_404(selectors.meetings_in_scope(user), pk=id)
    attendances = list(m.attendances.select_related("person"))
    present = sum(1 for a in attendances if a.status == "present")
    today = timezone.localdate()
    return _meeting(m) | {
        "agenda": m.agenda, "minutes": m.minutes, "present": present, "invited": len(attendances),
        "quorum_met": m.type.quorum_met(present, len(attendances)),
        "attendances": [{"person": {"id": a.person_id, "name": a.person.name}, "role": a.role_label,
                         "status": a.status} for a in attendances],
        "resolutions": [_resolution(r, today) for r in m.resolutions.select_related("owner_org", "owner_person")],
    }
