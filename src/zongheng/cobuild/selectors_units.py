"""Every read of 一横's units part, starting from the user's scope (out of scope → 404, no right → 403).

The unit page (a liaison's landing page) and the council page each run a fixed number of queries,
whatever the number of items, pairings, members or meetings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from zongheng.core.access import has_perm, in_scope, path_q, post_org, require, scope_paths
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Org, Post
from zongheng.orgs.resolve import as_pk

from .choices import ItemState
from .models import UNIT_LEVEL, Agreement, AgreementItem, Council, CouncilMember, Pairing, Resource, Unit
from .resolve import SIDE_LEVELS, side_org_choices

LIST_LIMIT = 50  # rows of each section of the unit and council pages (each links to its full list)


def units_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Unit]:
    return Unit.objects.restrict(user, perm).select_related("org", "place")


def place_filter(user: Any, value: Any) -> Org | None:
    """The street/community a list is filtered by: among the ones in the user's view scope, else None."""
    pk = as_pk(value)
    if pk is None:
        return None
    return side_org_choices(user, Perm.COBUILD_VIEW).filter(pk=pk).first()


def unit_list(user: Any, params: Mapping[str, Any]) -> QuerySet[Unit]:
    """Units in scope, filtered by street/community (``place``: the units below it), words of the name,
    type and level."""
    qs = units_in_scope(user)
    place = place_filter(user, params.get("place"))
    if place is not None:
        qs = qs.filter(org_path__startswith=place.path)
    q = str(params.get("q") or "").strip()[:50]
    for word in q.split()[:5]:
        qs = qs.filter(name__icontains=word)
    if params.get("type"):
        qs = qs.filter(type=params["type"])
    if params.get("level"):
        qs = qs.filter(level=params["level"])
    return qs.order_by("org_path")


def unit_for(user: Any, pk: int, perm: str = Perm.COBUILD_VIEW) -> Unit:
    unit = units_in_scope(user, perm).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def only_unit_of(user: Any) -> Unit | None:
    """The unit whose liaison the user is, when their only cobuild scope is that unit's node (one query, for a post at a
    unit's node; none for any other post)."""
    paths = scope_paths(user, Perm.COBUILD_VIEW)
    if len(paths) != 1 or not getattr(user, "person_id", None):
        return None
    org = post_org(user, paths[0])
    if org is not None and org.level != UNIT_LEVEL:  # a cadre's post, not a unit's node: no query
        return None
    return Unit.objects.filter(org_path=paths[0], org__level__code=UNIT_LEVEL).first()


@dataclass
class UnitPage:
    unit: Unit
    agreements: list[Agreement]
    items_due: list[AgreementItem]
    items_open: int
    pairings: list[Pairing]
    resources: list[Resource]
    summons: list[Any]
    summons_open: int
    liaisons: list[Post]
    seats: list[CouncilMember]
    overdue: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def unit_page(user: Any, unit: Unit, today: dt.date | None = None) -> UnitPage:
    """What the unit page shows: its agreements (with item counts), the open items by due date, its pairings
    (with this year's activities), its resources, the demands summoned to it, its liaisons and council seats.
    Eleven queries."""
    from zongheng.demands.models import Summons

    today = today or timezone.localdate()
    agreements = list(Agreement.objects.restrict(user).filter(unit=unit).select_related("org")
                      .annotate(n_items=Count("items"), n_done=Count("items", filter=Q(items__state=ItemState.DONE)))
                      .order_by("-signed_on", "-id")[:LIST_LIMIT])
    items = AgreementItem.objects.restrict(user).filter(unit_path=unit.org_path, state=ItemState.OPEN)
    counts = items.aggregate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
    items_due = list(items.select_related("agreement").order_by("due_on", "id")[:LIST_LIMIT])
    year_start = dt.date(today.year, 1, 1)
    pairings = list(Pairing.objects.restrict(user).filter(unit=unit).select_related("org")
                    .annotate(n_year=Count("activities", filter=Q(activities__held_on__gte=year_start,
                                                                  activities__held_on__lte=today)))
                    .order_by("ends_on", "org_path", "id")[:LIST_LIMIT])
    resources = list(Resource.objects.restrict(user).filter(unit=unit).select_related("place")
                     .order_by("-active", "id")[:LIST_LIMIT])
    summons_qs = Summons.objects.filter(org_id=unit.org_id)
    summons_open = summons_qs.filter(reported_at__isnull=True).count()
    # Waiting for the unit's report first, then the latest.
    summons = list(summons_qs.select_related("demand", "demand__category")
                   .order_by(F("reported_at").asc(nulls_first=True), "-requested_at", "-id")[:LIST_LIMIT])
    liaisons = list(Post.objects.active(today).filter(org_id=unit.org_id, role=Role.LIAISON)
                    .select_related("person").order_by("starts_on", "id"))
    seats = list(CouncilMember.objects.filter(unit=unit, ends_on__isnull=True).select_related("council")
                 .order_by("council__org_path", "id"))
    return UnitPage(unit, agreements, items_due, counts["n"], pairings, resources, summons, summons_open,
                    liaisons, seats, overdue=counts["late"])


# ---------------------------------------------------------------- councils


def councils_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Council]:
    return Council.objects.restrict(user, perm).select_related("org", "org__level")


def council_list(user: Any, params: Mapping[str, Any]) -> QuerySet[Council]:
    qs = councils_in_scope(user).annotate(
        n_members=Count("members", filter=Q(members__ends_on__isnull=True), distinct=True))
    place = place_filter(user, params.get("place"))
    if place is not None:
        qs = qs.filter(org_path__startswith=place.path)
    if params.get("current") == "1":
        today = timezone.localdate()
        qs = qs.filter(Q(term_ends_on__isnull=True) | Q(term_ends_on__gte=today), term_starts_on__lte=today)
    return qs.order_by("org_path", "-term_starts_on")


def council_for(user: Any, pk: int, perm: str = Perm.COBUILD_VIEW) -> Council:
    council = councils_in_scope(user, perm).filter(pk=pk).first()
    if council is None:
        raise Http404
    return council


@dataclass
class Commitment:
    unit: Unit
    agreements: int = 0
    items: int = 0
    done: int = 0
    problems: int = 0


def council_members(council: Council, *, current: bool = True) -> QuerySet[CouncilMember]:
    qs = council.members.select_related("unit", "sent_from", "person")
    if current:
        qs = qs.filter(ends_on__isnull=True)
    return qs.order_by("seat", "id")


def commitments(council: Council, members: list[CouncilMember]) -> list[Commitment]:
    """Each member unit's agreements with the council's street/community (and below it): counts of
    agreements, items, items done and problems solved. Two queries."""
    units = {m.unit_id: m.unit for m in members if m.unit is not None}
    if not units:
        return []
    out = {pk: Commitment(unit) for pk, unit in units.items()}
    scoped = Agreement.objects.filter(unit_id__in=list(units), org_path__startswith=council.org_path)
    for row in scoped.values("unit_id").annotate(n=Count("pk")).order_by():
        out[row["unit_id"]].agreements = row["n"]
    items = AgreementItem.objects.filter(agreement__in=scoped)
    for row in items.values("agreement__unit_id").annotate(
            n=Count("pk"), done=Count("pk", filter=Q(state=ItemState.DONE)),
            problems=Sum("problems_solved", filter=Q(state=ItemState.DONE))).order_by():
        c = out[row["agreement__unit_id"]]
        c.items, c.done, c.problems = row["n"], row["done"], row["problems"] or 0
    return sorted(out.values(), key=lambda c: c.unit.name)


def council_meetings(council: Council, limit: int = LIST_LIMIT) -> tuple[list[Any], int]:
    """The joint meetings (联席会议) the meetings module records as held by the council's organisation during
    its term — read, never changed. Two queries."""
    from zongheng.meetings.choices import AttendanceStatus, MeetingStatus
    from zongheng.meetings.defaults import JOINT_TYPES
    from zongheng.meetings.models import Meeting

    qs = Meeting.objects.filter(org_id=council.org_id, type__code__in=JOINT_TYPES, status=MeetingStatus.HELD,
                                held_at__date__gte=council.term_starts_on)
    if council.term_ends_on is not None:
        qs = qs.filter(held_at__date__lte=council.term_ends_on)
    total = qs.count()
    rows = list(qs.select_related("type").annotate(
        present=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT)),
        invited=Count("attendances")).order_by("-held_at", "-id")[:limit])
    return rows, total


def may_change(user: Any, path: str) -> bool:
    return in_scope(user, Perm.COBUILD_CHANGE, path)


def require_view(user: Any) -> None:
    require(user, Perm.COBUILD_VIEW)


def can_configure(user: Any) -> bool:
    return has_perm(user, Perm.COBUILD_CONFIGURE)


def side_orgs_with_path(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Org]:
    """Streets and communities in scope (for the import's place lookup)."""
    return side_org_choices(user, perm, SIDE_LEVELS)


def scope_q(user: Any, field: str, perm: str = Perm.COBUILD_VIEW) -> Q:
    return path_q(field, scope_paths(user, perm))
