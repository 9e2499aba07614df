"""一张网 in the browser: each staff role that holds ``net.view`` opens its own dashboard on a phone and on a
desktop — the charts are drawn under the strict CSP, no page scrolls sideways, axe-core finds no serious
violation — picks another figure for a chart, and a district cadre drills from a number to its rows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page_accessibility, login
from tests.factories import TEST_PASSWORD, build_tree, user_with_post
from zongheng.core.permissions import Role

# (username, role, where)
ROLES = [
    ("dept", Role.ORG_DEPT, "district"),
    ("street", Role.SECRETARY, "street"),
    ("deputy", Role.DEPUTY_SECRETARY, "community"),
    ("committee", Role.COMMITTEE_MEMBER, "community"),
    ("assistant", Role.SECRETARY_ASSISTANT, "community"),
    ("grid", Role.GRID_LEADER, "grid"),
]
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


def build() -> dict[str, object]:
    tree = build_tree()
    orgs = {"district": tree.district, "street": tree.streets[0], "community": tree.communities[0],
            "grid": tree.grids[0]}
    for username, role, where in ROLES:
        user_with_post(orgs[where], role, username)
    return orgs


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(("username", "where"), [(u, w) for u, _, w in ROLES], ids=[r[0] for r in ROLES])
def test_each_staff_role_opens_its_dashboard_on_a_phone_and_a_desktop(page, live_server, transactional_db,
                                                                      username, where, width):
    orgs = build()
    page.set_viewport_size(WIDTHS[width])
    login(page, live_server, username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/net/")
    org = orgs[where]
    expect(page.get_by_role("heading", name=f"一张网 · {org.name}", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="组织覆盖", level=2)).to_be_visible()
    if where != "grid":  # a grid has no child organisation to draw
        expect(page.locator("[data-chart] svg").first).to_be_visible()
        pick = page.locator("[data-chart-pick]").first
        pick.select_option(index=1)
        expect(page.locator("[data-chart] svg").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    assert check_page_accessibility(page) == []


def test_a_district_cadre_opens_the_rows_behind_a_number_and_a_street_s_dashboard(page, live_server,
                                                                                  transactional_db):
    orgs = build()
    login(page, live_server, "dept", TEST_PASSWORD)
    page.goto(f"{live_server.url}/net/")
    page.locator("#panel-tree .card").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("网格")
    expect(page.locator("ul.rows li")).to_have_count(8)  # build_tree's eight grids
    page.go_back()
    page.locator("#panel-tree details.by-child summary").click()
    page.get_by_role("link", name=orgs["street"].name).first.click()
    expect(page.get_by_role("heading", name=f"一张网 · {orgs['street'].name}", level=1)).to_be_visible()
    assert check_page_accessibility(page) == []
