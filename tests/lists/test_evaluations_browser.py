"""述职评议 in the browser, on a phone: a fellow secretary opens the rounds list, finds their pending ratings and
scores a colleague on the score sheet; the organiser closes and publishes the round; the colleague reads their
own result. The pages run under the CSP (the browser conftest's watch fails the test on a violation) and pass axe.
With ``ZH_SHOTS`` set to a folder, every page of the part is saved there at 390 px and 1366 px wide."""

from __future__ import annotations

import os

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
from tests.lists.factories_evaluations import make_round, make_world, subject_of
from zongheng.lists.models_evaluations import EvalVote

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def _shots(page, live_server, urls: dict[str, str]) -> None:
    folder = os.environ.get("ZH_SHOTS")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in urls.items():
            page.goto(f"{live_server.url}{url}")
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 740})


def test_a_secretary_rates_a_colleague_on_a_phone_and_the_colleague_reads_their_result(page, live_server,
                                                                                      transactional_db):
    w = make_world(build_tree())
    r = make_round(w)
    me, colleague = w.secretaries[0], w.secretaries[1]
    subject = subject_of(r, colleague)
    login(page, live_server, me.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/evaluations/")
    expect(page.get_by_role("heading", name="待我评议")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=r.title).first.click()
    assert_accessible(page)
    page.get_by_role("link", name=colleague.person.name).click()
    for item in r.items.all():
        page.get_by_label(f"{item.title}（满分 {item.max_score}）").fill(str(item.max_score - 2))
    page.get_by_label("评议意见（选填）").fill("带队伍能力强")
    assert_accessible(page)
    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_text(f"已提交对{colleague.person.name}的评分")).to_be_visible()
    vote = EvalVote.objects.get(rater__person_id=me.person_id, subject=subject)
    assert vote.comment == "带队伍能力强"
    _shots(page, live_server, {
        "list-rater": "/lists/evaluations/", "rate": f"/lists/evaluations/{r.pk}/rate/",
        "rate-subject": f"/lists/evaluations/{r.pk}/rate/{subject.pk}/",
        "my-report": f"/lists/evaluations/{r.pk}/my-report/"})

    page.context.clear_cookies()
    login(page, live_server, w.dept.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/evaluations/{r.pk}/")
    _shots(page, live_server, {
        "round-organiser": f"/lists/evaluations/{r.pk}/", "raters": f"/lists/evaluations/{r.pk}/raters/",
        "sheet": f"/lists/evaluations/{r.pk}/sheets/", "new": "/lists/evaluations/new/",
        "subject": f"/lists/evaluations/{r.pk}/subjects/{subject.pk}/"})
    page.goto(f"{live_server.url}/lists/evaluations/{r.pk}/")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="结束评分").click()
    expect(page.get_by_text("已结束评分")).to_be_visible()
    assert_accessible(page)
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="公布结果").click()
    expect(page.get_by_text("已公布结果")).to_be_visible()

    page.context.clear_cookies()
    login(page, live_server, colleague.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/lists/evaluations/{r.pk}/my-result/")
    expect(page.get_by_role("heading", name="我的评议结果")).to_be_visible()
    expect(page.get_by_text("带队伍能力强")).to_be_visible()
    expect(page.get_by_text(me.person.name)).to_have_count(0)
    assert_accessible(page)
    _shots(page, live_server, {"my-result": f"/lists/evaluations/{r.pk}/my-result/"})
