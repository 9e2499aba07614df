"""民情日记 on a phone (390 px): a central household head logs in, records a visit to one of the households they
link with the concern raised and 转为居民诉求 ticked — in one step — and sees the demand it became (number, state,
the resident's tracking code); the grid leader then opens that demand and finds the visit it came from linked on
its page, and follows the link back. The data is made by the real actions; pages run under the CSP."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import TEST_PASSWORD, build_tree, make_person, make_post, make_user
from tests.members.factories_visits import add_households
from zongheng.core.permissions import Role
from zongheng.demands.choices import Channel, Status
from zongheng.members.defaults import ensure_installed
from zongheng.members.models import PointEntry, Visit


def test_a_household_head_turns_a_concern_into_a_demand_in_one_step_on_a_phone(
    page, browser, browser_context_args, live_server, transactional_db
):
    tree = build_tree()
    ensure_installed()
    grid, central = tree.grids[0], tree.households[0]
    head = make_person(central, name="钱中心户")
    make_post(head, central, Role.HOUSEHOLD_HEAD)
    make_user(head, "qian")
    leader = make_person(grid, name="赵网格")
    make_post(leader, grid, Role.GRID_LEADER)
    make_user(leader, "zhao")
    households = add_households(central, 6, "幸福里")
    target = households[2]
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, live_server, "qian", TEST_PASSWORD)
    page.goto(live_server.url + reverse("members:home"))
    page.get_by_role("link", name="记民情日记").first.click()
    expect(page.get_by_role("heading", level=1, name="记民情日记")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("联系户").select_option(str(target.pk))
    page.get_by_label("群众反映的情况").fill("小区门口的路灯坏了三盏，晚上老人出门不安全")
    page.get_by_label("转为居民诉求").check()
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("已记入民情日记，反映的情况已转为居民诉求")).to_be_visible()
    visit = Visit.objects.select_related("demand").get()
    demand = visit.demand
    assert demand is not None and demand.channel == Channel.VISIT and demand.status == Status.ASSIGNED
    assert demand.grid_id == grid.pk and demand.address == target.address
    expect(page.get_by_text(f"已登记居民诉求 {demand.ref}")).to_be_visible()
    expect(page.locator(".code-box")).to_be_visible()  # the tracking code, shown once, for the household
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(target.address)
    expect(facts).to_contain_text(f"{demand.ref}（{demand.get_status_display()}）")
    expect(page.get_by_role("button", name="转为居民诉求")).to_have_count(0)  # once
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    assert PointEntry.objects.filter(person=head, source=f"visit:{visit.pk}").count() == 1

    # The grid leader finds the demand on their queue; its page links back to the visit it came from.
    context = browser.new_context(**browser_context_args)
    other = context.new_page()
    other.set_viewport_size({"width": 390, "height": 844})
    login(other, live_server, "zhao", TEST_PASSWORD)
    other.goto(live_server.url + reverse("demands:detail", args=[demand.pk]))
    back = other.get_by_role("link", name=f"来自民情日记：{visit.visited_on:%Y-%m-%d} 走访 {target.address}")
    expect(back).to_be_visible()
    back.click()
    expect(other.get_by_role("heading", level=1, name=f"民情日记：{target.address}")).to_be_visible()
    expect(other.get_by_role("link", name=demand.ref)).to_be_visible()  # they may open the demand
    assert_accessible(other)
    context.close()
