"""A district and the levels above it read a snapshot on the figures page (issue 14, item 4): a city's year is
100,000+ demands at scale 100, and counting them exactly cost more than the page. The page and the API say when the
snapshot was counted; a street and everything below it stay live, and so do the lists behind the numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.demands.conftest import MONDAY
from tests.factories import build_city, user_with_post
from zongheng.core.permissions import Role
from zongheng.demands import actions
from zongheng.demands.choices import Channel, Urgency
from zongheng.demands.models import Category
from zongheng.orgs.models import Org


@pytest.fixture
def city_grid(demand_defaults):  # type: ignore[no-untyped-def]
    city, district, street, _community, grid = build_city()
    return city, district, street, grid


def submit(grid: Org, now: dt.datetime) -> None:
    actions.do_submit_demand(None, {
        "channel": Channel.WEB, "category": Category.objects.get(code="sanitation"), "urgency": Urgency.NORMAL,
        "description": "路灯不亮", "address": "测试路 1 号", "grid": grid, "phone": "",
    }, now=now)


def counted(client, org: Org) -> int:  # type: ignore[no-untyped-def]
    response = client.get(reverse("demands:figures"), {"org": org.pk, "period": "2018"})
    assert response.status_code == 200
    return response.context["total"]["counted"][0]


@override_settings(FIGURES_SNAPSHOT_SECONDS=300)
def test_a_city_and_a_district_read_a_snapshot_and_say_so_while_a_street_and_the_lists_stay_live(client, city_grid):
    city, district, street, grid = city_grid
    submit(grid, MONDAY)
    client.force_login(user_with_post(city, Role.SECRETARY, "citysec"))
    assert counted(client, city) == 1
    assert counted(client, district) == 1
    page = client.get(reverse("demands:figures"), {"org": city.pk, "period": "2018"}).content.decode()
    assert "本页数字是" in page and "每 5 分钟重新统计一次" in page

    submit(grid, MONDAY + dt.timedelta(hours=1))
    assert counted(client, city) == 1  # the snapshots, as the pages say
    assert counted(client, district) == 1
    api = client.get("/api/v1/demands/figures", {"org": district.pk, "period": "2018"}).json()
    assert api["figures"]["counted"] == 1 and api["as_of"] is not None
    assert counted(client, street) == 2  # a street is always live …
    street_page = client.get(reverse("demands:figures"), {"org": street.pk, "period": "2018"})
    assert "本页数字是" not in street_page.content.decode()
    assert client.get("/api/v1/demands/figures", {"org": street.pk, "period": "2018"}).json()["as_of"] is None
    rows = client.get(reverse("demands:figures_list"), {"org": city.pk, "period": "2018", "figure": "counted"})
    assert len(rows.context["page"].object_list) == 2  # … and so is the list behind a number

    cache.clear()  # the snapshots expired
    assert counted(client, city) == 2
    assert counted(client, district) == 2


def test_with_the_setting_at_zero_a_city_is_live(client, city_grid):
    city, _district, _street, grid = city_grid
    submit(grid, MONDAY)
    client.force_login(user_with_post(city, Role.SECRETARY, "citysec"))
    assert counted(client, city) == 1
    submit(grid, MONDAY + dt.timedelta(hours=1))
    assert counted(client, city) == 2
    assert "本页数字是" not in client.get(reverse("demands:figures"), {"org": city.pk}).content.decode()
