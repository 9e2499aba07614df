"""Figures of a scope above the district level, counted once per ``FIGURES_SNAPSHOT_SECONDS`` (issue 14, item 4).

A city's year is 100,000+ demands and two million people at scale 100: counting them exactly on every visit cost
more than the page (the demands' figures page p95 ~770 ms under load, the city's 一张网 1.2 s). Such a page reads
what an earlier request counted, at most that old, and says so; a district and everything below it are always
counted live, and so is every list of rows behind a number. Which organisations read a snapshot is the caller's
rule (``orgs.selectors.reads_snapshot``). Kept in the process's cache (``CACHES``): each worker counts its own.
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
