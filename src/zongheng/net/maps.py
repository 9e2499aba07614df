"""一张网's grid map: the grids of a scope, each with its boundary and the value of one figure, and the outlines of
the organisations above them (communities and villages, streets and townships, the district).

One read runs a constant number of queries whatever the number of grids:

- the grids that stood during the period inside the scope, with their boundaries (``GridArea`` joined): one;
- the names of the organisations right above them (the table's community column): one;
- the outlines (``OrgArea``) of the organisations of the scope: one;
- the figure of every grid: ``core.metrics.grouped`` at the grids' path length — one query per source (and per
  distinct grid depth; every tree the platform builds has its grids at one depth).

A grid's value is what the dashboard of that grid shows for the figure: its rows and its central households'
rows (``grouped`` cuts every row's organisation path to the grid's length); rows on an organisation above the
grids count on no grid. A count with no rows is 0; a ratio with nothing to count has no value (``None``).

Shading classes (``classes``) are computed here, so that the map's colours, the legend and the table agree:
0 in a class of its own, then up to four equal steps of a round size up to the largest value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from zongheng.core import metrics as mx
from zongheng.core.periods import Period
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.metrics import standing_orgs
from zongheng.orgs.models import Org, OrgArea

GRID_LEVEL = "grid"
PREFERRED = "demands.received"  # the map's default figure once the demands module registers it
NO_VALUE_COLOUR = "#d9d9d9"
ZERO_COLOUR = "#fff5f0"
STEP_COLOURS = ("#fcbba1", "#fb6a4a", "#de2d26", "#a50f15")  # light to dark: more is darker


def offered() -> list[tuple[str, list[mx.Metric]]]:
    """The figures a map can be shaded by, by panel: every registered one."""
    out = []
    for key, label in mx.PANELS:
        items = mx.metrics(key)
        if items:
            out.append((label, items))
    return out


def default_code() -> str | None:
    """``demands.received`` when registered; else the first headline figure in panel order; else the first."""
    if mx.metric(PREFERRED) is not None:
        return PREFERRED
    found = mx.metrics()
    for m in found:
        if m.headline:
            return m.code
    return found[0].code if found else None


def has_grids(org: Org) -> bool:
    """Whether a dashboard shows the map: every organisation above the grids (a grid's own map is itself)."""
    return org.level.code not in (GRID_LEVEL, "household")


@dataclass(frozen=True)
class Shade:
    """One class of the legend: the values ``low`` < v ≤ ``high`` (``low`` None: exactly 0; both None: no value)."""

    label: str
    colour: str
    low: float | None = None
    high: float | None = None

    def holds(self, value: float | None) -> bool:
        if self.high is None:
            return value is None
        if value is None:
            return False
        if self.low is None:
            return value == self.high
        return self.low < value <= self.high

    def piece(self) -> dict[str, Any]:
        """The class as an ECharts ``visualMap`` piece."""
        if self.low is None:
            return {"value": self.high, "color": self.colour, "label": self.label}
        return {"gt": self.low, "lte": self.high, "color": self.colour, "label": self.label}


def _round_step(x: float, integral: bool) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at least ``x`` (2.5 only where it stays whole for whole numbers)."""
    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        step = m * exp
        if integral and step != int(step):
            continue
        if step >= x:
            return step
    return 10 * exp


def _number(x: float, integral: bool) -> str:
    return f"{int(x):,}" if integral else f"{x:g}"


def classes(values: list[mx.Number | None], metric: mx.Metric) -> list[Shade]:
    """The legend of ``values``: 0 alone, then up to four steps of a round size (1–5, 6–10 … for whole numbers;
    "大于 25 至 50" for the rest), and "无数据" when a ratio has nothing to count somewhere."""
    unit = "%" if metric.is_ratio else ""
    present = [float(v) for v in values if v is not None]
    integral = not metric.is_ratio and all(v == int(v) for v in present)
    out = [Shade(f"0{unit}", ZERO_COLOUR, None, 0.0)]
    top = max(present, default=0.0)
    if top > 0:
        step = _round_step(top / len(STEP_COLOURS), integral)
        if integral:
            step = max(step, 1.0)
        low = 0.0
        for colour in STEP_COLOURS:
            high = low + step
            if integral:
                first, last = _number(low + 1, True), _number(high, True)
                label = first if first == last else f"{first}–{last}"
            else:
                label = f"大于 {_number(low, False)}{unit} 至 {_number(high, False)}{unit}"
            out.append(Shade(label, colour, low, high))
            if high >= top:
                break
            low = high
    if any(v is None for v in values):
        out.append(Shade("无数据", NO_VALUE_COLOUR))
    return out


@dataclass(frozen=True)
class GridValue:
    pk: int
    name: str
    path: str
    parent: str  # the community's (or village's) name
    value: mx.Number | None
    boundary: dict[str, Any] | None  # None: no boundary recorded yet

    def shade(self, shades: list[Shade]) -> Shade | None:
        v = None if self.value is None else float(self.value)
        return next((c for c in shades if c.holds(v)), None)


@dataclass(frozen=True)
class Outline:
    pk: int
    name: str
    depth: int
    boundary: dict[str, Any]


@dataclass
class GridMap:
    org: Org
    metric: mx.Metric
    period: Period
    grids: list[GridValue]
    outlines: list[Outline]
    shades: list[Shade]

    @property
    def drawn(self) -> int:
        return sum(g.boundary is not None for g in self.grids)


def read(org: Org, metric: mx.Metric, period: Period, now: dt.datetime) -> GridMap:
    """The grid map of ``org``'s subtree for ``metric`` and ``period`` (see the module's docstring)."""
    standing = standing_orgs(period, now).filter(path__startswith=org.path, kind=OrgKind.REGULAR)
    rows = list(standing.filter(level__code=GRID_LEVEL).order_by("path")
                .values("pk", "name", "path", "area__boundary"))
    parents = {r["path"][:-Org.steplen] for r in rows}
    names = dict(Org.objects.filter(path__in=parents).values_list("path", "name")) if parents else {}
    outlines = [Outline(o["org_id"], o["org__name"], o["org__depth"], o["boundary"]) for o in
                OrgArea.objects.filter(org__in=standing.exclude(level__code__in=(GRID_LEVEL, "household")))
                .order_by("org__path").values("org_id", "org__name", "org__depth", "boundary")]
    values: dict[str, mx.Number] = {}
    for length in sorted({len(r["path"]) for r in rows}):
        values |= mx.grouped([metric.code], org.path, length, period, now).get(metric.code, {})
    zero: mx.Number | None = None if metric.is_ratio else 0
    grids = [GridValue(r["pk"], r["name"], r["path"], names.get(r["path"][:-Org.steplen], ""),
                       values.get(r["path"], zero), r["area__boundary"]) for r in rows]
    return GridMap(org, metric, period, grids, outlines, classes([g.value for g in grids], metric))


def _bbox(geometries: list[dict[str, Any]]) -> list[float] | None:
    from zongheng.orgs.places import bbox

    boxes = []
    for g in geometries:
        try:
            boxes.append(bbox(g))
        except ValueError:  # a stored geometry that no longer reads: left out of the extent
            continue
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def tiles() -> dict[str, str] | None:
    """The raster tiles configured under the map (``settings.MAP_TILE_URL``), or None: the polygons alone."""
    url = getattr(settings, "MAP_TILE_URL", "")
    if not url:
        return None
    return {"url": url, "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "")}


def geojson(m: GridMap, url_of: Callable[[int], str], show: Callable[[mx.Number | None, mx.Metric], str]
            ) -> dict[str, Any]:
    """The map as a GeoJSON FeatureCollection (RFC 7946): one Feature per grid (its geometry null when no
    boundary is recorded) with the grid's id, name, community, value, printed value and dashboard URL; the
    outlines, the figure, the period, the legend and the tiles ride along as foreign members."""
    def number(v: mx.Number | None) -> float | int | None:
        if v is None:
            return None
        if isinstance(v, Decimal):
            return int(v) if v == v.to_integral_value() and not m.metric.is_ratio else float(v)
        return v

    features = [{
        "type": "Feature", "id": g.pk, "geometry": g.boundary,
        "properties": {"id": g.pk, "name": g.name, "community": g.parent, "value": number(g.value),
                       "display": show(g.value, m.metric), "url": url_of(g.pk)},
    } for g in m.grids]
    outlines = [{
        "type": "Feature", "id": o.pk, "geometry": o.boundary,
        "properties": {"id": o.pk, "name": o.name, "depth": o.depth},
    } for o in m.outlines]
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    box = _bbox([g.boundary for g in m.grids if g.boundary] + [o.boundary for o in m.outlines])
    if box:
        out["bbox"] = box
    out |= {
        "outlines": {"type": "FeatureCollection", "features": outlines},
        "metric": {"code": m.metric.code, "label": m.metric.label, "unit": "%" if m.metric.is_ratio else m.metric.unit,
                   "help": m.metric.help},
        "period": {"key": str(m.period), "label": m.period.label},
        "org": {"id": m.org.pk, "name": m.org.name},
        "legend": [c.piece() for c in m.shades if c.high is not None],
        "no_value": NO_VALUE_COLOUR,
        "tiles": tiles(),
    }
    return out


def choices(code: str | None) -> dict[str, Any] | None:
    """The figures a map offers, grouped by panel, and the one chosen (``code`` when it names one, else the
    default); None when no figure is registered. Runs no query."""
    chosen = mx.metric(code or "") or mx.metric(default_code() or "")
    if chosen is None:
        return None
    return {"code": chosen.code, "label": chosen.label,
            "groups": [(label, [(m.code, m.label) for m in items]) for label, items in offered()]}


def choices_context(org: Org, code: str | None) -> dict[str, Any] | None:
    """What a dashboard's map section needs: ``choices``, for an organisation above the grids (else None)."""
    return choices(code) if has_grids(org) else None
