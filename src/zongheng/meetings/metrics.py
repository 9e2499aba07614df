"""The meetings' figures for 一张网 (纵向联动): registered with ``core.metrics`` from ``hooks.register``.

The module's own definitions are the truth (``indicators.on_time``, ``selectors.compliance``), here written as
SQL so that a dashboard reads each source in one query whatever the number of organisations:

- ``meetings.held`` — meetings recorded as held, held in the period (and by ``now``): 召开会议, and those of
  the joint types (联席会议).
- ``meetings.due`` — the regular organisations that owe meetings in the period, each with how many
  (``meetings_due``): for every enabled type that applies to the organisation (its level; an opt-in type only
  where switched on), every period of the type's cadence that ends inside the period and is over at ``now``,
  not before the type's (and the organisation's opt-in) start date. 应召开 is the sum.
- ``meetings.on_cadence`` — for each of those obligations met, the one meeting that meets it: held (by
  ``now``) before its period's end with quorum (present / invited ≥ the type's fraction), the earliest such
  meeting of its organisation, type and period. 按期召开 counts them; 按期召开率 = 按期召开 / 应召开.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from zongheng.core.metrics import Row, register_metric, register_source
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org

from .choices import AttendanceStatus, Cadence, MeetingStatus
from .defaults import JOINT_TYPES
from .models import Attendance, Meeting, MeetingType, MeetingTypeOrg
from .periods import Period as Term
from .periods import periods_of_year


def terms_due(period: Period, now: dt.datetime) -> dict[str, list[Term]]:
    """Per cadence, its periods (terms) that end inside ``period`` and are over at ``now`` — the terms
    ``indicators.due_in`` counts for a quarter, for any month, quarter or year."""
    return {c.value: [t for t in periods_of_year(c.value, period.year)
                      if period.start_date < t.end <= period.end_date and t.ends_at <= now]
            for c in Cadence}


# ---------------------------------------------------------------- held


def held_in(period: Period, now: dt.datetime) -> QuerySet[Meeting]:
    """Meetings recorded as held, held in the period and by ``now``."""
    return (Meeting.objects.filter(period.q("held_at"), status=MeetingStatus.HELD, held_at__lte=now)
            .select_related("type", "org"))


# ---------------------------------------------------------------- due


def _owed(terms: dict[str, list[Term]]) -> Any:
    """On an opt-in row (``MeetingTypeOrg``, aliased ``_since``: the later of its type's start date and its own):
    how many of its type's cadence's ``terms`` start on or after ``_since`` — one CASE on the cadence, each a CASE
    on ``_since`` against the terms' starts (the earliest first: on or before it, every term is owed)."""
    whens = []
    for cadence, items in terms.items():
        starts = sorted(t.start for t in items)
        if starts:
            owed = Case(*[When(_since__lte=start, then=Value(len(starts) - i)) for i, start in enumerate(starts)],
                        default=Value(0), output_field=IntegerField())
            whens.append(When(type__cadence=cadence, then=owed))
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _total(rows: QuerySet[Any], owed: Any) -> Any:
    """SUM(owed) over ``rows`` as a scalar subquery (0 when none)."""
    total = (rows.annotate(owed=owed).order_by()
             .annotate(total=Func(F("owed"), function="SUM", output_field=IntegerField())).values("total"))
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def orgs_due(period: Period, now: dt.datetime) -> QuerySet[Org]:
    """Regular organisations owing at least one meeting in the period, with ``meetings_due``: how many — over
    the enabled types of their level that apply to all, and the opt-in ones switched on for them.

    A type that applies to all owes the same number to every organisation of its levels, so what a level owes is
    counted here, in Python, from the (few) enabled types and their levels (one query), and each organisation's
    row carries one CASE on its level — no subquery per organisation, and no CASE per cadence term to build
    (together they cost ~190 ms at ten districts). Opt-in rows keep their own start date, so theirs stays a
    subquery, for the cadences of opt-in types only."""
    terms = terms_due(period, now)
    rows = (MeetingType.levels.through.objects.filter(meetingtype__enabled=True)
            .values_list("level_id", "meetingtype__cadence", "meetingtype__since", "meetingtype__opt_in"))
    by_level: dict[int, int] = {}
    opt_cadences: set[str] = set()
    for level_id, cadence, since, opt_in in rows:
        by_level.setdefault(level_id, 0)
        if opt_in:
            opt_cadences.add(cadence)
        else:
            by_level[level_id] += sum(1 for t in terms.get(cadence, []) if since is None or since <= t.start)
    due: Any = Case(*[When(level_id=level, then=Value(n)) for level, n in by_level.items() if n],
                    default=Value(0), output_field=IntegerField())
    if opt_cadences:
        opted = (MeetingTypeOrg.objects.filter(org=OuterRef("pk"), type__enabled=True, type__opt_in=True,
                                               type__levels=OuterRef("level_id"))
                 .alias(_since=Greatest(Coalesce("type__since", Value(dt.date.min)), "since")))
        due = due + _total(opted, _owed({c: items for c, items in terms.items() if c in opt_cadences}))
    return (Org.objects.filter(kind=OrgKind.REGULAR, level_id__in=list(by_level))  # households, units: no type
            .annotate(meetings_due=ExpressionWrapper(due, output_field=IntegerField()))
            .filter(meetings_due__gt=0).select_related("level"))


# ---------------------------------------------------------------- held on cadence


def _count(status: str | None = None) -> Any:
    """The number of attendance rows of the (outer) meeting, of one status or all."""
    rows = Attendance.objects.filter(meeting=OuterRef("pk"))
    if status:
        rows = rows.filter(status=status)
    return Coalesce(Subquery(rows.order_by().values("meeting").annotate(n=Count("pk")).values("n"),
                             output_field=IntegerField()), Value(0))


def with_quorum(qs: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Meetings whose attendance reached their type's quorum: someone invited, present × den ≥ num × invited
    (``MeetingType.quorum_met``)."""
    return (qs.alias(_present=_count(AttendanceStatus.PRESENT), _invited=_count())
            .alias(_present_den=F("_present") * F("type__quorum_den"),
                   _needed=F("type__quorum_num") * F("_invited"))
            .filter(_invited__gt=0, _present_den__gte=F("_needed")))


def on_cadence(period: Period, now: dt.datetime) -> QuerySet[Meeting]:
    """One meeting per obligation of the period met on time: see the module docstring."""
    terms = [(cadence, t) for cadence, items in terms_due(period, now).items() for t in items]
    if not terms:
        return Meeting.objects.none()
    in_term = reduce(or_, (Q(type__cadence=cadence, period=t.key, held_at__lt=t.ends_at)
                           & (Q(type__since__isnull=True) | Q(type__since__lte=t.start)) for cadence, t in terms))
    # The organisation is a regular one of a level the type covers: one primary-key probe per meeting. (As a join
    # of orgs_org the planner, expecting a handful of meetings from the OR of terms, walked every organisation
    # of the levels against each meeting: 2 s for one district at scale 100.)
    org_applies = Exists(Org.objects.filter(
        pk=OuterRef("org_id"), kind=OrgKind.REGULAR,
        level_id__in=MeetingType.levels.through.objects.filter(
            meetingtype_id=OuterRef(OuterRef("type_id"))).values("level_id")))
    switched_on = Exists(MeetingTypeOrg.objects.filter(type_id=OuterRef("type_id"), org_id=OuterRef("org_id"),
                                                       since__lte=OuterRef("period_start")))
    earlier = with_quorum(Meeting.objects.filter(
        type_id=OuterRef("type_id"), org_id=OuterRef("org_id"), period=OuterRef("period"),
        status=MeetingStatus.HELD).filter(
        Q(held_at__lt=OuterRef("held_at")) | Q(held_at=OuterRef("held_at"), pk__lt=OuterRef("pk"))))
    qs = Meeting.objects.filter(in_term, status=MeetingStatus.HELD, held_at__lte=now, type__enabled=True).filter(
        org_applies)
    qs = qs.filter(Q(type__opt_in=False) | switched_on)
    return with_quorum(qs).filter(~Exists(earlier)).select_related("type", "org")


# ---------------------------------------------------------------- rows as shown


def _when(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def _show_held(m: Any) -> Row:
    late = "（补开）" if m.is_makeup else ""
    return Row(str(m), reverse("meetings:detail", args=[m.pk]), f"{_when(m.held_at)} 召开{late}，{m.place}")


def _show_on_cadence(m: Any) -> Row:
    return Row(str(m), reverse("meetings:detail", args=[m.pk]), f"{_when(m.held_at)} 按期召开，{m.place}")


def _show_due(org: Any) -> Row:
    url = f"{reverse('meetings:list')}?{urlencode({'org': org.pk})}"
    return Row(org.name, url, f"{org.level.name}，应召开 {org.meetings_due} 次")


def register() -> None:
    register_source("meetings.held", held_in, path="org_path", perm=Perm.MEETING_VIEW, show=_show_held,
                    dated="held_at", label="会议")
    register_source("meetings.due", orgs_due, path="path", perm=Perm.MEETING_VIEW, show=_show_due,
                    label="应召开会议的组织")
    register_source("meetings.on_cadence", on_cadence, path="org_path", perm=Perm.MEETING_VIEW,
                    show=_show_on_cadence, label="按期召开的会议")
    register_metric("vertical.meetings_held", "vertical", "召开会议", source="meetings.held", unit="次", order=10,
                    help="期间内召开的各类会议（联席会议、三会一课等，以实际召开时间计）")
    register_metric("vertical.joint_meetings", "vertical", "召开联席会议", source="meetings.held", unit="次",
                    order=20, where=Q(type__code__in=JOINT_TYPES),
                    help="期间内召开的区、街道（乡）、社区（村）联席会议")
    register_metric("vertical.meetings_due", "vertical", "应召开会议", source="meetings.due", unit="次",
                    sum_of="meetings_due", order=30,
                    help="按各类会议的召开周期，期间内到期（周期结束）的应召开次数：每个组织、每类会议、每个周期计一次")
    register_metric("vertical.meetings_on_cadence", "vertical", "按期召开", source="meetings.on_cadence",
                    unit="次", order=40,
                    help="应召开的会议中，在周期结束前召开且到会人数达到法定人数的次数（同一周期多次召开只计一次）")
    register_metric("vertical.meetings_on_cadence_rate", "vertical", "会议按期召开率", order=50, headline=True,
                    ratio=("vertical.meetings_on_cadence", "vertical.meetings_due"),
                    help="按期召开 ÷ 应召开，与标准化建设的“会议按期召开率”口径相同")
