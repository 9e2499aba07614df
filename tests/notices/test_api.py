"""The notices API: send (forged ids refused, nothing written), my notices, 回执, progress, remind, withdraw."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_person, make_user
from tests.notices.helpers import sender_at
from zongheng.notices.models import Notice, NoticeRecipient


def _post(client, name, body, **kw):
    return client.post(reverse(name, kwargs=kw), data=json.dumps(body), content_type="application/json")


@pytest.fixture
def setup(tree, client):
    member = make_user(make_person(tree.grids[0]))
    for org in tree.grids:
        make_person(org)
    user = sender_at(tree.streets[0])
    client.force_login(user)
    return tree, user, member


def _body(tree, **kw):
    return {"title": "防汛值守安排", "body": "各社区：\n\n请做好值守。", "sender_org": tree.streets[0].pk,
            "orgs": [tree.streets[0].pk], "needs_ack": True,
            "due_at": (timezone.now() + dt.timedelta(days=2)).isoformat()} | kw


def test_send_through_the_api_and_read_the_progress(client, setup):
    tree, _, member = setup
    response = _post(client, "api:send_notice", _body(tree))
    assert response.status_code == 200, response.content
    data = response.json()
    notice = Notice.objects.get(pk=data["id"])
    assert data["tally"]["total"] == NoticeRecipient.objects.filter(notice=notice).count() > 0
    progress = client.get(reverse("api:notice_progress", kwargs={"id": notice.pk})).json()
    assert progress["total"]["total"] == data["tally"]["total"]
    assert sum(r["tally"]["total"] for r in progress["by_org"]) == progress["total"]["total"]
    assert sum(r["tally"]["total"] for r in progress["by_level"]) == progress["total"]["total"]
    remind = _post(client, "api:remind_notice", {"org": tree.communities[0].pk}, id=notice.pk).json()
    assert remind["reminded"] == NoticeRecipient.objects.filter(
        notice=notice, org_path__startswith=tree.communities[0].path).count()
    assert _post(client, "api:remind_notice", {}, id=notice.pk).json()["skipped"] == remind["reminded"]

    client.force_login(member)
    mine = client.get(reverse("api:list_my_notices")).json()
    assert [n["id"] for n in mine["items"]] == [notice.pk] and mine["items"][0]["read_at"] is None
    assert _post(client, "api:mark_notice_read", {}, id=notice.pk).json()["read_at"] is not None
    acked = _post(client, "api:acknowledge_notice", {"reply": "收到"}, id=notice.pk).json()
    assert acked["acked_at"] is not None and acked["reply"] == "收到"
    assert _post(client, "api:acknowledge_notice", {}, id=notice.pk).status_code == 400
    assert client.get(reverse("api:notice_progress", kwargs={"id": notice.pk})).status_code == 403


@pytest.mark.parametrize("forged", ["orgs", "sender_org", "saved_list", "levels", "roles"])
def test_forged_references_are_refused_in_chinese_and_nothing_is_written(client, setup, forged):
    tree, _, _ = setup
    bad = {"orgs": {"orgs": [tree.streets[1].pk]}, "sender_org": {"sender_org": tree.district.pk},
           "saved_list": {"saved_list": 99999}, "levels": {"levels": ["planet"]}, "roles": {"roles": ["king"]}}
    before = Notice.objects.count(), NoticeRecipient.objects.count()
    response = _post(client, "api:send_notice", _body(tree, **bad[forged]))
    assert response.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert (Notice.objects.count(), NoticeRecipient.objects.count()) == before


def test_withdraw_through_the_api_and_out_of_scope_answers_404(client, setup):
    tree, _, _ = setup
    notice_id = _post(client, "api:send_notice", _body(tree)).json()["id"]
    other = sender_at(tree.streets[1])
    client.force_login(other)
    assert client.get(reverse("api:get_notice", kwargs={"id": notice_id})).status_code == 404
    assert _post(client, "api:withdraw_notice", {}, id=notice_id).status_code == 404
    client.force_login(Notice.objects.get(pk=notice_id).sender)
    assert _post(client, "api:withdraw_notice", {}, id=notice_id).json()["status"] == "withdrawn"


def test_a_saved_list_is_created_in_scope_only_and_used_to_send(client, setup):
    tree, _, _ = setup
    one = make_person(tree.grids[2])
    body = {"name": "网格员名单", "owner_org": tree.streets[0].pk, "orgs": [tree.communities[0].pk],
            "persons": [one.pk]}
    assert _post(client, "api:create_recipient_list", body | {"persons": [make_person(tree.grids[5]).pk]}
                 ).status_code == 400
    created = _post(client, "api:create_recipient_list", body)
    assert created.status_code == 200, created.content
    saved = created.json()["id"]
    assert [x["id"] for x in client.get(reverse("api:list_recipient_lists")).json()["items"]] == [saved]
    sent = _post(client, "api:send_notice", _body(tree, orgs=[], saved_list=saved)).json()
    reached = set(NoticeRecipient.objects.filter(notice_id=sent["id"]).values_list("person_id", flat=True))
    assert one.pk in reached
    assert all(p.startswith(tree.communities[0].path) or p == one.org_path for p in
               NoticeRecipient.objects.filter(notice_id=sent["id"]).values_list("org_path", flat=True))
