"""Keyset pagination of the demands API list (issue 14, item 4): ``cursor`` = the previous page's ``next_cursor``."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import MONDAY

API = "/api/v1"


def test_walking_by_cursor_lists_every_demand_once_in_the_lists_order(client, world):
    for i in range(7):
        world.submit(world.tree.grids[i % 2], now=MONDAY + dt.timedelta(hours=i // 2))  # equal times: id decides
    client.force_login(world.street_secretary)
    by_offset = [d["ref"] for d in client.get(f"{API}/demands", {"limit": 50}).json()["items"]]
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = client.get(f"{API}/demands", params).json()
        assert body["count"] == 7
        seen += [d["ref"] for d in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == by_offset and len(seen) == 7


def test_a_cursor_page_costs_the_queries_of_the_first_page(client, world):
    for i in range(4):
        world.submit(now=MONDAY + dt.timedelta(minutes=i))
    client.force_login(world.community_secretary)
    with CaptureQueriesContext(connection) as first:
        cursor = client.get(f"{API}/demands", {"limit": 2}).json()["next_cursor"]
    with CaptureQueriesContext(connection) as second:
        assert len(client.get(f"{API}/demands", {"limit": 2, "cursor": cursor}).json()["items"]) == 2
    assert len(first) == len(second)


def test_a_malformed_or_impossible_cursor_is_refused_in_chinese(client, world):
    client.force_login(world.community_secretary)
    assert client.get(f"{API}/demands", {"cursor": "abc"}).status_code == 422
    response = client.get(f"{API}/demands", {"cursor": "999999999999999999-1"})
    assert response.status_code == 400 and "cursor 无效" in response.json()["detail"]


def test_a_cursor_never_reaches_outside_the_scope(client, world):
    mine, _ = world.submit()
    theirs, _ = world.submit(world.tree.grids[4], now=MONDAY - dt.timedelta(days=1))
    client.force_login(world.community_secretary)
    body = client.get(f"{API}/demands", {"limit": 1}).json()
    assert [d["ref"] for d in body["items"]] == [mine.ref]
    after = client.get(f"{API}/demands", {"limit": 1, "cursor": body["next_cursor"]}).json()
    assert after["items"] == [] and after["next_cursor"] is None
    assert theirs.ref not in str(after)


def test_the_count_is_exact_up_to_the_cap_and_says_when_it_stops(client, world, monkeypatch):
    """A very large scope is counted up to the cap, as the queue counts it, and the response says so
    (``count_capped``); the cursor still walks every row."""
    from zongheng.demands import selectors

    for i in range(3):
        world.submit(now=MONDAY + dt.timedelta(minutes=i))
    client.force_login(world.community_secretary)
    body = client.get(f"{API}/demands").json()
    assert (body["count"], body["count_capped"]) == (3, False)

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    body = client.get(f"{API}/demands", {"limit": 2}).json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (2, True, 2)
    rest = client.get(f"{API}/demands", {"limit": 2, "cursor": body["next_cursor"]}).json()
    assert len(rest["items"]) == 1
