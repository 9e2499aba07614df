"""活动队伍 of functional orgs and 联系户 of central households: pages, actions, exports."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import Tree, make_person, user_with_post
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs import actions
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, Level, LinkedHousehold, Org, Person

pytestmark = pytest.mark.django_db


def _login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def _functional(community: Org, name: str = "书画党支部") -> Org:
    return Org.objects.add_child(community, instance=Org(
        name=name, level=Level.objects.get(code="grid"), kind=OrgKind.FUNCTIONAL, bond="interest"))


def _team(tree: Tree, name: str = "书画社", community: int = 0) -> ActivityTeam:
    return ActivityTeam.objects.create(org=_functional(tree.communities[community]), name=name, activity="书法")


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def secretary(tree: Tree) -> Any:
    """Secretary of the first community."""
    return user_with_post(tree.communities[0], Role.SECRETARY)


# ---------------------------------------------------------------- 活动队伍


def test_a_secretary_adds_a_team_to_a_functional_org_from_its_page(client, tree, secretary):
    functional = _functional(tree.communities[0])
    _login(client, secretary)

    page = client.get(reverse("orgs:org", args=[functional.pk])).content.decode()
    assert "新增活动队伍" in page and reverse("orgs:team_create", args=[functional.pk]) in page

    response = client.post(reverse("orgs:team_create", args=[functional.pk]),
                           {"name": " 书画社 ", "activity": "书法、国画", "founded_on": "2018-05-01"}, follow=True)

    team = ActivityTeam.objects.get(org=functional)
    assert (team.name, team.activity, team.founded_on) == ("书画社", "书法、国画", dt.date(2018, 5, 1))
    assert response.redirect_chain[-1][0] == reverse("orgs:team", args=[team.pk])
    assert "已新增活动队伍“书画社”" in _messages(response)
    assert AuditLog.objects.filter(action="team.create", object_id=str(team.pk)).count() == 1


def test_only_a_functional_org_can_have_teams(client, tree, secretary):
    _login(client, secretary)

    assert client.get(reverse("orgs:team_create", args=[tree.communities[0].pk])).status_code == 404
    with pytest.raises(ActionError, match="只有功能型党组织可以设立活动队伍"):
        actions.do_create_team(secretary, tree.communities[0], {"name": "广场舞队"})
    assert not ActivityTeam.objects.exists()


@pytest.mark.parametrize("data,message", [
    ({"name": "   "}, "请填写活动队伍名称"),
    ({"name": "书画社", "founded_on": "去年"}, "请填写有效的日期"),
    ({"name": "书画社"}, "该组织已有名为“书画社”的活动队伍"),
    ({"name": "合唱团", "founded_on": "2999-01-01"}, "成立日期不能晚于今天"),
])
def test_bad_team_input_shows_a_chinese_message_and_writes_nothing(client, tree, secretary, data, message):
    existing = _team(tree)
    before = (ActivityTeam.objects.count(), AuditLog.objects.count())

    response = _login(client, secretary).post(reverse("orgs:team_create", args=[existing.org.pk]), data)

    assert response.status_code == 200 and message in response.content.decode()
    assert (ActivityTeam.objects.count(), AuditLog.objects.count()) == before


def test_editing_a_team_saves_it_and_records_before_and_after(client, tree, secretary):
    team = _team(tree)

    response = _login(client, secretary).post(reverse("orgs:team_edit", args=[team.pk]),
                                              {"name": "书画协会", "activity": "书法", "founded_on": ""})

    assert response.status_code == 302 and response["Location"] == reverse("orgs:team", args=[team.pk])
    team.refresh_from_db()
    assert team.name == "书画协会"
    log = AuditLog.objects.get(action="team.update")
    assert (log.before["name"], log.after["name"]) == ("书画社", "书画协会")


def test_disbanding_a_team_keeps_its_people(client, tree, secretary):
    team = _team(tree)
    people = [make_person(tree.communities[0], is_party_member=False, member_type="") for _ in range(2)]
    team.participants.set(people)

    response = _login(client, secretary).post(reverse("orgs:team_delete", args=[team.pk]), follow=True)

    assert not ActivityTeam.objects.filter(pk=team.pk).exists()
    assert Person.objects.filter(pk__in=[p.pk for p in people]).count() == len(people)
    assert response.redirect_chain[-1][0] == reverse("orgs:org", args=[team.org_id])
    assert AuditLog.objects.get(action="team.delete").before["participants"] == sorted(p.pk for p in people)


def test_a_person_in_scope_is_found_added_and_removed(client, tree, secretary):
    team = _team(tree)
    resident = make_person(tree.grids[0], name="王阿姨", is_party_member=False, member_type="")
    _login(client, secretary)

    page = client.get(reverse("orgs:team_participant_add", args=[team.pk]), {"q": "王阿姨"}).content.decode()
    assert "王阿姨" in page and resident.phone_masked in page

    response = client.post(reverse("orgs:team_participant_add", args=[team.pk]), {"person": resident.pk}, follow=True)

    assert list(team.participants.all()) == [resident]
    assert "王阿姨已加入“书画社”" in _messages(response)
    body = response.content.decode()
    assert "参与居民（1 人）" in body and resident.phone_masked in body

    response = client.post(reverse("orgs:team_participant_remove", args=[team.pk, resident.pk]), follow=True)

    assert not team.participants.exists()
    assert "王阿姨已退出“书画社”" in _messages(response)
    assert [log.action for log in AuditLog.objects.filter(action__startswith="team.participant").order_by("pk")] == [
        "team.participant.add", "team.participant.remove"]


def test_a_person_out_of_scope_cannot_be_added(client, tree, secretary):
    team = _team(tree)
    stranger = make_person(tree.grids[2], name="外社区居民")  # communities[1]

    response = _login(client, secretary).post(reverse("orgs:team_participant_add", args=[team.pk]),
                                              {"person": stranger.pk})

    assert "所选人员不存在或不在您的管辖范围内" in response.content.decode()
    assert not team.participants.exists()
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        actions.do_add_team_participant(secretary, team, stranger)


def test_adding_someone_already_in_the_team_is_refused_in_chinese(client, tree, secretary):
    team = _team(tree)
    member = make_person(tree.grids[0], name="李老师")
    team.participants.add(member)
    audits = AuditLog.objects.count()

    response = _login(client, secretary).post(reverse("orgs:team_participant_add", args=[team.pk]),
                                              {"person": member.pk})

    assert "李老师已在“书画社”中" in response.content.decode()
    assert team.participants.count() == 1 and AuditLog.objects.count() == audits


def test_a_new_resident_joins_as_a_non_member_managed_by_the_parent_community(client, tree, secretary):
    team = _team(tree)

    response = _login(client, secretary).post(reverse("orgs:team_resident_create", args=[team.pk]),
                                              {"name": "赵大爷", "gender": "M", "phone": "139 1234 5678"}, follow=True)

    person = Person.objects.get(name="赵大爷")
    assert list(team.participants.all()) == [person]
    assert (person.is_party_member, person.member_type, person.org_id) == (False, "", tree.communities[0].pk)
    assert person.phone_masked == "139****5678"
    body = response.content.decode()
    assert "139****5678" in body and "13912345678" not in body
    assert AuditLog.objects.filter(action="person.create", object_id=str(person.pk)).exists()


def test_a_bad_phone_for_a_new_resident_is_refused_and_nothing_is_written(client, tree, secretary):
    team = _team(tree)
    people = Person.objects.count()

    response = _login(client, secretary).post(reverse("orgs:team_resident_create", args=[team.pk]),
                                              {"name": "赵大爷", "gender": "M", "phone": "12345"})

    assert response.status_code == 200 and "电话" in response.content.decode()
    assert Person.objects.count() == people and not team.participants.exists()


def test_a_committee_member_sees_the_team_but_may_not_change_it(client, tree):
    team = _team(tree)
    member = user_with_post(tree.communities[0], Role.COMMITTEE_MEMBER)
    _login(client, member)

    page = client.get(reverse("orgs:team", args=[team.pk])).content.decode()

    assert "书画社" in page and "加入人员" not in page and "撤销队伍" not in page
    assert client.get(reverse("orgs:team_edit", args=[team.pk])).status_code == 403
    assert client.post(reverse("orgs:team_delete", args=[team.pk])).status_code == 403
    assert ActivityTeam.objects.filter(pk=team.pk).exists()


def test_a_team_of_another_community_answers_404(client, tree, secretary):
    team = _team(tree, community=1)
    person = make_person(tree.communities[1])
    team.participants.add(person)
    _login(client, secretary)

    for method, url in [
        ("get", reverse("orgs:team", args=[team.pk])),
        ("get", reverse("orgs:team_export", args=[team.pk])),
        ("get", reverse("orgs:team_edit", args=[team.pk])),
        ("get", reverse("orgs:team_participant_add", args=[team.pk])),
        ("get", reverse("orgs:team_resident_create", args=[team.pk])),
        ("post", reverse("orgs:team_delete", args=[team.pk])),
        ("post", reverse("orgs:team_participant_remove", args=[team.pk, person.pk])),
        ("get", reverse("orgs:team_create", args=[team.org_id])),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    assert team.participants.count() == 1


def _team_page_queries(client: Any, team: ActivityTeam) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orgs:team", args=[team.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_team_page_runs_the_same_number_of_queries_for_one_participant_and_for_many(client, tree, secretary):
    small, large = _team(tree, "小队"), _team(tree, "大队")
    small.participants.add(make_person(tree.grids[0]))
    large.participants.set([make_person(tree.grids[i % 2]) for i in range(30)])
    _login(client, secretary)
    _team_page_queries(client, small)  # warm the session

    assert _team_page_queries(client, small) == _team_page_queries(client, large)


def test_team_participants_export_to_excel_with_masked_phones(client, tree, secretary):
    team = _team(tree)
    people = [make_person(tree.grids[0], name=f"队员{i}") for i in range(3)]
    team.participants.set(people)

    response = _login(client, secretary).get(reverse("orgs:team_export", args=[team.pk]))

    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("姓名", "性别", "是否党员", "所在（管理）组织", "电话")
    assert sorted(r[0] for r in rows[1:]) == sorted(p.name for p in people)
    assert {r[4] for r in rows[1:]} == {p.phone_masked for p in people}
    assert all("****" in r[4] for r in rows[1:])


# ---------------------------------------------------------------- 联系户


def test_a_secretary_adds_edits_and_removes_linked_households(client, tree, secretary):
    central = tree.households[0]
    _login(client, secretary)

    page = client.get(reverse("orgs:org", args=[central.pk])).content.decode()
    assert reverse("orgs:household_create", args=[central.pk]) in page

    response = client.post(reverse("orgs:household_create", args=[central.pk]),
                           {"address": "幸福里 3 栋 101", "contact_name": "钱先生"}, follow=True)
    household = LinkedHousehold.objects.get(central=central)
    assert "已登记联系户“幸福里 3 栋 101”" in _messages(response)
    assert "钱先生" in response.content.decode()

    client.post(reverse("orgs:household_edit", args=[household.pk]), {"address": "幸福里 3 栋 102", "contact_name": ""})
    household.refresh_from_db()
    assert (household.address, household.contact_name) == ("幸福里 3 栋 102", "")

    response = client.post(reverse("orgs:household_delete", args=[household.pk]), follow=True)
    assert not LinkedHousehold.objects.filter(central=central).exists()
    assert response.redirect_chain[-1][0] == reverse("orgs:org", args=[central.pk])
    assert [log.action for log in AuditLog.objects.filter(action__startswith="household.").order_by("pk")] == [
        "household.create", "household.update", "household.delete"]


def test_the_sixteenth_household_is_refused_in_chinese_and_nothing_is_written(client, tree, secretary):
    central = tree.households[0]
    for i in range(actions.MAX_LINKED_HOUSEHOLDS):
        actions.do_add_linked_household(secretary, central, {"address": f"幸福里{i}号"})
    audits = AuditLog.objects.count()
    _login(client, secretary)

    response = client.post(reverse("orgs:household_create", args=[central.pk]), {"address": "幸福里99号"})

    assert "每个党员中心户最多联系 15 户" in response.content.decode()
    assert LinkedHousehold.objects.filter(central=central).count() == actions.MAX_LINKED_HOUSEHOLDS
    assert AuditLog.objects.count() == audits
    page = client.get(reverse("orgs:org", args=[central.pk])).content.decode()
    assert "达到上限" in page and reverse("orgs:household_create", args=[central.pk]) not in page


def test_fewer_than_five_households_warns_on_the_page_but_adding_is_allowed(client, tree, secretary):
    central = tree.households[0]
    _login(client, secretary)

    for i in range(actions.MIN_LINKED_HOUSEHOLDS):
        page = client.get(reverse("orgs:org", args=[central.pk])).content.decode()
        assert f"目前联系 {i} 户，少于建议的 5 户" in page
        assert client.post(reverse("orgs:household_create", args=[central.pk]),
                           {"address": f"幸福里{i}号"}).status_code == 302

    page = client.get(reverse("orgs:org", args=[central.pk])).content.decode()
    assert "少于建议的" not in page
    assert LinkedHousehold.objects.filter(central=central).count() == actions.MIN_LINKED_HOUSEHOLDS


@pytest.mark.parametrize("data,message", [
    ({"address": "  "}, "请填写联系户住址"),
    ({"address": "幸福里1号"}, "住址“幸福里1号”已登记为联系户"),
    ({"address": "x" * 201}, "200"),
])
def test_bad_household_input_shows_a_chinese_message_and_writes_nothing(client, tree, secretary, data, message):
    central = tree.households[0]
    LinkedHousehold.objects.create(central=central, address="幸福里1号")
    before = (LinkedHousehold.objects.count(), AuditLog.objects.count())

    response = _login(client, secretary).post(reverse("orgs:household_create", args=[central.pk]), data)

    assert response.status_code == 200 and message in response.content.decode()
    assert (LinkedHousehold.objects.count(), AuditLog.objects.count()) == before


def test_only_a_central_household_links_households(client, tree, secretary):
    _login(client, secretary)

    assert client.get(reverse("orgs:household_create", args=[tree.grids[0].pk])).status_code == 404
    with pytest.raises(ActionError, match="只有党员中心户可以登记联系户"):
        actions.do_add_linked_household(secretary, tree.grids[0], {"address": "幸福里1号"})


def test_a_grid_leader_sees_linked_households_but_may_not_change_them(client, tree):
    central = tree.households[0]
    household = LinkedHousehold.objects.create(central=central, address="幸福里1号")
    _login(client, user_with_post(tree.grids[0], Role.GRID_LEADER))

    page = client.get(reverse("orgs:org", args=[central.pk])).content.decode()

    assert "幸福里1号" in page and reverse("orgs:household_edit", args=[household.pk]) not in page
    assert client.get(reverse("orgs:household_create", args=[central.pk])).status_code == 403
    assert client.post(reverse("orgs:household_delete", args=[household.pk])).status_code == 403
    assert LinkedHousehold.objects.filter(pk=household.pk).exists()


def test_households_of_another_community_answer_404(client, tree, secretary):
    central = tree.households[2]  # below communities[1]
    household = LinkedHousehold.objects.create(central=central, address="幸福里1号")
    _login(client, secretary)

    for method, url in [
        ("get", reverse("orgs:household_create", args=[central.pk])),
        ("get", reverse("orgs:households_export", args=[central.pk])),
        ("get", reverse("orgs:household_edit", args=[household.pk])),
        ("post", reverse("orgs:household_delete", args=[household.pk])),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    assert LinkedHousehold.objects.filter(pk=household.pk).exists()


def _household_page_queries(client: Any, central: Org) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orgs:org", args=[central.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_household_page_runs_the_same_number_of_queries_for_one_household_and_for_fifteen(
    client, tree, secretary
):
    one, full = tree.households[0], tree.households[1]
    LinkedHousehold.objects.create(central=one, address="幸福里1号")
    LinkedHousehold.objects.bulk_create(
        [LinkedHousehold(central=full, address=f"和平里{i}号") for i in range(actions.MAX_LINKED_HOUSEHOLDS)])
    _login(client, secretary)
    _household_page_queries(client, one)

    assert _household_page_queries(client, one) == _household_page_queries(client, full)


def test_linked_households_export_to_excel(client, tree, secretary):
    central = tree.households[0]
    for i in range(3):
        LinkedHousehold.objects.create(central=central, address=f"幸福里{i}号", contact_name=f"住户{i}")

    response = _login(client, secretary).get(reverse("orgs:households_export", args=[central.pk]))

    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("住址", "户主")
    assert rows[1:] == [(h.address, h.contact_name) for h in LinkedHousehold.objects.filter(central=central)]


def test_the_household_cap_holds_when_checked_through_the_action(tree, secretary):
    central = tree.households[0]
    for i in range(actions.MAX_LINKED_HOUSEHOLDS):
        actions.do_add_linked_household(secretary, central, {"address": f"幸福里{i}号"})

    with pytest.raises(ActionError, match="最多联系 15 户"):
        actions.do_add_linked_household(secretary, central, {"address": "幸福里16号"})
    assert LinkedHousehold.objects.filter(central=central).count() == actions.MAX_LINKED_HOUSEHOLDS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_households_added_at_once_never_exceed_fifteen(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    import threading

    from django.db import connections

    central = tree.households[0]
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    for i in range(actions.MAX_LINKED_HOUSEHOLDS - 2):
        actions.do_add_linked_household(secretary, central, {"address": f"幸福里{i}号"})
    attempts = 6
    barrier = threading.Barrier(attempts)
    refused: list[str] = []
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            actions.do_add_linked_household(secretary, central, {"address": f"同时{i}号"})
        except ActionError as exc:
            refused.append(exc.message)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors
    assert LinkedHousehold.objects.filter(central=central).count() == actions.MAX_LINKED_HOUSEHOLDS
    assert len(refused) == attempts - 2 and all("最多联系 15 户" in m for m in refused)
