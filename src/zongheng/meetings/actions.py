"""Every write of the meetings module: atomic, audited ``do_*`` actions.

Views and the API resolve references through scoped resolvers (``resolve.py``), then call one of
these. A refusal raises ``ActionError`` in Chinese and writes nothing. Meeting changes carry a
``version``: a stale one (another user changed the meeting since it was read) is refused.

Transitions of a meeting (one table): schedule → scheduled; edit and cancel only while scheduled;
record (attendance + minutes) turns scheduled into held and may amend a held meeting.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from zongheng.core import audit
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from . import selectors
from .attachments import MAX_FILES, clean_attachment
from .choices import RECORDED_ATTENDANCE, AttendanceStatus, MeetingStatus, ResolutionStatus
from .models import (
    Attendance,
    Meeting,
    MeetingAttachment,
    MeetingType,
    MeetingTypeOrg,
    Resolution,
    ResolutionProgress,
)
from .periods import Period, parse, period_of

MEETING_FIELDS = ["type", "org", "period", "scheduled_at", "place", "agenda", "status", "held_at", "minutes",
                  "cancel_reason"]
RESOLUTION_FIELDS = ["text", "owner_org", "owner_person", "due_on", "status", "done_at"]
TYPE_FIELDS = ["enabled", "opt_in", "since", "quorum_num", "quorum_den", "cadence"]
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # action: (allowed from, goes to, Chinese name)
    "edit": ((MeetingStatus.SCHEDULED,), MeetingStatus.SCHEDULED, "修改会议安排"),
    "cancel": ((MeetingStatus.SCHEDULED,), MeetingStatus.CANCELLED, "取消会议"),
    "record": ((MeetingStatus.SCHEDULED, MeetingStatus.HELD), MeetingStatus.HELD, "记录会议召开情况"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, limit: int) -> str:
    """Plain text: no tags, no control characters, trimmed, at most ``limit`` characters."""
    text = _CONTROL.sub("", strip_tags(value or "")).replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ActionError(f"内容过长（最多 {limit} 字）")
    return text


def _check_org(user: Any, org: Org) -> None:
    if user is not None and not in_scope(user, Perm.MEETING_CHANGE, org.path):
        raise ActionError("该组织不在您的会议管理范围内")


def _check_version(meeting: Meeting, expected: int | None) -> None:
    if expected is not None and expected != meeting.version:
        raise ActionError("该会议已被他人更新，请刷新页面后重试")


def _locked(meeting: Meeting, action: str, expected: int | None) -> Meeting:
    fresh = Meeting.objects.select_for_update().select_related("type", "org").get(pk=meeting.pk)
    _check_version(fresh, expected)
    allowed, _, name = TRANSITIONS[action]
    if fresh.status not in allowed:
        raise ActionError(f"会议当前状态为“{fresh.get_status_display()}”，不能{name}")
    return fresh


def allowed_actions(meeting: Meeting) -> list[str]:
    return [a for a, (allowed, _, _) in TRANSITIONS.items() if meeting.status in allowed]


def check_period(mtype: MeetingType, key: str, now: dt.datetime) -> Period:
    """A period a meeting may be set for: of this year or last year (a make-up, 补开, for a missed one),
    or the next period (scheduled ahead); never earlier, never further ahead."""
    try:
        period = parse(mtype.cadence, key)
    except ValueError as exc:
        raise ActionError(str(exc)) from exc
    today = timezone.localtime(now).date()
    current = period_of(mtype.cadence, today)
    if period.start.year < today.year - 1:
        raise ActionError(f"{period.label}已过补开期限：只能补开本年度和上一年度的会议")
    if period.start > current.next().start:
        raise ActionError(f"{period.label}尚未到来：最多提前安排下一期（{current.next().label}）的会议")
    return period


def _check_when(period: Period, when: dt.datetime, label: str) -> None:
    if when < period.starts_at:
        raise ActionError(f"{label}不能早于所属期间（{period.label}）的开始")


@transaction.atomic
def do_schedule(user: Any, data: dict[str, Any], now: dt.datetime | None = None) -> Meeting:
    """安排会议: type, org, period key, time, place, agenda; invitees from the type's attendee rule."""
    now = now or timezone.now()
    mtype: MeetingType = data["type"]
    org: Org = data["org"]
    _check_org(user, org)
    if not mtype.enabled:
        raise ActionError(f"“{mtype.name}”尚未启用")
    if not selectors.applies_to(mtype, org):
        raise ActionError(f"“{mtype.name}”不适用于{org.name}")
    period = check_period(mtype, data["period"], now)
    scheduled_at = data["scheduled_at"]
    _check_when(period, scheduled_at, "召开时间")
    place = clean_text(data.get("place"), 200)
    if not place:
        raise ActionError("请填写会议地点")
    meeting = Meeting.objects.create(
        type=mtype, org=org, org_path=org.path, period=period.key, period_start=period.start,
        period_end=period.end, scheduled_at=scheduled_at, place=place,
        agenda=clean_text(data.get("agenda"), 5000), created_by=user if getattr(user, "pk", None) else None)
    rows = selectors.invitees(mtype, org, timezone.localtime(now).date())
    Attendance.objects.bulk_create([Attendance(meeting=meeting, person_id=pid, role_label=label)
                                    for pid, label in rows], batch_size=1000)
    audit.record(user, "meeting.schedule", meeting, after=audit.snapshot(meeting, MEETING_FIELDS) | {
        "invited": len(rows)})
    return meeting


@transaction.atomic
def do_edit(user: Any, meeting: Meeting, data: dict[str, Any], expected_version: int | None = None) -> Meeting:
    m = _locked(meeting, "edit", expected_version)
    _check_org(user, m.org)
    before = audit.snapshot(m, MEETING_FIELDS)
    if "scheduled_at" in data:
        _check_when(m.period_obj, data["scheduled_at"], "召开时间")
        m.scheduled_at = data["scheduled_at"]
    if "place" in data:
        m.place = clean_text(data["place"], 200)
        if not m.place:
            raise ActionError("请填写会议地点")
    if "agenda" in data:
        m.agenda = clean_text(data["agenda"], 5000)
    m.version += 1
    m.save()
    audit.record(user, "meeting.edit", m, before=before, after=audit.snapshot(m, MEETING_FIELDS))
    return m


@transaction.atomic
def do_cancel(user: Any, meeting: Meeting, reason: str, expected_version: int | None = None) -> Meeting:
    m = _locked(meeting, "cancel", expected_version)
    _check_org(user, m.org)
    reason = clean_text(reason, 300)
    if not reason:
        raise ActionError("请说明取消原因")
    before = audit.snapshot(m, MEETING_FIELDS)
    m.status, m.cancel_reason = MeetingStatus.CANCELLED, reason
    m.version += 1
    m.save()
    audit.record(user, "meeting.cancel", m, before=before, after=audit.snapshot(m, MEETING_FIELDS))
    return m


@transaction.atomic
def do_record(user: Any, meeting: Meeting, data: dict[str, Any], expected_version: int | None = None,
              now: dt.datetime | None = None) -> Meeting:
    """记录召开情况: actual time, minutes and every invitee's attendance (出席、请假、缺席).

    Allowed below quorum: the meeting is held, shown as 未达法定人数, and does not count as held for
    compliance (so the warning stays until a meeting with quorum is recorded for the period).
    """
    now = now or timezone.now()
    m = _locked(meeting, "record", expected_version)
    _check_org(user, m.org)
    held_at: dt.datetime = data["held_at"]
    if held_at > now:
        raise ActionError("实际召开时间不能晚于现在；尚未召开的会议请先安排")
    _check_when(m.period_obj, held_at, "实际召开时间")
    minutes = clean_text(data.get("minutes"), 20000)
    if not minutes:
        raise ActionError("请填写会议纪要")
    statuses: dict[int, str] = {int(k): v for k, v in (data.get("attendance") or {}).items()}
    rows = list(m.attendances.all())
    known = {a.person_id for a in rows}
    if set(statuses) - known:
        raise ActionError("出席情况中有不在本次会议参会名单中的人员")
    if any(v not in RECORDED_ATTENDANCE for v in statuses.values()):
        raise ActionError("出席情况只能是出席、请假或缺席")
    missing = [a for a in rows if a.person_id not in statuses]
    if missing:
        raise ActionError(f"还有 {len(missing)} 名参会人员未登记出席情况")
    before = audit.snapshot(m, MEETING_FIELDS)
    before_att = {str(a.person_id): a.status for a in rows}
    for a in rows:
        a.status = statuses[a.person_id]
    Attendance.objects.bulk_update(rows, ["status"], batch_size=1000)
    amend = m.status == MeetingStatus.HELD
    m.status, m.held_at, m.minutes = MeetingStatus.HELD, held_at, minutes
    m.version += 1
    m.save()
    present = sum(1 for a in rows if a.status == AttendanceStatus.PRESENT)
    audit.record(user, "meeting.amend" if amend else "meeting.record", m,
                 before=before | {"attendance": before_att},
                 after=audit.snapshot(m, MEETING_FIELDS) | {
                     "attendance": {str(a.person_id): a.status for a in rows},
                     "present": present, "invited": len(rows),
                     "quorum_met": m.type.quorum_met(present, len(rows))})
    return m


@transaction.atomic
def do_add_attachment(user: Any, meeting: Meeting, upload: Any) -> MeetingAttachment:
    _check_org(user, meeting.org)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ActionError("已取消的会议不能上传附件")
    if meeting.attachments.count() >= MAX_FILES:
        raise ActionError(f"每次会议最多上传 {MAX_FILES} 个附件")
    name, content = clean_attachment(upload)
    att = MeetingAttachment(meeting=meeting, name=name, size=len(content),
                            uploaded_by=user if getattr(user, "pk", None) else None)
    att.file.save(content.name, content, save=True)
    audit.record(user, "meeting.attachment", meeting, after={"attachment": name, "size": att.size})
    return att


# ---------------------------------------------------------------- resolutions (议定事项)


@transaction.atomic
def do_add_resolution(user: Any, meeting: Meeting, data: dict[str, Any], now: dt.datetime | None = None
                      ) -> Resolution:
    """议定事项: text, owner organisation (resolved in the user's scope), optional owner person, due date."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    _check_org(user, meeting.org)
    if meeting.status != MeetingStatus.HELD:
        raise ActionError("会议召开后才能登记议定事项")
    text = clean_text(data.get("text"), 2000)
    if not text:
        raise ActionError("请填写议定事项内容")
    owner_org: Org = data["owner_org"]
    _check_org(user, owner_org)
    owner_person: Person | None = data.get("owner_person")
    due_on: dt.date = data["due_on"]
    if due_on < timezone.localtime(meeting.held_at or now).date():
        raise ActionError("完成时限不能早于会议召开日期")
    r = Resolution.objects.create(meeting=meeting, org_path=meeting.org_path, text=text, owner_org=owner_org,
                                  owner_path=owner_org.path, owner_person=owner_person, due_on=due_on)
    audit.record(user, "meeting.resolution_add", r, after=audit.snapshot(r, RESOLUTION_FIELDS))
    return r


def may_update_resolution(user: Any, r: Resolution) -> bool:
    person_id = getattr(user, "person_id", None)
    return (in_scope(user, Perm.MEETING_CHANGE, r.owner_path) or in_scope(user, Perm.MEETING_CHANGE, r.org_path)
            or (person_id is not None and person_id == r.owner_person_id))


@transaction.atomic
def do_resolution_progress(user: Any, resolution: Resolution, text: str, *, done: bool = False,
                           now: dt.datetime | None = None) -> Resolution:
    """进展 (and, with ``done``, 办结): by the owner, or whoever changes meetings of either organisation."""
    now = now or timezone.now()
    r = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if not may_update_resolution(user, r):
        raise ActionError("您不是该议定事项的责任人，也不管理相关组织的会议")
    if r.status != ResolutionStatus.OPEN:
        raise ActionError("该议定事项已办结，不能再更新")
    text = clean_text(text, 2000)
    if not text:
        raise ActionError("请填写进展情况" if not done else "请填写办结情况")
    before = audit.snapshot(r, RESOLUTION_FIELDS)
    label = user.get_username() if getattr(user, "is_authenticated", False) else "系统"
    ResolutionProgress.objects.create(resolution=r, at=now, text=text, by_label=label)
    if done:
        r.status, r.done_at = ResolutionStatus.DONE, now
        r.save(update_fields=["status", "done_at"])
    audit.record(user, "meeting.resolution_done" if done else "meeting.resolution_progress", r, before=before,
                 after=audit.snapshot(r, RESOLUTION_FIELDS) | {"progress": text})
    return r


# ---------------------------------------------------------------- configuration (root only)


@transaction.atomic
def do_configure_type(user: Any, mtype: MeetingType, data: dict[str, Any], *, add: list[Org] | None = None,
                      remove: list[int] | None = None, now: dt.datetime | None = None) -> MeetingType:
    """Switch a type on or off, for all its organisations or (opt-in) for chosen ones, and set its
    quorum; ``add`` organisations to its selection and ``remove`` (ids) from it. Switching on counts
    periods from today: the periods already begun are not required; so does adding an organisation."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    mt = MeetingType.objects.select_for_update().get(pk=mtype.pk)
    before = audit.snapshot(mt, TYPE_FIELDS)
    num, den = data.get("quorum_num", mt.quorum_num), data.get("quorum_den", mt.quorum_den)
    if not (den >= 1 and 0 <= num <= den):
        raise ActionError("法定人数须为不大于 1 的分数，如 1/2 或 2/3")
    enabled = data.get("enabled", mt.enabled)
    if enabled and not mt.enabled:
        mt.since = today
    mt.enabled, mt.opt_in = enabled, data.get("opt_in", mt.opt_in)
    mt.quorum_num, mt.quorum_den = num, den
    mt.save()
    if add:
        levels = set(mt.levels.values_list("pk", flat=True))
        wrong = [o.name for o in add if o.level_id not in levels]
        if wrong:
            raise ActionError(f"“{mt.name}”不适用于：{'、'.join(wrong[:5])}")
        have = set(mt.opted.filter(org_id__in=[o.pk for o in add]).values_list("org_id", flat=True))
        MeetingTypeOrg.objects.bulk_create([MeetingTypeOrg(type=mt, org_id=o.pk, since=today)
                                            for o in add if o.pk not in have])
    if remove:
        mt.opted.filter(org_id__in=remove).delete()
    after = audit.snapshot(mt, TYPE_FIELDS) | {"orgs_added": sorted(o.pk for o in add or []),
                                               "orgs_removed": sorted(remove or [])}
    audit.record(user, "meeting.type_configure", mt, before=before, after=after, org_path="")
    return mt
