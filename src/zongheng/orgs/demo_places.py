"""The demo district's places: what each grid covers, invented but plausible, from the seed.

- Every community has its own compound (先锋社区 → 先锋小区) split over its grids by building
  numbers, and some have a named one too (幸福小区, 阳光花园 …); 幸福小区 is always in 先锋社区,
  buildings 1–6 in its first grid, 7–12 in the second, 13–18 in the third.
- Every street's grids share its roads by door-number ranges of 100 (人民路 1–99 号, 101–199 号 …).
- Every village's grids share its 村民小组 (龙狮村 1–3 组 …).
- Every grid gets a boundary polygon: the district's extent (about 迎江区) cut into streets, then
  communities, then grids, with slanted cuts so the shapes are not all rectangles; neighbours
  share their edges exactly, so a point in the district lies in exactly one grid.
- The district, every street or township and every community or village gets its outline
  (``OrgArea``): the very quadrilateral its grids were cut from, so the outlines and the grids agree.

Deterministic from the seed (its own ``random.Random``, so the rest of the demo is unchanged) and
fast: a few thousand rows written with ``bulk_create``.
"""

from __future__ import annotations

import math
import random
from typing import Any

from .models_places import GridArea, GridPlace, OrgArea, PlaceKind

# About the built-up area of 迎江区 (longitude, latitude).
EXTENT = ((117.03, 30.49), (117.21, 30.61))
NAMED_COMPOUNDS = [
    "阳光花园", "和平小区", "锦绣家园", "菱湖新村", "建设新村", "电力小区", "石化小区", "教育小区", "华府名城",
    "江景苑", "长江花园", "书香门第", "翠竹园", "桂花园", "金色家园", "东方明珠苑", "绿地新城", "龙湖春天",
    "如意小区", "安居苑", "振风花园", "迎江世纪城", "南庄岭小区", "天鹅湖小区",
]
FIXED = ("幸福小区", "先锋社区")  # the compound every demo has, and its community
ROADS = [
    "龙门路", "锡麟街", "湖心南路", "菱湖南路", "沿江东路", "纺织南路", "光彩大道", "建设路", "大观亭路", "集贤路",
    "皖江大道", "迎江路", "胜利路", "工农街", "玉虹路", "曙光路",
]

Point = tuple[float, float]
Quad = list[Point]  # south-west, south-east, north-east, north-west


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _cuts(weights: list[float], rng: random.Random) -> tuple[list[float], list[float]]:
    """Fractions where to cut (0 … 1) on one edge and, slanted, on the opposite edge."""
    total = sum(weights) or 1.0
    acc, one = 0.0, [0.0]
    for w in weights:
        acc += w / total
        one.append(acc)
    one[-1] = 1.0
    other = list(one)
    for k in range(1, len(one) - 1):
        room = min(one[k] - one[k - 1], one[k + 1] - one[k])
        other[k] = one[k] + rng.uniform(-0.3, 0.3) * room
    return one, other


def _split(quad: Quad, weights: list[float], across: bool, rng: random.Random) -> list[Quad]:
    """Cuts ``quad`` into len(weights) quads: west to east (``across``) or south to north."""
    sw, se, ne, nw = quad
    one, other = _cuts(weights, rng)
    out = []
    for k in range(len(weights)):
        if across:  # cuts from the south edge to the north edge
            out.append([_lerp(sw, se, one[k]), _lerp(sw, se, one[k + 1]),
                        _lerp(nw, ne, other[k + 1]), _lerp(nw, ne, other[k])])
        else:  # cuts from the west edge to the east edge
            out.append([_lerp(sw, nw, one[k]), _lerp(se, ne, other[k]),
                        _lerp(se, ne, other[k + 1]), _lerp(sw, nw, one[k + 1])])
    return out


def _geojson(quad: Quad) -> dict[str, Any]:
    ring = [[round(x, 6), round(y, 6)] for x, y in quad]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _grid_cells(cell: Quad, n: int, rng: random.Random) -> list[Quad]:
    """``n`` cells in a community: rows south to north, each row cut west to east."""
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    per_row = [cols] * (rows - 1) + [n - cols * (rows - 1)]
    out: list[Quad] = []
    for row, k in zip(_split(cell, [float(k) for k in per_row], False, rng), per_row, strict=True):
        out.extend(_split(row, [1.0] * k, True, rng))
    return out


def _outline(org: Any, quad: Quad) -> OrgArea:
    outline = OrgArea(org=org, boundary=_geojson(quad))
    outline.set_bbox()
    return outline


def build_places(copies: list[tuple[Any, list[Any], list[Any]]], seed: int) -> tuple[int, int, int]:
    """Places and boundaries for every grid of every district copy, and the outlines of the organisations above
    them. Returns (places, grid areas, outlines) written."""
    rng = random.Random(f"places-{seed}")
    places: list[GridPlace] = []
    areas: list[GridArea] = []
    outlines: list[OrgArea] = []
    for index, (district, units, _extras) in enumerate(copies):
        shift = 0.25 * index
        (w, s), (e, n) = EXTENT
        district_quad: Quad = [(w + shift, s), (e + shift, s), (e + shift, n), (w + shift, n)]
        outlines.append(_outline(district, district_quad))
        streets: dict[str, list[Any]] = {}
        for unit in units:
            streets.setdefault(unit.street.path, []).append(unit)
        street_units = list(streets.values())
        street_quads = _split(district_quad, [float(sum(len(u.grids) for u in us)) for us in street_units],
                              True, rng)
        named = list(NAMED_COMPOUNDS)
        rng.shuffle(named)
        roads = list(ROADS)
        rng.shuffle(roads)
        for s_index, (us, s_quad) in enumerate(zip(street_units, street_quads, strict=True)):
            unit_quads = _split(s_quad, [float(len(u.grids)) for u in us], False, rng)
            outlines.append(_outline(us[0].street, s_quad))
            street_roads = [roads[(2 * s_index) % len(roads)], roads[(2 * s_index + 1) % len(roads)]]
            if us[0].street.name.endswith("路街道"):
                street_roads.insert(0, us[0].street.name.removesuffix("街道"))
            next_door = dict.fromkeys(street_roads, 1)
            for u_index, (unit, u_quad) in enumerate(zip(us, unit_quads, strict=True)):
                grids = unit.grids
                outlines.append(_outline(unit.org, u_quad))
                for grid, cell in zip(grids, _grid_cells(u_quad, len(grids), rng), strict=True):
                    area = GridArea(grid=grid, boundary=_geojson(cell))
                    area.set_bbox()
                    areas.append(area)
                if unit.org.level.code == "village":
                    _split_numbers(places, grids, unit.org.name, PlaceKind.GROUP, rng.randint(2, 4), rng)
                    continue
                _split_numbers(places, grids, unit.org.name.removesuffix("社区") + "小区", PlaceKind.COMPOUND,
                               rng.randint(3, 8), rng)
                if unit.org.name == FIXED[1] and index == 0:
                    _split_numbers(places, grids[:3], FIXED[0], PlaceKind.COMPOUND, 6, rng, fixed=True)
                elif named and rng.random() < 0.6:
                    span = grids[: rng.randint(1, min(3, len(grids)))]
                    _split_numbers(places, span, named.pop(), PlaceKind.COMPOUND, rng.randint(4, 8), rng)
                road = street_roads[u_index % len(street_roads)]
                for grid in grids:
                    start = next_door[road]
                    places.append(GridPlace(grid=grid, kind=PlaceKind.STREET, name=road,
                                            number_from=start, number_to=start + 98))
                    next_door[road] = start + 100
    GridPlace.objects.bulk_create(places, batch_size=2000)
    GridArea.objects.bulk_create(areas, batch_size=500)
    OrgArea.objects.bulk_create(outlines, batch_size=500)
    return len(places), len(areas), len(outlines)


def _split_numbers(out: list[GridPlace], grids: list[Any], name: str, kind: str, per: int, rng: random.Random,
                   *, fixed: bool = False) -> None:
    """``name``'s numbers 1 … over ``grids`` in runs of about ``per`` (exactly ``per`` when ``fixed``)."""
    start = 1
    for grid in grids:
        size = per if fixed else max(1, per + rng.randint(-1, 1))
        out.append(GridPlace(grid=grid, kind=kind, name=name, number_from=start, number_to=start + size - 1))
        start += size
