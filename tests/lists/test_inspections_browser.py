"""The inspections in the browser, on a phone: the team leader records a finding at a community with its item
(the owner picker and the person search load on demand); the community's secretary finds the item on the hub,
reports what was done with an evidence file; the district's 组织部 closes it (销号). The pages run under the CSP
and pass axe. With ZH_SHOTS=<folder>, screenshots of every page at 390 and 1366 px go there (to be looked at)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401  (fixtures of the browser suite, used here)
    assert_accessible,
    browser_context_args,
    browser_type_launch_args,
    login,
    no_csp_violations,
)
from tests.factories import TEST_PASSWORD, build_tree
from tests.lists.factories_inspections import make_world
from zongheng.lists.choices_inspections import RectState
from zongheng.lists.models_inspections import Rectification

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def _shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = os.environ.get("ZH_SHOTS")  # e.g. /tmp/shots/inspections: screenshots to look at
    if not folder:
        return
    shots = Path(folder)
    shots.mkdir(parents=True, exist_ok=True)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})


def test_a_finding_is_reported_by_the_community_and_closed_by_the_district_on_a_phone(
        page, live_server, transactional_db, tmp_path):
    now = timezone.now()
    w = make_world(build_tree(), now=now)
    target, owner = w.targets[0], w.sec[0]
    w.leader.set_password(TEST_PASSWORD)
    w.leader.save()
    login(page, live_server, w.leader.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/inspections/targets/{target.pk}/")
    assert_accessible(page)
    _shoot(page, "target")
    page.get_by_role("link", name="登记问题").click()
    page.get_by_label("问题描述").fill("“三会一课”记录不全")
    page.get_by_label("整改事项").fill("补齐“三会一课”台账")
    person = page.get_by_placeholder("输入姓名的一部分")
    person.click()
    person.fill(owner.person.name)
    page.get_by_label(owner.person.name).check()
    page.get_by_label("整改时限").fill(f"{timezone.localdate() + dt.timedelta(days=30):%Y-%m-%d}")
    assert_accessible(page)
    _shoot(page, "finding-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已登记问题和整改事项")).to_be_visible()
    rect = Rectification.objects.get()
    assert (rect.org_id, rect.responsible_id, rect.state) == (target.org_id, owner.person_id, RectState.PENDING)

    page.context.clear_cookies()
    login(page, live_server, owner.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/")
    expect(page.get_by_role("heading", name="巡查和整改")).to_be_visible()
    _shoot(page, "hub")
    page.get_by_role("link", name="1 项").first.click()
    assert_accessible(page)
    _shoot(page, "ledger")
    page.get_by_role("link", name="补齐“三会一课”台账").click()
    page.get_by_label("整改情况").fill("已补齐台账并由书记签字")
    evidence = tmp_path / "台账.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    page.get_by_label("佐证附件").set_input_files(str(evidence))
    assert_accessible(page)
    _shoot(page, "item-owner")
    page.get_by_role("button", name="提交整改报告").click()
    expect(page.get_by_text("已报告整改情况，等待核验")).to_be_visible()

    page.context.clear_cookies()
    login(page, live_server, w.dept.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/inspections/{w.rnd.pk}/")
    assert_accessible(page)
    _shoot(page, "round")
    page.goto(f"{live_server.url}/lists/inspections/items/{rect.pk}/")
    expect(page.get_by_role("link", name="台账.pdf")).to_be_visible()
    _shoot(page, "item-verify")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="销号").click()
    expect(page.get_by_text("已销号").first).to_be_visible()
    rect.refresh_from_db()
    assert rect.state == RectState.CLOSED
    page.goto(f"{live_server.url}/lists/inspections/")
    _shoot(page, "rounds")
    page.goto(f"{live_server.url}/lists/inspections/{w.rnd.pk}/teams/new/")
    _shoot(page, "team-form")
