"""Reads of the meetings module: applicability, invitees and compliance (one function for the
pages, the API, the warning rule, the figures and the tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zongheng.core.permissions import Perm, Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Person, Post

from .choices import AttendanceStatus, Compliance, MeetingStatus, ResolutionStatus
from .models import Meeting, MeetingType, MeetingTypeOrg, Resolution
from .periods import Period

# Who sits on an organisation's council (班子): every post held in it but the household head's and the
# auditor's — a grid's 网格长 leads its branch.
COUNCIL_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.COMMITTEE_MEMBER, Role.SECRETARY_ASSISTANT, Role.ORG_DEPT,
                 Role.GRID_LEADER)
ROLE_NAMES = dict(Role.choices)


def applicable_orgs(mtype: MeetingType, orgs: QuerySet[Org] | None = None,
                    period: Period | None = None) -> QuerySet[Org]:
    """The regular organisations of the type's levels (and, for an opt-in type, those switched on),
    that must hold it — in ``period`` when given (switched on before the period began)."""
    qs = (orgs if orgs is not None else Org.objects.all()).filter(
        level__in=mtype.levels.values("pk"), kind=OrgKind.REGULAR)
    if mtype.opt_in:
        opted = MeetingTypeOrg.objects.filter(type=mtype)
        if period is not None:
            opted = opted.filter(since__lte=period.start)
        qs = qs.filter(pk__in=opted.values("org_id"))
    if period is not None and not runs_in(mtype, period):
        return qs.none()
    return qs


def runs_in(mtype: MeetingType, period: Period) -> bool:
    """Whether the type asks anything of the period: switched on, and the period not before its ``since``."""
    return mtype.enabled and not (mtype.since and mtype.since > period.start)


def applies_to(mtype: MeetingType, org: Org) -> bool:
    return applicable_orgs(mtype, Org.objects.filter(pk=org.pk)).exists()


def types_for(org: Org) -> QuerySet[MeetingType]:
    """Enabled types that apply to ``org`` (its level; for opt-in types, switched on for it)."""
    if org.kind != OrgKind.REGULAR:
        return MeetingType.objects.none()
    return (MeetingType.objects.filter(enabled=True, levels=org.level_id)
            .filter(Q(opt_in=False) | Q(opted__org=org)).distinct().order_by("order", "id"))


def invitees(mtype: MeetingType, org: Org, today: dt.date) -> list[tuple[int, str]]:
    """(person id, role label) of who attends, from the type's attendee rule; each person once."""
    out: dict[int, str] = {}
    posts = Post.objects.active(today)
    if mtype.invite_council:
        for pid, role in posts.filter(org=org, role__in=COUNCIL_ROLES).values_list("person_id", "role"):
            out.setdefault(pid, ROLE_NAMES.get(role, ""))
    if mtype.invite_child_secretaries:
        rows = posts.filter(role=Role.SECRETARY, org__path__startswith=org.path, org__depth=org.depth + 1)
        for pid, name in rows.values_list("person_id", "org__name"):
            out.setdefault(pid, f"{name}书记"[:40])
    if mtype.invite_grid_secretaries:
        rows = posts.filter(role__in=(Role.SECRETARY, Role.GRID_LEADER), org__path__startswith=org.path,
                            org__level__code="grid").exclude(org=org)
        for pid, name, role in rows.values_list("person_id", "org__name", "role"):
            out.setdefault(pid, f"{name}{ROLE_NAMES.get(role, '')}"[:40])
    if mtype.invite_members:
        for pid in Person.objects.filter(org_path__startswith=org.path, is_party_member=True).values_list(
                "pk", flat=True):
            out.setdefault(pid, "党员")
    return list(out.items())


@dataclass(frozen=True)
class Cell:
    """One organisation's standing for a type and period."""

    org_id: int
    status: str
    meeting_id: int | None = None
    held_at: dt.datetime | None = None
    scheduled_id: int | None = None  # a meeting scheduled (not yet held) for the period

    @property
    def label(self) -> str:
        return Compliance(self.status).label

    @property
    def counts_as_held(self) -> bool:
        return self.status in (Compliance.ON_TIME, Compliance.LATE)


def held_meetings(mtype: MeetingType, periods: Iterable[str], org_ids: Iterable[int] | None = None,
                  until: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Held meetings of the type in the periods (held by ``until`` when given), with present and
    invited counts (one query)."""
    qs = Meeting.objects.filter(type=mtype, period__in=list(periods), status=MeetingStatus.HELD)
    if until is not None:
        qs = qs.filter(held_at__lte=until)
    if org_ids is not None:
        qs = qs.filter(org_id__in=list(org_ids))
    return list(with_attendance(qs).values("id", "org_id", "period", "held_at", "period_end", "present", "invited"))


def with_attendance(qs: QuerySet[Meeting]) -> Any:  # annotated: the stubs cannot type values() of it
    """Meetings with ``present`` and ``invited``: the attendance counts their type's quorum is judged on."""
    return qs.annotate(present=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT)),
                       invited=Count("attendances"))


def compliance(mtype: MeetingType, period: Period, orgs: Iterable[Org] | QuerySet[Org],
               now: dt.datetime | None = None, *, required: Iterable[int] | None = None) -> dict[int, Cell]:
    """For each organisation: held on time, held late (补开), not held, pending (period not over), or
    not required. A meeting counts as held only when it was recorded as held (at or before ``now``)
    and reached its quorum (present / invited ≥ the type's quorum); one held below quorum is shown
    but does not count.

    ``required``: the ids among ``orgs`` that must hold the type in the period, when the caller already
    knows them (it chose ``orgs`` with ``applicable_orgs(mtype, …, period)``); else they are read here.
    Three queries whatever the number of organisations (one when ``orgs`` is a list and ``required``
    is given): the organisations, which of them are required, their held and scheduled meetings."""
    now = now or timezone.now()
    org_list = list(orgs)
    ids = [o.pk for o in org_list]
    if required is None:
        required = set(applicable_orgs(mtype, Org.objects.filter(pk__in=ids), period).values_list("pk", flat=True))
    else:
        required = set(required)
    best: dict[int, tuple[int, int, dt.datetime]] = {}  # org → (rank, id, held_at); rank 0 on time, 1 late
    scheduled: dict[int, int] = {}  # org → its last scheduled (not yet held) meeting of the period
    rows = (with_attendance(Meeting.objects.filter(type=mtype, period=period.key, org_id__in=ids,
                                                   status__in=(MeetingStatus.HELD, MeetingStatus.SCHEDULED)))
            .order_by("scheduled_at", "id")
            .values_list("id", "org_id", "status", "held_at", "present", "invited"))
    for mid, org_id, status, held_at, present, invited in rows:
        if status == MeetingStatus.SCHEDULED:
            scheduled[org_id] = mid
            continue
        if held_at is None or held_at > now or not mtype.quorum_met(present, invited):
            continue  # held only after ``now`` (a replay of the past), or below quorum: not counted
        rank = 0 if held_at < period.ends_at else 1
        cur = best.get(org_id)
        if cur is None or (rank, held_at) < (cur[0], cur[2]):
            best[org_id] = (rank, mid, held_at)
    out: dict[int, Cell] = {}
    for org_id in ids:
        if org_id in best:
            rank, mid, held_at = best[org_id]
            out[org_id] = Cell(org_id, Compliance.LATE if rank else Compliance.ON_TIME, mid, held_at)
        elif org_id not in required:
            out[org_id] = Cell(org_id, Compliance.NOT_REQUIRED, scheduled_id=scheduled.get(org_id))
        elif period.ends_at <= now:
            out[org_id] = Cell(org_id, Compliance.NOT_HELD, scheduled_id=scheduled.get(org_id))
        else:
            out[org_id] = Cell(org_id, Compliance.PENDING, scheduled_id=scheduled.get(org_id))
    return out


def compliance_counts(mtype: MeetingType, period: Period, orgs: QuerySet[Org],
                      now: dt.datetime | None = None) -> dict[str, int]:
    """{status: organisations} over the required organisations of ``orgs`` (for figures)."""
    required = list(applicable_orgs(mtype, orgs, period).only("pk"))
    counts = {c.value: 0 for c in Compliance}
    for cell in compliance(mtype, period, required, now, required=[o.pk for o in required]).values():
        counts[cell.status] += 1
    return counts


# ---------------------------------------------------------------- lists


def meetings_in_scope(user: Any, perm: str = Perm.MEETING_VIEW) -> QuerySet[Meeting]:
    return Meeting.objects.restrict(user, perm).select_related("type", "org")


def meeting_list(user: Any, params: Any) -> QuerySet[Meeting]:
    """The meetings list with its filters (type code, status, period, org subtree, text)."""
    qs = meetings_in_scope(user)
    if code := (params.get("type") or "").strip()[:32]:
        qs = qs.filter(type__code=code)
    if status := (params.get("status") or "").strip():
        qs = qs.filter(status=status) if status in MeetingStatus.values else qs.none()
    if period := (params.get("period") or "").strip()[:10]:
        qs = qs.filter(period=period)
    if org := (params.get("org") or "").strip():
        valid = org.isdigit() and len(org) <= 18
        path = Org.objects.filter(pk=int(org)).values_list("path", flat=True).first() if valid else None
        qs = qs.filter(org_path__startswith=path) if path else qs.none()
    if q := (params.get("q") or "").strip()[:50]:
        qs = qs.filter(Q(org__name__contains=q) | Q(place__contains=q) | Q(agenda__contains=q))
    return qs.order_by("-scheduled_at", "-id")


def resolutions_in_scope(user: Any, perm: str = Perm.MEETING_VIEW) -> QuerySet[Resolution]:
    return Resolution.objects.restrict(user, perm).select_related("meeting__type", "meeting__org", "owner_org",
                                                                  "owner_person")


def resolution_list(user: Any, params: Any, today: dt.date) -> QuerySet[Resolution]:
    qs = resolutions_in_scope(user)
    state = (params.get("state") or "").strip()
    if state == "open":
        qs = qs.filter(status=ResolutionStatus.OPEN)
    elif state == "overdue":
        qs = qs.filter(status=ResolutionStatus.OPEN, due_on__lt=today)
    elif state == "done":
        qs = qs.filter(status=ResolutionStatus.DONE)
    if q := (params.get("q") or "").strip()[:50]:
        qs = qs.filter(Q(text__contains=q) | Q(owner_org__name__contains=q))
    return qs.order_by("status", "due_on", "id")
