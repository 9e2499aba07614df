"""Main paths on a phone: a resident finds their grid; a community secretary browses their community."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import TEST_PASSWORD, build_tree, make_person, make_post, make_user
from zongheng.core.permissions import Role
from zongheng.orgs.models import LinkedHousehold


def test_a_resident_finds_their_grid_leader_and_central_households_without_logging_in(page, live_server,
                                                                                      transactional_db):
    tree = build_tree()
    grid, household = tree.grids[2], tree.households[2]
    leader = make_person(grid, name="赵网格", phone="13912345678")
    make_post(leader, grid, Role.GRID_LEADER)
    LinkedHousehold.objects.bulk_create(
        [LinkedHousehold(central=household, address=f"{n}号楼") for n in range(7)]
    )

    page.goto(live_server.url + "/directory/")
    assert_accessible(page)
    page.get_by_label("搜索社区、村或网格").fill(grid.name)
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name=re.compile(re.escape(grid.name))).first.click()

    expect(page.get_by_text("赵网格").first).to_be_visible()
    html = page.content()
    assert "139****5678" in html and "13912345678" not in html
    row = page.get_by_role("row").filter(has_text=household.name)
    assert row.locator("td.num").inner_text().strip() == str(household.linked_households.count())
    assert_accessible(page)


def test_a_community_secretary_browses_their_community_and_finds_a_member_on_a_phone(page, live_server,
                                                                                     transactional_db):
    tree = build_tree()
    community = tree.communities[0]
    secretary = make_person(community, name="钱书记")
    make_post(secretary, community, Role.SECRETARY)
    make_user(secretary, "qian")
    make_person(tree.grids[0], name="孙党员")
    make_person(tree.grids[2], name="周外人")  # another community

    login(page, live_server, "qian", TEST_PASSWORD)
    page.goto(live_server.url + "/orgs/")
    page.get_by_role("link", name=community.name).first.click()
    expect(page.get_by_role("heading", name=re.compile(community.name)).first).to_be_visible()
    assert tree.grids[0].name in page.content()
    assert_accessible(page)

    page.goto(live_server.url + "/people/")
    page.get_by_label(re.compile("姓名或电话后四位")).fill("孙")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("link", name="孙党员").first).to_be_visible()
    assert "孙党员" in page.content()
    assert "周外人" not in page.content()
    page.get_by_role("link", name="孙党员").first.click()
    expect(page.get_by_role("heading", name=re.compile("孙党员")).first).to_be_visible()
    assert_accessible(page)
