"""Agreements, items and pairings in the JSON API: scoped (404 out of scope), writes through the same
actions (400 in Chinese, nothing written), lists in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cobuild.factories_agreements import log, make_agreement, make_item, make_pairing, make_unit, make_world
from zongheng.cobuild.choices import AgreementState, ItemState
from zongheng.cobuild.models import Activity, Agreement, AgreementItem, Pairing
from zongheng.cobuild.pace import pace


@pytest.fixture
def w(tree):
    return make_world(tree)


def _post(client, name, body, method="post", **kwargs):
    return getattr(client, method)(reverse(name, kwargs=kwargs or None), data=json.dumps(body, default=str),
                                   content_type="application/json")


def test_create_an_agreement_add_an_item_and_move_it_along(client, w):
    client.force_login(w.secretary)
    body = {"org": w.community.pk, "unit": w.other_unit.pk, "title": "2018年度认领书", "signed_on": "2018-03-01",
            "ends_on": "2018-12-31"}
    response = _post(client, "api:create_agreement", body)
    assert response.status_code == 201, response.content
    a = response.json()
    assert a["unit"]["id"] == w.other_unit.pk and a["state"] == "active" and a["allowed_states"] == ["done", "ended"]
    item = _post(client, "api:add_agreement_item", {"kind": "shared_resources", "title": "共享会议室",
                                                    "org_owner": "张", "unit_owner": "李", "due_on": "2018-06-30"},
                 id=a["id"])
    assert item.status_code == 201 and item.json()["kind"] == "shared_resources"
    stale = _post(client, "api:update_agreement", {"version": a["version"] + 5, "state": "ended"}, "patch", id=a["id"])
    assert stale.status_code == 400 and "已被他人更新" in stale.json()["detail"]
    refused = _post(client, "api:update_agreement", {"version": a["version"], "state": "draft"}, "patch", id=a["id"])
    assert refused.status_code == 400 and "不能改为" in refused.json()["detail"]
    ended = _post(client, "api:update_agreement", {"version": a["version"], "state": "ended"}, "patch", id=a["id"])
    assert ended.status_code == 200 and ended.json()["state"] == "ended"
    assert Agreement.objects.get().state == AgreementState.ENDED


def test_forged_references_are_refused_with_nothing_written(client, w):
    client.force_login(w.secretary)
    body = {"org": w.other_community.pk, "unit": w.unit.pk, "title": "伪造", "signed_on": "2018-03-01",
            "ends_on": "2018-12-31"}
    response = _post(client, "api:create_agreement", body)
    assert response.status_code == 400 and "不在您的管辖范围内" in response.json()["detail"]
    response = _post(client, "api:create_agreement", body | {"org": w.community.pk, "unit": 10**9})
    assert response.status_code == 400 and "驻区单位" in response.json()["detail"]
    response = _post(client, "api:create_pairing", {"org": w.community.pk, "partner_kind": "outside",
                                                    "partner_name": "某社区", "starts_on": "2018-01-01"})
    assert response.status_code == 400 and "江苏、浙江或上海" in response.json()["detail"]
    assert not Agreement.objects.exists() and not Pairing.objects.exists()


def test_the_liaison_updates_progress_by_api_and_nothing_else(client, w):
    a = make_agreement(w.secretary, w.community, w.unit)
    item = make_item(w.secretary, a, timezone.localdate() + dt.timedelta(days=10))
    client.force_login(w.liaison)
    response = _post(client, "api:agreement_item_progress", {"progress": 70, "note": "完成七成"}, id=item.pk)
    assert response.status_code == 200 and response.json()["progress"] == 70
    assert response.json()["updates"][0]["note"] == "完成七成"
    assert _post(client, "api:complete_agreement_item", {"result": "完成"}, id=item.pk).status_code == 403
    assert _post(client, "api:add_agreement_item", {"kind": "joint_affairs", "title": "x", "org_owner": "a",
                                                    "unit_owner": "b", "due_on": "2018-06-30"},
                 id=a.pk).status_code == 403
    assert _post(client, "api:update_agreement", {"version": a.version, "state": "ended"}, "patch",
                 id=a.pk).status_code == 403
    item.refresh_from_db()
    assert item.state == ItemState.OPEN and item.progress == 70
    client.force_login(w.other_liaison)
    assert _post(client, "api:agreement_item_progress", {"progress": 1, "note": "x"}, id=item.pk).status_code == 404
    assert client.get(reverse("api:get_agreement", kwargs={"id": a.pk})).status_code == 404


def test_completion_by_api_links_demands_through_the_scoped_lookup(client, w):
    from zongheng.demands.actions import do_submit_demand
    from zongheng.demands.models import Category

    def demand(grid):
        return do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                       "urgency": "normal", "description": "路面破损", "address": "x",
                                       "grid": grid})[0]

    mine, elsewhere = demand(w.tree.grids[0]), demand(w.tree.grids[4])
    item = make_item(w.secretary, make_agreement(w.secretary, w.community, w.unit), dt.date(2018, 9, 30))
    client.force_login(w.secretary)
    refused = _post(client, "api:complete_agreement_item", {"result": "完成", "problems_solved": 2,
                                                            "demands": [mine.ref, elsewhere.ref]}, id=item.pk)
    assert refused.status_code == 400 and elsewhere.ref in refused.json()["detail"]
    assert AgreementItem.objects.get().state == ItemState.OPEN
    done = _post(client, "api:complete_agreement_item", {"result": "完成", "problems_solved": 2,
                                                         "demands": [mine.ref]}, id=item.pk)
    assert done.status_code == 200 and done.json()["demands"] == [mine.ref] and done.json()["state"] == "done"


def test_pairings_by_api_with_their_pace(client, w):
    client.force_login(w.secretary)
    response = _post(client, "api:create_pairing", {"org": w.community.pk, "unit": w.other_unit.pk,
                                                    "starts_on": "2017-01-01"})
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    client.force_login(w.other_liaison)
    today = timezone.localdate()
    logged = _post(client, "api:log_pairing_activity", {"held_on": today.isoformat(), "kind": "volunteer",
                                                        "content": "义诊", "residents_reached": 80}, id=pk)
    assert logged.status_code == 201
    body = client.get(reverse("api:get_pairing", kwargs={"id": pk})).json()
    p = Pairing.objects.get(pk=pk)
    assert body["pace"]["held"] == Activity.objects.filter(pairing=p, held_on__year=today.year).count()
    assert body["pace"]["behind"] == pace(p, today).behind
    listed = client.get(reverse("api:list_pairings")).json()
    assert [x["id"] for x in listed["items"]] == [pk]
    assert client.get(reverse("api:list_pairing_activities", kwargs={"id": pk})).json()[0]["content"] == "义诊"
    client.force_login(w.liaison)
    assert client.get(reverse("api:get_pairing", kwargs={"id": pk})).status_code == 404
    assert _post(client, "api:log_pairing_activity", {"held_on": today.isoformat(), "kind": "volunteer",
                                                      "content": "x"}, id=pk).status_code == 404


@pytest.mark.parametrize("name", ["api:list_agreements", "api:list_agreement_items", "api:list_pairings"])
def test_api_lists_run_a_constant_number_of_queries(client, w, name, django_assert_max_num_queries):
    client.force_login(w.secretary)

    def fill(n):
        for _ in range(n):
            unit = make_unit(w.community)
            a = make_agreement(w.secretary, w.community, unit)
            make_item(w.secretary, a, dt.date(2018, 9, 30))
            log(w.secretary, make_pairing(w.secretary, w.community, unit), timezone.localdate(), now=timezone.now())

    fill(2)
    client.get(reverse(name))
    with django_assert_max_num_queries(10) as small:
        assert client.get(reverse(name)).json()["count"] == 2
    fill(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(name)).json()["count"] == 12
