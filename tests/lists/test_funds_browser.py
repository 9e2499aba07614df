"""财政保障 in the browser: the street's secretary on a phone (390 px) allocates money to a community, picking it
in the on-demand picker; the community's secretary on a desktop records a spending and sees the balance fall.
Real actions make the budget; the pages run under the CSP (the browser conftest's watch fails the test on a
violation) and pass axe. With ``FUNDS_SHOTS=1`` it also saves every 财政保障 page at 390 and 1366 px to
/tmp/shots/funds/ (for looking at, not asserted)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

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
from tests.factories import TEST_PASSWORD
from tests.lists.factories_funds import funds_world
from zongheng.lists import actions_funds as actions
from zongheng.lists import funds
from zongheng.lists.models_funds import FundAllocation, FundSpending

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def test_a_street_allocates_on_a_phone_and_the_community_spends(page, live_server, transactional_db):
    w = funds_world()
    t = w.tree
    today = timezone.localdate()
    actions.do_set_budget(w.dept, t.district, today.year, "work", Decimal("800000"))
    actions.do_allocate(w.dept, t.district, t.streets[0], Decimal("300000"), today, "街道党建经费")
    community = t.communities[0]
    q = f"?org={t.streets[0].pk}&year={today.year}"

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, w.street.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}{reverse('lists:funds')}{q}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("财政保障")
    page.get_by_role("link", name="下拨经费").click()
    box = page.get_by_role("searchbox")
    box.click()
    box.fill(community.name)
    page.get_by_role("radio", name=f"{community.name} {t.streets[0].name}").check()
    page.get_by_label("金额（元）").fill("60000")
    page.get_by_label("用途").fill("社区党群服务中心运转")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("经费已下拨")).to_be_visible()
    assert FundAllocation.objects.get(receiver=community).amount == Decimal("60000")

    context = page.context.browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    desk = context.new_page()
    login(desk, live_server, w.community.username, TEST_PASSWORD)
    cq = f"?org={community.pk}&year={today.year}"
    desk.goto(f"{live_server.url}{reverse('lists:funds_spend')}{cq}")
    desk.get_by_label("金额（元）").fill("1500.50")
    desk.get_by_label("用途").fill("主题党日活动")
    desk.get_by_role("button", name="提交").click()
    expect(desk.get_by_text("支出已登记")).to_be_visible()
    expect(desk.get_by_role("cell", name="1,500.50")).to_be_visible()
    assert_accessible(desk)
    desk.goto(f"{live_server.url}{reverse('lists:funds')}{cq}")
    expect(desk.get_by_text("58,499.50 元").first).to_be_visible()  # the balance: 60,000 − 1,500.50
    assert funds.balance(community.path, today.year) == Decimal("58499.50")
    context.close()

    if os.environ.get("FUNDS_SHOTS"):
        _shots(page, live_server, w, today)


def _shots(page, live_server, w, today) -> None:  # type: ignore[no-untyped-def]
    t = w.tree
    c = t.communities[0]
    actions.do_set_pay_reference(w.dept, today.year, "安庆市", Decimal("40000"))
    actions.do_record_pay(w.dept, c, today.year, "王小明", "网格员", Decimal("45000"))
    actions.do_record_space(w.dept, c, Decimal("320"), today)
    spend = FundSpending.objects.first()
    alloc = FundAllocation.objects.first()
    dq = f"?year={today.year}"
    cq = f"?org={c.pk}&year={today.year}"
    pages = {"overview": reverse("lists:funds") + dq, "budget": reverse("lists:funds_budget") + dq,
             "allocations": reverse("lists:funds_allocations") + dq,
             "allocation": reverse("lists:funds_allocation", args=[alloc.pk]),
             "spendings": reverse("lists:funds_spendings") + dq + "&all=1",
             "spending": reverse("lists:funds_spending", args=[spend.pk]),
             "allocate": reverse("lists:funds_allocate") + dq, "spend": reverse("lists:funds_spend") + dq,
             "space": reverse("lists:funds_space") + dq, "space_record": reverse("lists:funds_space_record") + cq,
             "pay": reverse("lists:funds_pay") + dq, "pay_community": reverse("lists:funds_pay") + cq,
             "pay_record": reverse("lists:funds_pay_record") + cq, "configure": reverse("lists:funds_config"),
             "hub": reverse("lists:home") + dq}
    out = Path(os.environ["FUNDS_SHOTS"]) if os.environ["FUNDS_SHOTS"] != "1" else Path("/tmp/shots/funds")  # noqa: S108
    out.mkdir(parents=True, exist_ok=True)
    login(page, live_server, w.dept.username, TEST_PASSWORD)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in pages.items():
            page.goto(f"{live_server.url}{url}")
            page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
