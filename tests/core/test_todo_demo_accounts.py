"""Every demo account lands on a page that answers 200 in Chinese after login — 我的待办 (a liaison: their
unit's page) — and the workbench it links to answers 200 too. The demo district (with a small year of demands,
its stationed units and today's warnings) is built once for the module, inside a transaction rolled back at the end."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core import warnings
from zongheng.core.landing import workbench_url
from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Perm, Role
from zongheng.orgs import demo
from zongheng.orgs.models import Org

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


def _home_queries(client, user) -> int:  # type: ignore[no-untyped-def]
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("core:todo")).status_code == 200
    return len(ctx.captured_queries)


# The most any demo account's home runs (a community secretary: session, user, the to-do sources, 下级预警,
# the badges); 今日数据 is a request of its own.
HOME_QUERIES = 35


def test_every_demo_accounts_home_runs_the_same_queries_when_the_district_has_more_demands_and_warnings(
        client, demo_district, db):  # type: ignore[no-untyped-def]
    from zongheng.demands import actions
    from zongheng.demands.models import Category

    users = [User.objects.get(username=a["username"]) for a in demo.DEMO_ACCOUNTS]
    before = {u.username: _home_queries(client, u) for u in users}
    assert max(before.values()) <= HOME_QUERIES
    # More of what grows: demands waiting in the grids (the grid account's among them), their 诉求超时
    # warnings, and warnings addressed to each account's person.
    grid_user = User.objects.get(username="grid")
    grids = [Org.objects.get(posts__person_id=grid_user.person_id, level__code="grid"),
             *Org.objects.filter(level__code="grid").order_by("path")[:5]]
    now = timezone.now()
    category = Category.objects.get(code="sanitation")
    for i in range(24):
        actions.do_submit_demand(None, {
            "channel": "web", "category": category, "urgency": "normal", "description": f"楼道垃圾堆积{i}",
            "address": "测试路 1 号", "grid": grids[i % len(grids)]}, now=now - dt.timedelta(days=3))
    for user in users:
        post = user.person.posts.select_related("org").first() if user.person_id else None
        for i in range(3 if user.person_id else 0):
            org = post.org if post else grids[0]
            EarlyWarning.objects.create(rule="test.personal", key=f"{user.username}{i}", perm=Perm.NOTICE_VIEW,
                                        org_path=org.path, org_name=org.name, person_id=user.person_id,
                                        title=f"测试事项{i}", url="/accounts/me/", due_at=now - dt.timedelta(days=1),
                                        opened_at=now)
    warnings.sweep(now)
    after = {u.username: _home_queries(client, u) for u in users}
    assert after == before
    client.force_login(grid_user)
    assert client.get(reverse("core:todo")).content.decode().count("待接单诉求") >= 4  # the data did grow
