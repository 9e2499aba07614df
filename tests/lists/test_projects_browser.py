"""The project list in the browser: a community's secretary on a phone (390 px) applies for a project, picking
the community in the on-demand picker; the street's secretary on a desktop takes it up and approves it with the
buttons shown (and only those); a resident reads a brand's public page on a phone. Real actions make the data;
the pages run under the CSP (the browser conftest's watch fails the test on a violation) and pass axe."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401  (fixtures of the browser suite, used here)
    assert_accessible,
    browser_context_args,
    browser_type_launch_args,
    login,
    no_csp_violations,
)
from tests.factories import TEST_PASSWORD, build_tree
from tests.lists.factories_projects import advance, create, make_world
from zongheng.lists import actions_projects as actions
from zongheng.lists.choices import ProjectState
from zongheng.lists.models import Project

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def test_a_community_applies_on_a_phone_and_the_street_approves(page, live_server, transactional_db):
    w = make_world(build_tree())
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, w.secretary.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}{reverse('lists:project_new')}")
    expect(page.get_by_role("heading", level=1, name="申报或认领项目")).to_be_visible()
    page.get_by_label("项目类型").select_option("applied")
    box = page.get_by_role("searchbox")
    box.click()
    box.fill(w.community.name)
    page.get_by_role("radio", name=f"{w.community.name} {w.tree.streets[0].name}").check()
    page.get_by_label("项目名称").fill("楼宇党建示范点")
    page.get_by_label("项目内容").fill("在商务楼宇建立党群服务站")
    page.get_by_label("预算（万元）").fill("12")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("项目已提交，等待上级审核")).to_be_visible()
    expect(page.get_by_role("button", name="受理审核")).to_have_count(0)
    project = Project.objects.get(title="楼宇党建示范点")

    context = page.context.browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    login(desk, live_server, w.street_secretary.username, TEST_PASSWORD)
    desk.goto(f"{live_server.url}{reverse('lists:project', args=[project.pk])}")
    assert_accessible(desk)
    desk.on("dialog", lambda dialog: dialog.accept())  # data-confirm
    desk.get_by_role("button", name="受理审核").click()
    expect(desk.get_by_role("button", name="批准立项")).to_be_visible()
    expect(desk.get_by_role("button", name="退回")).to_be_visible()
    desk.get_by_role("button", name="批准立项").click()
    expect(desk.get_by_text("已批准立项")).to_be_visible()
    context.close()
    assert Project.objects.get(pk=project.pk).state == ProjectState.APPROVED


def test_a_resident_reads_a_brand_on_a_phone(page, live_server, transactional_db):
    w = make_world(build_tree())
    p = advance(w, create(w.secretary, w.community, title="常青藤志愿服务队"), "evaluated")
    actions.do_name_brand(w.dept, {"name": "常青藤志愿服务", "slug": "changqingteng", "summary": "老党员志愿服务",
                                   "org": w.community, "projects": [p]})
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{reverse('lists:brands')}")
    page.get_by_role("link", name="常青藤志愿服务").click()
    expect(page.get_by_role("heading", level=1, name="常青藤志愿服务")).to_be_visible()
    expect(page.get_by_text("常青藤志愿服务队（2018年）")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
