"""我的待办 on a phone (375 px, like the other browser tests): every role logs in, lands on it and sees
their own items — a demand to accept, a warning on their organisation, 下级预警 counted per child —
under the strict CSP and without WCAG A/AA violations."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import TEST_PASSWORD, build_tree, make_person, make_user, user_with_post
from zongheng.core import warnings
from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Perm, Role
from zongheng.demands import actions
from zongheng.demands.models import Category
from zongheng.demands.todo import RULE

# (username, role, where, what the page must show)
ROLES = [
    ("secretary", Role.SECRETARY, "community", "下级预警"),
    ("street", Role.SECRETARY, "street", "下级预警"),
    ("dept", Role.ORG_DEPT, "district", "下级预警"),
    ("grid", Role.GRID_LEADER, "grid", "待接单诉求"),
    ("household", Role.HOUSEHOLD_HEAD, "household", "中心户会议通知未回执"),
    ("member", None, "community", "党员通知未回执"),
    ("auditor", Role.AUDITOR, "district", "目前没有需要您办理的事项"),
    ("nobody", None, None, "目前没有需要您办理的事项"),
]


def build() -> dict[str, object]:
    importlib.import_module("zongheng.demands.migrations.0002_defaults").forwards(apps, None)
    tree = build_tree()
    orgs = {"community": tree.communities[0], "street": tree.streets[0], "district": tree.district,
            "grid": tree.grids[0], "household": tree.households[0]}
    users = {}
    for username, role, where, _ in ROLES:
        if role is not None:
            users[username] = user_with_post(orgs[where], role, username)
        elif where is not None:
            users[username] = make_user(make_person(orgs[where]), username)
        else:
            users[username] = make_user(None, username)
    now = timezone.now()
    demand, _ = actions.do_submit_demand(None, {
        "channel": "web", "category": Category.objects.get(code="sanitation"), "urgency": "normal",
        "description": "楼道垃圾堆积，无人清理", "address": "测试路 1 号", "grid": tree.grids[0]},
        now=now - dt.timedelta(days=3))
    warnings.sweep(now, codes=[RULE])
    for username, title in (("household", "中心户会议通知未回执"), ("member", "党员通知未回执")):
        user = users[username]
        EarlyWarning.objects.create(rule="test.personal", key=username, perm=Perm.NOTICE_VIEW,
                                    org_path=tree.communities[0].path, org_name=tree.communities[0].name,
                                    person_id=user.person_id, title=title, url="/accounts/me/",
                                    due_at=now - dt.timedelta(days=1), opened_at=now)
    return {"demand": demand}


@pytest.mark.parametrize(("username", "shows"), [(u, s) for u, _, _, s in ROLES], ids=[r[0] for r in ROLES])
def test_each_role_lands_on_my_todo_on_a_phone_and_sees_their_items(page, live_server, transactional_db,
                                                                     username, shows):
    built = build()
    login(page, live_server, username, TEST_PASSWORD)
    expect(page.get_by_role("heading", name="我的待办", level=1)).to_be_visible()
    assert page.url.endswith("/todo/")
    expect(page.get_by_text(shows).first).to_be_visible()
    if username == "grid":
        expect(page.get_by_text("已逾期").first).to_be_visible()
        page.get_by_role("link", name=built["demand"].ref, exact=False).first.click()  # one click to where it is done
        expect(page.get_by_role("heading", name=built["demand"].ref, exact=False).first).to_be_visible()
        page.go_back()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    assert_accessible(page)


def test_a_community_secretary_drills_from_the_count_to_the_warnings_of_a_grid_on_a_phone(page, live_server,
                                                                                          transactional_db):
    build()
    login(page, live_server, "secretary", TEST_PASSWORD)
    grid = EarlyWarning.objects.open().get(rule=RULE)
    page.get_by_role("link", name=grid.org_name).first.click()
    expect(page.get_by_role("heading", name="预警", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=grid.title)).to_be_visible()
    assert f"org={grid.org_path}" in page.url
    assert_accessible(page)


def test_todays_figures_load_when_a_secretary_scrolls_to_them_under_the_csp(page, live_server, transactional_db):
    build()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login(page, live_server, "secretary", TEST_PASSWORD)
    section = page.locator("#todo-figures")
    section.scroll_into_view_if_needed()
    expect(section.get_by_text("办理中的诉求")).to_be_visible()  # htmx replaced the placeholder with the figures
    expect(section.get_by_role("link", name="查看今日数据")).to_have_count(0)
    assert not [e for e in errors if "Content Security Policy" in e]
    assert_accessible(page)
