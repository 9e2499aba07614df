"""积分申报: a member claims a deed the records do not hold from their phone; withdraws it while pending; a
reviewer holding member.change over the member's organisation or registered community approves it (the
points of the member's claim rule, the item as claimed) or declines it with a reason. One transition table:
a stale or forged request is refused in Chinese and changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.members.factories_points import cadre, claim, item, make_world, member_user, register
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.members import actions_points as actions
from zongheng.members.choices import ClaimState, Deed
from zongheng.members.models import PointClaim, PointEntry, PointRule


@pytest.fixture
def w(tree):
    return make_world(tree)


def claim_rule(member_type="employed"):
    return PointRule.objects.get(rule_set__member_type=member_type, deed=Deed.CLAIM)


def test_a_member_claims_from_a_phone_and_the_community_approves_it(client, w):
    client.force_login(w.member)
    url = reverse("members:points_claim_new")
    page = client.get(url, HTTP_USER_AGENT="Mobile")
    assert page.status_code == 200 and "八带头事项" in page.content.decode()
    law = item("law")
    today = timezone.localdate()
    response = client.post(url, {"item": law.pk, "occurred_on": today.isoformat(), "description": "带头调解纠纷"})
    c = PointClaim.objects.get()
    assert response["Location"] == reverse("members:points_claim", args=[c.pk])
    assert (c.person_id, c.state, c.item) == (w.member.person_id, ClaimState.PENDING, law)
    assert AuditLog.objects.filter(action="members.points_claim", object_id=str(c.pk)).exists()
    assert not PointEntry.objects.exists()  # nothing before the review

    client.force_login(w.secretary)
    response = client.post(reverse("members:points_claim_review", args=[c.pk]), {"action": "approve"})
    c.refresh_from_db()
    assert c.state == ClaimState.APPROVED and c.reviewed_by == w.secretary
    e = PointEntry.objects.get()
    assert (e.person_id, e.deed, e.source, e.item, e.points) == (
        w.member.person_id, Deed.CLAIM, f"claim:{c.pk}", law, claim_rule().points)
    client.force_login(w.member)
    mine = client.get(reverse("members:my_points")).content.decode()
    assert "带头遵纪守法" in mine and f'href="{reverse("members:points_claim", args=[c.pk])}"' in mine


def test_a_claim_needs_an_item_a_date_not_ahead_and_what_was_done(client, w):
    client.force_login(w.member)
    url = reverse("members:points_claim_new")
    today = timezone.localdate()
    cases = [
        ({"item": "", "occurred_on": today.isoformat(), "description": "x"}, "请选择八带头事项"),
        ({"item": "999999", "occurred_on": today.isoformat(), "description": "x"}, "八带头事项不存在"),
        ({"item": item().pk, "occurred_on": (today + dt.timedelta(days=1)).isoformat(), "description": "x"},
         "事项日期不能晚于今天"),
        ({"item": item().pk, "occurred_on": dt.date(today.year - 2, 12, 31).isoformat(), "description": "x"},
         f"只能申报 {today.year - 1} 年以来的事项"),
        ({"item": item().pk, "occurred_on": today.isoformat(), "description": "  "}, "请写明做了什么"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), message
    assert not PointClaim.objects.exists()


def test_only_a_party_member_with_an_account_claims_and_pending_claims_are_limited(w, tree):
    resident = member_user(tree.grids[0], "", is_party_member=False)
    with pytest.raises(ActionError, match="只有党员可以申报积分"):
        claim(resident)
    for _ in range(actions.MAX_PENDING):
        claim(w.member)
    with pytest.raises(ActionError, match="待审核"):
        claim(w.member)


def test_the_member_withdraws_a_pending_claim_and_nothing_else(client, w):
    c = claim(w.member)
    client.force_login(w.other_member)  # someone else's claim: not found
    assert client.post(reverse("members:points_claim_withdraw", args=[c.pk])).status_code == 404
    client.force_login(w.member)
    client.post(reverse("members:points_claim_withdraw", args=[c.pk]))
    c.refresh_from_db()
    assert c.state == ClaimState.WITHDRAWN
    response = client.post(reverse("members:points_claim_withdraw", args=[c.pk]), follow=True)
    assert "当前状态为“已撤回”，不能撤回" in response.content.decode()
    # A stale review page: the reviewer approves what the member withdrew in the meantime.
    client.force_login(w.secretary)
    response = client.post(reverse("members:points_claim_review", args=[c.pk]), {"action": "approve"}, follow=True)
    assert "当前状态为“已撤回”，不能通过" in response.content.decode()
    c.refresh_from_db()
    assert c.state == ClaimState.WITHDRAWN and not PointEntry.objects.exists()


def test_a_decline_needs_a_reason_and_a_decided_claim_cannot_be_decided_again(w):
    c = claim(w.member)
    with pytest.raises(ActionError, match="请写明原因"):
        actions.do_review_claim(w.secretary, c, "decline", " ")
    c, entry = actions.do_review_claim(w.secretary, c, "decline", "无法核实")
    assert (c.state, c.review_note, entry) == (ClaimState.DECLINED, "无法核实", None)
    for action in ("approve", "decline"):
        with pytest.raises(ActionError, match="当前状态为“未通过”"):
            actions.do_review_claim(w.secretary, c, action, "再审")
    with pytest.raises(ActionError, match="审核动作"):
        actions.do_review_claim(w.secretary, claim(w.member), "withdraw")
    assert not PointEntry.objects.exists()


def test_who_may_review(w, tree):
    c = claim(w.member)
    for outsider in (w.other_secretary, cadre(tree.grids[0], Role.GRID_LEADER)):  # other community; no change right
        with pytest.raises(ActionError, match="不在您的审核范围内"):
            actions.do_review_claim(outsider, c, "approve")
    # A secretary's own claim is reviewed by someone else.
    own = claim(w.secretary)
    with pytest.raises(ActionError, match="不能审核本人的申报"):
        actions.do_review_claim(w.secretary, own, "approve")
    assert actions.do_review_claim(w.street, own, "approve")[0].state == ClaimState.APPROVED
    # 双联双管: the community a member registered with reviews them too.
    registered = member_user(tree.grids[4])
    register(registered.person, w.community)
    registered.refresh_from_db()
    assert actions.do_review_claim(w.secretary, claim(registered), "approve")[1] is not None


def test_the_claims_list_shows_the_scope_and_review_filters_the_reviewers_own(client, w, tree):
    mine, theirs = claim(w.member), claim(w.other_member)
    client.force_login(w.secretary)
    html = client.get(reverse("members:points_claims")).content.decode()
    assert reverse("members:points_claim", args=[mine.pk]) in html
    assert reverse("members:points_claim", args=[theirs.pk]) not in html
    assert client.get(reverse("members:points_claim", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("members:points_claim_review", args=[theirs.pk]), {"action": "approve"}).status_code \
        == 404
    theirs.refresh_from_db()
    assert theirs.state == ClaimState.PENDING


def test_claims_through_the_api(client, w):
    client.force_login(w.member)
    today = timezone.localdate().isoformat()
    r = client.post("/api/v1/members/points/claims", json.dumps(
        {"item": item("study").pk, "occurred_on": today, "description": "组织学习"}), content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = client.post("/api/v1/members/points/claims", json.dumps(
        {"item": 99999999, "occurred_on": today, "description": "x"}), content_type="application/json")
    assert r.status_code == 400 and "八带头事项不存在" in r.json()["detail"]
    assert client.get("/api/v1/members/points/claims").json()["count"] == 1
    client.force_login(w.other_secretary)
    assert client.post(f"/api/v1/members/points/claims/{pk}/review", json.dumps({"action": "approve"}),
                       content_type="application/json").status_code == 404
    client.force_login(w.secretary)
    r = client.post(f"/api/v1/members/points/claims/{pk}/review", json.dumps({"action": "approve"}),
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "approved" and r.json()["points"] == claim_rule().points
    r = client.post(f"/api/v1/members/points/claims/{pk}/review", json.dumps({"action": "decline", "note": "x"}),
                    content_type="application/json")
    assert r.status_code == 400 and "不能不予通过" in r.json()["detail"]
    client.force_login(w.member)
    mine = client.get("/api/v1/members/points/mine").json()
    assert mine["total"] == claim_rule().points and mine["by_item"][0]["item"] == "study"
