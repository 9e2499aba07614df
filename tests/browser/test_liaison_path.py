"""Issue 6 in the browser, on a phone (390 px): a stationed unit's liaison logs in and lands on the unit's
page, opens one of the unit's open agreement items, reports progress on it and sees it recorded, then opens
a demand the street summoned (吹哨) the unit to, submits the unit's 报到 and sees it recorded. The data is
made by the real actions; the page runs under the CSP (the conftest fails the test on any violation)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.cobuild.factories_agreements import make_agreement, make_item, make_world
from tests.factories import TEST_PASSWORD, build_tree
from zongheng.cobuild.choices import ItemKind
from zongheng.cobuild.models import AgreementItem, ItemUpdate
from zongheng.demands import actions as demand_actions
from zongheng.demands.models import Category, Summons


def _world():  # type: ignore[no-untyped-def]
    tree = build_tree()
    w = make_world(tree)
    today = timezone.localdate()
    agreement = make_agreement(w.secretary, w.community, w.unit, signed_on=today.replace(month=1, day=1),
                               title=f"{today.year}年度项目认领书")
    item = make_item(w.secretary, agreement, today + dt.timedelta(days=20), kind=ItemKind.JOINT_AFFAIRS,
                     title="老旧小区停车位改造")
    # Another unit's item, for the same community: the liaison must not see it on their page.
    other = make_agreement(w.secretary, w.community, w.other_unit, signed_on=today.replace(month=1, day=1),
                           title="别家单位的认领书")
    make_item(w.secretary, other, today + dt.timedelta(days=10), title="别家单位的项目")
    demand, _ = demand_actions.do_submit_demand(None, {
        "channel": "web", "category": Category.objects.order_by("id").first(), "urgency": "normal",
        "description": "小区门口路灯坏了三盏，晚上出行不便", "address": "幸福里 3 号", "grid": w.tree.grids[0],
        "phone": "13812345678"})
    (summons,) = demand_actions.do_whistle(w.street, demand, [w.unit.org], note="请振发锻件公司协助维修")
    return w, item, demand, summons


def test_a_liaison_on_a_phone_updates_an_item_and_reports_on_a_summoned_demand(page, live_server,
                                                                                transactional_db):
    w, item, demand, summons = _world()
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, live_server, w.liaison.username, TEST_PASSWORD)
    # Lands on the unit's page.
    expect(page).to_have_url(f"{live_server.url}{reverse('cobuild:unit_detail', args=[w.unit.pk])}")
    expect(page.get_by_role("heading", level=1, name=w.unit.name)).to_be_visible()
    items = page.locator("section[aria-labelledby='items-h']")
    expect(items.get_by_role("link", name=item.title, exact=True)).to_be_visible()
    expect(page.get_by_text("别家单位的项目")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off a phone's screen
    assert_accessible(page)

    # Opens the item and reports progress.
    items.get_by_role("link", name=item.title, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=item.title)).to_be_visible()
    expect(page.get_by_role("link", name="确认完成")).to_have_count(0)  # the community confirms, not the unit
    page.get_by_role("link", name="更新进度").click()
    expect(page.get_by_role("heading", level=1, name=f"更新进度：{item.title}")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("进度（%）").fill("40")
    page.get_by_label("进展情况").fill("已勘察现场，施工队下周进场")
    page.get_by_role("button", name="提交进度").click()
    expect(page.get_by_text("进度已更新为 40%")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=item.title)).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("40%，已勘察现场，施工队下周进场")
    item.refresh_from_db()
    assert item.progress == 40
    assert ItemUpdate.objects.filter(item=item, by=w.liaison, progress=40).count() == 1

    # Back on the unit's page: the progress is shown there too, and the summoned demand waits for 报到.
    page.goto(live_server.url + reverse("cobuild:unit_detail", args=[w.unit.pk]))
    expect(page.locator("section[aria-labelledby='items-h']")).to_contain_text("40%")
    summoned = page.locator("section[aria-labelledby='summons-h']")
    expect(summoned).to_contain_text("1 件待报到")
    summoned.get_by_role("link", name="去报到").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('demands:detail', args=[demand.pk])}#report-{summons.pk}")
    expect(page.get_by_role("heading", name=f"{w.unit.name}报到")).to_be_visible()
    expect(page.locator(f"#report-{summons.pk}")).to_be_in_viewport()  # the link lands on the unit's form
    assert_accessible(page)
    page.get_by_label("报到情况").fill("已派电工两名，今晚修复路灯")
    page.get_by_role("button", name="提交报到情况").click()
    expect(page.locator("table").filter(has_text="报到单位")).to_contain_text("已派电工两名，今晚修复路灯")
    expect(page.get_by_role("button", name="提交报到情况")).to_have_count(0)  # reported once, the form is gone
    summons.refresh_from_db()
    assert summons.reported_at is not None and summons.report == "已派电工两名，今晚修复路灯"

    # The unit's page now shows it reported.
    page.goto(live_server.url + reverse("cobuild:unit_detail", args=[w.unit.pk]))
    summoned = page.locator("section[aria-labelledby='summons-h']")
    expect(summoned).to_contain_text("已报到")
    expect(summoned.get_by_role("link", name="去报到")).to_have_count(0)
    assert Summons.objects.filter(org=w.unit.org, reported_at__isnull=True).count() == 0
    assert AgreementItem.objects.filter(pk=item.pk, progress=40).exists()
