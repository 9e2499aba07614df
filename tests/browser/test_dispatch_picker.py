"""Issue 13 in the browser, under the CSP: the whistle picker loads on demand, filters as one types and
keeps what was ticked; the holder reveals the resident's phone by htmx to call back."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import TEST_PASSWORD, build_tree, make_person, make_post, make_user
from zongheng.core.permissions import Role
from zongheng.demands import actions
from zongheng.demands.defaults import ensure_installed
from zongheng.demands.models import Category, Summons


def _world():
    tree = build_tree()
    ensure_installed()
    secretary = make_person(tree.streets[0], name="周书记")
    make_post(secretary, tree.streets[0], Role.SECRETARY)
    make_user(secretary, "zhou")
    demand, _ = actions.do_submit_demand(None, {
        "channel": "web", "category": Category.objects.order_by("id").first(), "urgency": "normal",
        "description": "路灯不亮", "address": "幸福里 3 号", "grid": tree.grids[0], "phone": "13812345678"})
    return tree, demand


def test_the_whistle_picker_filters_and_keeps_ticks_and_the_phone_is_revealed_by_htmx(page, live_server,
                                                                                      transactional_db):
    tree, demand = _world()
    login(page, live_server, "zhou", TEST_PASSWORD)
    page.goto(f"{live_server.url}/demands/{demand.pk}/")
    assert page.locator("input[name='whistle-note']").count() == 0  # no form before its card is opened
    page.locator("summary", has_text="吹哨").click()
    search = page.get_by_label("报到单位（可多选，输入名称搜索）")
    expect(search).to_be_visible()
    assert page.locator("input[name='whistle-orgs']").count() == 0  # nothing loaded before it is asked for
    search.click()
    results = page.locator("#id_whistle-orgs-results")
    expect(results.locator("input[name='whistle-orgs']").first).to_be_visible()
    first = results.locator("input[name='whistle-orgs']").first
    assert first.get_attribute("value") == str(tree.communities[0].pk)  # the grid's community first
    with page.expect_response(lambda r: "/pick" in r.url):  # the search's answer, not the first list
        search.fill(tree.communities[2].name)
    expect(results.get_by_text(tree.communities[2].name, exact=True)).to_be_visible()
    results.locator(f"input[value='{tree.communities[2].pk}']").check()
    with page.expect_response(lambda r: "/pick" in r.url):
        search.fill(tree.communities[1].name)
    expect(results.get_by_text(tree.communities[1].name, exact=True)).to_be_visible()
    expect(results.locator(f"input[value='{tree.communities[2].pk}']")).to_be_checked()  # the tick is kept
    results.locator(f"input[value='{tree.communities[1].pk}']").check()
    assert_accessible(page)
    page.get_by_role("button", name="吹哨").click()
    expect(page.get_by_text("已吹哨")).to_be_visible()
    assert set(Summons.objects.values_list("org_id", flat=True)) == {tree.communities[1].pk, tree.communities[2].pk}

    expect(page.get_by_text("138****5678")).to_be_visible()
    page.get_by_role("button", name="显示完整号码（回访居民）").click()
    expect(page.locator("#resident-phone a")).to_have_text("13812345678")
    assert_accessible(page)


def test_bulk_assignment_picks_its_target_by_search_and_the_figures_page_reads_well(page, live_server,
                                                                                   transactional_db):
    tree, demand = _world()
    login(page, live_server, "zhou", TEST_PASSWORD)
    page.goto(f"{live_server.url}/demands/")
    page.get_by_label(f"选择 {demand.ref}").check()
    search = page.get_by_label("把勾选的诉求派至（输入名称搜索）")
    search.fill(tree.grids[1].name)
    results = page.locator("#bulk-org-results")
    results.locator(f"input[value='{tree.grids[1].pk}']").check()
    assert_accessible(page)
    page.get_by_role("button", name="批量派单").click()
    expect(page.get_by_text(f"已将 1 件诉求派至{tree.grids[1].name}")).to_be_visible()
    demand.refresh_from_db()
    assert demand.org == tree.grids[1]

    page.goto(f"{live_server.url}/demands/figures/")
    expect(page.get_by_role("heading", name="各项指标怎么算")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/demands/figures/?period=abc")
    expect(page.get_by_role("alert")).to_contain_text("无法识别")
    assert_accessible(page)
