"""积分 in the browser: a member on a phone (390 px) claims a deed the records do not hold — item, date, what
they did — and sees it waiting; the community secretary on a desktop finds it among the claims to review,
approves it (confirming the dialog) and sees the points it earned; the member then finds the points on their own
page, traced to the approved claim. Data by the real actions, pages under the CSP and axe-checked."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401 - the browser set-up: chromium, phone context, CSP watch
    assert_accessible,
    browser_context_args,
    browser_type_launch_args,
    login,
    no_csp_violations,
)
from tests.factories import TEST_PASSWORD, build_tree, make_person, make_post, make_user
from zongheng.core.permissions import Role
from zongheng.members.choices import ClaimState, Deed
from zongheng.members.defaults import ensure_installed
from zongheng.members.models import PointClaim, PointEntry, PointRule

pytestmark = pytest.mark.browser


def test_a_member_claims_on_a_phone_and_the_community_approves_it(page, browser, live_server, transactional_db):
    tree = build_tree()
    ensure_installed()
    member = make_person(tree.grids[0], name="孙党员", member_type="retired")
    make_user(member, "sun")
    secretary = make_person(tree.communities[0], name="周书记")
    make_post(secretary, tree.communities[0], Role.SECRETARY)
    make_user(secretary, "zhou")
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, live_server, "sun", TEST_PASSWORD)
    page.goto(live_server.url + reverse("members:my_points"))
    expect(page.get_by_role("heading", level=1, name="我的积分")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="申报积分").first.click()
    expect(page.get_by_role("heading", level=1, name="申报积分")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("八带头事项").select_option(label="带头化解矛盾")
    page.get_by_label("做了什么").fill("调解3栋楼上楼下漏水纠纷，双方签了协议")
    page.get_by_role("button", name="提交申报").click()
    expect(page.get_by_text("已提交申报，等待组织审核")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("待审核")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    claim = PointClaim.objects.get()
    assert (claim.person_id, claim.item.code, claim.state) == (member.pk, "harmony", ClaimState.PENDING)

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    desk = context.new_page()
    desk.on("dialog", lambda dialog: dialog.accept())
    login(desk, live_server, "zhou", TEST_PASSWORD)
    desk.goto(live_server.url + reverse("members:points_claims") + "?review=1")
    assert_accessible(desk)
    desk.get_by_role("link", name="孙党员").click()
    expect(desk.get_by_role("heading", level=1, name="积分申报：带头化解矛盾")).to_be_visible()
    assert_accessible(desk)
    desk.get_by_role("button", name="通过", exact=True).click()
    rule = PointRule.objects.get(rule_set__member_type="retired", deed=Deed.CLAIM)
    expect(desk.get_by_text(f"已通过：孙党员记 {rule.points} 分")).to_be_visible()
    desk.goto(live_server.url + reverse("members:points"))
    expect(desk.get_by_role("heading", level=1)).to_contain_text(tree.communities[0].name)
    assert_accessible(desk)
    context.close()

    page.goto(live_server.url + reverse("members:my_points"))
    expect(page.get_by_role("heading", level=2, name=f"带头化解矛盾 {rule.points} 分")).to_be_visible()
    expect(page.get_by_role("link", name="申报事项（组织审核通过）")).to_be_visible()
    assert PointEntry.objects.get().source == f"claim:{claim.pk}"
