"""Which grid is this? From a point (latitude/longitude) or from an address a resident types.

- ``grid_at(lat, long)``: the grid whose boundary (``GridArea``, GeoJSON) contains the point. The
  stored bounding boxes narrow the candidates in the database (indexed); ray casting in plain
  Python decides among the few left. No GIS dependency.
- ``locate(text)``: the places (``GridPlace``) named in the text — "幸福小区 3 栋", "人民路 120 号",
  "龙狮村 2 组" — give the grid when the number (or the place alone) belongs to one grid, or the
  lowest organisation above all the grids it could be (``Located.area``) when it does not.
- ``common_parent(orgs)``: the lowest organisation above all of them.

Reads only; every grid returned is a regular, not closed grid.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Length
from django.utils import timezone

from .choices import OrgKind
from .models import Org
from .models_places import PLACE_UNIT, GridArea, GridPlace, PlaceKind

Point = tuple[float, float]  # (longitude, latitude), the GeoJSON order

# ---------------------------------------------------------------- geometry


def polygons(geometry: Any) -> list[list[list[Point]]]:
    """The polygons (each: outer ring, then holes) of a GeoJSON Polygon or MultiPolygon.

    Raises ValueError (in Chinese) for anything else or for malformed coordinates.
    """
    if not isinstance(geometry, dict):
        raise ValueError("边界应为 GeoJSON 对象")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    raw: Any
    if kind == "Polygon":
        raw = [coords]
    elif kind == "MultiPolygon":
        raw = coords if isinstance(coords, list) else None
    else:
        raise ValueError("边界应为 GeoJSON 的 Polygon 或 MultiPolygon")
    if not raw:
        raise ValueError("边界没有坐标")
    out: list[list[list[Point]]] = []
    for poly in raw:
        if not isinstance(poly, list) or not poly:
            raise ValueError("边界坐标格式不正确")
        rings: list[list[Point]] = []
        for ring in poly:
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValueError("边界的每个环至少需要 4 个点（首尾相同）")
            pts: list[Point] = []
            for p in ring:
                if (not isinstance(p, list | tuple) or len(p) < 2
                        or not all(isinstance(v, int | float) and math.isfinite(v) for v in p[:2])):
                    raise ValueError("边界坐标应为 [经度, 纬度] 数字")
                long, lat = float(p[0]), float(p[1])
                if not (-180 <= long <= 180 and -90 <= lat <= 90):
                    raise ValueError("边界坐标超出经纬度范围")
                pts.append((long, lat))
            rings.append(pts)
        out.append(rings)
    return out


def bbox(geometry: Any) -> tuple[float, float, float, float]:
    """(min long, min lat, max long, max lat) of a GeoJSON (Multi)Polygon."""
    pts = [p for poly in polygons(geometry) for p in poly[0]]
    longs, lats = [p[0] for p in pts], [p[1] for p in pts]
    return min(longs), min(lats), max(longs), max(lats)


def _in_ring(x: float, y: float, ring: Sequence[Point]) -> bool:
    """Ray casting: a horizontal ray from (x, y) crosses the ring an odd number of times."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: Any, long: float, lat: float) -> bool:
    """Is the point inside the (Multi)Polygon (inside an outer ring and in none of its holes)?"""
    for poly in polygons(geometry):
        if _in_ring(long, lat, poly[0]) and not any(_in_ring(long, lat, hole) for hole in poly[1:]):
            return True
    return False


# ---------------------------------------------------------------- grids


def open_grids() -> QuerySet[Org]:
    """Regular grid-level organisations that are not closed."""
    today = timezone.localdate()
    return Org.objects.filter(level__code="grid", kind=OrgKind.REGULAR).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=today))


def grid_at(lat: float, long: float) -> Org | None:
    """The grid whose boundary contains the point (the first in tree order if boundaries overlap)."""
    if not (math.isfinite(lat) and math.isfinite(long)):
        return None
    candidates = (
        GridArea.objects.filter(min_lat__lte=lat, max_lat__gte=lat, min_long__lte=long, max_long__gte=long,
                                grid__in=open_grids())
        .select_related("grid__level").order_by("grid__path")
    )
    for area in candidates:
        try:
            if contains(area.boundary, long, lat):
                return area.grid
        except ValueError:
            continue
    return None


def common_parent(orgs: Iterable[Org]) -> Org | None:
    """The lowest organisation whose subtree holds all of ``orgs`` (None for none)."""
    paths = [o.path for o in orgs]
    if not paths:
        return None
    low, high = min(paths), max(paths)  # the common prefix of all is that of the extremes
    n = 0
    while n < min(len(low), len(high)) and low[n] == high[n]:
        n += 1
    prefix = low[:n]
    prefix = prefix[: len(prefix) - len(prefix) % Org.steplen]
    if not prefix:
        return None
    return Org.objects.select_related("level").filter(path=prefix).first()


# ---------------------------------------------------------------- addresses

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_NUMBER = r"([0-9]{1,5}|[零〇一二两三四五六七八九十百]{1,6})"
_UNITS = {PlaceKind.COMPOUND: "栋|幢|号楼|座|楼", PlaceKind.STREET: "号", PlaceKind.GROUP: "组|队"}


def _cn_number(text: str) -> int | None:
    """Arabic or simple Chinese numerals (三, 十二, 二十三, 一百零五) as an int."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def normalise(text: str) -> str:
    """Full-width digits and letters to half-width, spaces collapsed, at most 200 characters."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split())[:200]


def number_after(text: str, name: str, kind: str) -> int | None:
    """The building, door or group number written right after ``name`` in ``text`` (3 in "幸福小区 3 栋")."""
    unit = _UNITS.get(PlaceKind(kind), "号")
    start = 0
    while (at := text.find(name, start)) >= 0:
        rest = text[at + len(name):]
        m = re.match(rf"\s*(?:第\s*)?{_NUMBER}\s*(?:{unit})", rest)
        if m:
            return _cn_number(m[1])
        start = at + 1
    return None


@dataclass
class Located:
    """Where an address points: a grid when it is certain, else the lowest organisation above the candidates."""

    grid: Org | None = None
    area: Org | None = None
    places: list[GridPlace] = field(default_factory=list)


MIN_NAME = 2


def locate(text: str) -> Located:
    """The grid (or the area above the possible grids) of the places named in ``text``.

    The longest place name found decides ("幸福小区" over "幸福"); its number (building, door or
    group) picks the grid among the grids sharing that name. A name without a number that
    belongs to one grid gives that grid; to several, their lowest common organisation.
    """
    text = normalise(text)
    if len(text) < MIN_NAME:
        return Located()
    found: list[GridPlace] = list(
        GridPlace.objects.annotate(t=Value(text), n=Length("name"))
        .filter(n__gte=MIN_NAME, t__contains=F("name"), grid__in=open_grids())
        .select_related("grid__level").order_by("-n", "grid__path", "number_from")[:200]
    )
    if not found:
        return Located()
    longest = found[0].name
    named = [p for p in found if p.name == longest]
    number = None
    for kind in dict.fromkeys(p.kind for p in named):
        number = number_after(text, longest, kind)
        if number is not None:
            named = [p for p in named if p.kind == kind]
            break
    covering = [p for p in named if p.covers(number)] if number is not None else named
    grids = {p.grid.pk: p.grid for p in covering}
    if len(grids) == 1:
        return Located(grid=next(iter(grids.values())), places=covering)
    every = {p.grid.pk: p.grid for p in named}
    return Located(area=common_parent(every.values()), places=named)


def describe(places: Iterable[GridPlace]) -> str:
    """"幸福小区 1–6 栋、人民路 101–199 号" (for the directory and the plaques)."""
    return "、".join(f"{p.name}{p.numbers}" for p in places)


def unit_word(kind: str) -> str:
    return PLACE_UNIT.get(PlaceKind(kind), "")


# ---------------------------------------------------------------- the form a grid's residents report with

_report_url: list[Any] = []


def register_report_url(build: Any) -> None:
    """The module that takes residents' reports registers ``build(grid_pk) -> url`` (demands does):
    the directory's "向本网格反映" links and the plaques' QR codes use it, and orgs imports no module above it."""
    _report_url[:] = [build]


def report_url(grid_pk: int) -> str | None:
    """The form with ``grid_pk`` already chosen (a relative URL), or None when no module takes reports."""
    return _report_url[0](grid_pk) if _report_url else None
