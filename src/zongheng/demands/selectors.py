"""Every read of demands: querysets that start from the user's scope.

The staff workbench (queue, export, detail) reads through these; the figures module may
append its own selectors below.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from zongheng.core.access import in_q, path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.core.todo import span
from zongheng.orgs.models import Level, Org, Post

from .choices import OPEN_STATUSES, Channel, Status
from .models import Category, Demand, DemandFollower, ListeningSession, Notification, Station

# ---------------------------------------------------------------- periods (Asia/Shanghai)

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{1,2})|[Qq](?P<quarter>[1-4])))?$")


def period_bounds(value: str) -> tuple[dt.datetime, dt.datetime] | None:
    """``2018`` / ``2018-Q1`` / ``2018-03`` → [start, end) in Asia/Shanghai; None if not a period."""
    m = _PERIOD.match((value or "").strip())
    if not m:
        return None
    year = int(m["year"])
    if not 1900 < year < 2200:
        return None
    if m["month"]:
        month = int(m["month"])
        if not 1 <= month <= 12:
            return None
        first, months = month, 1
    elif m["quarter"]:
        first, months = (int(m["quarter"]) - 1) * 3 + 1, 3
    else:
        first, months = 1, 12
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime(year, first, 1, tzinfo=tz)
    end_month = first + months
    end = dt.datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=tz)
    return start, end


# ---------------------------------------------------------------- the queue


def overdue_q(now: dt.datetime) -> Q:
    """Open demands whose current deadline (response until accepted, then resolution) has passed."""
    return (
        Q(status__in=[Status.RECEIVED, Status.ASSIGNED], response_due_at__lt=now)
        | Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS], resolution_due_at__lt=now)
    )


def demands_in_scope(user: Any, perm: str = Perm.DEMAND_VIEW) -> QuerySet[Demand]:
    return Demand.objects.restrict(user, perm)


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's notices about demands they may open now (``DEMAND_VIEW`` in scope of the demand).

    Notices are created only for such users (``actions._holders``); this filter also hides
    notices of demands that have since left the user's scope, and is what the list and the
    navigation badge count.
    """
    # The scope is tested on the demands of the user's own notices only (``= ANY(ARRAY(…))`` twice, computed
    # once each): written as ``demand_id IN (the scope's demands)``, or as a join, PostgreSQL guessed a
    # community's 542 unread notices at 111 and walked all 100,000 demands by key to match them — 41 ms on
    # the header of every page (issue 14).
    mine = Notification.objects.filter(user=user).values("demand_id")
    visible = Demand.objects.restrict(user, Perm.DEMAND_VIEW).filter(in_q("pk", mine)).values("pk")
    return Notification.objects.filter(in_q("demand_id", visible), user=user)


def my_org_ids(user: Any) -> QuerySet[Any]:
    """Orgs where the user holds an active post (a subquery, no extra round trip)."""
    return Post.objects.active().filter(person_id=user.person_id).values("org_id")


def grids_in_scope(user: Any, perm: str = Perm.DEMAND_VIEW) -> QuerySet[Org]:
    return Org.objects.restrict(user, perm).filter(level__code__in=settings.DEMAND_GRID_LEVELS)


_ID = re.compile(r"[0-9]{1,18}")
_CODE = re.compile(r"[A-Za-z0-9_-]{6,64}")


def filter_demands(qs: QuerySet[Demand], user: Any, params: Any, *, now: dt.datetime | None = None
                   ) -> QuerySet[Demand]:
    """Apply the queue's filters from a QueryDict-like ``params``; unknown values are ignored."""
    now = now or timezone.now()
    status = params.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    elif status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    category = params.get("category", "")
    if _ID.fullmatch(category):
        qs = qs.filter(category_id=int(category))
    if params.get("overdue") == "1":
        qs = qs.filter(overdue_q(now))
    channel = params.get("channel", "")
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    bounds = period_bounds(params.get("period", ""))
    if bounds:
        qs = qs.filter(received_at__gte=bounds[0], received_at__lt=bounds[1])
    grid = params.get("grid", "")
    if grid == "none":  # residents who did not know their grid, Open311 requests no place resolved
        qs = qs.exclude(grid__level__code__in=settings.DEMAND_GRID_LEVELS)
    elif _ID.fullmatch(grid):
        # Only a grid in the user's scope filters; another grid's id matches nothing.
        qs = qs.filter(grid_id=int(grid), grid__in=grids_in_scope(user))
    if params.get("holder") == "mine":
        qs = qs.filter(org_id__in=my_org_ids(user))
    q = (params.get("q") or "").strip()
    if q:
        match = Q(ref__iexact=q) | Q(description__icontains=q) | Q(address__icontains=q)
        from .codes import PREFIX, partial

        typed = partial(q)
        if typed:  # a resident reads out their tracking code (K7MP-4XQ2-…): its first 4 characters find it
            followed = DemandFollower.objects.filter(code_prefix=typed[:PREFIX]).values("demand_id")
            match |= Q(code_prefix=typed[:PREFIX]) | Q(pk__in=followed)
        elif _CODE.fullmatch(q):  # a code of the older format: its first 6 characters
            followed = DemandFollower.objects.filter(code_prefix=q[:6]).values("demand_id")
            match |= Q(code_prefix=q[:6]) | Q(pk__in=followed)
        qs = qs.filter(match)
    return qs


def queue(user: Any, params: Any, *, now: dt.datetime | None = None) -> QuerySet[Demand]:
    """The workbench queue: demands in the user's scope, filtered, oldest deadline first for open ones."""
    qs = filter_demands(demands_in_scope(user), user, params, now=now)
    return qs.select_related("category", "grid", "org").order_by("-received_at", "-id")


def categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True).order_by("order", "id")


# ---------------------------------------------------------------- countdown


def countdown(demand: Demand, now: dt.datetime | None = None) -> str:
    """“剩余 3 小时” / “已超时 2 天” for an open demand's current deadline; empty once it is answered."""
    if not demand.is_open:
        return ""
    now = now or timezone.now()
    due = demand.current_due_at
    if due >= now:
        return f"剩余 {span(due - now)}"
    return f"已超时 {span(now - due)}"


# ---------------------------------------------------------------- stations and listening sessions


def stations_in_scope(user: Any, perm: str = Perm.DEMAND_ENTER) -> QuerySet[Station]:
    return Station.objects.filter(path_q("org__path", scope_paths(user, perm))).select_related("org")


def sessions_in_scope(user: Any, perm: str = Perm.DEMAND_ENTER) -> QuerySet[ListeningSession]:
    return ListeningSession.objects.filter(path_q("org__path", scope_paths(user, perm))).select_related("org")


def entry_grids(user: Any) -> QuerySet[Org]:
    """Grids a user may enter demands for: grids in their entry scope, and the grids above it
    (a central household's head enters demands for their own grid)."""
    paths = scope_paths(user, Perm.DEMAND_ENTER)
    above = {p[:i] for p in paths for i in range(Org.steplen, len(p), Org.steplen)}
    return (
        Org.objects.filter(level__code__in=settings.DEMAND_GRID_LEVELS)
        .filter(path_q("path", paths) | Q(path__in=above))
        .order_by("path")
    )


def dispatch_targets(user: Any) -> QuerySet[Org]:
    """Orgs a user may assign demands to (dispatch scope, central households left out)."""
    return Org.objects.restrict(user, Perm.DEMAND_DISPATCH).exclude(level__code="household").order_by("path")


def whistle_targets(demand: Demand) -> QuerySet[Org]:
    """Orgs that may be summoned: in the demand's district, street/community level or below (not households).

    Stationed units (一横) are included: their nodes (level ``unit``, rank 45) sit below streets and
    communities; their liaisons handle what is summoned (tests/cobuild/test_demands_units.py).
    """
    prefixes = [demand.grid_path[:i] for i in range(Org.steplen, len(demand.grid_path) + 1, Org.steplen)]
    anchors = list(Org.objects.filter(path__in=prefixes).select_related("level").order_by("depth"))
    base = next((o for o in anchors if o.level.code == "district"), anchors[0] if anchors else None)
    if base is None:
        return Org.objects.none()
    street_rank = Level.objects.filter(code="street").values("rank")[:1]
    return (
        Org.objects.filter(path__startswith=base.path, level__rank__gte=Subquery(street_rank))
        .exclude(level__code="household")
        .order_by("path")
    )


# ---------------------------------------------------------------- the searchable picker (issue 13, item 10)

def grid_anchors(demand: Demand) -> list[str]:
    """The demand grid's ancestors below the root (its community and street): first in a picker."""
    step = Org.steplen
    return [demand.grid_path[:i] for i in range(2 * step, len(demand.grid_path), step)]


# ---------------------------------------------------------------- counts of large scopes (issue 14, item 4)

COUNT_CAP = 10_000  # rows: a list counts exactly up to this many and says "超过" above it


def capped_count(qs: QuerySet[Any]) -> tuple[int, bool]:
    """(count, capped): the exact count up to ``COUNT_CAP`` rows; above it ``(COUNT_CAP, True)``.

    One query whatever the size (``COUNT(*)`` over ``LIMIT COUNT_CAP + 1``), so a page's query count does not
    change with the data and a city-wide scope reads at most ``COUNT_CAP + 1`` rows; it never shows a guess. (A
    planner estimate was tried first: one EXPLAIN, but a second query below the threshold, and a scope ORed with
    a subquery was estimated at six times its size.)"""
    n = qs.order_by().values("pk")[:COUNT_CAP + 1].count()
    return (COUNT_CAP, True) if n > COUNT_CAP else (n, False)
