"""Activities in the browser, on phones (390 px): a member signs up from their own page and sees it recorded;
after the event the community secretary confirms the attendance on the sheet (a select per person, a walk-in
added) and the member's points are recorded. Real actions make the data; the pages run under the CSP (the
browser conftest's watch, imported here, fails the test on a violation) and pass axe."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse
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
from tests.members.factories_activities import make_activity, make_world
from zongheng.members.choices import ActivityState
from zongheng.members.models import Activity, PointEntry, SignUp

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def test_a_member_signs_up_on_a_phone_and_the_organiser_confirms_attendance(page, live_server, transactional_db):
    w = make_world(build_tree())
    a = make_activity(w.secretary, w.community, title="重阳节敬老志愿服务", capacity=10)
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, live_server, w.member.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}{reverse('members:my_activities')}")
    expect(page.get_by_role("link", name=a.title)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off a phone's screen
    assert_accessible(page)
    page.get_by_role("button", name="我要报名").click()
    expect(page.get_by_text(f"报名成功：{a.title}")).to_be_visible()
    expect(page.get_by_text("已报名", exact=True).first).to_be_visible()
    assert SignUp.objects.filter(activity=a, person=w.member.person).count() == 1

    # The event took place.
    Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - dt.timedelta(hours=3),
                                            ends_at=timezone.now() - dt.timedelta(hours=1))
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    login(phone, live_server, w.secretary.username, TEST_PASSWORD)
    phone.goto(f"{live_server.url}{reverse('members:activity', args=[a.pk])}")
    expect(phone.get_by_text("已结束，待确认出勤")).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("link", name="确认出勤").click()
    phone.get_by_label(f"{w.member.person.name}是否出勤").select_option("1")
    phone.locator("input[name=walkin_name]").first.fill("王伯")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone)
    phone.get_by_role("button", name="确认出勤", exact=True).click()
    expect(phone.get_by_text("出勤已确认")).to_be_visible()
    context.close()

    a.refresh_from_db()
    assert a.state == ActivityState.HELD
    assert SignUp.objects.filter(activity=a, walk_in=True, name="王伯", attended=True).exists()
    assert PointEntry.objects.filter(person=w.member.person, source__startswith="activity.signup:").count() == 1
    page.goto(f"{live_server.url}{reverse('members:my_activities')}")
    expect(page.get_by_text("已确认出勤")).to_be_visible()
