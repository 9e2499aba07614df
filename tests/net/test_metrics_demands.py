"""一张网's panel "demands" (民心零距离): the figures are those of ``demands.figures`` — equal to the direct,
row-by-row definitions for several scopes, periods and moments, equal to the demands' figures page, each opening
exactly the rows it counts — and a source's figures cost one query whatever the number of demands."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.demands.conftest import TZ, DemandWorld
from tests.demands.test_figures import build_random_demands, direct
from tests.factories import Tree, user_with_post
from zongheng.core import metrics as mx
from zongheng.core.periods import Period
from zongheng.core.permissions import Role
from zongheng.demands import figures
from zongheng.demands.metrics import FLAGGED

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2018, 7, 2, 10, 0, tzinfo=TZ)
LATER = dt.datetime(2018, 12, 31, 18, 0, tzinfo=TZ)
PERIODS = [Period.parse("2018"), Period.parse("2018-Q1"), Period.parse("2018-03"), Period.parse("2017")]
CODES = [m.code for m in mx.metrics("demands")]
PARTS = {"demands.received": "counted", **{f"demands.{name}": name for name in FLAGGED}}
RATES = {"demands.response_rate": "response_rate", "demands.resolution_rate": "resolution_rate",
         "demands.satisfaction_rate": "satisfaction_rate"}
PHONE = "13912345678"


@pytest.fixture
def world(tree: Tree) -> DemandWorld:
    return DemandWorld(tree, user_with_post(tree.grids[0], Role.GRID_LEADER),
                       user_with_post(tree.communities[0], Role.SECRETARY),
                       user_with_post(tree.streets[0], Role.SECRETARY),
                       user_with_post(tree.communities[2], Role.SECRETARY))


@pytest.fixture
def boss(world: DemandWorld) -> Any:
    return user_with_post(world.tree.district, Role.SECRETARY)


def _value(groups: dict[str, dict[str, Any]], code: str, path: str) -> Any:
    value = groups[code].get(path)
    return (0 if value is None else value) if code not in RATES else value


def _percent(rate: float | None) -> Decimal | None:
    return None if rate is None else Decimal(rate * 100)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_demands_figure_equals_the_direct_definition_for_each_scope_period_and_moment(world, boss, seed):
    build_random_demands(world, boss, seed)
    tree = world.tree
    for now in (NOW, LATER):
        for period in PERIODS:
            for org in (tree.district, tree.streets[1], tree.communities[0], tree.grids[2]):
                want = direct(org, period, now)
                got = mx.grouped(CODES, org.path, len(org.path), period, now)
                for code, name in PARTS.items():
                    rows = {d.pk for d in want["sets"][name]}
                    assert _value(got, code, org.path) == len(rows), (code, org.name, str(period), now)
                    assert set(mx.rows(code, org.path, period, now).values_list("pk", flat=True)) == rows, code
                for code, name in RATES.items():
                    rate = _percent(want[name])
                    value = _value(got, code, org.path)
                    assert (value is None) == (rate is None), (code, org.name, str(period))
                    assert value is None or abs(value - rate) <= Decimal("0.05"), (code, value, rate)


def test_the_dashboard_and_the_figures_page_agree_for_the_street_and_each_community(client, world, boss):
    build_random_demands(world, boss, 5, n=30)
    street = world.tree.streets[0]
    client.force_login(world.street_secretary)
    for period in ("2018", "2018-Q2"):
        page = client.get(reverse("demands:figures"), {"org": street.pk, "period": period})
        board = client.get(reverse("net:dashboard", args=[street.pk]), {"period": period})
        assert page.status_code == board.status_code == 200
        panel = next(p for p in board.context["panels"] if p["key"] == "demands")
        cards = {c["code"]: c["value"] for c in panel["figures"]}
        total: figures.Figures = page.context["total"]["f"]
        assert cards["demands.received"] == f"{total.counted:,}"
        for code, name in PARTS.items():
            assert cards[code] == f"{getattr(total, name):,}", code
        assert cards["demands.response_rate"] == figures.percent(total.response_rate)
        assert cards["demands.resolution_rate"] == figures.percent(total.resolution_rate)
        assert cards["demands.satisfaction_rate"] == figures.percent(total.satisfaction_rate)
        by_child = {row["org"].pk: row["f"] for row in page.context["rows"]}
        received = panel["columns"].index("诉求数")
        assert [row["org"].pk for row in panel["table"]] == list(by_child)
        for row in panel["table"]:
            assert row["values"][received] == f"{by_child[row['org'].pk].counted:,}"


def test_the_rates_are_their_parts_and_an_empty_whole_is_no_rate(world, boss):
    build_random_demands(world, boss, 9, n=25)
    district = world.tree.district
    period = Period.parse("2018")
    readings = mx.read(CODES, district.path, [s.path for s in world.tree.streets], period, NOW)
    for rate, (part, whole) in {"demands.response_rate": ("demands.responded", "demands.response_due"),
                                "demands.resolution_rate": ("demands.resolved", "demands.resolution_due"),
                                "demands.satisfaction_rate": ("demands.satisfied", "demands.rated")}.items():
        assert readings[rate].value == mx.ratio(readings[part].value or 0, readings[whole].value or 0)
        assert readings[rate].previous is None  # nothing received in 2017
    assert readings["demands.received"].previous == 0
    assert readings["demands.received"].value == sum(readings["demands.received"].children.values())


def test_a_source_s_figures_cost_one_query_whatever_the_number_of_demands(world, boss):
    build_random_demands(world, boss, 3, n=6)
    district = world.tree.district
    with CaptureQueriesContext(connection) as small:
        mx.grouped(CODES, district.path, len(district.path) + 4, Period.parse("2018"), NOW)
    build_random_demands(world, boss, 4, n=30)
    with CaptureQueriesContext(connection) as large:
        mx.grouped(CODES, district.path, len(district.path) + 4, Period.parse("2018"), NOW)
    assert len(small) == len(large) == 1


def test_the_rows_page_shows_the_counted_demands_never_a_full_phone_and_only_in_scope(client, world, boss):
    tree = world.tree
    for i, grid in enumerate(tree.grids):
        world.submit(grid, phone=PHONE, now=dt.datetime(2018, 3, 5 + i, 9, 0, tzinfo=TZ))
    client.force_login(world.street_secretary)
    url = reverse("net:rows", args=[tree.streets[0].pk, "demands.received"])
    response = client.get(url, {"period": "2018"})
    assert response.status_code == 200
    text = response.content.decode()
    assert PHONE not in text and not re.search(r"1[3-9]\d{9}", text)
    items = response.context["items"]
    assert len(items) == 4  # the street's four grids, not the other street's
    assert all(item.url.startswith("/demands/") and "受理" in item.detail for item in items)
    other = client.get(reverse("net:rows", args=[tree.streets[1].pk, "demands.received"]), {"period": "2018"})
    assert other.status_code == 404
