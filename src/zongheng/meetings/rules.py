"""Warning rules, to-do items and figures of the meetings module (registered in ``hooks.py``).

Set-based: a few queries per meeting type for all organisations, never one per organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import post_org, scope_paths
from zongheng.core.permissions import Perm, Role
from zongheng.core.todo import Figure, Todo
from zongheng.core.warnings import Due
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Post

from .choices import AttendanceStatus, MeetingStatus, ResolutionStatus
from .models import Attendance, MeetingType, MeetingTypeOrg, Resolution
from .periods import Period, due_periods, local_midnight, period_of
from .selectors import compliance, compliance_counts, held_meetings, runs_in

NOT_HELD = "meeting.not_held"
RESOLUTION_OVERDUE = "meeting.resolution_overdue"
CODES = (NOT_HELD, RESOLUTION_OVERDUE)


def schedule_url(mtype: MeetingType, org_id: int, period: Period) -> str:
    return f"{reverse('meetings:new')}?{urlencode({'type': mtype.code, 'org': org_id, 'period': period.key})}"


def _secretaries(org_ids: set[int], today: dt.date) -> dict[int, int]:
    rows = (Post.objects.active(today).filter(role=Role.SECRETARY, org_id__in=org_ids)
            .order_by("starts_on", "id").values_list("org_id", "person_id"))
    out: dict[int, int] = {}
    for org_id, person_id in rows:
        out.setdefault(org_id, person_id)
    return out


def find_not_held(now: dt.datetime) -> Iterator[Due]:
    """Each enabled type, each organisation it applies to, each period (this year's ended ones and the
    last one of last year) without a meeting held with quorum: one Due, due at the period's end."""
    today = timezone.localtime(now).date()
    for mtype in MeetingType.objects.filter(enabled=True).order_by("id"):
        periods = [p for p in due_periods(mtype.cadence, now) if not mtype.since or mtype.since <= p.start]
        if not periods:
            continue
        orgs = Org.objects.filter(level__in=mtype.levels.values("pk"), kind=OrgKind.REGULAR)
        since: dict[int, dt.date] = {}
        if mtype.opt_in:
            since = dict(MeetingTypeOrg.objects.filter(type=mtype).values_list("org_id", "since"))
            orgs = orgs.filter(pk__in=list(since))
        org_rows = list(orgs.values_list("pk", "path", "name"))
        if not org_rows:
            continue
        held = {(m["org_id"], m["period"]) for m in held_meetings(mtype, [p.key for p in periods], until=now)
                if mtype.quorum_met(m["present"], m["invited"])}
        missing = [(org, p) for org in org_rows for p in periods
                   if (org[0], p.key) not in held and (not mtype.opt_in or since[org[0]] <= p.start)]
        secretaries = _secretaries({org[0] for org, _ in missing}, today)
        for (pk, path, name), p in missing:
            yield Due(key=f"{mtype.code}:{pk}:{p.key}", org_path=path, org_name=name,
                      title=f"{name} {p.label}{mtype.name}未召开", url=schedule_url(mtype, pk, p),
                      due_at=p.ends_at, person_id=secretaries.get(pk))


def find_resolution_overdue(now: dt.datetime) -> Iterator[Due]:
    today = timezone.localtime(now).date()
    # Open now: still open, or done only after ``now`` (a replay of the past sees the state of then).
    rows = (Resolution.objects.filter(Q(status=ResolutionStatus.OPEN) | Q(done_at__gt=now), due_on__lt=today,
                                      meeting__held_at__lte=now)
            .values_list("pk", "text", "owner_path", "owner_org__name", "owner_person_id", "due_on"))
    for pk, text, path, name, person_id, due_on in rows.iterator(chunk_size=2000):
        yield Due(key=str(pk), org_path=path, org_name=name, title=f"议定事项逾期未办结：{text[:60]}",
                  url=reverse("meetings:resolution", args=[pk]),
                  due_at=local_midnight(due_on + dt.timedelta(days=1)), person_id=person_id)


# ---------------------------------------------------------------- to-do (我的待办)


def _own_orgs(user: Any) -> list[Org]:
    """The organisations where the user holds meeting.change directly (their posts), not every one below: known
    from the posts (``post_org``), no query; a superuser's roots are read."""
    paths = scope_paths(user, Perm.MEETING_CHANGE)
    known = [post_org(user, path) for path in paths]
    if None in known:
        orgs = Org.objects.filter(path__in=paths, kind=OrgKind.REGULAR)
        return list(orgs.only("pk", "path", "name", "level_id")[:20])
    return [Org(pk=o.pk, path=o.path, name=o.name, level_id=o.level_id, kind=o.kind)
            for o in known if o is not None and o.kind == OrgKind.REGULAR][:20]


def todos(user: Any, now: dt.datetime) -> list[Todo]:
    items: list[Todo] = []
    if not (user and user.is_authenticated):
        return items
    today = timezone.localtime(now).date()
    orgs = _own_orgs(user)
    if orgs:
        level_ids = {o.level_id for o in orgs}
        # The enabled types of the user's levels, with which of those levels each covers: one query.
        types: dict[int, tuple[MeetingType, set[int]]] = {}
        for link in (MeetingType.levels.through.objects.filter(meetingtype__enabled=True, level_id__in=level_ids)
                     .select_related("meetingtype").order_by("meetingtype__order", "meetingtype_id")):
            types.setdefault(link.meetingtype_id, (link.meetingtype, set()))[1].add(link.level_id)
        for mtype, type_levels in types.values():
            period = period_of(mtype.cadence, today)
            mine = [o for o in orgs if o.level_id in type_levels]
            # Regular organisations of the type's levels (``_own_orgs``): each one must hold an enabled type
            # that runs in the period — only an opt-in type asks which organisations it was switched on for.
            required = None if mtype.opt_in else ([o.pk for o in mine] if runs_in(mtype, period) else [])
            for org_id, cell in compliance(mtype, period, mine, now, required=required).items():
                if cell.status == "pending":
                    org = next(o for o in mine if o.pk == org_id)
                    url = (reverse("meetings:detail", args=[cell.scheduled_id]) if cell.scheduled_id
                           else schedule_url(mtype, org_id, period))
                    items.append(Todo(f"{period.word}会议待召开", f"{org.name} {period.word}{mtype.name}待召开",
                                      url, period.ends_at))
    person_id = getattr(user, "person_id", None)
    if person_id:
        rows = (Resolution.objects.filter(status=ResolutionStatus.OPEN)
                .filter(Q(owner_person_id=person_id) | Q(owner_path__in=[o.path for o in orgs]))
                .order_by("due_on", "id").values_list("pk", "text", "due_on")[:20])
        for pk, text, due_on in rows:
            items.append(Todo("议定事项待办结", text[:60], reverse("meetings:resolution", args=[pk]),
                              local_midnight(due_on + dt.timedelta(days=1))))
        invited = (Attendance.objects.filter(person_id=person_id, meeting__status=MeetingStatus.SCHEDULED,
                                             meeting__scheduled_at__gte=now,
                                             meeting__scheduled_at__lt=now + dt.timedelta(days=7))
                   .order_by("meeting__scheduled_at")
                   .values_list("meeting_id", "meeting__scheduled_at", "meeting__org__name", "meeting__type__name",
                                "meeting__place")[:10])
        for meeting_id, scheduled_at, org_name, type_name, place in invited:
            when = timezone.localtime(scheduled_at).strftime("%m月%d日 %H:%M")
            items.append(Todo("待参加会议", f"{when} {org_name}{type_name}（{place}）",
                              reverse("meetings:detail", args=[meeting_id]), scheduled_at))
    return items


def figures(user: Any, now: dt.datetime) -> list[Figure]:
    """本期会议召开率 per joint-meeting type in the user's scope (the last ended period), and overdue
    resolutions; each links to its rows."""
    paths = scope_paths(user, Perm.MEETING_VIEW)
    if not paths:
        return []
    out: list[Figure] = []
    scope = Org.objects.filter(path__in=paths)
    orgs_in_scope = Org.objects.restrict(user, Perm.MEETING_VIEW)
    top_level_ranks = [o.level.rank for o in scope.select_related("level")]
    top_rank = min(top_level_ranks) if top_level_ranks else 0
    for mtype in MeetingType.objects.filter(enabled=True, opt_in=False).prefetch_related(
            "levels").order_by("order")[:4]:
        if not any(lv.rank >= top_rank for lv in mtype.levels.all()):
            continue
        period = period_of(mtype.cadence, timezone.localtime(now).date()).previous()
        counts = compliance_counts(mtype, period, orgs_in_scope, now)
        required = counts["on_time"] + counts["late"] + counts["not_held"]
        if not required:
            continue
        held = counts["on_time"] + counts["late"]
        url = f"{reverse('meetings:compliance')}?{urlencode({'type': mtype.code, 'period': period.key})}"
        out.append(Figure(f"{period.label}{mtype.name}召开率", f"{held}/{required}", url,
                          note=f"按期 {counts['on_time']}，补开 {counts['late']}"))
    today = timezone.localtime(now).date()
    overdue = Resolution.objects.restrict(user).overdue(today).count()
    out.append(Figure("逾期议定事项", overdue, f"{reverse('meetings:resolutions')}?state=overdue"))
    return out


def present_count_q() -> Q:
    return Q(attendances__status=AttendanceStatus.PRESENT)
