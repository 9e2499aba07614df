"""双联双管报到 in the browser: a member on a phone (390 px) applies from their own page, picking the community
where they live in the on-demand picker; the community's secretary on a desktop confirms it with the one button
shown; the member's page then says they are registered. Real actions make the data; the pages run under the CSP
(the browser conftest's watch, imported here, fails the test on a violation) and pass axe."""

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
from tests.members.factories_registration import cadre, member_user
from zongheng.members.models import Registration

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def test_a_member_applies_on_a_phone_and_the_community_confirms(page, live_server, transactional_db):
    tree = build_tree()
    home = tree.communities[1]
    member = member_user(tree.streets[0], "member1", name="刘晓东")
    secretary = cadre(home, username="sec1")
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, live_server, member.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}{reverse('members:me')}")
    page.get_by_role("link", name="申请报到").click()
    expect(page.get_by_role("heading", level=1, name="到居住地社区报到")).to_be_visible()
    box = page.get_by_role("searchbox")
    box.click()
    box.fill(home.name)
    page.get_by_role("radio", name=home.name).check()
    page.get_by_label("特长和可提供的服务").fill("电脑维修")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off a phone's screen
    assert_accessible(page)
    page.get_by_role("button", name="提交报到申请").click()
    expect(page.get_by_text(f"已向{home.name}提交报到申请")).to_be_visible()
    expect(page.get_by_role("button", name="撤回申请")).to_be_visible()
    reg = Registration.objects.get(person=member.person)
    assert reg.state == "applied" and reg.community_id == home.pk and reg.skills == "电脑维修"

    context = page.context.browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    login(desk, live_server, secretary.username, TEST_PASSWORD)
    desk.goto(f"{live_server.url}{reverse('members:registration', args=[reg.pk])}")
    expect(desk.get_by_role("button", name="撤回申请")).to_have_count(0)
    assert_accessible(desk)
    desk.once("dialog", lambda dialog: dialog.accept())  # data-confirm
    desk.get_by_role("button", name="确认报到").click()
    expect(desk.get_by_text("已确认报到", exact=True)).to_be_visible()
    expect(desk.get_by_role("button", name="结束报到")).to_be_visible()
    context.close()

    page.goto(f"{live_server.url}{reverse('members:me')}")
    expect(page.get_by_text(f"到{home.name}报到（双联双管）")).to_be_visible()
    reg.refresh_from_db()
    assert reg.state == "confirmed"
