"""Fuzzes the public doors of a served zongheng (Open311 and the residents' pages) with hypothesis.

Usage: fuzz_public.py BASE_URL [--examples N] [--token API_TOKEN] [--seen FILE]

Every request must answer below 500 (the bar of issue 12); an Open311 error must keep the
GeoReport format (a JSON list of {code, description}) with a Chinese description. The form
posts carry the CSRF token of a real session, so they reach the views. With ``--seen`` the
script writes the secrets it used (the API token, tracking codes it got) one per line, for the
caller to check that none of them reached the server's access log. Only the standard library
and hypothesis: no bench, no Django import.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CHINESE = re.compile(r"[\u4e00-\u9fff]")
NASTY = st.sampled_from([
    "", " ", "\x00", "NaN", "nan", "sNaN", "inf", "-Infinity", "1e999", "-1e-999999999", "0x1F", "１２",
    "2018-13-45T00:00:00+08:00", "2018-02-30T00:00:00Z", "9999-12-31T23:59:59-23:59", "0000-00-00",
    "2018-03-05T09:00:00+25:00", "2018-03-05 09:00:00 08:00", "99999999999999999999999999", "-1", "²",
    "open,closed,odd", "MX2018" + "9" * 40, "<x>&amp;", "'\"--;", "🙂" * 50, "a" * 3000, "noise",
    "sanitation,noise", "zh_" + "x" * 43, "%ff%fe", "\u202e", "\r\n",
])
TEXT = st.one_of(NASTY, st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
                 st.from_regex(r"-?[0-9]{1,30}(\.[0-9]{0,30})?([eE][-+]?[0-9]{1,6})?", fullmatch=True))
OPEN311_KEYS = ["service_code", "start_date", "end_date", "status", "service_request_id", "api_key", "lat", "long",
                "address_string", "address_id", "description", "attribute[grid]", "attribute[urgency]", "phone",
                "first_name", "last_name", "email", "device_id", "account_id", "media_url", "jurisdiction_id"]
KEYS = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
PARAMS = st.dictionaries(st.one_of(st.sampled_from(OPEN311_KEYS), KEYS), TEXT, max_size=8)
FORM_KEYS = ["step", "back", "follow", "description", "address", "grid", "category", "phone", "contact_name",
             "code", "rating", "comment", "reason"]
FORM = st.dictionaries(st.one_of(st.sampled_from(FORM_KEYS), KEYS), TEXT, max_size=10)


class Site:
    def __init__(self, base: str) -> None:
        if not base.startswith(("http://", "https://")):
            sys.exit("BASE_URL must be http(s)://…")
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.csrf = ""

    def call(self, method: str, path: str, body: bytes | None = None, ctype: str = "") -> tuple[int, str, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310 - http(s) only
        if ctype:
            request.add_header("Content-Type", ctype)
        if self.csrf:
            request.add_header("X-CSRFToken", self.csrf)
        try:
            with self.opener.open(request, timeout=30) as response:
                status, headers, content = response.status, response.headers, response.read()
        except urllib.error.HTTPError as e:
            status, headers, content = e.code, e.headers, e.read()
        self.statuses[status] += 1
        if status >= 500:
            self.failures.append(f"{status} {method} {path[:200]} body={body[:200] if body else b''!r}")
        return status, headers.get("Content-Type", ""), content

    def form(self, path: str, data: dict[str, Any]) -> tuple[int, str, bytes]:
        fields = {**data, "csrfmiddlewaretoken": self.csrf}
        body = urllib.parse.urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()
        return self.call("POST", path, body, "application/x-www-form-urlencoded")

    def start(self) -> None:
        _, _, html = self.call("GET", "/demands/new/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not found:
            sys.exit("no CSRF token on /demands/new/")
        self.csrf = found.group(1).decode()


def open311_ok(site: Site, status: int, ctype: str, content: bytes, what: str) -> None:
    if 400 <= status < 500 and ctype.startswith("application/json"):
        try:
            errors = json.loads(content)
            ok = (isinstance(errors, list) and errors and {"code", "description"} <= set(errors[0])
                  and CHINESE.search(errors[0]["description"]))
        except (ValueError, TypeError, KeyError):
            ok = False
        if not ok:
            site.failures.append(f"not a GeoReport error with a Chinese description: {what} {content[:200]!r}")


def qs(params: dict[str, str]) -> str:
    return urllib.parse.urlencode(params, encoding="utf-8", errors="surrogatepass")


def run(site: Site, examples: int, grid: str) -> None:
    fuzz = settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

    @fuzz
    @given(params=PARAMS, fmt=st.sampled_from(["json", "xml"]))
    def open311_get(params: dict[str, str], fmt: str) -> None:
        path = f"/open311/v2/requests.{fmt}?{qs(params)}"
        open311_ok(site, *site.call("GET", path), path)

    @fuzz
    @given(data=PARAMS, fmt=st.sampled_from(["json", "xml"]), with_grid=st.booleans())
    def open311_post(data: dict[str, str], fmt: str, with_grid: bool) -> None:
        base = {"service_code": "noise", "description": "噪音扰民", "address_string": "y"}
        if with_grid:
            base["attribute[grid]"] = grid
        body = qs({**base, **data}).encode()
        open311_ok(site, *site.call("POST", f"/open311/v2/requests.{fmt}", body,
                                    "application/x-www-form-urlencoded"), "POST requests")

    @fuzz
    @given(segment=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=40),
           fmt=st.sampled_from(["json", "xml"]))
    def open311_paths(segment: str, fmt: str) -> None:
        s = urllib.parse.quote(segment, safe="", errors="surrogatepass")
        for path in (f"/open311/v2/requests/{s}.{fmt}", f"/open311/v2/services/{s}.{fmt}",
                     f"/open311/v2/discovery.{fmt}", f"/open311/v2/services.{fmt}"):
            open311_ok(site, *site.call("GET", path), path)

    @fuzz
    @given(data=FORM, step=st.sampled_from(["what", "where", "contact", "send", "odd", ""]), valid=st.booleans())
    def public_form(data: dict[str, str], step: str, valid: bool) -> None:
        base = {"description": "小区 3 栋门口的路灯坏了", "address": "幸福小区 3 栋", "grid": grid} if valid else {}
        site.form("/demands/new/", {**base, "step": step, **data})

    @fuzz
    @given(data=FORM, path=st.sampled_from(["/demands/track/", "/demands/rate/", "/demands/reopen/"]))
    def tracking(data: dict[str, str], path: str) -> None:
        site.form(path, data)

    @fuzz
    @given(raw=st.binary(max_size=300),
           path=st.sampled_from(["/demands/new/", "/demands/track/", "/open311/v2/requests.json",
                                 "/open311/v2/requests.xml"]),
           multipart=st.booleans())
    def raw_bodies(raw: bytes, path: str, multipart: bool) -> None:
        ctype = "multipart/form-data; boundary=zz" if multipart else "application/x-www-form-urlencoded"
        site.call("POST", path, raw, ctype)
        site.call("GET", path + "?" + urllib.parse.quote(raw, safe="=&"))

    for test in (open311_get, open311_post, open311_paths, public_form, tracking, raw_bodies):
        test()
        print(f"  {test.__name__}: done", flush=True)


def secrets_round(site: Site, token: str, grid: str) -> list[str]:
    """Uses an api_key in a query string and a tracking code in an old-style link (both must stay out
    of the access log), and checks the code works by POST."""
    seen = [token] if token else []
    if token:
        site.call("GET", f"/open311/v2/requests.json?status=open&api_key={urllib.parse.quote(token)}")
    status, _, content = site.call("POST", "/open311/v2/requests.json", qs({
        "service_code": "noise", "description": "夜间施工噪音", "address_string": "y",
        "attribute[grid]": grid}).encode(), "application/x-www-form-urlencoded")
    if status == 201:
        code = re.search(r"查询码：(\S+?)（", json.loads(content)[0]["service_notice"]).group(1)
        seen.append(code)
        site.call("GET", f"/demands/track/{urllib.parse.quote(code)}/")
        status, _, page = site.form("/demands/track/", {"code": code})
        if status != 200 or "办理进度".encode() not in page:
            site.failures.append(f"tracking by POST with a fresh code answered {status}")
    else:
        site.failures.append(f"an anonymous Open311 POST answered {status}: {content[:200]!r}")
    return seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--token", default="")
    parser.add_argument("--seen", default="")
    args = parser.parse_args()
    site = Site(args.base)
    site.start()
    _, _, where = site.form("/demands/new/", {"step": "what", "description": "小区 3 栋门口的路灯坏了",
                                              "address": "幸福小区 3 栋"})
    # the grid the form suggests for the address (selected), else the first real grid ("0" is 我不清楚)
    found = (re.search(rb'<option value="([1-9]\d*)" selected', where)
             or re.search(rb'<option value="([1-9]\d*)"', where))
    grid = found.group(1).decode() if found else "1"
    print(f"fuzzing {args.base} (grid {grid}, {args.examples} examples per door)", flush=True)
    seen = secrets_round(site, args.token, grid)
    run(site, args.examples, grid)
    if args.seen:
        with open(args.seen, "w", encoding="utf-8") as f:
            f.write("".join(secret + "\n" for secret in seen if secret))  # no empty line: it would match all
    print("statuses:", dict(sorted(site.statuses.items())))
    if site.failures:
        print(f"{len(site.failures)} failures:")
        for line in site.failures[:50]:
            print("  " + line)
        sys.exit(1)
    print("no 5xx")


if __name__ == "__main__":
    main()
