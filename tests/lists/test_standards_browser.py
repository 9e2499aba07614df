"""标准化建设 in the browser, on a phone: the street secretary opens the ranking of its communities, a community's
score card, opens a computed value's rows, and scores an assessed indicator with its evidence. The pages run under
the CSP (the browser conftest's watch) and pass axe; each page is photographed at 390 and 1366 px wide into
/tmp/shots/standards/ for a person to look at."""

from __future__ import annotations

import os
import random
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
from tests.lists import factories_standards as fs
from zongheng.lists.models_standards import Assessment

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/standards")  # noqa: S108 — screenshots for a person to look at, not a secret


def _shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})


def test_the_street_ranks_its_communities_and_scores_one_on_a_phone(page, live_server, transactional_db):
    w = fs.make_world(build_tree(), random.Random(7))
    community = w.tree.communities[0]
    login(page, live_server, w.street.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/standards/?org={w.tree.streets[0].pk}&level=community&period={fs.QUARTER}")
    expect(page.get_by_role("heading", name=f"{w.tree.streets[0].name} · 标准化建设排名")).to_be_visible()
    assert_accessible(page)
    _shoot(page, "ranking")
    page.get_by_role("link", name=community.name, exact=True).click()
    expect(page.get_by_role("heading", name=f"{community.name} · 标准化建设评分")).to_be_visible()
    assert_accessible(page)
    _shoot(page, "card")
    page.get_by_role("link", name="人工评分").click()
    expect(page.get_by_role("heading", name=f"{community.name} · 2025年第二季度人工评分")).to_be_visible()
    assert_accessible(page)
    _shoot(page, "assess")
    page.get_by_label("得分").first.fill("9.5")
    page.get_by_label("评分依据").first.fill("阵地开放、服务事项公开")
    page.get_by_role("button", name="保存评分").first.click()
    expect(page.get_by_text("已为“组织设置规范”评分")).to_be_visible()
    row = Assessment.objects.get(org=community, period=str(fs.QUARTER), indicator__code="g04")
    assert str(row.score) == "9.5" and row.assessor_id == w.street.pk
    page.goto(f"{live_server.url}/lists/standards/framework/")
    assert_accessible(page)
    _shoot(page, "framework")
    page.goto(f"{live_server.url}/lists/")
    expect(page.get_by_role("heading", name=f"标准化建设 · {w.tree.streets[0].name}")).to_be_visible()
    _shoot(page, "hub")
