"""Every demo account, and an anonymous visitor, visits every page they can open — at 390 px (a phone)
and at 1366 px (a desktop) — and each page is in Chinese, answers 200, has no serious or critical
axe-core violation and no visible text under WCAG AA contrast (4.5:1, or 3:1 for large text).

The pages are not a hand list: each run starts from the role's landing (``/start/``), takes the
header navigation and then one level of links from each of those pages, deduplicated by URL pattern
(digits stand for ids) and capped, so that a page added to a module's nav is checked without editing
this file. The demo district is built once for the module (its own live server, so no per-test flush),
with a small year of demands and a live slice of open ones at every stage so that the workbench,
countdowns and escalations have something to show.

Screenshots: set ``ZONGHENG_SHOTS=/tmp/shots`` to save ``<role>-<page>-<width>.png`` of every page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import check_page_accessibility

PASSWORD = "zongheng-demo"
ROLES = ["district", "street", "community", "assistant", "grid", "household", "member", "auditor", "liaison", "union"]
WIDTHS = {390: {"width": 390, "height": 844}, 1366: {"width": 1366, "height": 768}}
MAX_PAGES = 20  # per role and width: keeps the whole module near three minutes on two cores
SKIP = re.compile(r"(\.xlsx$|\.pdf$|/accounts/logout/|/display/|/api/|/open311/|/static/|/media/|/photos/|/healthz"
                  r"|/reveal/|/status/$)")
FORM = re.compile(r"/(new|edit|move|import|password|staff|end)/$")
SHOTS = os.environ.get("ZONGHENG_SHOTS", "")
# ``django_db`` (not transactional): each walk runs in a transaction that is rolled back (on SQLite the live
# server shares the test's connection), so no walk sees another's writes and the module's data is built once.
pytestmark = pytest.mark.django_db
# Words of Python or Django's English defaults leaking onto a page (CJK letters count as word characters for
# \b, so ASCII letters are the boundary).
ENGLISH = re.compile(r"(?<![A-Za-z])(None|Forbidden|Not Found|Server Error|This field|Page not found|True|False)"
                     r"(?![A-Za-z])")


def test_the_walk_covers_every_demo_account() -> None:
    """The accounts walked below are exactly the demo's: a new demo account is walked or this fails."""
    from zongheng.orgs.demo import DEMO_ACCOUNTS

    assert sorted(a["username"] for a in DEMO_ACCOUNTS) == sorted(ROLES)


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo district with a live slice, served by a live server of its own for this module."""
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        _build_demo()
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", verbosity=0, interactive=False)
            from tests.factories import ensure_migration_rows

            ensure_migration_rows()


def _build_demo() -> None:
    import datetime as dt

    from django.test import override_settings
    from django.utils import timezone

    from tests.factories import ensure_migration_rows
    from zongheng.accounts.models import User
    from zongheng.demands import actions
    from zongheng.demands import demo as demands_demo
    from zongheng.demands.choices import Channel, Urgency
    from zongheng.demands.models import Category
    from zongheng.orgs import demo
    from zongheng.orgs.models import Org

    ensure_migration_rows()  # a transactional test before this module may have flushed them
    built = demo.build(seed=2018)
    district = built.districts[0]
    demands_demo.build(district, seed=2018, year=2018, count=40)
    from zongheng.cobuild import demo as cobuild_demo  # the units, and the liaison accounts walked below

    cobuild_demo.build(district, seed=2018, year=2018)
    cobuild_demo.build_live(district, seed=2018)
    from zongheng.lists import demo as lists_demo  # 一清单: the year's lists and today's, walked by the cadres

    lists_demo.build(district, seed=2018, year=2018)
    lists_demo.build_live(district, seed=2018)
    # A live slice around today, through the real actions: new, accepted, started, escalated, whistled, answered.
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    grid = Org.objects.get(name="先锋社区第1网格")
    categories = list(Category.objects.order_by("order")[:3])
    now = timezone.now()
    texts = ["楼道灯坏了，晚上上下楼很黑", "小区门口垃圾无人清运", "路面井盖松动，车辆经过声响很大",
             "楼上漏水渗到我家天花板", "广场舞噪音太大影响休息", "小区健身器材损坏"]
    made = []
    with override_settings(SMS_BACKEND="zongheng.demands.demo.quiet_sms"):
        for i, text in enumerate(texts):
            demand, _code = actions.do_submit_demand(None, {
                "channel": Channel.WEB, "category": categories[i % len(categories)],
                "urgency": [Urgency.NORMAL, Urgency.URGENT, Urgency.COMPLEX][i % 3], "description": text,
                "address": f"先锋小区{i + 1}栋", "grid": grid, "phone": f"1391234{i:04d}", "contact_name": "张女士",
            }, now=now - dt.timedelta(hours=2 + 30 * i))
            made.append(demand)
        actions.do_accept(users["grid"], made[1])
        actions.do_accept(users["grid"], made[2])
        actions.do_start(users["grid"], made[2], note="已到现场查看")
        actions.do_escalate(users["grid"], made[3], reason="需要社区协调物业")
        actions.do_accept(users["grid"], made[4])
        street = Org.objects.get(name="宜城路街道")
        summoned = [Org.objects.get(name="先锋社区"), Org.objects.get_children(street)[1]]
        actions.do_whistle(users["street"], made[4], summoned, note="多部门联合处置")
        actions.do_accept(users["grid"], made[5])
        actions.do_answer(users["grid"], made[5], "已联系厂家更换器材")


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "<n>", path)


def _links(page: Any, scope: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        scope, "els => els.map(a => a.href).filter(h => h.startsWith(location.origin))")
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.path and not SKIP.search(parts.path):
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


class Visit:
    """One role at one width: visits pages, collects every problem instead of stopping at the first."""

    def __init__(self, page: Any, base: str, role: str, width: int) -> None:
        self.page, self.base, self.role, self.width = page, base, role, width
        self.problems: list[str] = []
        self.seen: dict[str, str] = {}  # pattern -> url visited

    def check(self, url: str | None = None, *, name: str | None = None) -> bool:
        page = self.page
        if url is not None:
            response = page.goto(self.base + url)
            status = response.status if response else 0
            if status != 200:
                self.problems.append(f"{url}: HTTP {status}")
                return False
        if page.locator("[hx-trigger*='intersect'], [hx-trigger*='load']").count():
            # A section loaded on its own request (我的待办's 今日数据, the grid map): check the page once it is in.
            page.wait_for_load_state("networkidle")
        where = urlsplit(page.url).path
        if page.evaluate("document.documentElement.lang") != "zh-CN":
            self.problems.append(f"{where}: <html lang> is not zh-CN")
        h1 = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
        if not re.search(r"[\u4e00-\u9fff]", h1):
            self.problems.append(f"{where}: no Chinese <h1> ({h1!r})")
        if m := ENGLISH.search(page.locator("main").inner_text()):
            self.problems.append(f"{where}: English/debug text on the page: {m.group(0)!r}")
        self.problems += [f"{where}: {p}" for p in check_page_accessibility(page)]
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            slug = name or (_pattern(where).strip("/").replace("/", "_").replace("<n>", "n") or "home")
            page.screenshot(path=f"{SHOTS}/{self.role}-{slug}-{self.width}.png", full_page=True)
        return True

    def crawl(self, starts: list[str]) -> None:
        """The start pages and the header navigation of each, then one level of links from the main part of
        every one of those, one page per URL pattern. Nav pages come first; then each page in turn gives its
        next new pattern (so that the cap cuts evenly), reading pages before forms, buttons before rows."""
        first: list[str] = list(starts)
        second: list[list[str]] = []
        while len(self.seen) < MAX_PAGES:
            if first:
                url, level = first.pop(0), 0
            else:
                second = [[u for u in links if _pattern(urlsplit(u).path) not in self.seen] for links in second]
                second = [links for links in second if links]
                if not second:
                    break
                url, level = second[0].pop(0), 1
                second.append(second.pop(0))  # the next link comes from the next page
            pattern = _pattern(urlsplit(url).path)
            if pattern in self.seen:
                continue
            self.seen[pattern] = url
            if self.check(url) and level == 0:
                first += _links(self.page, "header nav a[href]")
                # The public directory's own pages are the anonymous walk's; a signed-in walk stops at its index.
                if self.role == "anonymous" or not url.startswith("/directory/"):
                    buttons = _links(self.page, "main a.button[href]")
                    links = buttons + [u for u in _links(self.page, "main a[href]") if u not in buttons]
                    second.append(sorted(links, key=lambda u: bool(FORM.search(urlsplit(u).path))))


def _context(browser: Any, base: str, width: int) -> Any:
    return browser.new_context(viewport=WIDTHS[width], is_mobile=width < 600, has_touch=width < 600,
                               locale="zh-CN", base_url=base)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ROLES)
def test_every_demo_account_lands_on_its_page_and_every_page_it_can_open_is_readable(
        browser, demo_site, role, width):
    context = _context(browser, demo_site.url, width)
    page = context.new_page()
    try:
        response = page.goto(demo_site.url + "/accounts/login/")
        assert response is not None and response.status == 200
        page.get_by_label("用户名").fill(role)
        page.get_by_label("密码").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        landing = urlsplit(page.url).path
        assert "/accounts/login/" not in landing, f"{role} could not log in"
        visit = Visit(page, demo_site.url, role, width)
        # The landing itself must answer 200 (reloaded to read its status) and be in Chinese.
        response = page.goto(page.url)
        assert response is not None and response.status == 200, f"{role} lands on {landing}: HTTP {response.status}"
        visit.crawl([landing + (f"?{urlsplit(page.url).query}" if urlsplit(page.url).query else "")])
        print(f"\n{role} {width}px:", " ".join(visit.seen.values()))
        assert len(visit.seen) >= 2, f"{role} reached only {list(visit.seen.values())}"
        assert visit.problems == [], f"{role} at {width}px, {len(visit.seen)} pages:\n" + "\n".join(visit.problems)
    finally:
        context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_anonymous_visitor_reads_every_public_page_and_walks_the_demand_form(browser, demo_site, width):
    from zongheng.orgs.models import Org

    grid = Org.objects.get(name="先锋社区第1网格")
    context = _context(browser, demo_site.url, width)
    page = context.new_page()
    try:
        visit = Visit(page, demo_site.url, "anonymous", width)
        visit.crawl(["/", "/directory/", f"/directory/{grid.pk}/", "/demands/track/", "/accounts/login/"])
        # The demand form, step by step, including its error state.
        page.goto(demo_site.url + "/demands/new/")
        visit.check(name="new-1")
        page.get_by_role("button", name="下一步").click()
        page.wait_for_load_state()
        visit.check(name="new-1-errors")
        page.locator("textarea").first.fill("楼道灯坏了，晚上上下楼很黑")
        page.locator("input[name=address]").fill("先锋小区3栋")
        page.get_by_role("button", name="下一步").click()
        page.wait_for_load_state()
        visit.check(name="new-2")
        for select in page.locator("form select").all():
            if not select.input_value():
                values = select.locator("option").evaluate_all("os => os.map(o => o.value).filter(Boolean)")
                if values:
                    select.select_option(values[0])
        page.get_by_role("button", name="下一步").click()
        page.wait_for_load_state()
        visit.check(name="new-3")
        # Large text and high contrast (the footer's switches) on the home page.
        page.goto(demo_site.url + "/")
        page.locator("footer").get_by_role("link", name="大字模式").click()
        page.locator("footer").get_by_role("link", name="高对比度").click()
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.className").split() == ["large-text", "high-contrast"]
        visit.check(name="home-large-contrast")
        assert visit.problems == [], f"anonymous at {width}px:\n" + "\n".join(visit.problems)
    finally:
        context.close()
