"""People pages: list, search, filters, export, detail, reveal and forms — always within scope."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_person, make_post, make_user, user_with_post, valid_id_number
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import ActivityTeam, Org, Person

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def _person_urls(person: Person) -> list[tuple[str, str]]:
    return [
        ("get", reverse("orgs:person", args=[person.pk])),
        ("get", reverse("orgs:person_edit", args=[person.pk])),
        ("post", reverse("orgs:person_reveal", args=[person.pk, "phone"])),
        ("post", reverse("orgs:person_reveal", args=[person.pk, "id_number"])),
    ]


# ---------------------------------------------------------------- the permission matrix


def test_anonymous_visitors_are_sent_to_the_login_page(client, tree):
    person = make_person(tree.grids[0])
    urls = [("get", reverse("orgs:people")), ("get", reverse("orgs:people_export")),
            ("get", reverse("orgs:person_create")), *_person_urls(person)]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url
    assert not AuditLog.objects.filter(action__startswith="person.reveal").exists()


def test_a_secretary_opens_every_people_page_in_scope(client, tree):
    person = make_person(tree.grids[0])
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    for url in [reverse("orgs:people"), reverse("orgs:people_export"), reverse("orgs:person_create"),
                reverse("orgs:person", args=[person.pk]), reverse("orgs:person_edit", args=[person.pk])]:
        assert client.get(url).status_code == 200, url
    for _, url in _person_urls(person)[2:]:
        assert client.post(url).status_code == 200, url


def test_a_community_secretary_cannot_reach_another_communitys_people(client, tree):
    mine = make_person(tree.grids[0], name="本社区甲", phone="13900001111")
    other = make_person(tree.grids[2], name="外社区乙", phone="13900002222")
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))

    def listed(**params):
        response = client.get(reverse("orgs:people"), params)
        return {p.name for p in response.context["page"]}, response.content.decode()

    names, body = listed()
    assert "本社区甲" in names and "外社区乙" not in names and "外社区乙" not in body
    for params in ({"q": "外社区乙"}, {"q": "2222"}, {"org": tree.communities[1].pk}):
        names, body = listed(**params)
        assert names == set() and reverse("orgs:person", args=[other.pk]) not in body, params
    names = [row[0] for row in _sheet(client.get(reverse("orgs:people_export")))[1:]]
    assert "本社区甲" in names and "外社区乙" not in names
    assert _sheet(client.get(reverse("orgs:people_export"), {"q": "外社区乙"}))[1:] == []
    for method, url in _person_urls(other):
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("orgs:person", args=[mine.pk])).status_code == 200
    assert not AuditLog.objects.filter(action__startswith="person.reveal").exists()


def test_a_user_without_the_right_gets_403(client, tree):
    person = make_person(tree.households[0])
    _login(client, user_with_post(tree.households[0], Role.HOUSEHOLD_HEAD))  # view only
    assert client.get(reverse("orgs:person", args=[person.pk])).status_code == 200
    assert client.get(reverse("orgs:person_create")).status_code == 403
    assert client.get(reverse("orgs:person_edit", args=[person.pk])).status_code == 403
    assert client.post(reverse("orgs:person_reveal", args=[person.pk, "phone"])).status_code == 403
    nobody = client.__class__()
    _login(nobody, make_user(None))  # an account without a person or a post
    assert nobody.get(reverse("orgs:people")).status_code == 403
    assert nobody.get(reverse("orgs:people_export")).status_code == 403
    assert nobody.get(reverse("orgs:person", args=[person.pk])).status_code == 403


def test_an_auditor_sees_only_their_own_person_record(client, tree):
    other = make_person(tree.grids[0])
    auditor = user_with_post(tree.district, Role.AUDITOR)
    _login(client, auditor)
    assert [p.pk for p in client.get(reverse("orgs:people")).context["page"]] == [auditor.person_id]
    assert client.get(reverse("orgs:person", args=[other.pk])).status_code == 404
    assert [r[0] for r in _sheet(client.get(reverse("orgs:people_export")))[1:]] == [auditor.person.name]


# ---------------------------------------------------------------- the list


def test_the_list_shows_masked_numbers_only(client, tree):
    id_number = valid_id_number(77)
    person = make_person(tree.grids[0], phone="13812345678", id_number=id_number)
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    body = client.get(reverse("orgs:people")).content.decode()
    assert person.phone_masked in body and "13812345678" not in body
    assert person.id_masked in body and id_number not in body


def test_search_by_name_or_phone_tail_and_filters(client, tree):
    zhang = make_person(tree.households[0], name="张红梅", phone="13911118888", member_type="retired")
    li = make_person(tree.grids[1], name="李建国", phone="13922227777", member_type="employed",
                     registered_org=tree.communities[0])
    resident = make_person(tree.grids[0], name="王居民", is_party_member=False, member_type="")
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))

    def names(**params):
        return {p.name for p in client.get(reverse("orgs:people"), params).context["page"]}

    assert names(q="红梅") == {"张红梅"}
    assert names(q="8888") == {"张红梅"}
    assert names(org=tree.grids[1].pk) == {"李建国"}
    assert names(member_type="retired") == {"张红梅"}
    assert names(party="0") == {"王居民"}
    assert "王居民" not in names(party="1")
    assert names(registered="1") == {"李建国"}
    assert {zhang.name, li.name, resident.name} <= names()


def test_the_list_is_paginated_by_50(client, tree):
    for _ in range(55):
        make_person(tree.grids[0])
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    total = Person.objects.restrict(client.get(reverse("orgs:people")).wsgi_request.user, Perm.PERSON_VIEW).count()
    first = client.get(reverse("orgs:people"))
    second = client.get(reverse("orgs:people"), {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == total - 50
    assert f"共 {total} 人" in first.content.decode()


def _list_queries(client) -> int:
    client.get(reverse("orgs:people"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("orgs:people")).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_runs_the_same_number_of_queries_for_5_and_60_people(client, tree):
    user = user_with_post(tree.communities[0], Role.SECRETARY)
    _login(client, user)
    for i in range(4):
        make_person(tree.households[i % 2], registered_org=tree.communities[1])
    small = _list_queries(client)
    for i in range(55):
        make_person(tree.households[i % 2], registered_org=tree.communities[1] if i % 2 else None)
    assert Person.objects.restrict(user).count() == 60
    assert _list_queries(client) == small


def test_the_export_holds_every_matching_row_in_scope_with_masked_numbers(client, tree):
    for i, grid in enumerate(tree.grids):
        for _ in range(i + 1):
            make_person(grid, phone=f"1370000{i:04d}")
    make_person(tree.communities[2], registered_org=tree.communities[0], name="报到党员")
    user = user_with_post(tree.communities[0], Role.SECRETARY)
    _login(client, user)

    rows = _sheet(client.get(reverse("orgs:people_export")))

    assert rows[0][0] == "姓名"
    in_scope = Person.objects.restrict(user, Perm.PERSON_VIEW)
    assert len(rows) - 1 == in_scope.count()
    assert "报到党员" in [r[0] for r in rows]
    assert {r[8] for r in rows[1:]} == set(in_scope.values_list("phone_masked", flat=True))
    assert all("*" in r[8] and "*" in r[9] for r in rows[1:])

    filtered = _sheet(client.get(reverse("orgs:people_export"), {"org": tree.grids[1].pk}))
    assert len(filtered) - 1 == in_scope.filter(org_path__startswith=tree.grids[1].path).count()


# ---------------------------------------------------------------- detail and reveal


def test_the_detail_page_shows_facts_posts_and_teams(client, tree):
    person = make_person(tree.grids[0], name="赵书记", registered_org=tree.communities[1])
    make_post(person, tree.grids[0], Role.GRID_LEADER)
    functional = Org.objects.add_child(tree.communities[0], instance=Org(
        name="太极党小组", level=tree.levels["grid"], kind="functional", bond="interest"))
    team = ActivityTeam.objects.create(org=functional, name="太极拳队", activity="晨练")
    team.participants.add(person)
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))

    body = client.get(reverse("orgs:person", args=[person.pk])).content.decode()

    for text in ("赵书记", tree.grids[0].name, tree.communities[1].name, "网格长", "太极拳队", "太极党小组",
                 person.phone_masked, person.id_masked, "显示完整号码"):
        assert text in body, text


def test_revealing_a_phone_by_htmx_returns_the_number_and_is_audited(client, tree):
    person = make_person(tree.grids[0], phone="13855556666")
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))

    response = client.post(reverse("orgs:person_reveal", args=[person.pk, "phone"]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert "13855556666" in body and "<html" not in body
    log = AuditLog.objects.get(action="person.reveal.phone")
    assert log.object_id == str(person.pk)


def test_revealing_an_id_number_without_htmx_shows_it_on_the_detail_page(client, tree):
    id_number = valid_id_number(42)
    person = make_person(tree.grids[0], id_number=id_number)
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))

    response = client.post(reverse("orgs:person_reveal", args=[person.pk, "id_number"]))

    body = response.content.decode()
    assert id_number in body and person.name in body and "<html" in body
    assert AuditLog.objects.filter(action="person.reveal.id_number", object_id=str(person.pk)).count() == 1


def test_reveal_refuses_unknown_fields_and_get_requests(client, tree):
    person = make_person(tree.grids[0])
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    assert client.post(reverse("orgs:person_reveal", args=[person.pk, "id_enc"])).status_code == 404
    assert client.get(reverse("orgs:person_reveal", args=[person.pk, "phone"])).status_code == 405
    assert not AuditLog.objects.filter(action__startswith="person.reveal").exists()


def test_a_member_only_registered_with_the_community_is_seen_but_not_revealed(client, tree):
    registered = make_person(tree.grids[2], registered_org=tree.communities[0])
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    body = client.get(reverse("orgs:person", args=[registered.pk])).content.decode()
    assert registered.name in body and "显示完整号码" not in body
    assert client.post(reverse("orgs:person_reveal", args=[registered.pk, "phone"])).status_code == 404


# ---------------------------------------------------------------- create and edit


def _form(org: Org, **kw):
    data = {"name": "新党员", "gender": "F", "birth_year": "1985", "phone": "13600001234",
            "id_number": valid_id_number(501), "is_party_member": "on", "member_type": "employed",
            "joined_on": "2010-07-01", "org": org.pk, "registered_org": ""}
    data.update(kw)
    return data


def test_a_secretary_adds_a_person_with_masked_numbers(client, tree):
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    page = client.get(reverse("orgs:person_create"), {"org": tree.grids[0].pk})
    assert page.context["form"].initial["org"] == tree.grids[0].pk

    response = client.post(reverse("orgs:person_create"), _form(tree.grids[0]))

    person = Person.objects.get(name="新党员")
    assert response.status_code == 302 and response.url == reverse("orgs:person", args=[person.pk])
    assert person.org_id == tree.grids[0].pk and person.org_path == tree.grids[0].path
    assert person.phone_masked == "136****1234"
    assert AuditLog.objects.filter(action="person.create", object_id=str(person.pk)).exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("id_number", "340802198001010010", "身份证号码校验位错误"),
    ("id_number", "12345", "身份证号码应为 18 位"),
    ("phone", "12345", "手机号码格式不正确"),
    ("member_type", "", "党员须选择党员类型"),
    ("name", "", "这个字段是必填项"),
])
def test_bad_input_shows_a_chinese_error_and_writes_nothing(client, tree, field, value, message):
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    people_before, logs_before = Person.objects.count(), AuditLog.objects.count()
    response = client.post(reverse("orgs:person_create"), _form(tree.grids[0], **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Person.objects.count(), AuditLog.objects.count()) == (people_before, logs_before)


def test_a_forged_org_out_of_scope_is_refused_and_nothing_is_written(client, tree):
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    people_before, logs_before = Person.objects.count(), AuditLog.objects.count()
    response = client.post(reverse("orgs:person_create"), _form(tree.grids[2]))
    assert "所选组织不存在或不在您的管辖范围内" in response.content.decode()
    assert (Person.objects.count(), AuditLog.objects.count()) == (people_before, logs_before)


def test_a_duplicate_id_number_is_refused_by_the_action(client, tree):
    existing = make_person(tree.grids[0], id_number=valid_id_number(601))
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    people_before = Person.objects.count()
    response = client.post(reverse("orgs:person_create"), _form(tree.grids[0], id_number=valid_id_number(601)))
    assert "已有相同身份证号码的人员" in response.content.decode()
    assert Person.objects.count() == people_before and Person.objects.filter(pk=existing.pk).exists()


def test_editing_keeps_numbers_left_blank_and_refuses_a_move_out_of_scope(client, tree):
    person = make_person(tree.grids[0], name="钱编辑", phone="13711112222")
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    url = reverse("orgs:person_edit", args=[person.pk])

    response = client.post(url, _form(tree.grids[1], name="钱编辑改", phone="", id_number=""))

    assert response.status_code == 302
    saved = Person.objects.get(pk=person.pk)
    assert (saved.name, saved.org_id, saved.phone_masked) == ("钱编辑改", tree.grids[1].pk, person.phone_masked)
    assert saved.id_masked == person.id_masked
    assert AuditLog.objects.filter(action="person.update", object_id=str(person.pk)).count() == 1

    forged = client.post(url, _form(tree.grids[2], name="越界"))
    assert "所选组织不存在或不在您的管辖范围内" in forged.content.decode()
    assert Person.objects.get(pk=person.pk).name == "钱编辑改"
    assert AuditLog.objects.filter(action="person.update").count() == 1
