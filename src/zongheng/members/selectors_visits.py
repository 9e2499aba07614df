"""Reads of 民情日记 (visits): who may record a visit to which household, the scoped lookups, the list's
filters, and the counts per household (or child organisation) and month.

Who may record a visit to a linked household (联系户) — one rule, ``visit_households``, used by the record
form, its household picker, the API and the actions alike (``resolve_household``):

- a user holding ``member.visit`` over the household's central household (中心户户主 on their central
  household's node, 网格长 on their grid, community cadres on their community …);
- a party member confirmed as registered (双联双管, ``Person.registered_path``) with the community that
  contains the household — the member's own right, no post needed.

Every recorder needs a person record: the visitor is always the recording user's person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Substr, TruncMonth

from zongheng.core.access import has_perm, path_q, post_paths, scope_paths
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import LinkedHousehold, Org, Person
from zongheng.orgs.resolve import as_pk, org_choices

from .models import Visit

HOUSEHOLD_REFUSED = "联系户不存在，或您不能为该户记民情日记"
# Levels a list may be filtered by (and the counts drill through): from the street down to the central household.
FILTER_LEVELS = ("district", "street", "township", "community", "village", "grid", "household")
SELECT_MAX = 30  # up to this many households the form offers a plain select; more: a search picker
PICK_LIMIT = 20
MONTHS = 12


# ---------------------------------------------------------------- who may record


def _person(user: Any) -> Person | None:
    if not (user and user.is_authenticated and getattr(user, "person_id", None)):
        return None
    cached = getattr(user, "_zh_visit_person", None)
    if cached is None:
        cached = Person.objects.filter(pk=user.person_id).only(
            "pk", "name", "is_party_member", "registered_path", "org_path").first()
        user._zh_visit_person = cached
    return cached


def registered_path(user: Any) -> str:
    """The community a party member is confirmed as registered with (双联双管), or ""."""
    person = _person(user)
    if person is None or not person.is_party_member:
        return ""
    return person.registered_path or ""


def may_record(user: Any) -> bool:
    """May record visits somewhere: a person, with ``member.visit`` anywhere or a confirmed registration."""
    if _person(user) is None:
        return False
    return has_perm(user, Perm.MEMBER_VISIT) or bool(registered_path(user))


def visit_households(user: Any) -> QuerySet[LinkedHousehold]:
    """The linked households the user may record a visit to (see the module's docstring): their own central
    households' first (where they hold a post themselves), then in tree order."""
    if _person(user) is None:
        return LinkedHousehold.objects.none()
    q = path_q("central__path", scope_paths(user, Perm.MEMBER_VISIT))
    if registered := registered_path(user):
        q |= Q(central__path__startswith=registered)
    own = list(post_paths(user))
    order = Case(When(central__path__in=own, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (LinkedHousehold.objects.filter(q).select_related("central").annotate(own=order)
            .order_by("own", "central__path", "id"))


def resolve_household(user: Any, value: Any) -> LinkedHousehold:
    """The one scoped lookup of a household a visit names (form, picker, API): missing, out of scope and
    not an id alike are refused with one Chinese message."""
    pk = as_pk(value)
    found = visit_households(user).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise ActionError(HOUSEHOLD_REFUSED)
    return found


def may_record_for(user: Any, household: LinkedHousehold) -> bool:
    return visit_households(user).filter(pk=household.pk).exists()


def household_label(h: LinkedHousehold, *, with_central: bool = True) -> str:
    who = f"（{h.contact_name}）" if h.contact_name else ""
    return f"{h.central.name} · {h.address}{who}" if with_central else f"{h.address}{who}"


def household_choices(user: Any) -> tuple[list[tuple[int, str]] | None, int]:
    """For the record form: (the households as select options, count) when there are at most ``SELECT_MAX``
    (a household head's 5–15), else (None, count): the form then offers the search picker. Two queries."""
    qs = visit_households(user)
    total = qs.count()
    if total > SELECT_MAX:
        return None, total
    rows = list(qs)
    several = len({h.central_id for h in rows}) > 1
    return [(h.pk, household_label(h, with_central=several)) for h in rows], total


def pick_households(user: Any, q: str, *, limit: int = PICK_LIMIT) -> tuple[list[LinkedHousehold], int]:
    """The households matching the typed words (address, household name, central household name); the user's
    own first. Two queries (one when fewer than ``limit`` match)."""
    qs = visit_households(user)
    for word in q.split()[:5]:
        w = word[:40]
        qs = qs.filter(Q(address__icontains=w) | Q(contact_name__icontains=w) | Q(central__name__icontains=w))
    rows = list(qs[:limit])
    total = len(rows) if len(rows) < limit else qs.count()
    return rows, total


# ---------------------------------------------------------------- reading visits


def visits_in_scope(user: Any) -> QuerySet[Visit]:
    """Visits in the user's ``member.view`` scope, and the user's own (as visitor)."""
    return Visit.objects.restrict(user).select_related("household", "central", "visitor", "demand")


def may_view(user: Any) -> bool:
    """May open the visit pages: ``member.view`` somewhere, or a person record (their own visits)."""
    return has_perm(user, Perm.MEMBER_VIEW) or _person(user) is not None


def visit_for(user: Any, pk: Any) -> Visit:
    from django.http import Http404

    found = visits_in_scope(user).filter(pk=as_pk(pk) or 0).first()
    if found is None:
        raise Http404
    return found


def is_recorder(user: Any, visit: Visit) -> bool:
    return bool(visit.created_by_id == user.pk or (user.person_id and visit.visitor_id == user.person_id))


def editable_visit(user: Any, pk: Any) -> Visit:
    """A visit the user may correct: they recorded it, and may still record visits to its household; else 404."""
    from django.http import Http404

    visit = visit_for(user, pk)
    if not is_recorder(user, visit) or not may_record_for(user, visit.household):
        raise Http404
    return visit


def filter_orgs(user: Any) -> QuerySet[Org]:
    """Organisations a list may be filtered by / the counts opened at: in the user's view scope."""
    return org_choices(user, Perm.MEMBER_VIEW, levels=FILTER_LEVELS, kinds=[OrgKind.REGULAR])


def org_filter(user: Any, value: Any) -> Org | None:
    pk = as_pk(value)
    return filter_orgs(user).filter(pk=pk).first() if pk is not None else None


def month_of(value: Any) -> dt.date | None:
    """"2018-03" → 2018-03-01; None for anything else."""
    text = str(value or "").strip()
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        year, month = int(text[:4]), int(text[5:])
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    return None


def shift_month(day: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after (before, when negative) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def next_month(day: dt.date) -> dt.date:
    return shift_month(day, 1)


@dataclass
class Filters:
    org: Org | None = None
    household: LinkedHousehold | None = None
    month: dt.date | None = None
    year: int | None = None
    demand: str = ""  # "yes" | "no" | ""
    raised: str = ""  # "yes" | "no" | ""
    mine: bool = False


def filters(user: Any, params: Mapping[str, Any]) -> Filters:
    """The list's filters from a query string; an id outside the scope (or not an id) filters nothing."""
    f = Filters(org=org_filter(user, params.get("org")), month=month_of(params.get("month")))
    household = as_pk(params.get("household"))
    if household is not None:  # a household of the view scope, or one the user visited themselves
        allowed = path_q("central__path", scope_paths(user, Perm.MEMBER_VIEW)) | Q(
            visits__visitor_id=getattr(user, "person_id", None) or 0)
        f.household = LinkedHousehold.objects.filter(allowed, pk=household).select_related("central").first()
    year = str(params.get("year") or "")
    if year.isdigit() and 2000 <= int(year) <= 2100:
        f.year = int(year)
    f.demand = str(params.get("demand") or "") if params.get("demand") in ("yes", "no") else ""
    f.raised = str(params.get("raised") or "") if params.get("raised") in ("yes", "no") else ""
    f.mine = str(params.get("mine") or "") == "1"
    return f


def visit_list(user: Any, f: Filters) -> QuerySet[Visit]:
    qs = visits_in_scope(user)
    if f.org is not None:
        qs = qs.filter(org_path__startswith=f.org.path)
    if f.household is not None:
        qs = qs.filter(household=f.household)
    if f.month is not None:
        qs = qs.filter(visited_on__gte=f.month, visited_on__lt=next_month(f.month))
    if f.year is not None:
        qs = qs.filter(visited_on__year=f.year)
    if f.demand:
        qs = qs.filter(demand__isnull=f.demand == "no")
    if f.raised == "yes":
        qs = qs.exclude(raised="")
    elif f.raised == "no":
        qs = qs.filter(raised="")
    if f.mine:
        qs = qs.filter(visitor_id=user.person_id or 0)
    return qs.order_by("-visited_on", "-id")


# ---------------------------------------------------------------- counts per household / child org and month


def last_months(today: dt.date, n: int = MONTHS) -> list[dt.date]:
    """The first days of the last ``n`` months, oldest first, the current month last."""
    return [shift_month(today, -i) for i in range(n - 1, -1, -1)]


@dataclass
class CountRow:
    label: str
    url: str  # the row's own drill-down (a child org's counts), or ""
    filter_key: str  # "org" or "household"
    filter_value: int
    cells: list[int] = field(default_factory=list)
    note: str = ""  # a linked household's head (户主), shown on wide screens

    @property
    def total(self) -> int:
        return sum(self.cells)


def counts(org: Org, months: list[dt.date]) -> list[CountRow]:
    """For ``org``: each child organisation (a central household's own linked households when ``org`` is a
    central household) × ``months``, from one grouped query (plus one for the rows). Rows in tree order —
    never ranked: these are records kept, not a quota."""
    from django.urls import reverse

    start, end = months[0], next_month(months[-1])
    visits = Visit.objects.filter(org_path__startswith=org.path, visited_on__gte=start, visited_on__lt=end)
    index = {m: i for i, m in enumerate(months)}
    rows: list[CountRow] = []
    if org.level.code == "household":
        by_key = {}
        for h in LinkedHousehold.objects.filter(central=org).order_by("id"):
            row = CountRow(h.address, "", "household", h.pk, [0] * len(months), note=h.contact_name)
            by_key[h.pk] = row
            rows.append(row)
        grouped = visits.annotate(m=TruncMonth("visited_on")).values("household_id", "m").annotate(n=Count("id"))
        for g in grouped:
            month = g["m"].date() if isinstance(g["m"], dt.datetime) else g["m"]
            if g["household_id"] in by_key and month in index:
                by_key[g["household_id"]].cells[index[month]] = g["n"]
        return rows
    step = Org.steplen
    children = (Org.objects.filter(path__startswith=org.path, depth=org.depth + 1, kind=OrgKind.REGULAR,
                                   level__code__in=FILTER_LEVELS).select_related("level").order_by("path"))
    by_path: dict[str, CountRow] = {}
    for child in children:
        row = CountRow(child.name, reverse("members:visits_counts") + f"?org={child.pk}", "org", child.pk,
                       [0] * len(months))
        by_path[child.path] = row
        rows.append(row)
    width = len(org.path) + step
    grouped = (visits.annotate(child=Substr("org_path", 1, width), m=TruncMonth("visited_on"))
               .values("child", "m").annotate(n=Count("id")))
    for g in grouped:
        month = g["m"].date() if isinstance(g["m"], dt.datetime) else g["m"]
        if g["child"] in by_path and month in index:
            by_path[g["child"]].cells[index[month]] = g["n"]
    return rows


def years_with_visits(org: Org) -> list[int]:
    """The years in which visits below ``org`` were recorded (one query), for the counts' year links."""
    return [d.year for d in Visit.objects.filter(org_path__startswith=org.path).dates("visited_on", "year")]


def filters_orgs_below_households(user: Any) -> bool:
    """True when the user's view scope holds more than central households (an organisation filter helps)."""
    paths = scope_paths(user, Perm.MEMBER_VIEW)
    if not paths:
        return False
    return Org.objects.filter(path__in=paths).exclude(level__code="household").exists()


def counts_root(user: Any) -> Org | None:
    """Where the counts open by default: the highest organisation of the user's view scope."""
    paths = scope_paths(user, Perm.MEMBER_VIEW)
    if not paths:
        return None
    return filter_orgs(user).filter(path__in=paths).order_by("depth", "path").first()


def crumbs(user: Any, org: Org) -> list[Org]:
    """The organisations above ``org`` that the user may open the counts at (one query)."""
    step = Org.steplen
    above = [org.path[:i] for i in range(step, len(org.path), step)]
    if not above:
        return []
    return list(filter_orgs(user).filter(path__in=above).order_by("depth"))


# ---------------------------------------------------------------- figures (hub)


def figures(user: Any, today: dt.date) -> dict[str, int]:
    """This month's and year's visits in the user's view scope, concerns raised and turned into demands this
    year, households visited this year — one query."""
    month_start = today.replace(day=1)
    year_start = dt.date(today.year, 1, 1)
    qs = Visit.objects.restrict(user).filter(visited_on__gte=year_start, visited_on__lte=today)
    month = Q(visited_on__gte=month_start)
    return qs.aggregate(
        month=Count("id", filter=month), year=Count("id"), raised=Count("id", filter=~Q(raised="")),
        demands=Count("id", filter=Q(demand__isnull=False)), households=Count("household", distinct=True))


def concerns_waiting(user: Any, today: dt.date, *, days: int = 180, limit: int = 50
                     ) -> list[tuple[int, dt.date, str, str]]:
    """The user's own visits of the last ``days`` with a concern raised, no follow-up and no demand:
    (pk, visited on, the household's address, the concern) of each."""
    if not getattr(user, "person_id", None):
        return []
    return list(Visit.objects.filter(visitor_id=user.person_id, demand__isnull=True, follow_up="",
                                     visited_on__gte=today - dt.timedelta(days=days))
                .exclude(raised="").order_by("visited_on", "id")
                .values_list("pk", "visited_on", "household__address", "raised")[:limit])
