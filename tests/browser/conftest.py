"""Playwright in Debian's chromium, on a phone-sized screen, against the live server.

The pages run under the platform's Content-Security-Policy: every browser context a test opens
reports its console, and a test fails if any page logged a CSP violation or an uncaught script error.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 375, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
    }


@pytest.fixture(autouse=True)
def no_csp_violations(browser, monkeypatch):
    """Watches every context the test opens (the ``page`` fixture's and any ``browser.new_context()``)."""
    problems: list[str] = []
    original = browser.new_context

    def watched(*args, **kwargs):
        context = original(*args, **kwargs)
        context.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
                   if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)
        context.on("page", lambda p: p.on("pageerror", lambda e: problems.append(f"pageerror: {e}")))
        return context

    monkeypatch.setattr(browser, "new_context", watched)
    yield problems
    assert problems == [], "\n".join(problems)


def assert_accessible(page) -> None:
    """axe-core: no WCAG 2.1 A/AA violations on the current page. axe is evaluated by the test
    driver (not a <script> tag, which the page's CSP rightly refuses)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    tags = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']"
    result = page.evaluate(f"async () => await axe.run(document, {{runOnly: {{type: 'tag', values: {tags}}}}})")
    violations = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in result["violations"]
    ]
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
