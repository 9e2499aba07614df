"""Duty campaigns in the JSON API: a cadre creates, generates and opens a campaign (stale moves refused); a member
claims through ``POST /duty/shifts/{id}/claim`` (with a token too), releases, checks in and records residents;
refusals are 400 in Chinese with nothing written; rows out of reach are 404; lists run constant queries."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.members.factories_campaigns import make_campaign, make_world, member_user, shifts_of
from zongheng.accounts.actions import do_create_token
from zongheng.members import actions_campaigns as actions
from zongheng.members.choices import CampaignState, DutyState
from zongheng.members.models import Campaign, DutyClaim, Segment, Shift


@pytest.fixture
def w(tree):
    return make_world(tree)


def _send(client, name, body=None, method="post", **kwargs):
    return getattr(client, method)(reverse(name, kwargs=kwargs or None), data=json.dumps(body or {}, default=str),
                                   content_type="application/json")


def test_a_cadre_builds_and_opens_a_campaign_through_the_api(client, w):
    client.force_login(w.street)
    start = timezone.localdate() + dt.timedelta(days=2)
    body = {"org": w.tree.streets[0].pk, "kind": "flood", "title": "防汛值守", "starts_on": start,
            "ends_on": start + dt.timedelta(days=2)}
    forged = _send(client, "api:create_campaign", body | {"org": w.tree.streets[1].pk})
    assert forged.status_code == 400 and "不在您的管辖范围内" in forged.json()["detail"]
    created = _send(client, "api:create_campaign", body)
    assert created.status_code == 201, created.content
    c = created.json()
    assert c["state"] == "draft" and c["allowed_states"] == ["open"] and c["coverage"]["shifts"] == 0
    gen = _send(client, "api:generate_campaign_shifts", {
        "segment_mode": "chainage", "total_km": 5, "step_km": 0.5, "shifts_from": start,
        "shifts_to": start + dt.timedelta(days=2), "slots": ["08:00-20:00", "20:00-08:00"], "capacity": 2}, id=c["id"])
    assert gen.status_code == 200 and gen.json() == {"segments": 10, "shifts": 10 * 3 * 2}
    bad = _send(client, "api:generate_campaign_shifts", {"segment_mode": "", "slots": ["8-20"],
                                                         "shifts_from": start, "shifts_to": start}, id=c["id"])
    assert bad.status_code == 400 and "格式不正确" in bad.json()["detail"]
    stale = _send(client, "api:update_campaign", {"state": "open", "from_state": "open"}, "patch", id=c["id"])
    assert stale.status_code == 400 and "已被他人更新" in stale.json()["detail"]
    opened = _send(client, "api:update_campaign", {"state": "open", "from_state": "draft"}, "patch", id=c["id"])
    assert opened.status_code == 200 and opened.json()["state"] == "open"
    assert opened.json()["coverage"]["capacity"] == 120 and len(opened.json()["coverage"]["gaps"]) == 12
    refused = _send(client, "api:update_campaign", {"state": "draft"}, "patch", id=c["id"])
    assert refused.status_code == 400 and "不能改为" in refused.json()["detail"]
    copy = _send(client, "api:clone_campaign", {}, id=c["id"])
    assert copy.status_code == 201 and copy.json()["state"] == "draft" and copy.json()["shifts"] == 60
    segments = client.get(reverse("api:list_campaign_segments", kwargs={"id": c["id"]}))
    assert segments.json()["count"] == 10 and segments.json()["items"][0]["name"] == "K0+000–K0+500"
    client.force_login(w.other_cadre)
    assert client.get(reverse("api:get_campaign", kwargs={"id": c["id"]})).status_code == 404
    assert _send(client, "api:update_campaign", {"state": "closed"}, "patch", id=c["id"]).status_code == 404


def test_a_member_claims_with_a_token_and_refusals_are_400_in_chinese(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0], capacity=1)
    shift, same_time = shifts_of(c)[0], shifts_of(c)[1]
    _, key = do_create_token(w.members[0], "phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    url = reverse("api:claim_shift", kwargs={"id": shift.pk})
    first = client.post(url, **auth)
    assert first.status_code == 201, first.content
    claim = first.json()
    assert (claim["shift_id"], claim["state"], claim["companions"]) == (shift.pk, "claimed", 0)
    again = client.post(url, **auth)
    assert again.status_code == 400 and again.json()["detail"] == "您已认领该班次"
    overlap = client.post(reverse("api:claim_shift", kwargs={"id": same_time.pk}), **auth)
    assert overlap.status_code == 400 and "时间重叠" in overlap.json()["detail"]
    _, other_key = do_create_token(w.members[1], "phone")
    full = client.post(url, HTTP_AUTHORIZATION=f"Bearer {other_key}")
    assert full.status_code == 400 and "已认满" in full.json()["detail"]
    assert Shift.objects.get(pk=shift.pk).claimed == 1 and DutyClaim.objects.count() == 1
    mine = client.get(reverse("api:list_my_duty_claims"), **auth)
    assert [x["id"] for x in mine.json()["items"]] == [claim["id"]]
    early = client.post(reverse("api:duty_check_in", kwargs={"id": claim["id"]}), **auth)
    assert early.status_code == 400 and "签到时间为" in early.json()["detail"]
    released = client.post(reverse("api:release_duty_claim", kwargs={"id": claim["id"]}), **auth)
    assert released.status_code == 200 and released.json()["state"] == "released"
    assert Shift.objects.get(pk=shift.pk).claimed == 0


def test_rows_out_of_reach_answer_404_and_nothing_is_written(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    elsewhere = make_campaign(w.other_cadre, w.tree.communities[2])
    claim = actions.do_claim(w.members[0], shifts_of(c)[0])
    client.force_login(w.members[1])
    assert client.post(reverse("api:claim_shift", kwargs={"id": shifts_of(elsewhere)[0].pk})).status_code == 404
    for name in ("api:release_duty_claim", "api:duty_check_in", "api:duty_check_out"):
        assert client.post(reverse(name, kwargs={"id": claim.pk})).status_code == 404, name
    assert _send(client, "api:set_duty_companions", {"names": ["张三"]}, "put", id=claim.pk).status_code == 404
    assert client.get(reverse("api:get_my_duty_claim", kwargs={"id": claim.pk})).status_code == 404
    assert client.get(reverse("api:list_campaign_claims", kwargs={"id": c.pk})).status_code == 403
    client.force_login(w.resident)
    assert client.post(reverse("api:claim_shift", kwargs={"id": shifts_of(c)[1].pk})).status_code == 403
    assert DutyClaim.objects.count() == 1 and DutyClaim.objects.get().state == DutyState.CLAIMED


def test_check_in_and_residents_through_the_api(client, w):
    now = timezone.now()
    day = timezone.localdate() - dt.timedelta(days=1)
    c = actions.do_create_campaign(w.cadre, {"org": w.tree.communities[0], "title": "创城值守", "starts_on": day,
                                             "ends_on": day + dt.timedelta(days=3)})
    seg = actions.do_add_segment(w.cadre, c, {"name": "路口岗"})
    shift = actions.do_add_shift(w.cadre, seg, {"starts_at": now - dt.timedelta(minutes=5),
                                                "ends_at": now + dt.timedelta(hours=1), "capacity": 2})
    actions.do_transition_campaign(w.cadre, c, CampaignState.OPEN)
    client.force_login(w.members[0])
    claim = client.post(reverse("api:claim_shift", kwargs={"id": shift.pk})).json()
    names = _send(client, "api:set_duty_companions", {"names": ["王大妈"]}, "put", id=claim["id"])
    assert names.status_code == 400 and "签到后" in names.json()["detail"]
    assert client.post(reverse("api:duty_check_in", kwargs={"id": claim["id"]})).json()["checked_in_at"]
    names = _send(client, "api:set_duty_companions", {"names": ["王大妈，邻居", "李四"]}, "put", id=claim["id"])
    assert names.status_code == 200 and names.json()["companion_names"] == ["王大妈", "李四"]
    client.force_login(w.cadre)
    roster = client.get(reverse("api:list_campaign_claims", kwargs={"id": c.pk}) + "?state=on_duty").json()
    assert [(x["person"], x["companions"]) for x in roster["items"]] == [(w.members[0].person.name, 2)]
    detail = client.get(reverse("api:get_campaign", kwargs={"id": c.pk})).json()
    assert detail["coverage"]["companions"] == 2 and detail["coverage"]["on_duty"] == 1


def test_api_lists_run_constant_queries(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0], segments=3, days=2)
    actions.do_claim(w.members[0], shifts_of(c)[0])
    client.force_login(w.cadre)
    urls = [reverse("api:list_campaigns"), reverse("api:list_campaign_shifts", kwargs={"id": c.pk}),
            reverse("api:list_campaign_segments", kwargs={"id": c.pk}),
            reverse("api:list_campaign_claims", kwargs={"id": c.pk}), reverse("api:list_duty_shifts"),
            reverse("api:get_campaign", kwargs={"id": c.pk})]

    def counts():
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            out.append(len(ctx.captured_queries))
        return out

    before = counts()
    make_campaign(w.cadre, w.tree.communities[0], title="第二次", segments=2, days=1)
    for i, m in enumerate([*w.members[1:], member_user(w.tree.grids[0])]):
        actions.do_claim(m, shifts_of(c)[i + 1])
    Segment.objects.filter(campaign=c).update(place="江堤")
    assert counts() == before
    assert Campaign.objects.count() == 2
