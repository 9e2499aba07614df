"""Demands on the small test tree: a grid leader, a community and a street secretary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import Tree, user_with_post
from zongheng.core.permissions import Role
from zongheng.demands import actions
from zongheng.demands.choices import Channel, Urgency
from zongheng.demands.models import Category, Demand

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning in an ordinary 2018 week.
MONDAY = dt.datetime(2018, 3, 5, 9, 0, tzinfo=TZ)


@dataclass
class DemandWorld:
    tree: Tree
    grid_leader: Any
    community_secretary: Any
    street_secretary: Any
    other_community_secretary: Any

    def submit(self, grid: Any = None, *, category: str = "sanitation", urgency: str = Urgency.NORMAL,
               now: dt.datetime = MONDAY, phone: str = "", description: str = "楼道垃圾堆积，无人清理",
               channel: str = Channel.WEB) -> tuple[Demand, str]:
        return actions.do_submit_demand(None, {
            "channel": channel, "category": Category.objects.get(code=category), "urgency": urgency,
            "description": description, "address": "测试路 1 号", "grid": grid or self.tree.grids[0],
            "phone": phone,
        }, now=now)


@pytest.fixture
def world(tree) -> DemandWorld:
    return DemandWorld(
        tree=tree,
        grid_leader=user_with_post(tree.grids[0], Role.GRID_LEADER, "gridleader"),
        community_secretary=user_with_post(tree.communities[0], Role.SECRETARY, "commsec"),
        street_secretary=user_with_post(tree.streets[0], Role.SECRETARY, "streetsec"),
        other_community_secretary=user_with_post(tree.communities[2], Role.SECRETARY, "othersec"),
    )


@pytest.fixture
def demand_defaults(db) -> None:  # type: ignore[no-untyped-def]
    """Shipped categories, deadline rules and holiday calendar (re-installed after a transactional flush)."""
    from zongheng.demands.defaults import ensure_installed

    ensure_installed()
