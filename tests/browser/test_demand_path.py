"""民心零距离 on a phone: a resident reports a broken street lamp, the grid leader answers it on the
staff workbench, and the resident reads the answer and rates it with one tap — no account."""

import importlib
import re

from django.apps import apps
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import TEST_PASSWORD, build_tree, make_person, make_post, make_user
from zongheng.core.permissions import Role
from zongheng.demands.choices import Status
from zongheng.demands.models import Demand, DemandFollower, hash_code


def demand_defaults() -> None:
    """Categories, deadline rules and the calendar (data migration; a transactional flush removes them)."""
    importlib.import_module("zongheng.demands.migrations.0002_defaults").forwards(apps, None)


def test_a_resident_reports_a_broken_lamp_and_rates_the_grid_leaders_answer_with_one_tap(
    page, browser, browser_context_args, live_server, transactional_db
):
    demand_defaults()
    tree = build_tree()
    grid = tree.grids[0]
    leader = make_person(grid, name="赵网格")
    make_post(leader, grid, Role.GRID_LEADER)
    make_user(leader, "zhao")

    # The resident, on a phone, without an account.
    page.goto(live_server.url + "/demands/new/")
    assert_accessible(page)
    page.get_by_label("遇到了什么问题").fill("小区 3 栋门口的路灯坏了，晚上很黑，老人出门不方便")
    page.get_by_label("问题在哪里").fill(f"{grid.name}幸福小区 3 栋")
    page.get_by_role("button", name="下一步").click()
    assert page.get_by_label("所属网格").input_value() == str(grid.pk)  # suggested from the address
    assert page.get_by_label("问题类别").locator("option:checked").inner_text() == "市政设施"
    assert_accessible(page)
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("手机号码（选填）").fill("13912345678")
    assert_accessible(page)
    page.get_by_role("button", name="提交", exact=True).click()
    code = page.locator("#tracking-code").inner_text().strip()
    expect(page.get_by_text("请把查询码抄下来或截图保存")).to_be_visible()
    assert_accessible(page)
    demand = DemandFollower.objects.get(code_hash=hash_code(code)).demand
    assert demand.status == Status.ASSIGNED and demand.org == grid

    # The grid leader, in a browser of their own, accepts and answers it on the workbench.
    staff_context = browser.new_context(**browser_context_args)
    staff = staff_context.new_page()
    login(staff, live_server, "zhao", TEST_PASSWORD)
    staff.goto(live_server.url + "/demands/")
    staff.get_by_role("link", name=demand.ref).click()
    staff.get_by_role("button", name="接单").click()
    staff.locator("summary", has_text="答复").click()  # the answer's form loads when its card is opened
    staff.get_by_label(re.compile("答复内容")).fill("已联系电工，路灯今天下午修好了，感谢您的反映。")
    staff.get_by_role("button", name="答复", exact=True).click()
    expect(staff.get_by_text("已答复").first).to_be_visible()
    staff_context.close()
    assert Demand.objects.get(pk=demand.pk).status == Status.ANSWERED

    # The resident comes back with the code, reads the answer and taps five stars.
    page.goto(live_server.url + "/demands/track/")
    assert_accessible(page)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="答复")).to_be_visible()
    expect(page.get_by_text("路灯今天下午修好了").first).to_be_visible()
    assert "13912345678" not in page.content() and "赵网格" not in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="5 星").click()
    expect(page.get_by_text("感谢您的评价")).to_be_visible()
    assert_accessible(page)
    demand = Demand.objects.get(pk=demand.pk)
    assert demand.status == Status.CLOSED and demand.rating == 5


def test_a_resident_joins_a_similar_open_demand_and_a_wrong_code_shows_a_plain_page(page, live_server,
                                                                                    transactional_db):
    from zongheng.demands import actions
    from zongheng.demands.models import Category

    demand_defaults()
    tree = build_tree()
    grid = tree.grids[0]
    earlier, _ = actions.do_submit_demand(None, {
        "channel": "web", "category": Category.objects.get(code="municipal"), "urgency": "normal",
        "description": "3 栋门口路灯不亮好几天了", "address": "幸福小区", "grid": grid, "phone": "13800001111",
    })

    page.goto(live_server.url + "/demands/new/")
    page.get_by_label("遇到了什么问题").fill("3 栋门口的路灯坏了")
    page.get_by_label("问题在哪里").fill(f"{grid.name}幸福小区")
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name="附近已有类似的问题")).to_be_visible()
    assert earlier.ref in page.content() and "13800001111" not in page.content()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(re.escape(earlier.ref))).click()
    assert_accessible(page)
    page.get_by_role("button", name="加入并获取查询码").click()
    code = page.locator("#tracking-code").inner_text().strip()
    assert DemandFollower.objects.get(code_hash=hash_code(code)).demand == earlier
    assert Demand.objects.count() == 1

    page.goto(live_server.url + "/demands/track/")
    page.get_by_label("查询码").fill(code[:-3] + "xyz")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="查询码不正确")).to_be_visible()
    assert earlier.ref not in page.content()
    assert_accessible(page)
