"""The demands API: scoped reads, staff entry, transitions through the actions, figures."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zongheng.demands import figures
from zongheng.demands.choices import Status
from zongheng.demands.figures import Period
from zongheng.demands.models import Demand

API = "/api/v1"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_staff_see_only_demands_of_their_scope_with_masked_phones(client, world):
    mine, _ = world.submit(phone="13812345678")
    theirs, _ = world.submit(world.tree.grids[4])
    client.force_login(world.community_secretary)
    body = client.get(f"{API}/demands").json()
    assert [d["ref"] for d in body["items"]] == [mine.ref]
    assert body["items"][0]["phone_masked"] == "138****5678"
    assert "13812345678" not in json.dumps(body)
    assert client.get(f"{API}/demands/{mine.pk}").json()["events"][0]["action"] == "receive"
    assert client.get(f"{API}/demands/{theirs.pk}").status_code == 404


def test_the_list_costs_the_same_queries_for_few_or_many_demands(client, world):
    world.submit()
    client.force_login(world.street_secretary)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/demands")
    for _ in range(6):
        world.submit(world.tree.grids[1])
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"{API}/demands").json()["count"] == 7
    assert len(few) == len(many)


def test_list_filters_narrow_the_demands(client, world):
    a, _ = world.submit()
    b, _ = world.submit(world.tree.grids[1], category="noise")
    client.force_login(world.street_secretary)
    assert [d["id"] for d in client.get(f"{API}/demands", {"category": "noise"}).json()["items"]] == [b.pk]
    assert [d["id"] for d in client.get(f"{API}/demands", {"grid": world.tree.grids[0].pk}).json()["items"]] == [a.pk]
    assert client.get(f"{API}/demands", {"period": "2018-03"}).json()["count"] == 2
    assert client.get(f"{API}/demands", {"period": "2018-04"}).json()["count"] == 0
    assert client.get(f"{API}/demands", {"status": "open"}).json()["count"] == 2
    assert client.get(f"{API}/demands", {"status": "closed"}).json()["count"] == 0


def test_staff_enter_a_demand_and_get_the_residents_tracking_code_once(client, world):
    client.force_login(world.grid_leader)
    response = post(client, f"{API}/demands", {
        "channel": "phone", "category": "sanitation", "description": "垃圾桶满了", "address": "幸福路 3 号",
        "grid": world.tree.grids[0].pk, "phone": "13900001111",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    demand = Demand.objects.get(pk=body["id"])
    assert demand.channel == "phone" and demand.created_by == world.grid_leader
    assert body["code"] and body["phone_masked"] == "139****1111" and body["status"] == Status.ASSIGNED
    assert "code" not in client.get(f"{API}/demands/{demand.pk}").json()


def test_entering_a_demand_outside_the_scope_is_refused_in_chinese(client, world):
    client.force_login(world.grid_leader)
    response = post(client, f"{API}/demands", {
        "category": "sanitation", "description": "x", "address": "y", "grid": world.tree.grids[4].pk,
    })
    assert response.status_code == 400 and "登记范围" in response.json()["detail"]
    assert not Demand.objects.exists()


def test_transitions_run_the_matching_action_and_refuse_what_the_table_forbids(client, world):
    demand, _ = world.submit()
    client.force_login(world.grid_leader)
    url = f"{API}/demands/{demand.pk}/transitions"
    refused = post(client, url, {"action": "answer", "answer": "提前答复"})
    assert refused.status_code == 400 and "不能答复" in refused.json()["detail"]
    assert post(client, url, {"action": "fly"}).json()["detail"] == "未知的办理动作：fly"
    assert "不能通过接口" in post(client, url, {"action": "rate"}).json()["detail"]
    body = post(client, url, {"action": "accept", "expected_version": demand.version}).json()
    assert body["status"] == Status.ACCEPTED
    stale = post(client, url, {"action": "start", "expected_version": demand.version})
    assert stale.status_code == 400 and "刷新" in stale.json()["detail"]
    body = post(client, url, {"action": "answer", "answer": "已清理"}).json()
    assert body["status"] == Status.ANSWERED and body["answer"] == "已清理"
    assert [e["action"] for e in body["events"]] == ["receive", "assign", "accept", "answer"]


def test_a_grid_leader_cannot_dispatch_and_others_cannot_touch_a_demand_outside_their_scope(client, world):
    demand, _ = world.submit()
    client.force_login(world.grid_leader)
    url = f"{API}/demands/{demand.pk}/transitions"
    assert post(client, url, {"action": "reject", "reason": "不归我们管"}).status_code == 403
    client.force_login(world.other_community_secretary)
    assert post(client, url, {"action": "accept"}).status_code == 404
    client.force_login(world.community_secretary)
    body = post(client, url, {"action": "assign", "org": world.tree.grids[1].pk}).json()
    assert body["grid"]["id"] == world.tree.grids[0].pk and body["org"]["id"] == world.tree.grids[1].pk


def test_whistle_and_report_go_through_the_api(client, world):
    demand, _ = world.submit()
    client.force_login(world.street_secretary)
    url = f"{API}/demands/{demand.pk}/transitions"
    body = post(client, url, {"action": "whistle", "orgs": [world.tree.communities[1].pk]}).json()
    assert body["events"][-1]["action"] == "whistle"
    body = post(client, url, {"action": "report", "report": "已到场"}).json()
    assert body["events"][-1]["action"] == "report"


@pytest.mark.parametrize("period", ["2018", "2018-Q1", "2018-03"])
def test_figures_for_an_org_and_its_children_match_the_definitions(client, world, period):
    d, _ = world.submit()
    world.submit(world.tree.grids[2])
    client.force_login(world.grid_leader)
    post(client, f"{API}/demands/{d.pk}/transitions", {"action": "accept"})
    client.force_login(world.street_secretary)
    body = client.get(f"{API}/demands/figures", {"period": period}).json()
    street = world.tree.streets[0]
    want = figures.roll_up(street, Period.parse(period))
    assert body["org"]["id"] == street.pk and body["period"] == period
    assert body["figures"]["counted"] == want.total.counted == 2
    assert body["figures"]["response_rate"] == want.total.response_rate
    assert [c["org"]["id"] for c in body["children"]] == [c.pk for c, _ in want.children]
    assert sum(c["figures"]["counted"] for c in body["children"]) == 2


def test_figures_outside_the_scope_or_with_a_bad_period_are_refused(client, world):
    client.force_login(world.community_secretary)
    assert client.get(f"{API}/demands/figures", {"org": world.tree.communities[2].pk}).status_code == 404
    assert client.get(f"{API}/demands/figures", {"period": "2018-13"}).status_code == 400
    assert client.get(f"{API}/demands/figures", {"period": "18"}).status_code == 422
