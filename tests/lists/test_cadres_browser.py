"""The cadre star in the browser, on a phone: 组织部 opens the form, picks the month, finds the cadre by name, ticks
the front-line work the form loads for them, saves, and finds the star on the month's list and on the person's
record, the citation linking to the temporary branch. The pages run under the CSP (the browser conftest's watch
fails the test on a violation) and pass axe. With ``ZH_SHOTS`` set it saves each page at 390 and 1366 px wide to
``/tmp/shots/cadres/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401  (fixtures of the browser suite, used here)
    assert_accessible,
    browser_context_args,
    browser_type_launch_args,
    login,
    no_csp_violations,
)
from tests.factories import TEST_PASSWORD, build_tree
from tests.lists.factories_cadres import make_world
from zongheng.lists.models import CadreStar

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/cadres")  # noqa: S108  (screenshots to look at, only with ZH_SHOTS)


def _shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if not os.environ.get("ZH_SHOTS"):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)


def test_the_district_selects_a_monthly_cadre_star_citing_front_line_work_on_a_phone(page, live_server,
                                                                                       transactional_db):
    w = make_world(build_tree())
    w.dept.set_password(TEST_PASSWORD)
    w.dept.save()
    login(page, live_server, w.dept.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/cadres/stars/new/")
    expect(page.get_by_role("heading", name="评选月度干部之星")).to_be_visible()
    page.get_by_label("评选月份").fill("2018-07")
    page.get_by_label("查找干部").fill("甲干")
    page.get_by_label(w.a.name).check()
    branch = page.get_by_label(w.work["t1"].name)
    expect(branch).to_be_visible()
    branch.check()
    page.get_by_label("事迹（简要）").fill("扎根项目一线，按期完成建设任务")
    assert_accessible(page)
    _shoot(page, "star-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"已评选{w.a.name}为2018年07月干部之星")).to_be_visible()
    assert_accessible(page)
    _shoot(page, "stars")
    star = CadreStar.objects.get()
    assert star.person_id == w.a.pk and [c.temp_org_id for c in star.citations.all()] == [w.work["t1"].pk]
    page.get_by_role("link", name=w.a.name).click()
    expect(page.get_by_role("link", name=w.work["t1"].name)).to_be_visible()
    assert_accessible(page)
    _shoot(page, "person")
    if os.environ.get("ZH_SHOTS"):
        for name, path in (("promotions", "/lists/cadres/promotions/?year=2018"),
                           ("promotion-form", "/lists/cadres/promotions/new/"), ("hub", "/lists/")):
            page.goto(f"{live_server.url}{path}")
            _shoot(page, name)
