"""Stationed units: registering one makes its tree node and its row; liaisons land on their unit's page and
reach nothing else; a summoned demand is opened and reported on by the liaison."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.cobuild.factories_units import make_agreement, make_item, make_liaison, make_pairing, make_unit
from tests.factories import make_person, user_with_post
from zongheng.cobuild.models import UNIT_LEVEL, Unit
from zongheng.core.errors import ActionError
from zongheng.core.landing import landing_url
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs.models import Org, Post

API = "/api/v1"


@pytest.fixture
def secretary(tree):
    return user_with_post(tree.streets[0], Role.SECRETARY, "street1")


def test_registering_a_unit_makes_its_node_under_the_place_and_its_row(tree, secretary):
    community = tree.communities[0]
    unit = make_unit(community, "振发锻件公司", user=secretary, address="人民路 1 号")
    node = Org.objects.get(pk=unit.org_id)
    assert node.level.code == UNIT_LEVEL and node.name == "振发锻件公司"
    assert node.path.startswith(community.path) and node.depth == community.depth + 1
    assert unit.org_path == node.path and unit.place_id == community.pk
    actions_logged = set(AuditLog.objects.values_list("action", flat=True))
    assert {"org.create", "cobuild.unit_create"} <= actions_logged


def test_a_unit_outside_the_scope_or_named_twice_is_refused_and_nothing_is_written(tree, secretary):
    before = (Org.objects.count(), Unit.objects.count())
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        make_unit(tree.communities[2], user=secretary)  # the other street
    make_unit(tree.communities[0], "市总工会", user=secretary)
    with pytest.raises(ActionError, match="已有名为"):
        make_unit(tree.communities[1], "市总工会", user=secretary)
    with pytest.raises(ActionError, match="只能登记在街道"):
        make_unit(tree.grids[0], user=secretary)
    assert (Org.objects.count(), Unit.objects.count()) == (before[0] + 1, before[1] + 1)


def test_the_page_registers_a_unit_with_the_picked_community(client, tree, secretary):
    client.force_login(secretary)
    data = {"place": tree.communities[1].pk, "name": "绿地集团安庆置业有限公司", "type": "private_enterprise",
            "level": "local", "party_management": "local"}
    response = client.post(reverse("cobuild:unit_create"), data)
    unit = Unit.objects.get(name=data["name"])
    assert response.status_code == 302 and response["Location"] == reverse("cobuild:unit_detail", args=[unit.pk])
    assert unit.org.path.startswith(tree.communities[1].path)
    forged = data | {"place": tree.communities[2].pk, "name": "伪造单位"}
    page = client.post(reverse("cobuild:unit_create"), forged)
    assert page.status_code == 200 and "不存在或不在您的管辖范围内" in page.content.decode()
    assert not Unit.objects.filter(name="伪造单位").exists()


def test_editing_a_unit_renames_its_node_and_is_audited(client, tree, secretary):
    unit = make_unit(tree.communities[0], "旧名称")
    client.force_login(secretary)
    data = {"name": "新名称", "type": "agency", "level": "district", "party_management": "system",
            "members_count": 12}
    assert client.post(reverse("cobuild:unit_edit", args=[unit.pk]), data).status_code == 302
    unit.refresh_from_db()
    assert unit.name == "新名称" and unit.org.name == "新名称" and unit.members_count == 12
    assert AuditLog.objects.filter(action="cobuild.unit_update", object_id=str(unit.pk)).exists()


def test_the_unit_list_filters_by_the_picked_street_or_community(client, tree, secretary):
    a = make_unit(tree.communities[0], "甲单位")
    b = make_unit(tree.communities[1], "乙单位")
    client.force_login(secretary)
    page = client.get(reverse("cobuild:unit_list"), {"place": tree.communities[0].pk}).content.decode()
    assert a.name in page and b.name not in page
    page = client.get(reverse("cobuild:unit_list")).content.decode()
    assert a.name in page and b.name in page
    picker = client.get(reverse("cobuild:unit_pick"), {"pick_q": "第2社区"}).content.decode()
    assert tree.communities[1].name in picker and tree.communities[2].name not in picker


# ---------------------------------------------------------------- liaisons


def test_appointing_a_liaison_creates_a_post_on_the_unit_node(client, tree, secretary):
    unit = make_unit(tree.communities[0])
    client.force_login(secretary)
    response = client.post(reverse("cobuild:unit_liaison_add", args=[unit.pk]),
                           {"name": "王联络", "phone": "13800001111", "starts_on": "2018-03-01"})
    assert response.status_code == 302
    post = Post.objects.get(org=unit.org, role=Role.LIAISON)
    assert post.person.name == "王联络" and post.person.org_id == unit.org_id
    page = client.get(reverse("cobuild:unit_detail", args=[unit.pk])).content.decode()
    assert "王联络" in page and "13800001111" not in page and "138****" not in page  # names only
    person = make_person(tree.communities[0], "李已在册")
    client.post(reverse("cobuild:unit_liaison_add", args=[unit.pk]), {"person": person.pk, "starts_on": "2018-03-01"})
    assert Post.objects.filter(org=unit.org, role=Role.LIAISON, person=person).exists()
    client.post(reverse("cobuild:unit_liaison_end", args=[unit.pk, post.pk]), {"ends_on": "2018-06-01"})
    post.refresh_from_db()
    assert post.ends_on == dt.date(2018, 6, 1)


def test_a_person_outside_the_scope_cannot_be_made_liaison(client, tree, secretary):
    unit = make_unit(tree.communities[0])
    stranger = make_person(tree.communities[2])
    client.force_login(secretary)
    page = client.post(reverse("cobuild:unit_liaison_add", args=[unit.pk]),
                       {"person": stranger.pk, "starts_on": "2018-03-01"})
    assert page.status_code == 200 and "不存在或不在您的管辖范围内" in page.content.decode()
    assert not Post.objects.filter(org=unit.org).exists()


def test_a_liaison_lands_on_their_unit_page_and_others_keep_their_todo(tree, secretary):
    unit = make_unit(tree.communities[0])
    liaison = make_liaison(unit)
    assert landing_url(liaison) == reverse("cobuild:unit_detail", args=[unit.pk])
    assert landing_url(secretary) == reverse("core:todo")


def test_a_liaison_reaches_only_their_own_unit(client, tree):
    mine = make_unit(tree.communities[0], "本单位")
    other = make_unit(tree.communities[0], "邻单位")
    agreement = make_agreement(tree.communities[0], mine)
    item = make_item(agreement, dt.date(2018, 9, 1))
    make_pairing(tree.communities[0], mine)
    liaison = make_liaison(mine)
    client.force_login(liaison)
    page = client.get(reverse("cobuild:unit_detail", args=[mine.pk]))
    assert page.status_code == 200 and item.title in page.content.decode()
    assert client.get(reverse("cobuild:unit_detail", args=[other.pk])).status_code == 404
    assert client.get(f"{API}/units/{other.pk}").status_code == 404
    assert client.get(f"{API}/units/{other.pk}/performance").status_code == 404
    assert client.get(reverse("cobuild:perf_unit_export", args=[other.pk])).status_code == 404
    assert client.get(reverse("cobuild:perf_rows", args=[other.pk, "on_time"])).status_code == 404
    listed = client.get(f"{API}/units").json()
    assert [u["id"] for u in listed["items"]] == [mine.pk]
    assert "邻单位" not in client.get(reverse("cobuild:unit_list")).content.decode()
    # and changes nothing: no right to edit, appoint or create
    assert client.get(reverse("cobuild:unit_edit", args=[mine.pk])).status_code == 403
    assert client.post(reverse("cobuild:unit_create"), {"name": "x"}).status_code == 403


def test_a_liaison_opens_and_reports_on_a_demand_summoned_to_their_unit(client, tree):
    from zongheng.demands.actions import do_submit_demand, do_whistle
    from zongheng.demands.models import Category, Summons

    unit = make_unit(tree.communities[0])
    liaison = make_liaison(unit)
    street_secretary = user_with_post(tree.streets[0], Role.SECRETARY)
    demand, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                        "urgency": "normal", "description": "楼道堆放杂物", "address": "幸福里",
                                        "grid": tree.grids[0]})
    other, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                       "urgency": "normal", "description": "别处的诉求", "address": "幸福里",
                                       "grid": tree.grids[0]})
    summons = do_whistle(street_secretary, demand, [unit.org])[0]
    client.force_login(liaison)
    page = client.get(reverse("cobuild:unit_detail", args=[unit.pk])).content.decode()
    assert demand.ref in page and other.ref not in page
    detail = client.get(reverse("demands:detail", args=[demand.pk]))
    assert detail.status_code == 200
    assert client.get(reverse("demands:detail", args=[other.pk])).status_code == 404
    demand.refresh_from_db()
    response = client.post(reverse("demands:act", args=[demand.pk, "report"]),
                           {"report-report": "已派人清理", "report-summons": summons.pk,
                            "report-version": demand.version})
    assert response.status_code == 302
    summons = Summons.objects.get(pk=summons.pk)
    assert summons.reported_at is not None and summons.report == "已派人清理"
