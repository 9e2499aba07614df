"""Duty campaigns in the browser, on a phone (390 px): a member claims a shift from the paged list, checks in,
records the residents brought along and checks out; the community secretary's campaign page refreshes its
coverage by htmx. Real actions make the data; the pages run under the CSP (the browser conftest's watch,
imported here, fails the test on a violation) and pass axe."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401  (fixtures of the browser suite, used here)
    assert_accessible,
    browser_context_args,
    browser_type_launch_args,
    login,
    no_csp_violations,
)
from tests.factories import TEST_PASSWORD, build_tree
from tests.members.factories_campaigns import make_world
from zongheng.members import actions_campaigns as actions
from zongheng.members import defaults as member_defaults
from zongheng.members.choices import CampaignState, DutyState
from zongheng.members.models import Companion, DutyClaim, PointEntry

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def test_a_member_claims_checks_in_brings_residents_and_checks_out_on_a_phone(page, live_server, transactional_db):
    member_defaults.ensure_installed()
    w = make_world(build_tree())
    now = timezone.now()
    day = timezone.localdate() - dt.timedelta(days=1)
    c = actions.do_create_campaign(w.cadre, {"org": w.tree.communities[0], "title": "冬季安全巡查", "kind": "other",
                                             "starts_on": day, "ends_on": day + dt.timedelta(days=3)})
    post = actions.do_add_segment(w.cadre, c, {"name": "小区东门岗"})
    shift = actions.do_add_shift(w.cadre, post, {"starts_at": now - dt.timedelta(minutes=10),
                                                 "ends_at": now + dt.timedelta(hours=2), "capacity": 2})
    actions.do_transition_campaign(w.cadre, c, CampaignState.OPEN)
    page.set_viewport_size({"width": 390, "height": 844})
    page.on("dialog", lambda d: d.accept())

    login(page, live_server, w.members[0].username, TEST_PASSWORD)
    page.goto(f"{live_server.url}{reverse('members:campaign_shifts')}?campaign={c.pk}")
    expect(page.locator("td").get_by_text("小区东门岗")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off a phone's screen
    assert_accessible(page)
    page.get_by_role("button", name="认领").click()
    expect(page.get_by_text("认领成功")).to_be_visible()
    claim = DutyClaim.objects.get(person_id=w.members[0].person_id)
    assert claim.shift_id == shift.pk and claim.state == DutyState.CLAIMED

    page.goto(f"{live_server.url}{reverse('members:duty_claims')}")
    assert_accessible(page)
    page.get_by_role("button", name="签到").click()
    expect(page.get_by_text("已签到")).to_be_visible()
    page.get_by_role("link", name="登记带动群众").click()
    page.get_by_label("带动的群众").fill("王大妈，邻居\n李四")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已登记带动群众 2 人")).to_be_visible()
    page.get_by_role("button", name="签退").click()
    expect(page.get_by_text("已签退，值守记录已确认")).to_be_visible()
    claim.refresh_from_db()
    assert claim.checked_in_at and claim.checked_out_at
    assert list(Companion.objects.filter(claim=claim).values_list("name", flat=True)) == ["王大妈", "李四"]
    assert PointEntry.objects.filter(person_id=w.members[0].person_id, source=f"duty.claim:{claim.pk}").exists()

    # The secretary watches coverage; another claim shows on the next refresh of the live part (htmx).
    context = page.context.browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    login(desk, live_server, w.cadre.username, TEST_PASSWORD)
    desk.goto(f"{live_server.url}{reverse('members:campaign', args=[c.pk])}")
    live = desk.locator("#campaign-live")
    expect(live).to_have_attribute("hx-trigger", "every 30s")
    expect(live.get_by_text("1/2", exact=True).first).to_be_visible()
    assert_accessible(desk)
    actions.do_claim(w.members[1], shift)
    desk.evaluate(f"htmx.ajax('GET', '{reverse('members:campaign_live', args=[c.pk])}', "
                  "{target: '#campaign-live', swap: 'outerHTML'})")
    expect(desk.locator("#campaign-live").get_by_text("2/2", exact=True).first).to_be_visible()
    context.close()
