"""One scoped lookup per kind of reference: the API, the forms and the import refuse the same things (issue 12).

Found as a community secretary: the API accepted another community's 民心驿站 and 每月一听 session, a
whistle to a central household and to the district itself, a 书记助理 sent from another street and a
household as 报到社区 — all refused by the pages. Each case is tried through the API and the page.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.factories import make_person, user_with_post
from tests.orgs.test_import import last_job, login, member_row, messages_by_row, upload, xlsx
from zongheng.accounts.actions import do_create_token
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.demands.actions import do_submit_demand
from zongheng.demands.models import Category, Demand, ListeningSession, Station, Summons
from zongheng.orgs import importer
from zongheng.orgs.models import Person, Post

API = "/api/v1"


def api(user: Any) -> Client:
    _, key = do_create_token(user, "测试令牌")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(API + url, data=json.dumps(body), content_type="application/json")


def page(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def secretary(tree):  # type: ignore[no-untyped-def]
    """Secretary of the first community (first street)."""
    return user_with_post(tree.communities[0], Role.SECRETARY)


# ---------------------------------------------------------------- demands: station and listening session


def _foreign_station_and_session(tree):  # type: ignore[no-untyped-def]
    other = tree.communities[2]  # a community of the other street
    owner = user_with_post(other, Role.SECRETARY)
    station = Station.objects.create(org=other, name="别处的民心驿站")
    session = ListeningSession.objects.create(org=other, held_on="2018-03-05", place="别处", created_by=owner)
    return station, session


@pytest.mark.parametrize("field,channel,message", [
    ("station", "station", "民心驿站不存在或不在您的管辖范围内"),
    ("listening_session", "listening", "每月一听记录不存在或不在您的管辖范围内"),
])
def test_a_demand_cannot_name_another_communitys_station_or_session(tree, secretary, field, channel, message):
    station, session = _foreign_station_and_session(tree)
    foreign = station if field == "station" else session
    client = api(secretary)
    before = Demand.objects.count()

    response = post_json(client, "/demands", {
        "channel": channel, "category": "sanitation", "description": "路灯不亮", "address": "幸福里",
        "grid": tree.grids[0].pk, field: foreign.pk})
    assert response.status_code == 400 and response.json()["detail"] == message

    form = page(secretary).post(reverse("demands:staff_create"), {
        "channel": channel, field: foreign.pk, "grid": tree.grids[0].pk,
        "category": Category.objects.get(code="sanitation").pk, "urgency": "normal",
        "description": "路灯不亮", "address": "幸福里"})
    assert message in form.content.decode()
    assert Demand.objects.count() == before


# ---------------------------------------------------------------- demands: whistle targets


@pytest.mark.parametrize("target", ["household", "district"])
def test_a_whistle_cannot_summon_a_central_household_or_the_district_itself(tree, secretary, target):
    demand, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.get(code="sanitation"),
                                        "urgency": "normal", "description": "楼道堆物", "address": "幸福里",
                                        "grid": tree.grids[0]})
    org = tree.households[0] if target == "household" else tree.district

    response = post_json(api(secretary), f"/demands/{demand.pk}/transitions", {"action": "whistle", "orgs": [org.pk]})
    assert response.status_code == 400 and "所选单位不能吹哨报到" in response.json()["detail"]

    client = page(secretary)
    answer = client.post(reverse("demands:act", kwargs={"pk": demand.pk, "action": "whistle"}),
                         {"whistle-version": demand.version, "whistle-orgs": [org.pk]}, follow=True)
    assert any("所选单位不能吹哨报到" in str(m) for m in get_messages(answer.wsgi_request)) or \
        "所选单位不能吹哨报到" in answer.content.decode()
    assert not Summons.objects.filter(demand=demand).exists()


# ---------------------------------------------------------------- posts: 派出单位


def test_a_secretary_assistant_is_sent_only_from_the_street_above_the_community(tree, secretary):
    community = tree.communities[0]
    person = make_person(community)
    client = api(secretary)
    body = {"person": person.pk, "role": Role.SECRETARY_ASSISTANT, "org": community.pk, "starts_on": "2018-03-01"}

    refused = post_json(client, "/posts", body | {"sent_from": tree.streets[1].pk})
    assert refused.status_code == 400 and refused.json()["detail"] == "派出单位须为该组织所在的街道（乡镇）党组织"
    form = page(secretary).post(reverse("orgs:post_create", args=[community.pk]), {
        "person": person.pk, "role": Role.SECRETARY_ASSISTANT, "starts_on": "2018-03-01",
        "sent_from": tree.streets[1].pk})
    assert "派出单位须为该组织所在的街道（乡镇）党组织" in form.content.decode()
    assert not Post.objects.filter(person=person).exists()

    accepted = post_json(client, "/posts", body | {"sent_from": tree.streets[0].pk})
    assert accepted.status_code == 201 and accepted.json()["sent_from"]["id"] == tree.streets[0].pk


# ---------------------------------------------------------------- people: 报到社区 and managing org


def _person_body(org, **kw):  # type: ignore[no-untyped-def]
    return {"name": "钱报到", "gender": "M", "is_party_member": True, "member_type": "employed",
            "org": org.pk} | kw


def test_registered_org_must_be_a_community_or_village(tree, secretary):
    household = tree.households[5]
    client = api(secretary)
    before = Person.objects.count()

    created = post_json(client, "/people", _person_body(tree.grids[0], registered_org=household.pk))
    assert created.status_code == 400 and created.json()["detail"] == "找不到该报到社区（须为社区或村）"
    member = make_person(tree.grids[0])
    patched = client.patch(f"{API}/people/{member.pk}", data=json.dumps({"registered_org": household.pk}),
                           content_type="application/json")
    assert patched.status_code == 400
    form = page(secretary).post(reverse("orgs:person_create"), {
        "name": "钱报到", "gender": "M", "is_party_member": "on", "member_type": "employed",
        "org": tree.grids[0].pk, "registered_org": household.pk})
    assert "找不到该报到社区（须为社区或村）" in form.content.decode()
    assert Person.objects.count() == before + 1  # only ``member`` above
    member.refresh_from_db()
    assert member.registered_org_id is None

    ok = post_json(client, "/people", _person_body(tree.grids[0], registered_org=tree.communities[3].pk))
    assert ok.status_code == 201 and ok.json()["registered_org"]["id"] == tree.communities[3].pk


def test_a_person_cannot_be_placed_in_an_org_out_of_scope(tree, secretary):
    outside = tree.grids[4]
    client = api(secretary)
    before = (Person.objects.count(), AuditLog.objects.count())
    response = post_json(client, "/people", _person_body(outside))
    assert response.status_code == 400 and response.json()["detail"] == "所选组织不存在或不在您的管辖范围内"
    form = page(secretary).post(reverse("orgs:person_create"), {
        "name": "钱越界", "gender": "M", "is_party_member": "on", "member_type": "employed", "org": outside.pk})
    assert "所选组织不存在或不在您的管辖范围内" in form.content.decode()
    assert (Person.objects.count(), AuditLog.objects.count()) == before


# ---------------------------------------------------------------- import: the same words, and a bounded list


def test_the_import_answers_an_org_out_of_scope_exactly_like_a_missing_one(tree, secretary):
    outside = tree.grids[4]
    upload(login(secretary), tree.communities[0], xlsx([
        member_row(tree.grids[0], 所在组织=outside.name),
        member_row(tree.grids[0], 所在组织="不存在的网格"),
        member_row(tree.grids[0], 所在组织=tree.grids[0].name, 报到社区=tree.households[5].name),
    ]))
    messages = messages_by_row(last_job())
    assert messages[2] == [messages[3][0].replace("不存在的网格", outside.name)]
    assert messages[4] == [f"找不到报到社区“{tree.households[5].name}”（须为社区或村，请填写组织代码或全称）"]


def test_the_import_keeps_the_first_errors_and_counts_the_rest(tree, secretary, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ERRORS", 5)
    rows = [member_row(tree.grids[0], 性别="未知") for _ in range(8)]
    upload(login(secretary), tree.communities[0], xlsx(rows))
    errors = last_job().errors
    assert len(errors) == 6
    assert [e["row"] for e in errors[:5]] == [2, 3, 4, 5, 6]
    assert errors[5]["row"] is None and errors[5]["message"].startswith("另有 3 处问题未列出（涉及 3 行）")
