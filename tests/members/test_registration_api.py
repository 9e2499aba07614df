"""双联双管报到 in the API: a member applies and withdraws; the community enters and confirms; refusals are 400 in
Chinese, rows out of reach 404, bodies off the schema 422; lists page in a constant number of queries."""

from __future__ import annotations

import json

import pytest

from tests.factories import make_person, valid_id_number
from tests.members.factories_registration import apply, cadre, community_of, member_user
from zongheng.core.permissions import Role
from zongheng.members.models import Registration
from zongheng.orgs.models import Person

API = "/api/v1/registrations"


@pytest.fixture
def w(tree):
    class W:
        pass

    x = W()
    x.tree = tree
    x.home = community_of(tree.communities[0])
    x.member = member_user(tree.streets[1], "member")
    x.secretary = cadre(tree.communities[0], username="sec0")
    x.other = cadre(tree.communities[1], username="sec1")
    x.managing = cadre(tree.streets[1], username="street2")
    return x


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_a_member_applies_sees_their_own_and_withdraws(client, w):
    client.force_login(w.member)
    found = client.get(f"{API}/communities", {"q": w.home.name}).json()
    assert [c["id"] for c in found] == [w.home.pk] and set(found[0]) == {"id", "name", "street"}
    response = _post(client, API, {"community": w.home.pk, "skills": "义诊"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "applied" and body["actions"] == ["withdraw"] and body["events"][0]["state"] == "applied"
    again = _post(client, API, {"community": community_of(w.tree.communities[1]).pk})
    assert again.status_code == 400 and "须先撤回申请" in again.json()["detail"]
    listed = client.get(API).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    stale = _post(client, f"{API}/{body['id']}/transition", {"action": "withdraw", "state": "confirmed"})
    assert stale.status_code == 400 and "页面已过时" in stale.json()["detail"]
    done = _post(client, f"{API}/{body['id']}/transition", {"action": "withdraw", "state": "applied"})
    assert done.status_code == 200 and done.json()["state"] == "withdrawn" and done.json()["actions"] == []


def test_refusals_are_400_out_of_reach_404_and_off_schema_422(client, w):
    reg = apply(w.member, w.home)
    client.force_login(w.other)
    assert client.get(f"{API}/{reg.pk}").status_code == 404
    assert _post(client, f"{API}/{reg.pk}/transition", {"action": "confirm"}).status_code == 404
    client.force_login(w.managing)
    assert client.get(f"{API}/{reg.pk}").json()["actions"] == []
    refused = _post(client, f"{API}/{reg.pk}/transition", {"action": "confirm"})
    assert refused.status_code == 400 and "报到须由所报到社区的干部确认" in refused.json()["detail"]
    client.force_login(w.secretary)
    for body in ({"action": "delete"}, {"action": "confirm", "state": "lost"},
                 {"action": "decline", "reason": "x" * 201}, {}):
        assert _post(client, f"{API}/{reg.pk}/transition", body).status_code == 422
    assert client.get(f"{API}/{2**63}").status_code == 422
    no_reason = _post(client, f"{API}/{reg.pk}/transition", {"action": "decline"})
    assert no_reason.status_code == 400 and "须说明原因" in no_reason.json()["detail"]
    client.force_login(w.member)
    forged = _post(client, API, {"community": w.tree.grids[0].pk})
    assert forged.status_code == 400 and "不存在" in forged.json()["detail"]
    assert Registration.objects.get(pk=reg.pk).state == "applied"


def test_the_community_enters_then_confirms_and_the_member_is_registered(client, w):
    number = valid_id_number(555)
    person = make_person(w.tree.streets[1], name="周海燕", id_number=number)
    client.force_login(w.secretary)
    miss = _post(client, f"{API}/enter", {"name": "周海", "id_number": number, "community": w.home.pk})
    assert miss.status_code == 400 and miss.json()["detail"].startswith("未找到") and person.org.name not in miss.text
    outside = _post(client, f"{API}/enter", {"name": "周海燕", "id_number": number,
                                              "community": w.tree.communities[2].pk})
    assert outside.status_code == 400 and "不存在或不在您的管辖范围内" in outside.json()["detail"]
    entered = _post(client, f"{API}/enter", {"name": "周海燕", "id_number": number, "community": w.home.pk,
                                              "confirm": False, "applied_on": "2018-04-02"})
    assert entered.status_code == 201 and entered.json()["state"] == "applied"
    rid = entered.json()["id"]
    assert set(entered.json()["actions"]) == {"confirm", "decline"}
    confirmed = _post(client, f"{API}/{rid}/transition", {"action": "confirm", "state": "applied"})
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_on"] is not None
    assert Person.objects.get(pk=person.pk).registered_org_id == w.home.pk
    client.force_login(w.managing)  # the managing side sees and may end it
    got = client.get(f"{API}/{rid}").json()
    assert got["actions"] == ["end"] and [e["state"] for e in got["events"]] == ["applied", "confirmed"]
    assert [e["by"] for e in got["events"]] == [w.secretary.display_name()] * 2
    ended = _post(client, f"{API}/{rid}/transition", {"action": "end", "reason": "组织关系转出"})
    assert ended.status_code == 200 and Person.objects.get(pk=person.pk).registered_org_id is None


def test_a_user_without_a_person_or_a_right_is_refused(client, w):
    from tests.factories import make_user

    client.force_login(make_user(None, "nobody"))
    assert client.get(API).status_code == 403
    assert _post(client, API, {"community": w.home.pk}).status_code == 403
    client.force_login(cadre(w.tree.district, Role.AUDITOR, "auditor"))
    assert client.get(f"{API}/counts").status_code == 403
    assert _post(client, f"{API}/enter", {"name": "x", "id_number": valid_id_number(1), "community": 1}
                 ).status_code == 403


def test_the_list_runs_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    client.force_login(w.managing)
    apply(w.member, w.home)
    with django_assert_max_num_queries(10) as small:
        assert client.get(API, {"limit": 200}).json()["count"] == 1
    for i in range(10):
        apply(member_user(w.tree.streets[1]), community_of(w.tree.communities[i % 4]))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(API, {"limit": 200}).json()["count"] == 11
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(API, {"side": "member", "state": "applied"}).json()["count"] == 11
