"""Loading what grids cover from GeoJSON (manage.py grid_places): all or nothing, then addresses find the grid."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from tests.factories import refresh
from zongheng.core.models import AuditLog
from zongheng.orgs import places
from zongheng.orgs.models import GridArea, GridPlace
from zongheng.orgs.places_io import parse_place

SQUARE = {"type": "Polygon", "coordinates": [[[117.0, 30.5], [117.1, 30.5], [117.1, 30.6], [117.0, 30.6],
                                              [117.0, 30.5]]]}


@pytest.mark.parametrize("text,expected", [
    ("幸福小区 1-6 栋", ("compound", "幸福小区", 1, 6)),
    ("人民路 101～199 号", ("street", "人民路", 101, 199)),
    ("龙狮村 2 组", ("group", "龙狮村", 2, 2)),
    ("阳光花园", ("compound", "阳光花园", None, None)),
    ("建设路", ("street", "建设路", None, None)),
    ("幸福小区 １-６ 号楼", ("compound", "幸福小区", 1, 6)),
])
def test_places_are_written_as_residents_write_them(text, expected):
    assert parse_place(text) == expected


def test_a_geojson_file_replaces_the_places_and_boundary_of_the_grids_it_lists(tree, tmp_path):
    grid = refresh(tree.grids[0])
    GridPlace.objects.create(grid=grid, kind="compound", name="旧小区")
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"grid": grid.code, "places": ["幸福小区 1-6 栋", "人民路 1-99 号"]},
         "geometry": SQUARE}]}
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("grid_places", str(path))
    assert sorted(GridPlace.objects.filter(grid=grid).values_list("name", flat=True)) == ["人民路", "幸福小区"]
    assert GridArea.objects.get(grid=grid).min_long == 117.0
    assert places.locate("幸福小区 3 栋").grid == grid
    assert places.grid_at(30.55, 117.05) == grid
    assert AuditLog.objects.filter(action="org.grid_places_load").exists()


def test_one_bad_feature_and_nothing_is_written(tree, tmp_path):
    grid = refresh(tree.grids[0])
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"grid": grid.code, "places": ["幸福小区 1-6 栋"]}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"grid": "NOPE", "places": ["x"]}, "geometry": None},
        {"type": "Feature", "properties": {"grid": grid.code, "places": ["幸福小区 9-3 栋"]},
         "geometry": {"type": "Point", "coordinates": [1, 2]}},
    ]}
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as e:
        call_command("grid_places", str(path))
    assert "找不到代码为“NOPE”的网格" in str(e.value) and "起止号颠倒" in str(e.value)
    assert not GridPlace.objects.exists() and not GridArea.objects.exists()
