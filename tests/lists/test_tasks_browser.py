"""The task list in the browser, on a phone: a community secretary opens the hub and the task list, files last
month's report on their piece; the street secretary finds it on the piece's page and returns it with a reason.
The pages run under the CSP (the browser conftest's watch fails the test on a violation) and pass axe."""

from __future__ import annotations

import datetime as dt
import os

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
from tests.lists.factories_tasks import make_world, milestone
from zongheng.lists.models import ProgressReport, Task

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def test_a_community_files_its_report_and_the_street_returns_it_on_a_phone(page, live_server, transactional_db):
    w = make_world(build_tree())
    year = timezone.localdate().year
    Task.objects.filter(task_list=w.task_list).update(starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31))
    w.task_list.year = year
    w.task_list.save()
    milestone(w.community, Task.objects.get(pk=w.community_piece.pk), dt.date(year, 12, 31), title="建成示范点")
    login(page, live_server, w.community.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/")
    expect(page.get_by_role("heading", name="一清单")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="查看任务清单").click()
    expect(page.get_by_role("link", name=w.community_piece.title).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=w.community_piece.title).first.click()
    expect(page.get_by_text("建成示范点")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="报送月度进展").click()
    page.get_by_label("本月完成情况").fill("召开推进会，完成摸底")
    page.get_by_role("button", name="报送").click()
    expect(page.get_by_text("已报送月度进展")).to_be_visible()
    assert_accessible(page)
    report = ProgressReport.objects.get()

    page.context.clear_cookies()
    login(page, live_server, w.street.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/reports/{report.pk}/")
    page.get_by_label("退回补充").check()
    page.get_by_label("审核意见").fill("请补充照片")
    assert_accessible(page)
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("已审核")).to_be_visible()
    report.refresh_from_db()
    assert report.result == "returned" and report.review_note == "请补充照片"
