"""Every demo account lands on a page that answers 200 in Chinese after login — 我的待办 (a liaison: their
unit's page) — and the workbench it links to answers 200 too. The demo district (with a small year of demands,
its stationed units and today's warnings) is built once for the module, inside a transaction rolled back at the end."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core import warnings
from zongheng.core.landing import workbench_url
from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Role
from zongheng.orgs import demo

ENGLISH = re.compile(r"(?<![A-Za-z])(None|Forbidden|Not Found|Server Error|Page not found|True|False)(?![A-Za-z])")


@pytest.fixture(scope="module")
def demo_district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            from zongheng.demands import demo as demands_demo
            from zongheng.demands.defaults import ensure_installed as demand_defaults
            from zongheng.meetings.defaults import ensure_installed as meeting_defaults

            demand_defaults()  # a transactional test before this module flushed the migrations' rows
            meeting_defaults()
            built = demo.build(seed=2018)
            demands_demo.build(built.districts[0], seed=2018, year=2018, count=40)
            from zongheng.cobuild import demo as cobuild_demo  # the units and their liaison accounts

            cobuild_demo.build(built.districts[0], seed=2018, year=2018)
            warnings.sweep(timezone.now())
        yield built


@pytest.mark.parametrize("username", [a["username"] for a in demo.DEMO_ACCOUNTS])
def test_every_demo_account_lands_on_my_todo_in_chinese_and_reaches_its_workbench(client, demo_district, db,
                                                                                   username):
    user = User.objects.get(username=username)
    client.force_login(user)
    response = client.get(reverse("start"), follow=True)
    liaison = next(a for a in demo.DEMO_ACCOUNTS if a["username"] == username)["role"] == Role.LIAISON
    if liaison:  # a unit's liaison lands on their unit's page (issue 6)
        from zongheng.cobuild.models import Unit

        landing = reverse("cobuild:unit_detail", args=[Unit.objects.get(org__posts__person=user.person).pk])
    else:
        landing = reverse("core:todo")
    assert response.status_code == 200 and response.redirect_chain[-1][0] == landing
    body = response.content.decode()
    assert 'lang="zh-CN"' in body and (liaison or "<h1>我的待办</h1>" in body)
    assert not ENGLISH.search(re.sub(r"<[^>]+>", " ", body))
    workbench = workbench_url(user)
    assert liaison or f'href="{workbench}"' in body
    assert client.get(workbench).status_code == 200


def test_the_demo_has_warnings_and_the_district_sees_them_counted(client, demo_district, db):
    assert EarlyWarning.objects.open().exists()
    client.force_login(User.objects.get(username="district"))
    groups = client.get(reverse("core:todo")).context["groups"]
    assert sum(g.total for g in groups) == EarlyWarning.objects.restrict(
        User.objects.get(username="district")).open().count()
