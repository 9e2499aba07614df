"""Figures of a district or a scope above it, counted once per ``FIGURES_SNAPSHOT_SECONDS`` (issue 14, item 4).

A city's year is 100,000+ demands and two million people at scale 100: counting them exactly on every visit cost
more than the page (the demands' figures page p95 ~770 ms under load, the city's 一张网 1.2 s); a district's
一张网 is ~80 grouped queries, ~300 ms of CPU and SQL, so eight visitors at once queued for a second on two cores.
Such a page reads what an earlier request counted, at most that old, and says so; a street and everything below it
are always counted live, and so is every list of rows behind a number. Which organisations read a snapshot is the
caller's rule (``orgs.selectors.reads_snapshot``). Kept in ``CACHES`` (the database's ``zongheng_cache``): shared by
every worker, so a snapshot is counted once, whichever worker is asked first, and every refresh shows the same one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")


def enabled() -> bool:
    return settings.FIGURES_SNAPSHOT_SECONDS > 0


def minutes() -> int:
    """How often a snapshot is counted again, in whole minutes (for the page's note)."""
    return max(1, settings.FIGURES_SNAPSHOT_SECONDS // 60)


def read_through(key: str, compute: Callable[[], T], now: dt.datetime) -> tuple[T, dt.datetime]:
    """``compute()``'s value as counted at most ``FIGURES_SNAPSHOT_SECONDS`` ago, and the moment it was counted
    (``now`` when it is counted by this call)."""
    hit: Any = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = (compute(), now)
    cache.set(key, value, settings.FIGURES_SNAPSHOT_SECONDS)
    return value
