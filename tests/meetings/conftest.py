from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import Tree, make_person, make_post, make_user
from zongheng.core.permissions import Role
from zongheng.meetings.defaults import ensure_installed
from zongheng.meetings.models import MeetingType

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def mtypes(db) -> dict[str, MeetingType]:  # type: ignore[no-untyped-def]
    ensure_installed()
    return {t.code: t for t in MeetingType.objects.all()}


def staff(tree: Tree) -> dict[str, Any]:
    """A secretary (with a user) on the district, each street and each community; two committee members each."""
    out: dict[str, Any] = {}
    for org in [tree.district, *tree.streets, *tree.communities]:
        sec = make_person(org)
        make_post(sec, org, Role.SECRETARY)
        for _ in range(2):
            make_post(make_person(org), org, Role.COMMITTEE_MEMBER)
        out[org.pk] = make_user(sec, f"sec{org.pk}")
    for grid in tree.grids:
        make_post(make_person(grid), grid, Role.GRID_LEADER)
    return out
