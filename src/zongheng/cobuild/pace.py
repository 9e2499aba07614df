"""The pace rule of 结对共建: is a pairing keeping up with its yearly minimum of joint activities?

One function decides, for the pairing pages, the API, the warning rule ``cobuild.pairing_behind_pace``
and the tests alike:

    expected by ``today`` = floor(required_per_year × elapsed days / days in the year)
    behind                = activities held this year (1 January … ``today``) < expected

``elapsed days`` counts the days of the year up to and including ``today`` (1 January is day 1,
31 December is day 365 or 366, so on the last day of the year the whole minimum is expected). A
pairing that began this year counts its days from its start (``starts_on``), so a pairing signed in
October is not behind for the months before it existed; a pairing not yet begun, or already ended
(``ends_on`` before ``today``), is never behind. With the default four a year, the first activity is
expected from the 92nd day (early April), the second from early July, and so on.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

RULE = "cobuild.pairing_behind_pace"


@dataclass(frozen=True)
class Pace:
    """Where a pairing stands on ``today``."""

    required: int  # the yearly minimum
    expected: int  # activities expected by today
    held: int  # activities held this year by today
    behind: bool
    due_on: dt.date | None  # behind: the day the missing activity was expected (it fell behind then)

    @property
    def missing(self) -> int:
        return max(self.expected - self.held, 0)


def year_start(today: dt.date) -> dt.date:
    return dt.date(today.year, 1, 1)


def _first_day(starts_on: dt.date | None, today: dt.date) -> dt.date:
    first = year_start(today)
    return max(first, starts_on) if starts_on else first


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def expected_by(required: int, today: dt.date, starts_on: dt.date | None = None) -> int:
    """floor(required × elapsed days / days in the year), elapsed counted from 1 January (or the start)."""
    first = _first_day(starts_on, today)
    if first > today:
        return 0
    elapsed = (today - first).days + 1
    return required * elapsed // days_in_year(today.year)


def fell_behind_on(required: int, held: int, today: dt.date, starts_on: dt.date | None = None) -> dt.date | None:
    """The first day on which ``held + 1`` activities were expected (None: not expected this year)."""
    if required <= 0:
        return None
    days = days_in_year(today.year)
    elapsed = -(-(held + 1) * days // required)  # ceil
    day = _first_day(starts_on, today) + dt.timedelta(days=elapsed - 1)
    return day if day.year == today.year else None


def pace_of(required: int, held: int, today: dt.date, starts_on: dt.date | None = None,
            ends_on: dt.date | None = None) -> Pace:
    """The rule on plain values (``held``: activities of this year up to ``today``)."""
    running = (starts_on is None or starts_on <= today) and (ends_on is None or ends_on >= today)
    expected = expected_by(required, today, starts_on) if running else 0
    behind = running and held < expected
    return Pace(required, expected, held, behind, fell_behind_on(required, held, today, starts_on) if behind else None)


def held_q(today: dt.date, prefix: str = "activities__") -> Q:
    """The activities that count on ``today``: held this year, not after today."""
    return Q(**{f"{prefix}held_on__gte": year_start(today), f"{prefix}held_on__lte": today})


def with_held(qs: Any, today: dt.date) -> Any:
    """Pairings annotated with ``held_this_year`` (one query with the rows, whatever their number)."""
    return qs.annotate(held_this_year=Count("activities", filter=held_q(today), distinct=True))


def pace(pairing: Any, today: dt.date) -> Pace:
    """结对进度 of one pairing on ``today`` (uses ``held_this_year`` when the row was annotated with it)."""
    held = getattr(pairing, "held_this_year", None)
    if held is None:
        held = pairing.activities.filter(held_on__gte=year_start(today), held_on__lte=today).count()
    return pace_of(pairing.required_per_year, held, today, pairing.starts_on, pairing.ends_on)


def paces(pairings: Iterable[Any], today: dt.date) -> dict[int, Pace]:
    """{pairing pk: Pace} for rows annotated by ``with_held``."""
    return {p.pk: pace(p, today) for p in pairings}


# ---------------------------------------------------------------- the warning rule (core.warnings)


def _midnight(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def find_behind(now: dt.datetime) -> list[Any]:
    """``cobuild.pairing_behind_pace``: every running pairing behind pace on ``now``'s day gives one Due for
    the community side (its ``org_path``) and, for a unit partner, one for the unit side (the unit's node),
    with distinct keys; the street above sees both through its subtree. Addressed to the community's
    secretary and the unit's liaison where they exist. Three queries whatever the number of pairings."""
    from django.urls import reverse
    from django.utils import timezone

    from zongheng.core.permissions import Role
    from zongheng.core.warnings import Due
    from zongheng.orgs.models import Post

    from .choices import PartnerKind
    from .models import Pairing

    today = timezone.localtime(now).date()
    running = Pairing.objects.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    rows = list(with_held(running, today).values(
        "pk", "org_id", "org_path", "org__name", "unit_path", "unit__name", "unit__org_id", "partner_kind",
        "partner_name", "partner_region", "required_per_year", "starts_on", "ends_on", "held_this_year"))
    behind = []
    for r in rows:
        p = pace_of(r["required_per_year"], r["held_this_year"], today, r["starts_on"], r["ends_on"])
        if p.behind:
            behind.append((r, p))
    if not behind:
        return []
    org_ids = {r["org_id"] for r, _ in behind}
    node_ids = {r["unit__org_id"] for r, _ in behind if r["unit__org_id"]}
    people: dict[tuple[str, int], int] = {}
    for role, org_id, person_id in (Post.objects.active(today)
                                    .filter(Q(role=Role.SECRETARY, org_id__in=org_ids)
                                            | Q(role=Role.LIAISON, org_id__in=node_ids))
                                    .order_by("starts_on", "id").values_list("role", "org_id", "person_id")):
        people.setdefault((role, org_id), person_id)
    out = []
    for r, p in behind:
        unit = r["partner_kind"] == PartnerKind.UNIT and r["unit_path"]
        partner = r["unit__name"] if unit else f"{r['partner_region']}{r['partner_name']}"
        title = (f"{r['org__name']}与{partner}结对共建活动落后于进度：今年已开展 {p.held} 次，"
                 f"按进度应已开展 {p.expected} 次（全年至少 {p.required} 次）")
        url = reverse("cobuild:pairing", args=[r["pk"]])
        due_at = _midnight(p.due_on or today)
        out.append(Due(key=f"{r['pk']}:org", org_path=r["org_path"], org_name=r["org__name"], title=title, url=url,
                       due_at=due_at, person_id=people.get((Role.SECRETARY, r["org_id"]))))
        if unit:
            out.append(Due(key=f"{r['pk']}:unit", org_path=r["unit_path"], org_name=r["unit__name"], title=title,
                           url=url, due_at=due_at, person_id=people.get((Role.LIAISON, r["unit__org_id"]))))
    return out
