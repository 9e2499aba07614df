"""Two organisations' worth of money never leaves one balance: allocations and spendings arriving at the same moment
on PostgreSQL are serialised by the giver's year row (``FundAccount``, ``select_for_update``), so together they
never take more than the giver holds — the late ones are refused in Chinese and write nothing (SQLite serialises
writers itself)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from tests.lists.factories_funds import funds_world
from tests.race import race as _race
from zongheng.lists import actions_funds as actions
from zongheng.lists import funds
from zongheng.lists.models_funds import FundAllocation, FundSpending
from zongheng.orgs.models import Org

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DAY = dt.date(2018, 6, 1)


def test_concurrent_allocations_never_over_allocate_the_givers_balance():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    w = funds_world()
    t = w.tree
    actions.do_set_budget(w.dept, t.district, 2018, "work", Decimal("1000"))
    street = t.streets[0]
    actions.do_allocate(w.dept, t.district, street, Decimal("1000"), DAY, "街道经费", today=DAY)
    kids = [c for c in t.communities if c.path.startswith(street.path)]
    # Four allocations of 400 from a street holding 1,000 (two to each community) and a spending of 300.
    calls = [lambda c=c: actions.do_allocate(w.street, Org.objects.get(pk=street.pk), Org.objects.get(pk=c.pk),
                                             Decimal("400"), DAY, "社区经费", today=DAY)
             for c in kids + kids]
    calls.append(lambda: actions.do_spend(w.street, Org.objects.get(pk=street.pk), Decimal("300"), DAY, "支出",
                                          today=DAY))
    refused = _race(calls)
    taken = (sum(FundAllocation.objects.filter(giver=street).values_list("amount", flat=True))
             + sum(FundSpending.objects.filter(org=street).values_list("amount", flat=True)))
    assert taken <= Decimal("1000")
    assert funds.balance(street.path, 2018) == Decimal("1000") - taken >= 0
    assert len(refused) == len(calls) - (FundAllocation.objects.filter(giver=street).count()
                                         + FundSpending.objects.filter(org=street).count())
    assert refused and all("余额不足" in m for m in refused)


def test_concurrent_reversals_of_one_spending_undo_it_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    w = funds_world()
    t = w.tree
    actions.do_set_budget(w.dept, t.district, 2018, "work", Decimal("1000"))
    row = actions.do_spend(w.dept, t.district, Decimal("250"), DAY, "误记", today=DAY)
    refused = _race([lambda: actions.do_reverse_spending(w.dept, FundSpending.objects.get(pk=row.pk), "冲销",
                                                         today=DAY) for _ in range(3)])
    assert FundSpending.objects.filter(reverses=row).count() == 1
    assert len(refused) == 2 and all("已经冲销" in m for m in refused)
    assert funds.balance(t.district.path, 2018) == Decimal("1000")
