"""双联双管报到 as its users see it: a member applies from their page and withdraws; the community confirms with
the one button it may press; a stale page's button is refused; the entry form never echoes an ID number nor
tells who exists; the lists filter, page and export in a constant number of queries; the hub, the member's
own section and the to-do list show what waits."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import make_person, valid_id_number
from tests.members.factories_registration import apply, cadre, community_of, member_user, registered
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.core.todo import todos_for
from zongheng.members import actions_registration as actions
from zongheng.members import hub
from zongheng.members.models import Registration
from zongheng.orgs.models import Person


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


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'name="action" value="(\w+)"', html))


def test_a_member_applies_from_their_page_and_withdraws(client, w):
    client.force_login(w.member)
    me = client.get(reverse("members:me")).content.decode()
    assert reverse("members:registration_apply") in me and "还没有到居住地社区报到" in me
    picker = client.get(reverse("members:registration_pick"), {"for": "apply", "pick_q": "社区"}).content.decode()
    assert w.home.name in picker and w.tree.grids[0].name not in picker
    response = client.post(reverse("members:registration_apply"), {"community": w.home.pk, "skills": "义诊"})
    reg = Registration.objects.get(person=w.member.person)
    assert response.status_code == 302 and response["Location"] == reverse("members:registration", args=[reg.pk])
    page = client.get(response["Location"]).content.decode()
    assert _buttons(page) == {"withdraw"} and "待社区确认" in page
    me = client.get(reverse("members:me")).content.decode()
    assert "等待社区确认" in me and reverse("members:registration", args=[reg.pk]) in me
    again = client.get(reverse("members:registration_apply")).content.decode()
    assert "一名党员同时只能在一个社区报到" in again and 'name="community"' not in again
    client.post(reverse("members:registration_act", args=[reg.pk]), {"action": "withdraw", "state": "applied"})
    reg.refresh_from_db()
    assert reg.state == "withdrawn"


def test_a_forged_community_is_refused_with_a_message_and_nothing_is_written(client, w):
    client.force_login(w.member)
    for value in (w.tree.grids[0].pk, w.tree.district.pk, "abc", 10**12):
        page = client.post(reverse("members:registration_apply"), {"community": value})
        assert page.status_code == 200 and "所选报到社区不存在" in page.content.decode()
    assert not Registration.objects.exists()


def test_the_community_sees_only_the_buttons_it_may_press_and_a_stale_page_is_refused(client, w):
    reg = apply(w.member, w.home)
    client.force_login(w.secretary)
    page = client.get(reverse("members:registration", args=[reg.pk])).content.decode()
    assert _buttons(page) == {"confirm", "decline"}
    client.force_login(w.managing)
    assert _buttons(client.get(reverse("members:registration", args=[reg.pk])).content.decode()) == set()
    actions.do_transition(w.member, reg, "withdraw")  # meanwhile, the member withdraws
    client.force_login(w.secretary)
    response = client.post(reverse("members:registration_act", args=[reg.pk]),
                           {"action": "confirm", "state": "applied"}, follow=True)
    assert "页面已过时" in response.content.decode()
    reg.refresh_from_db()
    assert reg.state == "withdrawn" and Person.objects.get(pk=w.member.person_id).registered_org_id is None


def test_confirming_and_ending_from_the_page(client, w):
    reg = apply(w.member, w.home)
    client.force_login(w.secretary)
    client.post(reverse("members:registration_act", args=[reg.pk]), {"action": "confirm", "state": "applied"})
    reg.refresh_from_db()
    assert reg.state == "confirmed"
    client.force_login(w.managing)
    page = client.get(reverse("members:registration", args=[reg.pk])).content.decode()
    assert _buttons(page) == {"end"}
    response = client.post(reverse("members:registration_act", args=[reg.pk]),
                           {"action": "end", "state": "confirmed", "reason": ""}, follow=True)
    assert "结束报到须说明原因" in response.content.decode()
    client.post(reverse("members:registration_act", args=[reg.pk]),
                {"action": "end", "state": "confirmed", "reason": "组织关系转出"})
    reg.refresh_from_db()
    assert reg.state == "ended" and reg.reason == "组织关系转出"
    page = client.get(reverse("members:registration", args=[reg.pk])).content.decode()
    assert _buttons(page) == set() and "组织关系转出" in page


def test_another_communitys_cadre_and_another_member_get_404(client, w):
    reg = apply(w.member, w.home)
    neighbour = member_user(w.tree.streets[1], "neighbour")
    for user in (w.other, neighbour):
        client.force_login(user)
        assert client.get(reverse("members:registration", args=[reg.pk])).status_code == 404
        response = client.post(reverse("members:registration_act", args=[reg.pk]), {"action": "withdraw"})
        assert response.status_code == 404
    reg.refresh_from_db()
    assert reg.state == "applied"


def test_the_entry_form_finds_the_member_and_never_echoes_the_id_number(client, w):
    number = valid_id_number(777)
    person = make_person(w.tree.streets[1], name="陈光明", id_number=number)
    client.force_login(w.secretary)
    form = client.get(reverse("members:registration_enter")).content.decode()
    assert f'value="{w.home.pk}" checked' in form  # a community cadre's one community, chosen already
    wrong = number[:-2] + ("00" if number[-2:] != "00" else "11")
    miss = client.post(reverse("members:registration_enter"),
                       {"name": "陈光明", "id_number": valid_id_number(778), "community": w.home.pk, "confirm": "on"})
    text = miss.content.decode()
    assert miss.status_code == 200 and actions.NO_MATCH in text and valid_id_number(778) not in text
    assert wrong not in text and person.org.name not in text
    response = client.post(reverse("members:registration_enter"),
                           {"name": "陈光明", "id_number": number, "community": w.home.pk, "confirm": "on"})
    reg = Registration.objects.get(person=person)
    assert response.status_code == 302 and reg.state == "confirmed"
    assert AuditLog.objects.filter(action="members.registration_lookup").count() == 2


def test_the_list_filters_and_a_member_sees_only_their_own(client, w):
    mine = apply(w.member, w.home)
    second = member_user(w.tree.streets[0], "second")
    theirs = registered(second, community_of(w.tree.communities[2]))
    client.force_login(w.member)
    page = client.get(reverse("members:registrations")).content.decode()
    assert reverse("members:registration", args=[mine.pk]) in page
    assert reverse("members:registration", args=[theirs.pk]) not in page
    client.force_login(w.secretary)
    rows = client.get(reverse("members:registrations"), {"state": "applied", "community": w.home.pk}).content
    assert reverse("members:registration", args=[mine.pk]).encode() in rows
    assert b"\xe5\x85\xb1 1 \xe6\x9d\xa1" in rows  # 共 1 条
    none = client.get(reverse("members:registrations"), {"state": "confirmed"}).content.decode()
    assert reverse("members:registration", args=[mine.pk]) not in none
    byname = client.get(reverse("members:registrations"), {"q": w.member.person.name}).content.decode()
    assert reverse("members:registration", args=[mine.pk]) in byname


def test_the_lists_the_counts_and_the_hub_section_run_a_constant_number_of_queries(
        client, w, django_assert_max_num_queries):
    from zongheng.members.hooks_registration import mine, section

    dept = cadre(w.tree.district, Role.ORG_DEPT, "dept")
    apply(w.member, w.home)
    pages = [(w.managing, reverse("members:registrations"), {"state": "open"}),
             (dept, reverse("members:registrations"), {}),
             (dept, reverse("members:registration_counts"), {}),
             (dept, reverse("members:registration_people", args=[w.home.pk]), {})]
    before = []
    for user, url, params in pages:
        client.force_login(user)
        with django_assert_max_num_queries(20) as small:
            assert client.get(url, params).status_code == 200
        before.append(len(small.captured_queries))
    for i in range(12):
        m = member_user(w.tree.streets[1])
        reg = apply(m, community_of(w.tree.communities[i % 4]))
        if i % 2:
            actions.do_transition(None, reg, "confirm")
        member_user(w.tree.grids[i % 8])
    for (user, url, params), n in zip(pages, before, strict=True):
        client.force_login(user)
        with django_assert_max_num_queries(n):
            assert client.get(url, params).status_code == 200
    today = timezone.localdate()
    section(dept, today)  # the user's scope, once per request
    with django_assert_max_num_queries(3):
        assert section(dept, today) is not None
    with django_assert_max_num_queries(2):
        assert mine(w.member, w.member.person, today) is not None


def test_exports_hold_the_rows_of_the_list(client, w):
    reg = registered(w.member, w.home, by=w.secretary)
    client.force_login(w.secretary)
    response = client.get(reverse("members:registration_export"), {"state": "confirmed"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "党员" and len(rows) == 2
    assert rows[1][0] == w.member.person.name and rows[1][4] == w.home.name and rows[1][5] == "已报到"
    assert w.member.person.phone_masked in rows[1] and reg.confirmed_on.isoformat() in rows[1]
    counts = client.get(reverse("members:registration_counts_export"))
    sheet = list(load_workbook(io.BytesIO(counts.content)).active.iter_rows(values_only=True))
    assert sheet[1][0] == w.home.name and sheet[1][3] == 1
    people = client.get(reverse("members:registration_people_export", args=[w.home.pk]))
    assert people.status_code == 200 and people["Content-Type"].startswith("application/vnd.openxml")


def test_the_hub_the_members_page_and_the_todo_show_what_waits(client, w):
    reg = apply(w.member, w.home)
    sections = {s.title: s for s in hub.sections(w.secretary, timezone.localdate())}
    figures = {f.label: f for f in sections["双联双管报到"].figures}
    assert figures["待确认的报到申请"].display == "1 件"
    client.force_login(w.secretary)
    page = client.get(figures["待确认的报到申请"].url).content.decode()
    assert reverse("members:registration", args=[reg.pk]) in page
    todos = todos_for(w.secretary, timezone.now())
    assert [t.url for t in todos if t.kind == "待确认报到"] == [reverse("members:registration", args=[reg.pk])]
    assert not [t for t in todos_for(w.other, timezone.now()) if t.kind == "待确认报到"]
    street = cadre(w.tree.streets[0], username="street1")  # may confirm, but the to-do is the community's
    assert not [t for t in todos_for(street, timezone.now()) if t.kind == "待确认报到"]
    managing = {s.title: s for s in hub.sections(w.managing, timezone.localdate())}["双联双管报到"]
    assert {f.label: f.display for f in managing.figures}["本辖区党员在外报到"] == "0 名"
    actions.do_transition(w.secretary, reg, "confirm")
    managing = {s.title: s for s in hub.sections(w.managing, timezone.localdate())}["双联双管报到"]
    out = {f.label: f for f in managing.figures}["本辖区党员在外报到"]
    assert out.display == "1 名"
    client.force_login(w.managing)
    assert reverse("members:registration", args=[reg.pk]) in client.get(out.url).content.decode()
    assert hub.sections(w.member, timezone.localdate()) == [] or all(
        s.title != "双联双管报到" for s in hub.sections(w.member, timezone.localdate()))


def test_a_member_managed_where_they_live_is_told_so_and_a_history_says_what_was_done(client, w):
    from zongheng.members.hooks_registration import mine

    local = member_user(w.tree.households[0], "local")
    text = mine(local, local.person, timezone.localdate()).text
    assert f"您的组织关系在{w.home.name}，不需要向{w.home.name}报到" in text
    assert "还没有到居住地社区报到" in mine(w.member, w.member.person, timezone.localdate()).text
    reg = registered(w.member, w.home, by=w.secretary)
    client.force_login(w.member)
    page = client.get(reverse("members:registration", args=[reg.pk])).content.decode()
    assert "申请报到 ·" in page and f"确认报到 · {w.secretary.display_name()}" in page
