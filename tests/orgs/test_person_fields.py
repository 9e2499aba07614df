"""The roster fields of issue 15 on the person pages and the API: 正式/预备 with 转正日期, 民族, 学历,
工作单位 and 家庭住址 (encrypted, shown masked, revealed one person at a time and audited)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_person, user_with_post, valid_id_number
from zongheng.accounts.actions import do_create_token
from zongheng.core import crypto
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs.choices import Standing
from zongheng.orgs.models import Person

pytestmark = pytest.mark.django_db

API = "/api/v1"
ADDRESS = "宜城路街道先锋社区健康路12号3栋201室"


@pytest.fixture
def secretary(tree):
    return user_with_post(tree.communities[0], Role.SECRETARY)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bearer(user) -> Client:
    _, key = do_create_token(user, "测试令牌")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _form(person: Person | None, org, **changes) -> dict:
    data = {
        "name": person.name if person else "新党员", "gender": "M", "birth_year": "1980",
        "phone": "", "id_number": "", "is_party_member": "on", "member_type": "employed",
        "joined_on": "2005-07-01", "standing": "full", "confirmed_on": "2006-07-01",
        "ethnicity": "汉", "education": "大学本科", "workplace": "安庆市第一中学", "address": ADDRESS,
        "org": str(org.pk), "registered_org": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _person(tree, **kw) -> Person:
    data = {"standing": Standing.FULL, "joined_on": dt.date(2005, 7, 1), "confirmed_on": dt.date(2006, 7, 1),
            "ethnicity": "回族", "education": "硕士研究生", "workplace": "迎江区人民医院", "address": ADDRESS}
    data.update(kw)
    return make_person(tree.grids[0], **data)


# ---------------------------------------------------------------- the page


def test_the_person_page_shows_the_new_fields_with_the_address_masked(client, tree, secretary):
    person = _person(tree)
    assert person.address_enc and crypto.decrypt(person.address_enc) == ADDRESS
    assert person.address_masked and ADDRESS not in person.address_masked
    page = _client(secretary).get(reverse("orgs:person", args=[person.pk])).content.decode()
    shown = ("正式党员", "2006-07-01", "回族", "硕士研究生", "迎江区人民医院", person.address_masked,
             "显示完整家庭住址")
    for text in shown:
        assert text in page, text
    assert ADDRESS not in page


def test_revealing_the_address_shows_it_and_is_audited(tree, secretary):
    person = _person(tree)
    client = _client(secretary)
    response = client.post(reverse("orgs:person_reveal", args=[person.pk, "address"]))
    assert response.status_code == 200 and ADDRESS in response.content.decode()
    log = AuditLog.objects.get(action="person.reveal.address")
    assert str(log.object_id) == str(person.pk)
    htmx = client.post(reverse("orgs:person_reveal", args=[person.pk, "address"]), HTTP_HX_REQUEST="true")
    assert ADDRESS in htmx.content.decode()
    assert AuditLog.objects.filter(action="person.reveal.address").count() == 2
    from zongheng.orgs.hooks import AUDIT_ACTIONS
    assert AUDIT_ACTIONS["person.reveal.address"] == "查看完整家庭住址"


def test_a_view_only_user_cannot_reveal_the_address(tree):
    person = _person(tree)
    viewer = user_with_post(tree.households[0], Role.HOUSEHOLD_HEAD)
    response = _client(viewer).post(reverse("orgs:person_reveal", args=[person.pk, "address"]))
    assert response.status_code in (403, 404)
    assert not AuditLog.objects.filter(action="person.reveal.address").exists()


def test_the_form_creates_a_person_with_the_new_fields(tree, secretary):
    response = _client(secretary).post(reverse("orgs:person_create"), _form(None, tree.grids[0]))
    assert response.status_code == 302, response.context["form"].errors
    person = Person.objects.get(name="新党员")
    assert (person.standing, person.confirmed_on) == (Standing.FULL, dt.date(2006, 7, 1))
    assert (person.ethnicity, person.education, person.workplace) == ("汉族", "大学本科", "安庆市第一中学")
    assert crypto.decrypt(person.address_enc) == ADDRESS and person.address_masked


def test_the_edit_form_shows_them_and_keeps_the_address_when_left_blank(tree, secretary):
    person = _person(tree)
    client = _client(secretary)
    page = client.get(reverse("orgs:person_edit", args=[person.pk])).content.decode()
    for text in ("正式/预备", "转正日期", "民族", "回族", "学历", "工作单位", "家庭住址", person.address_masked):
        assert text in page, text
    assert ADDRESS not in page  # the clear address is never put in a page without a reveal
    response = client.post(reverse("orgs:person_edit", args=[person.pk]),
                           _form(person, tree.grids[0], address="", workplace="迎江区教育局", confirmed_on="2006年8月"))
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert person.workplace == "迎江区教育局" and person.confirmed_on == dt.date(2006, 8, 1)
    assert crypto.decrypt(person.address_enc) == ADDRESS
    client.post(reverse("orgs:person_edit", args=[person.pk]), _form(person, tree.grids[0], address="人民路1号"))
    person.refresh_from_db()
    assert crypto.decrypt(person.address_enc) == "人民路1号"
    client.post(reverse("orgs:person_edit", args=[person.pk]),
                _form(person, tree.grids[0], address="", clear_address="on"))
    person.refresh_from_db()
    assert person.address_enc == "" and person.address_masked == ""


@pytest.mark.parametrize("changes,message", [
    ({"joined_on": "1995-07-01", "confirmed_on": "1996-07-01"}, "未满 18 周岁"),
    ({"confirmed_on": "2004-01-01"}, "转正日期早于入党日期"),
    ({"standing": "probationary"}, "预备党员不应有转正日期"),
    ({"confirmed_on": "2999-01-01"}, "转正日期不能晚于今天"),
    ({"confirmed_on": "去年"}, "转正日期无法识别"),
    ({"standing": "formal"}, "正式/预备应为"),
    ({"ethnicity": "汉" * 17}, "民族不能超过 16 字"),
    ({"address": "路" * 201}, "家庭住址不能超过 200 字"),
])
def test_bad_values_are_refused_in_chinese_and_nothing_changes(tree, secretary, changes, message):
    person = _person(tree)
    before = Person.objects.values().get(pk=person.pk)
    response = _client(secretary).post(reverse("orgs:person_edit", args=[person.pk]),
                                       _form(person, tree.grids[0], **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Person.objects.values().get(pk=person.pk) == before
    assert not AuditLog.objects.filter(action="person.update").exists()


def test_a_probationary_member_turned_full_needs_the_confirmation_date(tree, secretary):
    person = _person(tree, standing=Standing.PROBATIONARY, confirmed_on=None)
    client = _client(secretary)
    response = client.post(reverse("orgs:person_edit", args=[person.pk]),
                           _form(person, tree.grids[0], standing="full", confirmed_on=""))
    assert "预备党员转为正式党员须填写转正日期" in response.content.decode()
    person.refresh_from_db()
    assert person.standing == Standing.PROBATIONARY
    response = client.post(reverse("orgs:person_edit", args=[person.pk]),
                           _form(person, tree.grids[0], standing="full", confirmed_on="2006-07-01"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.standing == Standing.FULL and person.confirmed_on == dt.date(2006, 7, 1)


def test_the_join_date_is_checked_against_the_id_number(tree, secretary):
    response = _client(secretary).post(reverse("orgs:person_create"), _form(
        None, tree.grids[0], birth_year="", id_number=valid_id_number(birth="19900101"),
        joined_on="2007-07-01", confirmed_on=""))
    assert "未满 18 周岁（1990-01-01 出生）" in response.content.decode()
    assert not Person.objects.filter(name="新党员").exists()


# ---------------------------------------------------------------- the API


def test_the_api_round_trips_the_new_fields_with_the_address_masked(tree, secretary):
    client = _bearer(secretary)
    body = {"name": "接口党员", "gender": "F", "birth_year": 1985, "org": tree.grids[0].pk,
            "member_type": "employed", "joined_on": "2010-07-01", "confirmed_on": "2011-07-01",
            "ethnicity": "汉", "education": "大专", "workplace": "迎江区税务局", "address": ADDRESS}
    created = client.post(f"{API}/people", body, content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["standing"] == "full" and out["standing_name"] == "正式党员"  # a 转正日期 means 正式党员
    assert out["confirmed_on"] == "2011-07-01" and out["ethnicity"] == "汉族"
    assert out["education"] == "大专" and out["workplace"] == "迎江区税务局"
    assert out["address_masked"] and ADDRESS not in created.content.decode()
    pid = out["id"]
    got = client.get(f"{API}/people/{pid}").json()
    assert got["address_masked"] == out["address_masked"] and "address" not in got

    patched = client.patch(f"{API}/people/{pid}", {"workplace": "迎江区财政局"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["workplace"] == "迎江区财政局"
    assert crypto.decrypt(Person.objects.get(pk=pid).address_enc) == ADDRESS  # not sent: kept

    reveal = client.post(f"{API}/people/{pid}/reveal", {"field": "address"}, content_type="application/json")
    assert reveal.status_code == 200 and reveal.json() == {"value": ADDRESS}
    assert AuditLog.objects.filter(action="person.reveal.address").count() == 1


@pytest.mark.parametrize("patch,message", [
    ({"confirmed_on": "2000-01-01"}, "转正日期早于入党日期"),
    ({"standing": "probationary"}, "预备党员不应有转正日期"),
    ({"joined_on": "1990-01-01"}, "未满 18 周岁"),
])
def test_the_api_refuses_bad_values_in_chinese_and_changes_nothing(tree, secretary, patch, message):
    person = _person(tree)
    before = Person.objects.values().get(pk=person.pk)
    response = _bearer(secretary).patch(f"{API}/people/{person.pk}", patch, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert Person.objects.values().get(pk=person.pk) == before


def test_the_api_refuses_a_too_long_address_and_an_unknown_standing(tree, secretary):
    person = _person(tree)
    client = _bearer(secretary)
    for patch in ({"address": "路" * 201}, {"standing": "formal"}):
        response = client.patch(f"{API}/people/{person.pk}", patch, content_type="application/json")
        assert response.status_code == 422, patch
    assert crypto.decrypt(Person.objects.get(pk=person.pk).address_enc) == ADDRESS
