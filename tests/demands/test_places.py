"""Residents find their grid: places and boundaries of the demo grids, "我不清楚", and Open311 by place.

The demo district (orgs part) is built once for the module inside a transaction rolled back at
the end; each test runs in its own savepoint inside it.
"""

from __future__ import annotations

import random

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.demands import figures
from zongheng.demands.actions import do_assign
from zongheng.demands.choices import Status
from zongheng.demands.models import Category, Demand
from zongheng.orgs import demo, places
from zongheng.orgs.demo_places import EXTENT
from zongheng.orgs.models import GridArea, GridPlace, Org

SEED = 2018


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = demo.build(seed=SEED)
        yield built


def grid(name: str) -> Org:
    return Org.objects.get(name=name, level__code="grid")


def inside(org: Org) -> tuple[float, float]:
    """(lat, long) of the centre of a grid's quadrilateral (strictly inside it: it is convex)."""
    ring = GridArea.objects.get(grid=org).boundary["coordinates"][0][:-1]
    return sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring)


def what(client, address: str, description: str = "楼下的路灯坏了，晚上很黑", **extra: str):
    return client.post(reverse("demands:submit"), {"step": "what", "description": description,
                                                    "address": address, **extra})


# ---------------------------------------------------------------- the demo's places


def test_every_demo_grid_has_places_and_a_boundary_and_the_boundaries_tile_the_district(district, db):
    grids = Org.objects.filter(level__code="grid", kind="regular")
    assert grids.count() == 264
    assert GridArea.objects.count() == 264
    assert not grids.exclude(pk__in=GridPlace.objects.values("grid_id")).exists()
    rng = random.Random(1)
    (w, s), (e, n) = EXTENT
    areas = list(GridArea.objects.all())
    for _ in range(150):  # a point of the district lies in exactly one grid
        lat, long = rng.uniform(s, n), rng.uniform(w, e)
        assert sum(places.contains(a.boundary, long, lat) for a in areas) == 1
    assert places.grid_at(s - 0.5, w - 0.5) is None  # outside the district: no grid


def test_the_places_are_the_same_for_the_same_seed(district, db):
    rows = sorted(GridPlace.objects.values_list("grid__name", "kind", "name", "number_from", "number_to"))
    xingfu = [r for r in rows if r[2] == "幸福小区"]
    assert xingfu == [("先锋社区第1网格", "compound", "幸福小区", 1, 6),
                      ("先锋社区第2网格", "compound", "幸福小区", 7, 12),
                      ("先锋社区第3网格", "compound", "幸福小区", 13, 18)]


# ---------------------------------------------------------------- a resident types an address


@pytest.mark.parametrize("address,expected", [
    ("幸福小区 3 栋", "先锋社区第1网格"),
    ("幸福小区3栋楼下", "先锋社区第1网格"),
    ("幸福小区 ８ 号楼门口", "先锋社区第2网格"),  # full-width digit, 号楼
    ("幸福小区十三栋", "先锋社区第3网格"),  # Chinese numerals
])
def test_a_resident_who_types_only_a_compound_and_building_gets_the_right_grid(client, district, db, address,
                                                                              expected):
    response = what(client, address)
    assert response.status_code == 200
    assert response.context["suggested"].name == expected
    assert f'<option value="{grid(expected).pk}" selected>' in response.content.decode()


def test_a_street_number_finds_the_grid_of_its_range(district, db):
    place = GridPlace.objects.filter(kind="street").select_related("grid").order_by("grid__path").first()
    number = place.number_from + 5
    assert places.locate(f"{place.name}{number}号 门口").grid == place.grid


def test_a_compound_without_a_building_number_points_at_its_community_not_a_grid(client, district, db):
    located = places.locate("幸福小区")
    assert located.grid is None and located.area == Org.objects.get(name="先锋社区")
    response = what(client, "幸福小区")
    assert response.context["suggested"] is None
    assert "我不清楚" in response.content.decode()


# ---------------------------------------------------------------- "我不清楚"


def _send_unknown(client, address: str = "幸福小区门口", description: str = "小区门口的路灯坏了一个星期",
                  receiver: str = "先锋社区", category: str = "other") -> Demand:
    category = Category.objects.get(code=category)
    data = {"description": description, "address": address, "grid": "0", "category": category.pk}
    response = client.post(reverse("demands:submit"), {"step": "where", **data})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert f"由{receiver}确定所属网格" in response.content.decode()
    response = client.post(reverse("demands:submit"), {"step": "send", **data, "phone": ""})
    assert response.status_code == 200
    return Demand.objects.get(ref=response.context["ref"])


def test_i_dont_know_sends_the_demand_to_the_community_received_with_its_deadline_running(client, district, db):
    demand = _send_unknown(client)
    assert demand.status == Status.RECEIVED
    assert demand.org.name == "先锋社区" and demand.grid.name == "先锋社区"
    assert demand.response_due_at > demand.received_at
    assert [e.action for e in demand.events.order_by("seq")] == ["receive"]
    community = User.objects.get(username="community")
    client.force_login(community)
    page = client.get(reverse("demands:queue")).content.decode()
    assert demand.ref in page


def test_an_unplaced_demand_counts_for_its_community_until_staff_assign_its_grid(client, district, db):
    demand = _send_unknown(client)
    period = figures.Period("year", timezone.localtime(demand.received_at).year)
    community, target = Org.objects.get(name="先锋社区"), grid("先锋社区第2网格")
    rollup = figures.roll_up(community, period)
    assert rollup.total.counted == 1
    assert sum(f.counted for _, f in rollup.children) == 0  # no grid counts it yet
    do_assign(User.objects.get(username="community"), demand, target)
    demand.refresh_from_db()
    assert demand.grid == target and demand.grid_path == target.path and demand.org == target
    assert demand.status == Status.ASSIGNED
    rollup = figures.roll_up(community, period)
    assert dict((o.name, f.counted) for o, f in rollup.children)["先锋社区第2网格"] == 1


def test_i_dont_know_with_an_address_that_names_nothing_goes_to_the_district(client, district, db):
    demand = _send_unknown(client, address="不知道在哪里", description="路边的井盖没了，很危险", receiver="迎江区")
    assert demand.org.level.code == "district" and demand.status == Status.RECEIVED


def test_the_similar_step_still_works_for_a_chosen_grid_and_for_i_dont_know(client, district, db):
    first = grid("先锋社区第1网格")
    category = Category.objects.get(code="other")
    from zongheng.demands.actions import do_submit_demand

    existing, _ = do_submit_demand(None, {"channel": "web", "category": category, "urgency": "normal",
                                          "description": "幸福小区路灯坏了", "address": "幸福小区 3 栋", "grid": first})
    base = {"step": "where", "description": "幸福小区路灯坏了，很黑", "category": category.pk}
    for grid_value, address in ((str(first.pk), "幸福小区 3 栋"), ("0", "幸福小区")):
        response = client.post(reverse("demands:submit"), {**base, "address": address, "grid": grid_value})
        assert existing.ref in response.content.decode(), grid_value


# ---------------------------------------------------------------- Open311


def post311(client, **fields: str):
    return client.post(reverse("open311:requests", kwargs={"fmt": "json"}),
                       {"service_code": "other", "description": "路灯坏了", **fields})


def test_open311_coordinates_inside_a_grid_land_in_that_grid(client, district, db):
    target = grid("地质社区第2网格")
    lat, long = inside(target)
    response = post311(client, lat=f"{lat:.6f}", long=f"{long:.6f}", address_string="某路口")
    assert response.status_code == 201, response.content
    demand = Demand.objects.get(ref=response.json()[0]["service_request_id"])
    assert demand.grid == target and demand.status == Status.ASSIGNED


def test_open311_with_only_an_address_is_resolved_by_address(client, district, db):
    response = post311(client, address_string="幸福小区 8 栋")
    assert response.status_code == 201
    assert Demand.objects.get(ref=response.json()[0]["service_request_id"]).grid == grid("先锋社区第2网格")


def test_open311_whose_place_finds_no_grid_is_accepted_and_waits_for_staff(client, district, db):
    response = post311(client, lat="31.900000", long="118.900000", address_string="火星基地 1 号")
    assert response.status_code == 201, response.content
    body = response.json()[0]
    assert "确定所属网格" in body["service_notice"]
    demand = Demand.objects.get(ref=body["service_request_id"])
    assert demand.status == Status.RECEIVED and demand.org.level.code == "district"
    assert demand.response_due_at > demand.received_at


# ---------------------------------------------------------------- geometry


def test_ray_casting_handles_holes_multipolygons_and_refuses_bad_geometry():
    square = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]
    poly = {"type": "Polygon", "coordinates": [square, hole]}
    assert places.contains(poly, 0.5, 0.5) and not places.contains(poly, 2, 2) and not places.contains(poly, 5, 2)
    multi = {"type": "MultiPolygon", "coordinates": [[square], [[[10, 10], [12, 10], [11, 12], [10, 10]]]]}
    assert places.contains(multi, 11, 10.5) and not places.contains(multi, 8, 8)
    assert places.bbox(multi) == (0, 0, 12, 12)
    for bad in ({"type": "Point", "coordinates": [1, 2]}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
                {"type": "Polygon", "coordinates": [[[0, 0], [1, "x"], [1, 1], [0, 0]]]}, "nope",
                {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}):
        with pytest.raises(ValueError, match="边界"):
            places.polygons(bad)


def test_a_phone_position_finds_the_grid_and_is_kept_on_the_demand(client, district, db):
    target = grid("滨江社区第1网格")
    lat, long = inside(target)
    response = what(client, "幸福小区 3 栋", lat=f"{lat:.6f}", long=f"{long:.6f}")
    assert response.context["suggested"] == target  # the phone's position wins over the typed address
    assert "根据您现在的位置，推荐" in response.content.decode()
    page = response.content.decode()
    assert 'type="hidden" name="lat"' in page and 'type="hidden" name="long"' in page  # carried to the next step
    category = Category.objects.get(code="other")
    data = {"description": "楼下的路灯坏了，晚上很黑", "address": "我家楼下", "grid": target.pk,
            "category": category.pk, "lat": f"{lat:.6f}", "long": f"{long:.6f}"}
    done = client.post(reverse("demands:submit"), {"step": "send", **data})
    demand = Demand.objects.get(ref=done.context["ref"])
    assert demand.grid == target and abs(float(demand.lat) - lat) < 1e-5 and abs(float(demand.long) - long) < 1e-5
    bad = what(client, "我家楼下", lat="91", long="117")
    assert bad.status_code == 400 and "位置信息不正确" in bad.content.decode()


def test_staff_see_the_demand_is_unplaced_and_staff_entry_still_needs_a_grid(client, district, db):
    demand = _send_unknown(client)
    client.force_login(User.objects.get(username="community"))
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "未定" in page and "由先锋社区派给所属网格" in page
    from zongheng.core.errors import ActionError
    from zongheng.demands.actions import do_submit_demand

    with pytest.raises(ActionError, match="请选择诉求所在的网格"):
        do_submit_demand(None, {"channel": "web", "category": Category.objects.get(code="other"),
                                "urgency": "normal", "description": "路灯坏了", "address": "幸福小区",
                                "grid": Org.objects.get(name="先锋社区")})


def test_the_queue_filters_the_demands_waiting_for_a_grid(client, district, db):
    unplaced = _send_unknown(client)
    placed = _send_unknown(client, address="幸福小区", description="邻居家的狗整夜叫", category="noise")
    do_assign(User.objects.get(username="community"), placed, grid("先锋社区第1网格"))
    client.force_login(User.objects.get(username="community"))
    page = client.get(reverse("demands:queue"), {"grid": "none"}).content.decode()
    assert unplaced.ref in page and placed.ref not in page


def test_a_refused_i_dont_know_send_still_says_where_it_would_go_and_writes_nothing(client, district, db, settings):
    """The receiver of a 我不清楚 demand is worked out for the page shown again after a refusal (here the hourly
    limit), and the refusal is in Chinese with nothing written."""
    settings.DEMAND_PUBLIC_PER_HOUR = 1
    _send_unknown(client)
    before = Demand.objects.count()
    data = {"description": "小区门口的路灯又坏了", "address": "幸福小区门口", "grid": "0",
            "category": Category.objects.get(code="other").pk}
    response = client.post(reverse("demands:submit"), {"step": "send", **data, "phone": ""})
    page = response.content.decode()
    assert response.status_code == 400 and "一小时" in page
    assert "由先锋社区确定所属网格" in page
    assert Demand.objects.count() == before
