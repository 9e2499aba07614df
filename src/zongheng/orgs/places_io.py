"""Loading what grids cover from a GeoJSON file (``manage.py grid_places``).

A FeatureCollection with one Feature per grid::

    {"type": "FeatureCollection", "features": [
      {"type": "Feature",
       "properties": {"grid": "340802001001-01", "places": ["幸福小区 1-6 栋", "人民路 1-99 号", "龙狮村 1-3 组"]},
       "geometry": {"type": "Polygon", "coordinates": [[[117.05, 30.52], …]]}}]}

``grid`` is the grid's organisation code (every organisation has one); ``places`` are written as a
resident would write them: a name, optionally a number or a range, and the unit that says what kind
of place it is (栋 a compound's buildings, 号 a street's doors, 组 a village's groups; a name alone
is a whole compound, or a whole street/village when it ends in 路/街/道/巷/村). ``geometry`` (optional)
is the boundary. Each listed grid's places (and boundary, when given) are replaced; grids not in the
file are left alone. All or nothing: any error and nothing is written.

The same file may carry the outlines of the organisations above the grids (a community or village, a
street or township, the district), drawn on 一张网's grid map: a Feature whose properties name the
organisation's code as ``org`` (instead of ``grid``) and whose geometry is required; such a feature lists
no places. (``org`` may also name a grid: it is then read as ``grid``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from zongheng.core import audit

from . import places
from .choices import OrgKind
from .models import Org
from .models_places import GridArea, GridPlace, OrgArea, PlaceKind

_PLACE = re.compile(r"^(?P<name>.+?)\s*"
                    r"(?:(?P<a>\d{1,5})\s*(?:[-–—~～至到]\s*(?P<b>\d{1,5}))?\s*(?P<unit>栋|幢|号楼|号|组))?$")
_UNIT_KIND = {"栋": PlaceKind.COMPOUND, "幢": PlaceKind.COMPOUND, "号楼": PlaceKind.COMPOUND,
              "号": PlaceKind.STREET, "组": PlaceKind.GROUP}


def parse_place(text: str) -> tuple[str, str, int | None, int | None]:
    """"幸福小区 1-6 栋" → ("compound", "幸福小区", 1, 6). Raises ValueError in Chinese."""
    m = _PLACE.match(places.normalise(text))
    if not m or len(m["name"].strip()) < places.MIN_NAME:
        raise ValueError(f"地点“{text[:40]}”无法识别，应写成“幸福小区 1-6 栋”“人民路 1-99 号”或“龙狮村 1-3 组”")
    name = m["name"].strip()
    if m["unit"]:
        kind = _UNIT_KIND[m["unit"]]
        low = int(m["a"])
        high = int(m["b"]) if m["b"] else low
        if high < low:
            raise ValueError(f"地点“{text[:40]}”的起止号颠倒了")
        return kind, name, low, high
    if name.endswith("村"):
        return PlaceKind.GROUP, name, None, None
    if name.endswith(("路", "街", "道", "巷")):
        return PlaceKind.STREET, name, None, None
    return PlaceKind.COMPOUND, name, None, None


@dataclass
class Loaded:
    grids: int = 0
    places: int = 0
    areas: int = 0
    outlines: int = 0  # organisations above the grids whose outline was replaced
    errors: list[str] = field(default_factory=list)


def _outline_orgs(codes: list[str]) -> dict[str, Org]:
    """Regular, not closed organisations above the grids (not grids, not central households) by code."""
    return {o.code: o for o in Org.objects.filter(code__in=codes, kind=OrgKind.REGULAR, closed_on__isnull=True)
            .exclude(level__code__in=("grid", "household"))}


def load(data: Any, *, actor: Any = None, dry_run: bool = False) -> Loaded:
    """Checks every feature, then (unless ``dry_run`` or any error) replaces the listed grids' places and areas
    and the listed organisations' outlines."""
    out = Loaded()
    features = data.get("features") if isinstance(data, dict) and data.get("type") == "FeatureCollection" else None
    if not isinstance(features, list):
        out.errors.append("文件应为 GeoJSON 的 FeatureCollection")
        return out
    codes = [c for f in features if isinstance(f, dict) and isinstance(f.get("properties"), dict)
             for c in (f["properties"].get("grid"), f["properties"].get("org")) if isinstance(c, str)]
    grids = {o.code: o for o in places.open_grids().filter(code__in=codes)}
    others = _outline_orgs(codes)
    plan: list[tuple[Org, list[GridPlace], GridArea | None]] = []
    outlines: list[OrgArea] = []
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            out.errors.append(f"第 {n} 个要素没有 properties")
            continue
        if "grid" not in props and "org" in props:
            code = props.get("org")
            if code in grids:  # an organisation code naming a grid: read as a grid
                props = {**props, "grid": code}
            else:
                if (outline := _outline(n, feature, props, others, out.errors)) is not None:
                    outlines.append(outline)
                continue
        grid = grids.get(props.get("grid"))
        if grid is None:
            out.errors.append(f"第 {n} 个要素：找不到代码为“{str(props.get('grid'))[:40]}”的网格")
            continue
        rows = []
        for text in props.get("places") or []:
            try:
                kind, name, low, high = parse_place(str(text))
            except ValueError as e:
                out.errors.append(f"第 {n} 个要素（{grid.name}）：{e}")
                continue
            rows.append(GridPlace(grid=grid, kind=kind, name=name, number_from=low, number_to=high))
        area = None
        if feature.get("geometry") is not None:
            try:
                area = GridArea(grid=grid, boundary=feature["geometry"])
                area.set_bbox()
            except ValueError as e:
                out.errors.append(f"第 {n} 个要素（{grid.name}）：{e}")
                continue
        plan.append((grid, rows, area))
    if out.errors or dry_run:
        return out
    with transaction.atomic():
        for grid, rows, area in plan:
            GridPlace.objects.filter(grid=grid).delete()
            GridPlace.objects.bulk_create(rows)
            if area is not None:
                GridArea.objects.filter(grid=grid).delete()
                area.save()
            out.grids += 1
            out.places += len(rows)
            out.areas += area is not None
        for outline in outlines:
            OrgArea.objects.filter(org=outline.org).delete()
            outline.save()
            out.outlines += 1
        audit.record(actor, "org.grid_places_load", None, object_type="orgs.gridplace", object_repr="网格地点",
                     after={"grids": out.grids, "places": out.places, "areas": out.areas,
                            "outlines": out.outlines})
    return out


def _outline(n: int, feature: dict[str, Any], props: dict[str, Any], orgs: dict[str, Org],
             errors: list[str]) -> OrgArea | None:
    """The outline of the organisation a feature names by ``org``; None (and a Chinese error) when it cannot be."""
    code = props.get("org")
    org = orgs.get(code) if isinstance(code, str) else None
    if org is None:
        errors.append(f"第 {n} 个要素：找不到代码为“{str(props.get('org'))[:40]}”的组织（社区、村、街道、乡或区）")
        return None
    if props.get("places"):
        errors.append(f"第 {n} 个要素（{org.name}）：只有网格可以列出地点，社区等组织只导入边界")
        return None
    if feature.get("geometry") is None:
        errors.append(f"第 {n} 个要素（{org.name}）：缺少边界（geometry）")
        return None
    try:
        outline = OrgArea(org=org, boundary=feature["geometry"])
        outline.set_bbox()
    except ValueError as e:
        errors.append(f"第 {n} 个要素（{org.name}）：{e}")
        return None
    return outline
