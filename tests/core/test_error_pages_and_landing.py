"""Error pages speak Chinese in the site's layout with a way back, and every role lands on a page made for it."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import TEST_PASSWORD, make_person, make_user, user_with_post
from zongheng.core.permissions import Role

WAYS_BACK = ("返回首页", "反映问题", "挂牌亮相")


def _assert_chinese_error(response, status: int, title: str) -> None:
    assert response.status_code == status
    body = response.content.decode()
    assert f"<h1>{title}</h1>" in body
    assert 'lang="zh-CN"' in body
    for way in WAYS_BACK:
        assert way in body
    for english in ("Not Found", "Forbidden", "Server Error", "Bad Request", "CSRF verification failed"):
        assert english not in body


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_missing_page_is_a_chinese_404_with_ways_back(client):
    _assert_chinese_error(client.get("/no-such-page/"), 404, "页面不存在")


@override_settings(DEBUG=False)
def test_a_page_without_the_right_is_a_chinese_403(client, tree):
    member = make_user(make_person(tree.communities[0]))
    client.force_login(member)
    response = client.get(reverse("core:audit"))
    _assert_chinese_error(response, 403, "没有权限")
    assert "回到我的工作页" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_form_without_its_csrf_token_is_a_chinese_page(tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_post(tree.communities[0], Role.SECRETARY))
    response = client.post(reverse("accounts:profile"), {"name": "x"})
    _assert_chinese_error(response, 403, "页面已过期")


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_server_error_is_a_chinese_500(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))  # the view Django calls for an unhandled exception
    _assert_chinese_error(response, 500, "系统出错")


def test_the_lockout_page_is_chinese_with_a_way_back(client, tree):
    make_user(make_person(tree.communities[0]), "locked")
    for _ in range(5):
        response = client.post(reverse("accounts:login"), {"username": "locked", "password": "wrong-one"})
    response = client.post(reverse("accounts:login"), {"username": "locked", "password": TEST_PASSWORD})
    body = response.content.decode()
    assert "账号已锁定" in body and "返回首页" in body and "反映问题" in body


def _landing(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("start"))
    assert response.status_code == 302
    target = response["Location"]
    page = client.get(target)
    assert page.status_code == 200, (target, page.status_code)
    return target


@pytest.mark.parametrize(("role", "where"), [
    (Role.ORG_DEPT, "org"), (Role.SECRETARY, "org"), (Role.DEPUTY_SECRETARY, "org"),
    (Role.COMMITTEE_MEMBER, "queue"), (Role.SECRETARY_ASSISTANT, "queue"), (Role.GRID_LEADER, "queue"),
    (Role.HOUSEHOLD_HEAD, "org"), (Role.AUDITOR, "audit"),
])
def test_every_role_lands_on_my_todo_which_links_to_the_page_made_for_it(client, tree, role, where):
    org = {Role.ORG_DEPT: tree.district, Role.AUDITOR: tree.district, Role.GRID_LEADER: tree.grids[0],
           Role.HOUSEHOLD_HEAD: tree.households[0]}.get(role, tree.communities[0])
    target = _landing(client, user_with_post(org, role))
    assert target == reverse("core:todo")
    workbench = {"org": reverse("orgs:org", args=[org.pk]), "queue": reverse("demands:queue"),
                 "audit": reverse("core:audit")}[where]
    body = client.get(target).content.decode()
    assert "<h1>我的待办</h1>" in body and f'href="{workbench}"' in body


def test_a_member_without_a_post_lands_on_my_todo_which_links_to_their_own_page(client, tree):
    person = make_person(tree.communities[0])
    assert _landing(client, make_user(person)) == reverse("core:todo")
    assert f'href="{reverse("members:me")}"' in client.get(reverse("core:todo")).content.decode()  # 我是党员
    assert f'href="{reverse("orgs:person", args=[person.pk])}"' in client.get(reverse("members:me")).content.decode()


def test_an_account_without_a_person_lands_on_my_todo_which_links_to_its_account_page(client, tree):
    assert _landing(client, make_user(None)) == reverse("core:todo")
    assert f'href="{reverse("accounts:profile")}"' in client.get(reverse("core:todo")).content.decode()


def test_logging_in_goes_to_the_landing(client, tree):
    make_user(make_person(tree.communities[0]), "plain")
    response = client.post(reverse("accounts:login"), {"username": "plain", "password": TEST_PASSWORD})
    assert response["Location"] == reverse("start")
