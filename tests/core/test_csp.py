"""Content-Security-Policy and no-store: no template can run inline script, every response carries
a strict policy, a name full of quotes stays text, and personal pages are never cached."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import make_person, make_post, make_user, user_with_post
from zongheng.accounts.actions import do_create_token
from zongheng.core.middleware import CONTENT_SECURITY_POLICY
from zongheng.core.permissions import Role
from zongheng.orgs.models import ActivityTeam, LinkedHousehold, Org

SRC = Path(__file__).resolve().parents[2] / "src" / "zongheng"
TEMPLATES = sorted(p for p in SRC.rglob("*.html") if "templates" in p.parts)
PAYLOAD = "'+alert(document.domain)+'"

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"[\s\"'/]on[a-z]+\s*=", re.IGNORECASE)
HX_ON = re.compile(r"\bhx-on\b|\bdata-hx-on\b", re.IGNORECASE)  # htmx evaluates these: needs 'unsafe-eval'
JS_URL = re.compile(r"javascript:", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|[\s\"']style\s*=", re.IGNORECASE)


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def assert_strict_csp(response) -> None:
    policy = response.get("Content-Security-Policy", "")
    d = _directives(policy)
    assert d.get("script-src") == ["'self'"], policy
    assert d.get("style-src") == ["'self'"], policy
    assert d.get("default-src") == ["'self'"] and d.get("object-src") == ["'none'"], policy
    assert d.get("frame-ancestors") == ["'none'"] and d.get("base-uri") == ["'self'"], policy
    assert d.get("form-action") == ["'self'"], policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, policy


# ---------------------------------------------------------------- the templates


def test_the_scan_finds_the_templates():
    names = {p.name for p in TEMPLATES}
    assert {"base.html", "org_detail.html", "team_detail.html", "public_done.html"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_has_inline_script_handlers_javascript_urls_or_inline_styles(path):
    text = path.read_text(encoding="utf-8")
    problems = [
        (name, m.group(0))
        for name, pattern in (("inline <script>", INLINE_SCRIPT), ("on* handler", HANDLER), ("hx-on", HX_ON),
                              ("javascript: URL", JS_URL), ("inline style", INLINE_STYLE))
        for m in pattern.finditer(text)
    ]
    assert problems == []


def test_the_scan_catches_each_kind_of_inline_code():
    for bad in ('<form onsubmit="return confirm(1)">', "<button\nonclick='x()'>", "<script>alert(1)</script>",
                '<a href="javascript:alert(1)">', '<div hx-on::after-request="x">', '<img style="x">'):
        assert any(p.search(bad) for p in (INLINE_SCRIPT, HANDLER, HX_ON, JS_URL, INLINE_STYLE)), bad
    for good in ('<script src="/static/zongheng.js" defer></script>', '<form data-confirm="确认？">',
                 '<p class="online">', '<input name="done">'):
        assert not any(p.search(good) for p in (INLINE_SCRIPT, HANDLER, HX_ON, JS_URL, INLINE_STYLE)), good


def test_the_base_page_turns_off_htmx_eval_and_its_injected_indicator_style():
    text = (SRC / "templates" / "base.html").read_text(encoding="utf-8")
    assert '"includeIndicatorStyles":false' in text and '"allowEval":false' in text
    assert "zongheng.js" in text


# ---------------------------------------------------------------- the header on every response


@pytest.mark.django_db
def test_a_staff_page_sends_the_strict_policy(client, tree):
    client.force_login(user_with_post(tree.communities[0], Role.SECRETARY))
    response = client.get(reverse("orgs:org", args=[tree.communities[0].pk]))
    assert response.status_code == 200
    assert_strict_csp(response)
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_an_api_response_and_an_api_error_send_the_strict_policy(tree):
    user = user_with_post(tree.communities[0], Role.SECRETARY)
    _, key = do_create_token(user, "测试令牌")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    ok = api.get(f"/api/v1/orgs/{tree.communities[0].pk}")
    assert ok.status_code == 200
    assert_strict_csp(ok)
    assert_strict_csp(Client().get("/api/v1/orgs/1"))  # 401


@pytest.mark.django_db
def test_a_404_and_public_pages_send_the_strict_policy(client, tree):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_strict_csp(missing)
    for url in ("/", reverse("orgs:directory"), reverse("demands:submit"), reverse("demands:track"),
                reverse("accounts:login"), "/open311/v2/services.json", "/healthz"):
        response = client.get(url)
        assert response.status_code < 400, url
        assert_strict_csp(response)


@pytest.mark.django_db
def test_static_files_send_the_policy_and_stay_cacheable(client, tree):
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        staff = Client()
        staff.force_login(user_with_post(tree.communities[0], Role.SECRETARY))
        response = staff.get("/static/zongheng.js")
        assert response.status_code == 200
        assert_strict_csp(response)
        assert "no-store" not in response.get("Cache-Control", "")


def test_the_api_docs_are_served_without_a_cdn_or_inline_script(client):
    body = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in body.lower()
    assert not INLINE_SCRIPT.search(body.replace('<script type="application/json"', ""))


# ---------------------------------------------------------------- the stored XSS through confirm()


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs += [(tag, name, value) for name, value in attrs]


def _attributes(html: str) -> list[tuple[str, str, str | None]]:
    parser = _Attributes()
    parser.feed(html)
    return parser.attrs


def _assert_payload_is_only_text(body: str, expected_confirm: str) -> None:
    attrs = _attributes(body)
    assert [a for a in attrs if a[1].startswith("on")] == []
    assert PAYLOAD not in body  # the quotes arrive escaped (&#x27;) ...
    assert "&#x27;+alert(document.domain)+&#x27;" in body
    confirms = [value for _, name, value in attrs if name == "data-confirm"]
    assert expected_confirm in confirms  # ... and the attribute reads back as the literal text


@pytest.mark.django_db
def test_a_person_named_like_script_ends_up_as_text_in_the_end_post_confirmation(client, tree):
    community = tree.communities[0]
    person = make_person(community, name=PAYLOAD)
    make_post(person, community, Role.DEPUTY_SECRETARY)
    secretary = make_person(community, name="钱书记")
    make_post(secretary, community, Role.SECRETARY)
    client.force_login(make_user(secretary))

    body = client.get(reverse("orgs:org", args=[community.pk])).content.decode()

    assert "结束任职" in body
    _assert_payload_is_only_text(body, f"确认结束{PAYLOAD}的副书记职务？")


@pytest.mark.django_db
def test_a_team_name_and_a_household_address_like_script_end_up_as_text(client, tree):
    community, household = tree.communities[0], tree.households[0]
    client.force_login(user_with_post(community, Role.SECRETARY))
    LinkedHousehold.objects.create(central=household, address=PAYLOAD)
    body = client.get(reverse("orgs:org", args=[household.pk])).content.decode()
    _assert_payload_is_only_text(body, f"确认移除联系户“{PAYLOAD}”？")

    functional = Org.objects.add_child(community, instance=Org(
        name="太极党小组", level=tree.levels["grid"], kind="functional", bond="interest"))
    team = ActivityTeam.objects.create(org=functional, name=PAYLOAD, activity="晨练")
    body = client.get(reverse("orgs:team", args=[team.pk])).content.decode()
    _assert_payload_is_only_text(body, f"确认撤销活动队伍“{PAYLOAD}”？参与人员的信息会保留。")


# ---------------------------------------------------------------- no-store on personal data


@pytest.mark.django_db
def test_every_response_to_a_signed_in_user_is_no_store(client, tree):
    client.force_login(user_with_post(tree.communities[0], Role.SECRETARY))
    for url in (reverse("orgs:org", args=[tree.communities[0].pk]), reverse("orgs:people"),
                reverse("orgs:directory"), "/no-such-page/"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url


@pytest.mark.django_db
def test_api_token_responses_are_no_store(tree):
    _, key = do_create_token(user_with_post(tree.communities[0], Role.SECRETARY), "测试令牌")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/people")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_with_a_tracking_code_are_no_store_even_for_anonymous_residents(client, tree):
    for url in (reverse("demands:submit"), reverse("demands:track"),
                reverse("demands:track_code", args=["ABCD-EFGH-JKLM"]), "/open311/v2/requests.json"):
        assert "no-store" in client.get(url).get("Cache-Control", ""), url


@pytest.mark.django_db
def test_public_pages_for_anonymous_visitors_are_not_forced_to_no_store(client, tree):
    assert "no-store" not in client.get(reverse("orgs:directory")).get("Cache-Control", "")
