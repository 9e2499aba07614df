"""Activities in the JSON API: the same doors as the pages — organisers within their scope (404 outside), a
person on their own sign-ups only, phones masked, Chinese refusals as 400, lists in constant queries."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.members.factories_activities import after, make_activity, make_world, plain_member, soon
from zongheng.members import actions_activities as actions
from zongheng.members.choices import ActivityState, SignUpState
from zongheng.members.models import Activity, PointEntry, SignUp

PHONE = "13912345678"


@pytest.fixture
def w(tree):
    return make_world(tree)


def _post(client, name, body, **kw):
    return client.post(reverse(name, kwargs=kw), data=json.dumps(body), content_type="application/json")


def _patch(client, name, body, **kw):
    return client.patch(reverse(name, kwargs=kw), data=json.dumps(body), content_type="application/json")


def _body(org, **kw):
    start = soon(4)
    return {"org": org.pk, "title": "环境整治志愿服务", "place": "小区广场", "kind": "volunteer",
            "starts_at": start.isoformat(), "ends_at": (start + timezone.timedelta(hours=2)).isoformat()} | kw


def test_an_organiser_creates_updates_and_publishes_through_the_api(client, w):
    client.force_login(w.secretary)
    response = _post(client, "api:create_member_activity", _body(w.other_community))
    assert response.status_code == 400 and "不在您的管辖范围内" in response.json()["detail"]
    response = _post(client, "api:create_member_activity", _body(w.community, capacity=30))
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["state"], data["capacity"], data["org"]["id"]) == ("draft", 30, w.community.pk)
    assert set(data["allowed_states"]) == {"published", "cancelled"}
    pk = data["id"]
    response = _patch(client, "api:update_member_activity", {"title": "改过的名称", "capacity": 40}, id=pk)
    assert response.status_code == 200 and response.json()["title"] == "改过的名称"
    response = _post(client, "api:transition_member_activity", {"state": "published", "from_state": "draft"}, id=pk)
    assert response.status_code == 200 and response.json()["state"] == "published"
    response = _post(client, "api:transition_member_activity", {"state": "published", "from_state": "draft"}, id=pk)
    assert response.status_code == 400 and "状态已变为" in response.json()["detail"]
    response = _patch(client, "api:update_member_activity", {"title": "再改"}, id=pk)
    assert response.status_code == 400 and "只能修改草稿" in response.json()["detail"]
    team = _post(client, "api:create_member_activity", _body(w.community, team=w.team.pk, kind="team"))
    assert team.status_code == 400 and "不属于" in team.json()["detail"]


def test_another_organisations_organiser_gets_404_through_the_api(client, w):
    a = make_activity(w.secretary, w.community)
    client.force_login(w.other_secretary)
    assert client.get(reverse("api:get_member_activity", kwargs={"id": a.pk})).status_code == 404
    assert client.get(reverse("api:list_member_activity_signups", kwargs={"id": a.pk})).status_code == 404
    for name, body in (("api:transition_member_activity", {"state": "cancelled", "from_state": "published",
                                                            "reason": "x"}),
                       ("api:add_member_activity_resident", {"name": "王"}),
                       ("api:confirm_member_activity_attendance", {"marks": []})):
        assert _post(client, name, body, id=a.pk).status_code == 404, name
    assert _patch(client, "api:update_member_activity", {"title": "x"}, id=a.pk).status_code == 404
    ids = [row["id"] for row in client.get(reverse("api:list_member_activities")).json()["items"]]
    assert a.pk not in ids


def test_a_member_signs_up_and_cancels_through_the_api(client, w):
    a = make_activity(w.secretary, w.community, capacity=1)
    theirs = make_activity(w.other_secretary, w.other_community)
    client.force_login(w.member)
    detail = client.get(reverse("api:get_member_activity", kwargs={"id": a.pk})).json()
    assert detail["can_sign_up"] and detail["my_signup"] is None and detail["allowed_states"] == []
    assert _post(client, "api:sign_up_member_activity", {}, id=theirs.pk).status_code == 404
    response = _post(client, "api:sign_up_member_activity", {}, id=a.pk)
    assert response.status_code == 201 and response.json()["state"] == "signed"
    again = _post(client, "api:sign_up_member_activity", {}, id=a.pk)
    assert again.status_code == 400 and "您已报名" in again.json()["detail"]
    client.force_login(w.member2)
    full = _post(client, "api:sign_up_member_activity", {}, id=a.pk)
    assert full.status_code == 400 and "报名人数已满" in full.json()["detail"]
    assert client.delete(reverse("api:cancel_member_activity_signup", kwargs={"id": a.pk})).status_code == 404
    client.force_login(w.member)
    mine = client.get(reverse("api:my_member_activities")).json()
    assert [row["activity"]["id"] for row in mine["signups"]] == [a.pk]
    response = client.delete(reverse("api:cancel_member_activity_signup", kwargs={"id": a.pk}))
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert Activity.objects.get(pk=a.pk).signed == 0
    assert a.pk in [row["id"] for row in client.get(reverse("api:my_member_activities")).json()["open"]]
    assert client.get(reverse("api:list_member_activities")).status_code == 403  # no member.view


def test_residents_and_the_roster_through_the_api_show_masked_phones_only(client, w):
    a = make_activity(w.secretary, w.community)
    client.force_login(w.secretary)
    response = _post(client, "api:add_member_activity_resident", {"name": "李阿姨", "phone": PHONE}, id=a.pk)
    assert response.status_code == 201 and response.json()["phone_masked"] == "139****5678"
    assert PHONE not in response.content.decode()
    bad = _post(client, "api:add_member_activity_resident", {"name": "张", "phone": "123"}, id=a.pk)
    assert bad.status_code == 400 and "格式不正确" in bad.json()["detail"]
    roster = client.get(reverse("api:list_member_activity_signups", kwargs={"id": a.pk}))
    assert roster.json()["count"] == 1 and PHONE not in roster.content.decode()


def test_attendance_through_the_api_awards_once(client, w):
    a = make_activity(w.secretary, w.community, starts_at=soon(1))
    s1, s2 = actions.do_sign_up(w.member, a), actions.do_sign_up(w.member2, a)
    Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - timezone.timedelta(hours=3),
                                            ends_at=timezone.now() - timezone.timedelta(hours=1))
    client.force_login(w.secretary)
    body = {"marks": [{"signup": s1.pk, "attended": True}, {"signup": s1.pk, "attended": False}]}
    assert _post(client, "api:confirm_member_activity_attendance", body, id=a.pk).status_code == 400
    body = {"marks": [{"signup": s1.pk, "attended": True}]}
    response = _post(client, "api:confirm_member_activity_attendance", body, id=a.pk)
    assert response.status_code == 400 and "未确认" in response.json()["detail"]
    body = {"marks": [{"signup": s1.pk, "attended": True}, {"signup": s2.pk, "attended": False}],
            "walk_ins": [{"name": "王伯"}]}
    response = _post(client, "api:confirm_member_activity_attendance", body, id=a.pk)
    assert response.status_code == 200 and response.json()["state"] == "held"
    _post(client, "api:confirm_member_activity_attendance", {"marks": [{"signup": s1.pk, "attended": True}]}, id=a.pk)
    assert PointEntry.objects.filter(person=w.member.person).count() == 1
    assert not PointEntry.objects.filter(person=w.member2.person).exists()
    assert SignUp.objects.filter(activity=a, walk_in=True, attended=True, state=SignUpState.SIGNED).count() == 1


def test_the_api_figures_equal_direct_counts(client, w):
    a = make_activity(w.secretary, w.community)
    s = actions.do_sign_up(w.member, a)
    r = actions.do_add_resident(w.secretary, a, "居民", "")
    actions.do_confirm_attendance(w.secretary, a, {s.pk: True, r.pk: True}, [{"name": "现场"}], now=after(a))
    client.force_login(w.secretary)
    year = timezone.localtime(a.starts_at).year
    data = client.get(reverse("api:member_activity_figures"), {"year": year}).json()
    assert data["total"] == {"name": "合计", "org_id": None, "held": 1, "residents": 2, "members": 1}
    assert client.get(reverse("api:member_activity_figures"), {"org": w.other_community.pk}).status_code == 404
    assert Activity.objects.filter(state=ActivityState.HELD).count() == data["total"]["held"]


def test_the_api_list_runs_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    client.force_login(w.secretary)
    url = reverse("api:list_member_activities")
    for _ in range(2):
        make_activity(w.secretary, w.community)
    client.get(url)
    with django_assert_max_num_queries(10) as small:
        assert client.get(url).json()["count"] == 2
    for i in range(10):
        a = make_activity(w.secretary, w.community if i % 2 else w.functional, team=w.team if i % 2 == 0 else None)
        actions.do_sign_up(plain_member(w.tree.grids[0]), a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).json()["count"] == 12
