"""The pages work under the strict Content-Security-Policy, and a name full of quotes stays text:
the stored XSS of issue 12 (a person named '+alert(document.domain)+' ran script when a secretary
clicked 结束任职) now shows a confirmation with the literal name and runs nothing."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import TEST_PASSWORD, build_tree, make_person, make_post, make_user
from zongheng.core.permissions import Role
from zongheng.orgs.models import Post

PAYLOAD = "'+alert(document.domain)+'"


def test_ending_the_post_of_a_person_named_like_script_asks_with_the_literal_name_and_runs_nothing(
    page, live_server, transactional_db
):
    tree = build_tree()
    community = tree.communities[0]
    victim = make_person(community, name=PAYLOAD)
    post = make_post(victim, community, Role.DEPUTY_SECRETARY)
    secretary = make_person(community, name="钱书记")
    make_post(secretary, community, Role.SECRETARY)
    make_user(secretary, "qian")
    dialogs: list[tuple[str, str]] = []
    answer = {"accept": False}

    def on_dialog(dialog):
        dialogs.append((dialog.type, dialog.message))
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    login(page, live_server, "qian", TEST_PASSWORD)
    page.goto(f"{live_server.url}/orgs/{community.pk}/")
    row = page.get_by_role("row").filter(has_text=PAYLOAD).filter(has=page.get_by_role("button", name="结束任职"))
    expect(row).to_have_count(1)

    row.get_by_role("button", name="结束任职").click()  # 取消: nothing happens
    page.wait_for_timeout(300)
    assert Post.objects.get(pk=post.pk).ends_on is None

    answer["accept"] = True
    with page.expect_navigation():
        row.get_by_role("button", name="结束任职").click()
    assert dialogs == [("confirm", f"确认结束{PAYLOAD}的副书记职务？")] * 2  # no alert() ever ran
    assert Post.objects.get(pk=post.pk).ends_on is not None
    assert page.evaluate("document.querySelectorAll('[onsubmit], [onclick]').length") == 0
    assert_accessible(page)


def test_revealing_a_number_works_by_htmx_under_the_policy(page, live_server, transactional_db):
    tree = build_tree()
    community = tree.communities[0]
    secretary = make_person(community, name="钱书记")
    make_post(secretary, community, Role.SECRETARY)
    make_user(secretary, "qian")
    member = make_person(tree.grids[0], name="孙党员", phone="13955556666")

    login(page, live_server, "qian", TEST_PASSWORD)
    page.goto(f"{live_server.url}/people/{member.pk}/")
    expect(page.get_by_text("139****6666")).to_be_visible()
    page.get_by_role("button", name="显示完整号码").first.click()
    expect(page.locator("#reveal-phone")).to_have_text("13955556666")
    expect(page.get_by_role("button", name="显示完整号码")).to_have_count(1)  # the ID number's is left
    assert page.evaluate("document.querySelectorAll('head style').length") == 0  # htmx injected no <style>


def test_the_api_docs_run_from_the_platforms_own_files(page, live_server, transactional_db):
    page.goto(f"{live_server.url}/api/v1/docs")
    # Swagger UI renders the whole schema (120+ paths) in the browser: on a loaded CI machine that takes longer
    # than the default five seconds.
    expect(page.get_by_text(re.compile("纵横 API")).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/v1/orgs").first).to_be_visible(timeout=30_000)
