"""Demands meet units: a stationed unit can be summoned (吹哨) or dispatched to, its liaison sees and reports
on the summoned demand (and nothing of another unit's), and routing suggests the units whose offered
resources fit the demand's category and place — first in the whistle picker."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.cobuild.factories_lists import make_liaison, make_resource, make_unit
from tests.factories import user_with_post
from zongheng.cobuild.matching import units_for_demand
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role
from zongheng.demands import actions, selectors
from zongheng.demands.models import Category, Demand, Summons


@pytest.fixture
def street_secretary(tree):
    return user_with_post(tree.streets[0], Role.SECRETARY, "streetsec")


@pytest.fixture
def district_secretary(tree):
    return user_with_post(tree.district, Role.SECRETARY, "districtsec")


def _submit(tree, category="elderly", description="独居老人需要有人定期探访", grid=None):
    demand, _ = actions.do_submit_demand(None, {
        "channel": "web", "category": Category.objects.get(code=category), "urgency": "normal",
        "description": description, "address": "测试路 1 号", "grid": grid or tree.grids[0]})
    return demand


def test_units_are_whistle_and_dispatch_targets(tree, street_secretary):
    here = make_unit(tree.communities[0])
    elsewhere = make_unit(tree.communities[3])
    demand = _submit(tree)

    whistle = set(selectors.whistle_targets(demand).values_list("pk", flat=True))
    dispatch = set(selectors.dispatch_targets(street_secretary).values_list("pk", flat=True))

    assert here.org_id in whistle and elsewhere.org_id in whistle  # anywhere in the district
    assert here.org_id in dispatch and elsewhere.org_id not in dispatch  # within the street's own subtree


def test_a_summoned_units_liaison_sees_and_reports_and_another_liaison_does_not(client, tree, street_secretary):
    unit = make_unit(tree.communities[0], name="市总工会")
    other = make_unit(tree.communities[1], name="绿地集团安庆置业")
    liaison, stranger = make_liaison(unit, "liaison"), make_liaison(other, "other_liaison")
    demand = _submit(tree)
    assert not Demand.objects.restrict(liaison).filter(pk=demand.pk).exists()

    (summons,) = actions.do_whistle(street_secretary, demand, [unit.org])

    assert Demand.objects.restrict(liaison).filter(pk=demand.pk).exists()
    client.force_login(liaison)
    page = client.get(reverse("demands:detail", args=[demand.pk]))
    assert page.status_code == 200 and demand.ref in page.content.decode()
    client.force_login(stranger)
    assert client.get(reverse("demands:detail", args=[demand.pk])).status_code == 404
    with pytest.raises(ActionError):
        actions.do_report(stranger, summons, "我们也来了")

    actions.do_report(liaison, summons, "已安排志愿者每周探访")

    summons = Summons.objects.get(pk=summons.pk)
    assert summons.reported_at is not None and summons.report == "已安排志愿者每周探访"


def test_a_liaison_handles_a_demand_dispatched_to_the_unit(client, tree, street_secretary):
    unit = make_unit(tree.communities[0])
    liaison = make_liaison(unit)
    demand = _submit(tree)

    actions.do_assign(street_secretary, demand, unit.org)

    client.force_login(liaison)
    assert client.get(reverse("demands:detail", args=[demand.pk])).status_code == 200
    assert Demand.objects.restrict(liaison, "demand.handle").filter(pk=demand.pk).exists()


def test_units_whose_resources_fit_the_demand_are_suggested_nearest_first(tree, district_secretary):
    near = make_unit(tree.communities[0], name="本社区共建单位")
    street = make_unit(tree.communities[1], name="同街道共建单位")
    far = make_unit(tree.communities[3], name="外街道共建单位")
    unfit = make_unit(tree.communities[0], name="只有资金的单位")
    used_up = make_unit(tree.communities[0], name="志愿者已用完的单位")
    make_resource(district_secretary, far, "volunteers", 50)
    make_resource(district_secretary, street, "volunteers", 20)
    make_resource(district_secretary, near, "venue", 200)  # 养老: venues fit too
    make_resource(district_secretary, unfit, "funds", 10000)
    gone = make_resource(district_secretary, used_up, "volunteers", 5, active=False)
    assert not gone.active
    demand = _submit(tree, "elderly")

    suggested = units_for_demand(demand)

    assert [s.unit_id for s in suggested] == [near.pk, street.pk, far.pk]
    assert suggested[0].reason == "可提供场地·同一社区·剩余 200 平方米"
    assert suggested[1].reason.startswith("可提供志愿者·同一街道")


def test_words_of_the_description_add_kinds(tree, district_secretary):
    unit = make_unit(tree.communities[0])
    make_resource(district_secretary, unit, "venue", 300)
    demand = _submit(tree, "other", "希望社区有个活动室给孩子写作业")
    assert [s.unit_id for s in units_for_demand(demand)] == [unit.pk]
    assert units_for_demand(_submit(tree, "other", "邻居家的狗太吵")) == []


def test_the_whistle_picker_offers_the_suggested_unit_first(client, tree, street_secretary, district_secretary):
    unit = make_unit(tree.communities[1], name="区人民医院")
    make_resource(district_secretary, unit, "skills", 10, "义诊")
    demand = _submit(tree, "other", "小区老人想要义诊")
    client.force_login(street_secretary)

    response = client.get(reverse("demands:pick_for", args=[demand.pk, "whistle"]), HTTP_HX_REQUEST="true")

    ids = [int(v) for v in re.findall(r'name="[^"]+" value="(\d+)"', response.content.decode())]
    assert ids[0] == unit.org_id
    assert ids[1:3] == [tree.communities[0].pk, tree.streets[0].pk]  # then the demand's community and street


def test_a_liaison_sees_every_demand_their_unit_is_summoned_to_and_counts_them_all(tree, street_secretary):
    """The summoned branch of the scope is a subquery of several rows (``core.access.in_q``): every one counts,
    on SQLite as on PostgreSQL."""
    unit = make_unit(tree.communities[0], name="市总工会")
    liaison = make_liaison(unit, "liaison")
    summoned = [_submit(tree, description=f"第 {i} 件需要共建单位协助的诉求") for i in range(3)]
    left_out = _submit(tree, description="没有吹哨的诉求")
    for demand in summoned:
        actions.do_whistle(street_secretary, demand, [unit.org])

    seen = Demand.objects.restrict(liaison)

    assert set(seen.values_list("pk", flat=True)) == {d.pk for d in summoned}
    assert seen.count() == 3 and not seen.filter(pk=left_out.pk).exists()


def test_the_demo_summons_the_liaisons_units_to_an_open_demand_of_their_street(tree):
    """cobuild.demo's live slice: each demo liaison's unit is summoned (by the street's secretary, through
    do_whistle) to an open demand of its street, so the liaison finds a demand waiting for their 报到."""
    from zongheng.cobuild.demo import _summon_live

    unit = make_unit(tree.communities[0], "振发锻件公司")
    user_with_post(tree.streets[0], Role.SECRETARY)
    demand, _ = actions.do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                        "urgency": "normal", "description": "楼道堆物", "address": "幸福里",
                                        "grid": tree.grids[0]})
    Demand.objects.filter(pk=demand.pk).update(status="accepted")

    assert _summon_live(tree.district, ["振发锻件公司"]) == 1

    summons = Summons.objects.get(org=unit.org)
    assert summons.demand_id == demand.pk and summons.reported_at is None
    assert Demand.objects.get(pk=demand.pk).events.filter(action="whistle").exists()
