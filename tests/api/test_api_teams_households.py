"""API for 活动队伍 and 联系户: same scope, rights, audit and Chinese refusals as the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import Tree, make_person, user_with_post
from zongheng.accounts.actions import do_create_token
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs import actions
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, LinkedHousehold, Org

API = "/api/v1"


def bearer(user: Any) -> Client:
    _, key = do_create_token(user, "测试令牌")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(API + url)
    return getattr(client, method)(API + url, data=json.dumps(body or {}), content_type="application/json")


def functional_org(tree: Tree, community: int = 0) -> Org:
    return Org.objects.add_child(tree.communities[community], instance=Org(
        name=f"书画党支部{community}", level=tree.levels["grid"], kind=OrgKind.FUNCTIONAL, bond="interest"))


@pytest.fixture
def secretary(tree: Tree) -> Client:
    """A token client for the secretary of the first community."""
    return bearer(user_with_post(tree.communities[0], Role.SECRETARY))


# ---------------------------------------------------------------- 活动队伍


def test_a_team_is_created_listed_read_changed_and_disbanded(tree, secretary):
    org = functional_org(tree)

    created = send(secretary, "post", f"/orgs/{org.pk}/teams", {"name": " 书画社 ", "activity": "书法"})

    assert created.status_code == 201
    team = ActivityTeam.objects.get(org=org)
    assert created.json() == {"id": team.pk, "name": "书画社", "activity": "书法", "founded_on": None,
                              "org": {"id": org.pk, "name": org.name}, "participants_count": 0}
    listed = secretary.get(f"{API}/orgs/{org.pk}/teams").json()
    assert listed["count"] == 1 and [t["name"] for t in listed["items"]] == ["书画社"]

    changed = send(secretary, "patch", f"/teams/{team.pk}", {"founded_on": "2018-05-01"})

    assert changed.status_code == 200
    assert changed.json()["founded_on"] == "2018-05-01" and changed.json()["name"] == "书画社"

    assert send(secretary, "delete", f"/teams/{team.pk}").status_code == 204
    assert not ActivityTeam.objects.exists()
    assert [log.action for log in AuditLog.objects.filter(action__startswith="team.").order_by("pk")] == [
        "team.create", "team.update", "team.delete"]


def test_participants_are_added_and_removed_and_shown_with_masked_phones(tree, secretary):
    team = ActivityTeam.objects.create(org=functional_org(tree), name="书画社")
    resident = make_person(tree.grids[0], is_party_member=False, member_type="")

    added = send(secretary, "post", f"/teams/{team.pk}/participants/{resident.pk}")

    assert added.status_code == 200
    assert added.json()["participants_count"] == 1
    assert added.json()["participants"] == [{
        "id": resident.pk, "name": resident.name, "is_party_member": False, "phone_masked": resident.phone_masked,
        "org": {"id": tree.grids[0].pk, "name": tree.grids[0].name},
    }]
    assert "****" in resident.phone_masked

    again = send(secretary, "post", f"/teams/{team.pk}/participants/{resident.pk}")
    assert again.status_code == 400 and "已在“书画社”中" in again.json()["detail"]

    assert send(secretary, "delete", f"/teams/{team.pk}/participants/{resident.pk}").status_code == 204
    assert not team.participants.exists()
    assert send(secretary, "delete", f"/teams/{team.pk}/participants/{resident.pk}").status_code == 404


@pytest.mark.parametrize("body,status,detail", [
    ({"name": "   "}, 422, None),
    ({"name": "x" * 101}, 422, None),
    ({"name": "书画社"}, 400, "该组织已有名为“书画社”的活动队伍"),
    ({"name": "合唱团", "founded_on": "2999-01-01"}, 400, "成立日期不能晚于今天"),
])
def test_bad_team_input_is_refused_and_nothing_is_written(tree, secretary, body, status, detail):
    org = functional_org(tree)
    ActivityTeam.objects.create(org=org, name="书画社")
    before = (ActivityTeam.objects.count(), AuditLog.objects.count())

    response = send(secretary, "post", f"/orgs/{org.pk}/teams", body)

    assert response.status_code == status
    if detail:
        assert detail in response.json()["detail"]
    assert (ActivityTeam.objects.count(), AuditLog.objects.count()) == before


def test_a_regular_org_gets_no_team(tree, secretary):
    response = send(secretary, "post", f"/orgs/{tree.communities[0].pk}/teams", {"name": "广场舞队"})

    assert response.status_code == 400 and response.json()["detail"] == "只有功能型党组织可以设立活动队伍"
    assert not ActivityTeam.objects.exists()


def test_teams_and_people_out_of_scope_answer_404(tree, secretary):
    other = ActivityTeam.objects.create(org=functional_org(tree, community=1), name="外队")
    own = ActivityTeam.objects.create(org=functional_org(tree), name="本队")
    outsider = make_person(tree.grids[2])

    for method, url in [
        ("get", f"/orgs/{other.org_id}/teams"), ("post", f"/orgs/{other.org_id}/teams"),
        ("get", f"/teams/{other.pk}"), ("patch", f"/teams/{other.pk}"), ("delete", f"/teams/{other.pk}"),
        ("post", f"/teams/{own.pk}/participants/{outsider.pk}"),
    ]:
        assert send(secretary, method, url, {"name": "新名"}).status_code == 404, (method, url)
    assert ActivityTeam.objects.get(pk=other.pk).name == "外队" and not own.participants.exists()


def test_a_committee_member_reads_teams_but_gets_403_when_changing_them(tree):
    team = ActivityTeam.objects.create(org=functional_org(tree), name="书画社")
    person = make_person(tree.grids[0])
    client = bearer(user_with_post(tree.communities[0], Role.COMMITTEE_MEMBER))

    assert client.get(f"{API}/teams/{team.pk}").status_code == 200
    for method, url in [
        ("post", f"/orgs/{team.org_id}/teams"), ("patch", f"/teams/{team.pk}"), ("delete", f"/teams/{team.pk}"),
        ("post", f"/teams/{team.pk}/participants/{person.pk}"),
    ]:
        assert send(client, method, url, {"name": "新名"}).status_code == 403, (method, url)
    assert ActivityTeam.objects.get(pk=team.pk).name == "书画社"


def test_reading_a_team_costs_the_same_queries_for_one_participant_and_for_many(tree, secretary):
    org = functional_org(tree)
    small = ActivityTeam.objects.create(org=org, name="小队")
    large = ActivityTeam.objects.create(org=org, name="大队")
    small.participants.add(make_person(tree.grids[0]))
    large.participants.set([make_person(tree.grids[i % 2]) for i in range(25)])

    def queries(team: ActivityTeam) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert secretary.get(f"{API}/teams/{team.pk}").status_code == 200
        return len(ctx.captured_queries)

    assert queries(small) == queries(large)


# ---------------------------------------------------------------- 联系户


def test_linked_households_are_added_listed_changed_and_removed(tree, secretary):
    central = tree.households[0]

    created = send(secretary, "post", f"/orgs/{central.pk}/households", {"address": "幸福里1号", "contact_name": "钱"})

    assert created.status_code == 201
    household = LinkedHousehold.objects.get(central=central)
    assert created.json() == {"id": household.pk, "address": "幸福里1号", "contact_name": "钱",
                              "central": {"id": central.pk, "name": central.name}}
    listed = secretary.get(f"{API}/orgs/{central.pk}/households").json()
    assert listed["count"] == 1 and "少于建议的 5 户" in listed["warning"]

    changed = send(secretary, "patch", f"/households/{household.pk}", {"contact_name": "钱先生"})
    assert changed.status_code == 200 and changed.json()["contact_name"] == "钱先生"
    assert changed.json()["address"] == "幸福里1号"

    assert send(secretary, "delete", f"/households/{household.pk}").status_code == 204
    assert not LinkedHousehold.objects.exists()


def test_the_sixteenth_household_is_refused_with_a_chinese_message(tree, secretary):
    central = tree.households[0]
    for i in range(actions.MAX_LINKED_HOUSEHOLDS):
        assert send(secretary, "post", f"/orgs/{central.pk}/households", {"address": f"幸福里{i}号"}).status_code == 201
    assert secretary.get(f"{API}/orgs/{central.pk}/households").json()["warning"] == ""

    response = send(secretary, "post", f"/orgs/{central.pk}/households", {"address": "幸福里99号"})

    assert response.status_code == 400 and "每个党员中心户最多联系 15 户" in response.json()["detail"]
    assert LinkedHousehold.objects.filter(central=central).count() == actions.MAX_LINKED_HOUSEHOLDS


@pytest.mark.parametrize("body,status", [({"address": " "}, 422), ({}, 422), ({"address": "幸福里1号"}, 400)])
def test_bad_household_input_is_refused_and_nothing_is_written(tree, secretary, body, status):
    central = tree.households[0]
    LinkedHousehold.objects.create(central=central, address="幸福里1号")
    before = (LinkedHousehold.objects.count(), AuditLog.objects.count())

    response = send(secretary, "post", f"/orgs/{central.pk}/households", body)

    assert response.status_code == status
    assert (LinkedHousehold.objects.count(), AuditLog.objects.count()) == before


def test_households_out_of_scope_answer_404_and_without_the_right_403(tree, secretary):
    other = LinkedHousehold.objects.create(central=tree.households[2], address="幸福里1号")
    own = LinkedHousehold.objects.create(central=tree.households[0], address="幸福里2号")
    for method, url in [
        ("get", f"/orgs/{other.central_id}/households"), ("post", f"/orgs/{other.central_id}/households"),
        ("patch", f"/households/{other.pk}"), ("delete", f"/households/{other.pk}"),
    ]:
        assert send(secretary, method, url, {"address": "改"}).status_code == 404, (method, url)

    leader = bearer(user_with_post(tree.grids[0], Role.GRID_LEADER))
    assert leader.get(f"{API}/orgs/{own.central_id}/households").status_code == 200
    assert send(leader, "patch", f"/households/{own.pk}", {"address": "改"}).status_code == 403
    assert send(leader, "delete", f"/households/{own.pk}").status_code == 403
    assert sorted(LinkedHousehold.objects.values_list("address", flat=True)) == ["幸福里1号", "幸福里2号"]


def test_listing_households_costs_the_same_queries_for_one_and_for_fifteen(tree, secretary):
    one, full = tree.households[0], tree.households[1]
    LinkedHousehold.objects.create(central=one, address="幸福里1号")
    LinkedHousehold.objects.bulk_create(
        [LinkedHousehold(central=full, address=f"和平里{i}号") for i in range(actions.MAX_LINKED_HOUSEHOLDS)])

    def queries(central: Org) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert secretary.get(f"{API}/orgs/{central.pk}/households").status_code == 200
        return len(ctx.captured_queries)

    assert queries(one) == queries(full)
