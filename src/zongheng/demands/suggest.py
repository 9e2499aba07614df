"""Routing help for residents' demands (reads only).

- ``grid_choices``: every grid as "street › community › grid", grouped for a select (two queries).
- ``suggest_grid``: the grid of the place named in the address ("幸福小区 3 栋", "人民路 120 号": the grids'
  places, ``orgs.places``), else the grid whose name, community name or address appears in it.
- ``place_demand``: the grid of a point or an address, or — when neither finds one grid — the organisation
  that receives the demand and assigns its grid (``intake_org``: the community, street or district).
- ``suggest_category``: the category whose keywords occur most in the description.
- ``similar_open``: open demands of the same grid with the same category or shared words.
- ``whistle_suggestions``: organisations other modules propose to summon for a demand (registered with
  ``register_whistle_suggester``: 一横 proposes the stationed units whose offered resources fit it).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.models import F, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Length
from django.utils import timezone

from zongheng.core import rows
from zongheng.orgs import places
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Level, Org

from .choices import OPEN_STATUSES
from .models import Category, Demand

# Functions demand -> paths of organisations to propose first in the whistle picker (other modules').
_WHISTLE_SUGGESTERS: dict[str, Callable[[Demand], list[str]]] = {}


def register_whistle_suggester(name: str, func: Callable[[Demand], list[str]]) -> None:
    _WHISTLE_SUGGESTERS[name] = func


def whistle_suggestions(demand: Demand) -> list[str]:
    """The paths the registered suggesters propose for ``demand``, in registration order."""
    return [path for name in sorted(_WHISTLE_SUGGESTERS) for path in _WHISTLE_SUGGESTERS[name](demand)]

MIN_NAME = 2  # shorter names (e.g. "一") would match almost any text
PHONE_IN_TEXT = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")
# Other long numbers in a description (ID card, landline, house account numbers): hidden entirely.
LONG_NUMBER = re.compile(r"(?<![\d*])(?:0\d{2,3}-\d{7,8}|\d{7,}[\dXx]?)(?!\d)")


def grids() -> QuerySet[Org]:
    """Grids a resident may choose: regular grid-level orgs that are not closed."""
    today = timezone.localdate()
    return (
        Org.objects.filter(level__code__in=settings.DEMAND_GRID_LEVELS, kind=OrgKind.REGULAR)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=today))
        .order_by("path")
    )


_GRID_FIELDS = ("id", "path", "depth", "numchild", "name", "level_id", "kind", "code", "address")
_LEVEL_FIELDS = ("id", "code", "name", "rank")


def open_grid(pk: int) -> Org | None:
    """``grids().filter(pk=pk).first()`` with its level, in one statement written as SQL (it runs on
    every submission naming a grid: the form's last step, Open311's ``attribute[grid]``).

    The same conditions as ``grids()`` (tested equal). The other fields of the grid (dates, phone,
    description …) are deferred: read on first access, as with ``only()``.
    """
    if not 0 < pk < 2**63:
        return None
    qn = connection.ops.quote_name
    levels = tuple(settings.DEMAND_GRID_LEVELS)
    sql = (
        f"SELECT {rows.columns(Org, _GRID_FIELDS, 'o')}, {rows.columns(Level, _LEVEL_FIELDS, 'l')} "  # noqa: S608
        f"FROM {qn(Org._meta.db_table)} o INNER JOIN {qn(Level._meta.db_table)} l ON l.id = o.level_id "
        f"WHERE o.id = %s AND o.kind = %s AND l.code IN ({', '.join(['%s'] * len(levels))}) "
        "AND (o.closed_on IS NULL OR o.closed_on >= %s)"
    )
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    found = rows.fetch(sql, [pk, OrgKind.REGULAR.value, *levels, today])
    if not found:
        return None
    row, n = found[0], len(_GRID_FIELDS)
    grid: Org = rows.instance(Org, _GRID_FIELDS, row[:n])
    grid.level = rows.instance(Level, _LEVEL_FIELDS, row[n:])
    return grid


_CATEGORY_FIELDS = ("id", "code", "name", "keywords", "active", "order")


def active_category(*, pk: int | None = None, code: str | None = None) -> Category | None:
    """The active category with this id or code (``Category.objects.filter(active=True)``), in one
    statement written as SQL: every submission names one (the form's choice, Open311's service_code)."""
    if pk is not None and not 0 < pk < 2**63:
        return None
    qn = connection.ops.quote_name
    column, value = ("id", pk) if pk is not None else ("code", code)
    sql = (f"SELECT {rows.columns(Category, _CATEGORY_FIELDS, 'c')} "  # noqa: S608
           f"FROM {qn(Category._meta.db_table)} c WHERE c.{qn(column)} = %s AND c.active")
    found = rows.fetch(sql, [value])
    return rows.instance(Category, _CATEGORY_FIELDS, found[0]) if found else None


def grid_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """[(street › community, [(grid id, grid name), …]), …] in tree order."""
    rows = list(grids().values_list("pk", "name", "path"))
    parents = {p[: -Org.steplen] for _, _, p in rows}
    wanted = parents | {p[: -Org.steplen] for p in parents if len(p) > Org.steplen}
    names = dict(Org.objects.filter(path__in=wanted).values_list("path", "name"))
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name, path in rows:
        parent = path[: -Org.steplen]
        label = " › ".join(n for n in (names.get(parent[: -Org.steplen]), names.get(parent)) if n) or "其他"
        groups.setdefault(label, []).append((pk, name))
    return list(groups.items())


def _clean(text: str | None) -> str:
    """An address as the lookups below read it: whitespace collapsed, at most 200 characters."""
    return " ".join((text or "").split())[:200]


def suggest_grid(text: str, located: places.Located | None = None) -> Org | None:
    """The grid the address text points at: a grid name in it (best), the grid's address, or the only grid
    of a community or village named in it. None when nothing (or nothing unique) matches.

    ``located``: ``places.locate`` of the same text, when the caller has it already."""
    text = _clean(text)
    if len(text) < MIN_NAME:
        return None
    located = located if located is not None else places.locate(text)
    if located.grid is not None and located.grid.level.code in settings.DEMAND_GRID_LEVELS:
        return located.grid
    found = Value(text)
    named = list(
        grids().annotate(t=found, n=Length("name")).filter(n__gte=MIN_NAME, t__contains=F("name")).order_by("-n")[:2]
    )
    if named and (len(named) == 1 or len(named[0].name) > len(named[1].name)):
        return named[0]
    addressed = list(
        grids().annotate(t=found, n=Length("address")).filter(n__gte=4)
        .filter(Q(t__contains=F("address")) | Q(address__contains=text))[:2]
    )
    if len(addressed) == 1:
        return addressed[0]
    parents = list(
        Org.objects.filter(level__code__in=("community", "village"), kind=OrgKind.REGULAR)
        .annotate(t=found, n=Length("name")).filter(n__gte=MIN_NAME, t__contains=F("name"))
        .order_by("-n").values_list("path", flat=True)[:1]
    )
    if parents:
        under = list(grids().filter(path__startswith=parents[0])[:2])
        if len(under) == 1:
            return under[0]
    return None


def _named_area(text: str) -> Org | None:
    """The deepest community, village, street or township named in the text."""
    return (
        Org.objects.filter(level__code__in=("community", "village", "street", "township"), kind=OrgKind.REGULAR)
        .annotate(t=Value(text), n=Length("name")).filter(n__gte=MIN_NAME, t__contains=F("name"))
        .select_related("level").order_by("-depth", "-n").first()
    )


def top_org() -> Org | None:
    """The lowest organisation above every grid (the district in the demo): receives what nothing places."""
    ends = grids().order_by().aggregate(low=Min("path"), high=Max("path"))  # the first and last grid: one row
    if ends["low"] is None:
        return None
    return places.common_parent([Org(path=ends["low"]), Org(path=ends["high"])])


def intake_org(address: str, located: places.Located | None = None) -> Org | None:
    """Where a demand whose grid is unknown goes, for staff to assign its grid.

    The deepest of: the organisation above the grids the address could be in (a compound split
    over several grids gives their community), the community, village, street or township
    named in the address; else the organisation above every grid. ``located``: as for ``suggest_grid``.
    """
    text = _clean(address)
    located = located if located is not None else places.locate(text)
    candidates = [o for o in (located.area, _named_area(text)) if o is not None]
    candidates = [o for o in candidates if o.level.code not in settings.DEMAND_GRID_LEVELS]
    if candidates:
        return max(candidates, key=lambda o: o.depth)
    return top_org()


def grid_at_point(lat: float | None, long: float | None) -> Org | None:
    """The grid whose boundary holds the point (None without a point or outside every grid)."""
    if lat is None or long is None:
        return None
    grid = places.grid_at(lat, long)
    return grid if grid is not None and grid.level.code in settings.DEMAND_GRID_LEVELS else None


def place_demand(address: str, lat: float | None = None, long: float | None = None) -> tuple[Org | None, Org | None]:
    """(grid, receiver): the grid of the point, else of the address; without one, (None, ``intake_org``)."""
    grid = grid_at_point(lat, long)
    if grid is not None:
        return grid, grid
    located = places.locate(_clean(address))  # once for both questions
    grid = suggest_grid(address, located)
    if grid is not None:
        return grid, grid
    return None, intake_org(address, located)


def _keywords(category: Category) -> list[str]:
    return [w for w in category.keywords.split() if w]


def suggest_category(text: str, categories: list[Category] | None = None) -> Category | None:
    """The active category the description is about, from ``Category.keywords``.

    Residents say the main problem first and add details after ("路灯坏了，晚上很黑，老人出门不方便"),
    and within a clause they name the place before the thing ("小区 3 栋门口的路灯坏了"). So the
    first clause with any keyword decides: most keywords there, and on a tie the one found later.
    """
    cats = list(categories if categories is not None else Category.objects.filter(active=True))
    for clause in re.split(r"[，。,.!！?？;；\n]+", text or ""):
        best, score = None, (0, -1)
        for cat in cats:
            found = [clause.rfind(w) for w in _keywords(cat) if w in clause]
            if found and (len(found), max(found)) > score:
                best, score = cat, (len(found), max(found))
        if best is not None:
            return best
    return None


def shared_words(text: str, categories: list[Category]) -> list[str]:
    """Words worth comparing: known keywords found in the text, and longer runs of the text itself."""
    words = {w for cat in categories for w in _keywords(cat) if len(w) >= MIN_NAME and w in text}
    for run in re.split(r"[\s,，。.!！?？;；:：、()（）]+", text):
        if 2 <= len(run) <= 8:
            words.add(run)
    return sorted(words, key=len, reverse=True)[:12]


def similar_open(grid: Org, category: Category | None, text: str, *, limit: int = 5,
                 categories: list[Category] | None = None) -> list[Demand]:
    """Open demands in ``grid`` (or, for a resident who does not know their grid, in the community
    or street receiving it: its whole subtree) that look like the same problem."""
    cats = categories if categories is not None else list(Category.objects.filter(active=True))
    match = Q(category=category) if category is not None else Q()
    for word in shared_words(text, cats):
        match |= Q(description__contains=word)
    if not match:
        return []
    return list(
        Demand.objects.filter(grid_path__startswith=grid.path, status__in=OPEN_STATUSES, merged_into__isnull=True)
        .filter(match).select_related("category").order_by("-received_at")[:limit]
    )


def excerpt(text: str, length: int = 60) -> str:
    """The start of a description for other residents to read, with phone and other long numbers masked."""
    text = PHONE_IN_TEXT.sub(r"\1****\2", " ".join((text or "").split()))
    text = LONG_NUMBER.sub("****", text)
    return text if len(text) <= length else text[:length] + "…"
