"""Playwright in Debian's chromium, on a phone-sized screen, against the live server.

The pages run under the platform's Content-Security-Policy: every browser context a test opens
reports its console, and a test fails if any page logged a CSP violation or an uncaught script error.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite():  # type: ignore[no-untyped-def]
    """On SQLite the live server's request threads share the test database's one in-memory connection, and two
    requests at once (a page and a section it loads on its own request, such as 我的待办's 今日数据) corrupted
    its savepoints or deadlocked on it. There the live server answers one request at a time (each on its own
    connection, closed after the response); on PostgreSQL every thread has its own connection, as in
    production, and the server stays threaded."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    class OneAtATime(WSGIServer):  # requests run in the server's thread, which uses the shared connection
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

    threaded = LiveServerThread.server_class
    if connection.vendor == "sqlite":
        LiveServerThread.server_class = OneAtATime  # type: ignore[assignment]
    yield
    LiveServerThread.server_class = threaded


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


def run_axe(page) -> dict[str, Any]:
    """axe-core's WCAG 2.1 A/AA result for the page the browser has settled on. A test that clicks a link and
    checks at once can catch the old document mid-navigation (axe injected into it, then run against a
    detached document: "Cannot read properties of null"); so the check waits for the load, and if the page
    was swapped under it all the same, injects axe into the new one and runs again."""
    from playwright.sync_api import Error

    tags = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']"
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.evaluate(AXE.read_text(encoding="utf-8"))
            return page.evaluate(f"async () => await axe.run(document, {{runOnly: {{type: 'tag', values: {tags}}}}})")
        except Error as e:
            swapped = "documentElement" in str(e) or "Execution context was destroyed" in str(e)
            if attempt == 2 or not swapped:
                raise
    raise AssertionError("unreachable")


def assert_accessible(page) -> None:
    """axe-core: no WCAG 2.1 A/AA violations on the current page. axe is evaluated by the test
    driver (not a <script> tag, which the page's CSP rightly refuses)."""
    result = run_axe(page)
    violations = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in result["violations"]
    ]
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


# Every visible element with text of its own (and every control): its text colour over the first opaque
# background behind it, as WCAG computes contrast. axe leaves many of these "incomplete" (it cannot always
# resolve the background); this resolves the ordinary case — solid colours up the ancestor chain — and
# skips the rest (background images, gradients), which it reports as unknown.
CONTRAST_JS = r"""
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== 'none') return null;
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const selector = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(s + '#' + e.id); break; }
      if (e.classList.length) s += '.' + [...e.classList].join('.');
      parts.unshift(s);
    }
    return parts.join(' > ');
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.bottom <= 0) return false;
    const s = getComputedStyle(el);
    if (s.visibility !== 'visible' || parseFloat(s.opacity) === 0) return false;
    return el.checkVisibility ? el.checkVisibility({opacityProperty: true, visibilityProperty: true}) : true;
  };
  const out = [];
  const controls = 'a, button, select, textarea, summary, '
    + 'input:not([type=hidden]):not([type=checkbox]):not([type=radio])';
  for (const el of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION', 'svg'].includes(el.tagName)) continue;
    const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const isControl = el.matches(controls);
    if (!ownText && !isControl) continue;
    if (el.disabled || !visible(el)) continue;
    const s = getComputedStyle(el);
    const bg = background(el);
    const text = (ownText ? [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('')
                          : (el.value || el.placeholder || el.innerText || '')).trim().slice(0, 40);
    if (!text) continue;
    if (bg === null) continue;
    const placeholder = !ownText && !el.value && el.placeholder;
    const color = placeholder ? getComputedStyle(el, '::placeholder').color : s.color;
    const fg = over(parse(color) || [0, 0, 0, 1], bg);
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < needed) out.push({selector: selector(el), text, ratio: Math.round(ratio * 100) / 100, needed});
  }
  return out;
}
"""


def check_page_accessibility(page) -> list[str]:
    """The current page's problems as readable lines: axe-core serious or critical violations (WCAG 2.1
    A/AA), and every visible text or control under 4.5:1 (3:1 for large text) by the page's own computed
    colours — which covers the nodes axe's ``color-contrast`` leaves "incomplete" when their background
    is a plain colour somewhere up the tree."""
    result = run_axe(page)
    problems = [
        f"axe {v['impact']} {v['id']}: {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result["violations"] if v.get("impact") in ("serious", "critical")
    ]
    low = page.evaluate(CONTRAST_JS)
    problems += [f"contrast {c['ratio']}:1 < {c['needed']}:1 at {c['selector']} ({c['text']!r})" for c in low]
    return problems


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
