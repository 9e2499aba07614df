"""The landing and login pages on a phone: Chinese, accessible, and login works."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import make_person, make_user


def test_a_visitor_on_a_phone_sees_the_chinese_landing_page_and_can_switch_to_large_text(page, live_server,
                                                                                          transactional_db):
    page.goto(live_server.url + "/")
    assert "纵横" in page.title()
    expect(page.get_by_role("link", name="挂牌亮相").first).to_be_visible()
    assert_accessible(page)
    size_before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("link", name="大字模式").click()
    # The link goes through /display/ and back: read the size only once the page it comes back to is there.
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    size_after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size_after > size_before


def test_a_cadre_logs_in_on_a_phone_and_reaches_their_account(page, live_server, transactional_db):
    from tests.factories import build_tree

    tree = build_tree()
    make_user(make_person(tree.communities[0], name="王五"), "wangwu")
    page.goto(live_server.url + "/accounts/login/")
    assert_accessible(page)
    login(page, live_server, "wangwu", "pw-Secret-123")
    page.goto(live_server.url + "/accounts/me/")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    assert "王五" in page.content()
