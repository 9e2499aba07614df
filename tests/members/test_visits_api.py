"""民情日记 in the JSON API: the same rule and the same actions as the pages — list, get, record (with
``raise_demand``), correct, raise a demand later (once), the households one may visit, the counts."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.members.factories_visits import make_world, record
from zongheng.demands.choices import Channel
from zongheng.demands.models import Demand
from zongheng.members.models import PointEntry, Visit

API = "/api/v1/members/visits"


@pytest.fixture
def w(tree):
    return make_world(tree)


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_recording_through_the_api_with_a_demand_in_the_same_step(client, w):
    client.force_login(w.head)
    h = w.households[0]
    response = _post(client, API, {"household": h.pk, "raised": "楼下餐馆油烟很大", "raise_demand": True})
    assert response.status_code == 201, response.content
    body = response.json()
    visit = Visit.objects.get(pk=body["id"])
    assert body["visited_on"] == timezone.localdate().isoformat() and body["household"]["id"] == h.pk
    assert body["demand"]["ref"] == visit.demand.ref and body["tracking_code"]
    assert visit.demand.channel == Channel.VISIT and visit.demand.grid_id == w.grid.pk
    assert PointEntry.objects.filter(source=f"visit:{visit.pk}").count() == 1
    # Without the flag: no demand, no code.
    plain = _post(client, API, {"household": h.pk, "follow_up": "一切安好"}).json()
    assert plain["demand"] is None and plain["tracking_code"] is None


def test_a_forged_or_foreign_household_is_refused_with_one_message_and_nothing_is_written(client, w):
    client.force_login(w.head)
    for household in (w.households2[0].pk, w.far_households[0].pk, 2**62):
        response = _post(client, API, {"household": household, "raised": "x", "raise_demand": True})
        assert response.status_code == 400
        assert response.json()["detail"] == "联系户不存在，或您不能为该户记民情日记"
    assert _post(client, API, {"household": "abc"}).status_code == 422
    assert _post(client, API, {"household": w.households[0].pk, "visited_on": "2999-01-01"}).status_code == 400
    assert (Visit.objects.count(), Demand.objects.count()) == (0, 0)
    client.force_login(w.plain)
    assert _post(client, API, {"household": w.households[0].pk}).status_code == 403


def test_reading_visits_in_and_out_of_scope(client, w):
    mine, _ = record(w.head, w.households[0], raised="希望装防盗门")
    other, _ = record(w.head2, w.households2[0])
    client.force_login(w.head)
    listed = client.get(API).json()
    assert listed["count"] == 1 and [v["id"] for v in listed["items"]] == [mine.pk]
    assert client.get(f"{API}/{mine.pk}").json()["raised"] == "希望装防盗门"
    assert client.get(f"{API}/{other.pk}").status_code == 404
    assert client.get(f"{API}/{2**62}").status_code == 404
    client.force_login(w.secretary)
    assert client.get(API).json()["count"] == 2
    assert client.get(API, {"org": w.central2.pk}).json()["count"] == 1
    assert client.get(API, {"raised": "yes"}).json()["count"] == 1
    assert client.get(API, {"month": "2018-13"}).status_code == 422


def test_correcting_and_raising_later_once(client, w):
    visit, _ = record(w.head, w.households[0], raised="化粪池满了")
    client.force_login(w.grid_leader)  # may see it and raise it, did not record it
    assert client.patch(f"{API}/{visit.pk}", data=json.dumps({"follow_up": "x"}),
                        content_type="application/json").status_code == 404
    raised = _post(client, f"{API}/{visit.pk}/demand", {})
    assert raised.status_code == 201 and raised.json()["tracking_code"]
    again = _post(client, f"{API}/{visit.pk}/demand", {})
    assert again.status_code == 400 and "不能重复转" in again.json()["detail"]
    assert Demand.objects.count() == 1
    client.force_login(w.head)
    patched = client.patch(f"{API}/{visit.pk}", data=json.dumps({"follow_up": "已联系清掏"}),
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["follow_up"] == "已联系清掏"
    refused = client.patch(f"{API}/{visit.pk}", data=json.dumps({"raised": "改了"}), content_type="application/json")
    assert refused.status_code == 400
    client.force_login(w.head2)
    assert _post(client, f"{API}/{visit.pk}/demand", {}).status_code == 404


def test_the_households_one_may_visit_and_the_counts(client, w):
    client.force_login(w.registered)
    listed = client.get(f"{API}/households").json()
    assert {h["id"] for h in listed["items"]} == {h.pk for h in w.households + w.households2}
    assert client.get(f"{API}/households", {"q": "和平路"}).json()["count"] == len(w.households2)
    assert client.get(f"{API}/counts").status_code == 403  # a member holds no member.view
    record(w.head, w.households[0])
    client.force_login(w.secretary)
    counts = client.get(f"{API}/counts").json()
    assert counts["org"]["id"] == w.community.pk and len(counts["months"]) == 12
    assert [r["name"] for r in counts["rows"]] == [w.tree.grids[0].name, w.tree.grids[1].name]
    assert counts["rows"][0]["counts"][-1] == 1 and counts["rows"][0]["total"] == 1
    assert client.get(f"{API}/counts", {"org": w.far_central.pk}).status_code == 404
    assert reverse("api:visit_counts") == f"{API}/counts"
