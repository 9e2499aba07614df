"""The snapshots live in the database's cache table (``CACHES``: ``zongheng_cache``, made by ``migrate``), so every
worker reads the one counted first — the same numbers and the same "counted at" on every refresh — and counts again
only once it has expired."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from zongheng.core import snapshot
from zongheng.core.models import CacheEntry
from zongheng.settings import base

pytestmark = pytest.mark.django_db


@override_settings(CACHES=base.CACHES, FIGURES_SNAPSHOT_SECONDS=300)
def test_a_snapshot_is_kept_in_the_database_and_counted_again_once_expired() -> None:
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    counted: list[int] = []

    def count() -> dict[str, int]:
        counted.append(1)
        return {"grids": len(counted)}

    first = timezone.now()
    assert snapshot.read_through("net.figures:test", count, first) == ({"grids": 1}, first)
    assert CacheEntry.objects.filter(cache_key__endswith="net.figures:test").count() == 1  # where any worker reads it

    later = first + dt.timedelta(minutes=2)
    assert snapshot.read_through("net.figures:test", count, later) == ({"grids": 1}, first)  # not counted again
    assert counted == [1]

    CacheEntry.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))  # five minutes on
    assert snapshot.read_through("net.figures:test", count, later) == ({"grids": 2}, later)
