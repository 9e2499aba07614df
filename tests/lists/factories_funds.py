"""Shared data of the 财政保障 tests: the small test tree with the people who act on it, and a random ledger
written through the real actions (so its rows are what a user would have made)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.factories import Tree, build_tree, user_with_post
from zongheng.core.permissions import Role
from zongheng.lists import actions_funds as actions
from zongheng.lists.models_funds import BudgetCategory, SpaceStandard
from zongheng.orgs.models import Level, Org

YEAR = 2018


def ensure_standard(area: int = 300) -> SpaceStandard:
    """The migration's default (社区 ≥ 300 m²), made sure of again after a transactional test's flush."""
    level = Level.objects.get(code="community")
    row, _ = SpaceStandard.objects.get_or_create(level=level, defaults={"min_area": area})
    return row


@dataclass
class FundsWorld:
    tree: Tree
    dept: Any  # 组织部干部 of the district: funds.manage and list.configure at the root
    street: Any  # 街道党工委书记 of streets[0]
    community: Any  # 社区书记 of communities[0] (inside streets[0])
    sibling: Any  # 社区书记 of communities[1] (the same street)
    member: Any  # 社区党委委员 of communities[0]: list.view, no funds.manage
    orgs: list[Org] = field(default_factory=list)


def funds_world() -> FundsWorld:
    tree = build_tree()
    ensure_standard()
    w = FundsWorld(tree, user_with_post(tree.district, Role.ORG_DEPT),
                   user_with_post(tree.streets[0], Role.SECRETARY),
                   user_with_post(tree.communities[0], Role.SECRETARY),
                   user_with_post(tree.communities[1], Role.SECRETARY),
                   user_with_post(tree.communities[0], Role.COMMITTEE_MEMBER))
    w.orgs = [tree.district, *tree.streets, *tree.communities]
    return w


def random_ledger(w: FundsWorld, rng: random.Random, year: int = YEAR, *, steps: int = 40) -> None:
    """A budget for ``year - 1`` and ``year``, then random allocations, spendings and reversals through the
    actions (refusals — more than the balance — are part of the walk and change nothing)."""
    from zongheng.core.errors import ActionError
    from zongheng.lists.models_funds import FundAllocation, FundSpending

    today = dt.date(year, 12, 31)
    for y in (year - 1, year):
        for cat in rng.sample(list(BudgetCategory.values), 3):
            actions.do_set_budget(w.dept, w.tree.district, y, cat, Decimal(rng.randint(10_000, 90_000)))
    below = {o.pk: [c for c in w.orgs if c.path.startswith(o.path) and c.depth > o.depth] for o in w.orgs}
    for _ in range(steps):
        day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        giver = rng.choice([o for o in w.orgs if below[o.pk]])
        amount = Decimal(rng.randint(100, 60_000)) + Decimal(rng.randint(0, 99)) / 100
        try:
            kind = rng.random()
            if kind < 0.45:
                actions.do_allocate(w.dept, giver, rng.choice(below[giver.pk]), amount, day, "工作经费", today=today)
            elif kind < 0.85:
                actions.do_spend(w.dept, rng.choice(w.orgs), amount, day, "活动支出", today=today)
            elif kind < 0.93:
                row = FundAllocation.objects.filter(reverses__isnull=True, reversal__isnull=True).order_by("?").first()
                if row:
                    actions.do_reverse_allocation(w.dept, row, "填错了", today=today)
            else:
                srow = FundSpending.objects.filter(reverses__isnull=True, reversal__isnull=True).order_by("?").first()
                if srow:
                    actions.do_reverse_spending(w.dept, srow, "填错了", today=today)
        except ActionError:
            pass
