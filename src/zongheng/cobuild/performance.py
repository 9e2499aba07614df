"""Unit performance (驻区单位履职情况) per unit per year, computed from rows, never typed.

Five figures, each with the queryset (or list) of the rows it counts, so a page shows the figure and
opens exactly those rows:

- ``meetings``: council meetings attended — held joint meetings (联席会议, the meetings module) of a council's
  street/community, in the year, at which a person sitting on that council for the unit (a seat in force on
  the day) was recorded present. Counted once per meeting per unit.
- ``on_time``: agreement items of the unit completed in the year on or before their due date.
- ``activities``: joint activities held in the year by the unit's pairings.
- ``problems``: problems solved — the sum of ``problems_solved`` of the unit's items completed in the year.
- ``shared``: resources shared — accepted matches (对接) in the year on the unit's resources.

``unit_performance(units, year)`` runs a fixed number of queries whatever the number of units or rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone

from zongheng.meetings.choices import AttendanceStatus, MeetingStatus
from zongheng.meetings.defaults import JOINT_TYPES
from zongheng.meetings.models import Attendance

from .choices import ItemState
from .models import Activity, AgreementItem, CouncilMember, Match, Unit

FIGURES: dict[str, str] = {
    "meetings": "参加大工委、大党委会议",
    "on_time": "按期完成认领项目",
    "activities": "开展结对共建活动",
    "problems": "解决问题",
    "shared": "共享资源对接",
}
SHORT: dict[str, str] = {"meetings": "参会", "on_time": "按期完成", "activities": "共建活动", "problems": "解决问题",
                         "shared": "资源对接"}
UNITS_OF = {"meetings": "次", "on_time": "项", "activities": "次", "problems": "个", "shared": "次"}


@dataclass
class Performance:
    unit_id: int
    year: int
    meetings: int = 0
    on_time: int = 0
    activities: int = 0
    problems: int = 0
    shared: int = 0

    def figures(self) -> list[tuple[str, str, int]]:
        return [(key, label, getattr(self, key)) for key, label in FIGURES.items()]


@dataclass
class MeetingRow:
    """One council meeting a unit attended, and who was present for it."""

    meeting_id: int
    org_name: str
    type_name: str
    held_at: dt.datetime
    people: list[str] = field(default_factory=list)


def _ids(units: Iterable[Unit] | QuerySet[Unit]) -> list[int]:
    if isinstance(units, QuerySet):
        return list(units.values_list("pk", flat=True))
    return [u.pk for u in units]


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _aware(day: dt.date, end: bool = False) -> dt.datetime:
    t = dt.time.max if end else dt.time.min
    return timezone.make_aware(dt.datetime.combine(day, t))


# ---------------------------------------------------------------- the rows behind each figure


def on_time_items(unit_ids: Any, year: int) -> QuerySet[AgreementItem]:
    first, last = year_bounds(year)
    return AgreementItem.objects.filter(agreement__unit_id__in=unit_ids, state=ItemState.DONE,
                                        completed_on__gte=first, completed_on__lte=last).filter(
                                            completed_on__lte=F("due_on"))


def done_items(unit_ids: Any, year: int) -> QuerySet[AgreementItem]:
    """Items completed in the year (their ``problems_solved`` add up to the problems figure)."""
    first, last = year_bounds(year)
    return AgreementItem.objects.filter(agreement__unit_id__in=unit_ids, state=ItemState.DONE,
                                        completed_on__gte=first, completed_on__lte=last)


def activities(unit_ids: Any, year: int) -> QuerySet[Activity]:
    first, last = year_bounds(year)
    return Activity.objects.filter(pairing__unit_id__in=unit_ids, held_on__gte=first, held_on__lte=last)


def shared_matches(unit_ids: Any, year: int) -> QuerySet[Match]:
    first, last = year_bounds(year)
    return Match.objects.filter(resource__unit_id__in=unit_ids, accepted_at__gte=_aware(first),
                                accepted_at__lte=_aware(last, end=True))


def attended_meetings(unit_ids: Any, year: int) -> dict[int, list[MeetingRow]]:
    """{unit id: the council meetings it attended in the year}. Two queries."""
    first, last = year_bounds(year)
    seats: list[Any] = list(CouncilMember.objects.filter(unit_id__in=unit_ids, person__isnull=False)
                 .values("unit_id", "person_id", "name", "council__org_id", "starts_on", "ends_on"))
    if not seats:
        return {}
    by_person: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for seat in seats:
        by_person[(seat["person_id"], seat["council__org_id"])].append(seat)
    rows = (Attendance.objects.filter(status=AttendanceStatus.PRESENT, person_id__in={s["person_id"] for s in seats},
                                      meeting__status=MeetingStatus.HELD, meeting__type__code__in=JOINT_TYPES,
                                      meeting__org_id__in={s["council__org_id"] for s in seats},
                                      meeting__held_at__gte=_aware(first), meeting__held_at__lte=_aware(last, True))
            .values("person_id", "meeting_id", "meeting__org_id", "meeting__org__name", "meeting__type__name",
                    "meeting__held_at").order_by("meeting__held_at", "meeting_id"))
    out: dict[int, dict[int, MeetingRow]] = defaultdict(dict)
    for row in rows:
        day = timezone.localdate(row["meeting__held_at"])
        for seat in by_person.get((row["person_id"], row["meeting__org_id"]), []):
            if seat["starts_on"] > day or (seat["ends_on"] is not None and seat["ends_on"] < day):
                continue
            meetings = out[seat["unit_id"]]
            m = meetings.get(row["meeting_id"])
            if m is None:
                m = meetings[row["meeting_id"]] = MeetingRow(row["meeting_id"], row["meeting__org__name"],
                                                             row["meeting__type__name"],
                                                             row["meeting__held_at"] or _aware(day))
            if seat["name"] not in m.people:
                m.people.append(seat["name"])
    return {unit_id: list(meetings.values()) for unit_id, meetings in out.items()}


# ---------------------------------------------------------------- the figures


def unit_performance(units: Iterable[Unit] | QuerySet[Unit], year: int) -> dict[int, Performance]:
    """{unit id: Performance} for every unit given; six queries (one more when ``units`` is a queryset)."""
    ids = _ids(units)
    out = {pk: Performance(pk, year) for pk in ids}
    if not ids:
        return out
    # A queryset of units is passed on as a subquery (no list of thousands of ids in the SQL).
    ref: Any = units.values("pk") if isinstance(units, QuerySet) else ids
    for unit_id, meetings in attended_meetings(ref, year).items():
        out[unit_id].meetings = len(meetings)
    for row in on_time_items(ref, year).values("agreement__unit_id").annotate(n=Count("pk")).order_by():
        out[row["agreement__unit_id"]].on_time = row["n"]
    for row in done_items(ref, year).values("agreement__unit_id").annotate(n=Sum("problems_solved")).order_by():
        out[row["agreement__unit_id"]].problems = row["n"] or 0
    for row in activities(ref, year).values("pairing__unit_id").annotate(n=Count("pk")).order_by():
        out[row["pairing__unit_id"]].activities = row["n"]
    for row in shared_matches(ref, year).values("resource__unit_id").annotate(n=Count("pk")).order_by():
        out[row["resource__unit_id"]].shared = row["n"]
    return out


def totals(perfs: Iterable[Performance]) -> dict[str, int]:
    out = dict.fromkeys(FIGURES, 0)
    for p in perfs:
        for key in FIGURES:
            out[key] += getattr(p, key)
    return out


# ---------------------------------------------------------------- the rows, as a page and a sheet show them

ROW_HEADERS: dict[str, list[str]] = {
    "meetings": ["召开时间", "召开组织", "会议", "出席委员"],
    "on_time": ["完成日期", "项目", "类别", "完成时限", "认领书"],
    "activities": ["活动日期", "结对社区", "活动类型", "活动内容", "参加人数", "服务群众人数"],
    "problems": ["完成日期", "项目", "类别", "解决问题数", "完成情况"],
    "shared": ["对接时间", "资源", "需求", "对接数量", "匹配理由"],
}


@dataclass
class Row:
    cells: list[Any]
    meeting_id: int | None = None


def figure_rows(unit_id: int, year: int, key: str, limit: int | None = None) -> list[Row]:
    """The rows one figure of one unit counts (for ``problems``: the items whose problems add up to it)."""
    ids = [unit_id]
    if key == "meetings":
        meetings = attended_meetings(ids, year).get(unit_id, [])
        return [Row([timezone.localtime(m.held_at).strftime("%Y-%m-%d %H:%M"), m.org_name, m.type_name,
                     "、".join(m.people)], meeting_id=m.meeting_id) for m in meetings[:limit]]
    if key in ("on_time", "problems"):
        items = (on_time_items(ids, year) if key == "on_time" else done_items(ids, year))
        items = items.select_related("agreement").order_by("completed_on", "id")
        if key == "on_time":
            return [Row([i.completed_on, i.title, i.get_kind_display(), i.due_on, i.agreement.title])
                    for i in items[:limit]]
        return [Row([i.completed_on, i.title, i.get_kind_display(), i.problems_solved, i.result])
                for i in items[:limit]]
    if key == "activities":
        acts = activities(ids, year).select_related("pairing__org").order_by("held_on", "id")
        return [Row([a.held_on, a.pairing.org.name, a.get_kind_display(), a.content, a.participants,
                     a.residents_reached]) for a in acts[:limit]]
    if key == "shared":
        matches = shared_matches(ids, year).select_related("resource", "need").order_by("accepted_at", "id")
        return [Row([timezone.localtime(m.accepted_at).strftime("%Y-%m-%d %H:%M"), m.resource.title, m.need.title,
                     m.quantity, m.reason]) for m in matches[:limit]]
    raise KeyError(key)
