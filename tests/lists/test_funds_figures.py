"""Every 财政保障 figure equals an independent computation from the raw rows, for a random seed: an organisation's
budget, received, allocated, spent and balance; a subtree's and each child's roll-up; budget growth; office-space
compliance and its share; workers' average pay, its ratio to the city's reference, rank and growth; 三增三减.
And the ledger's invariant: whatever the walk of allocations, spendings and reversals, no balance is ever below
zero. The ledger is written once for the module through the real actions (random refusals included)."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import module_transaction
from tests.lists.factories_funds import YEAR, FundsWorld, funds_world, random_ledger
from zongheng.core.errors import ActionError
from zongheng.lists import actions_funds as actions
from zongheng.lists import funds
from zongheng.lists.models_funds import (
    BudgetLine,
    FundAllocation,
    FundSpending,
    OfficeSpace,
    PayReference,
    WorkerPay,
)

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = funds_world()
            rng = random.Random(SEED)
            random_ledger(world, rng, steps=60)
            _space_and_pay(world, rng)
        yield world


def _space_and_pay(w: FundsWorld, rng: random.Random) -> None:
    for year in (YEAR - 1, YEAR):
        actions.do_set_pay_reference(w.dept, year, "安庆市", Decimal(rng.randint(30_000, 45_000)))
        for c in w.tree.communities:
            if rng.random() < 0.85:
                actions.do_record_space(w.dept, c, Decimal(rng.randint(150, 450)),
                                        dt.date(year, rng.randint(1, 12), 10), today=dt.date(YEAR, 12, 31))
            for i in range(rng.randint(0, 5)):
                actions.do_record_pay(w.dept, c, year, f"工作者{i}", "网格员",
                                      Decimal(rng.randint(25_000, 60_000)))


def _raw(year: int) -> tuple[list, list, list]:
    return (list(BudgetLine.objects.filter(year=year).values_list("org_path", "amount")),
            list(FundAllocation.objects.filter(year=year).values_list("giver_path", "receiver_path", "amount")),
            list(FundSpending.objects.filter(year=year).values_list("org_path", "amount")))


def test_each_organisations_own_figures_equal_sums_over_its_rows(w):
    budgets, allocs, spends = _raw(YEAR)
    for org in w.orgs:
        p = org.path
        budget = sum((a for path, a in budgets if path == p), Decimal(0))
        got = sum((a for _, r, a in allocs if r == p), Decimal(0))
        gave = sum((a for g, _, a in allocs if g == p), Decimal(0))
        spent = sum((a for path, a in spends if path == p), Decimal(0))
        acc = funds.account(p, YEAR)
        assert (acc.budget, acc.received, acc.allocated, acc.spent) == (budget, got, gave, spent), org.name
        assert acc.balance == budget + got - gave - spent == funds.balance(p, YEAR)


def test_no_walk_of_the_ledger_leaves_a_balance_below_zero(w):
    assert FundAllocation.objects.exists() and FundSpending.objects.exists()  # the walk did move money
    for year in (YEAR - 1, YEAR):
        for org in w.orgs:
            assert funds.balance(org.path, year) >= 0, org.name


def test_a_subtree_and_each_child_roll_up_what_lies_inside_them(w):
    budgets, allocs, spends = _raw(YEAR)

    def independent(p: str) -> tuple[Decimal, Decimal, Decimal]:
        inside = lambda path: path.startswith(p)  # noqa: E731
        return (sum((a for path, a in budgets if inside(path)), Decimal(0)),
                sum((a for g, r, a in allocs if inside(r) and not inside(g)), Decimal(0)),
                sum((a for path, a in spends if inside(path)), Decimal(0)))

    for org in w.orgs:
        s = funds.subtree(org.path, YEAR)
        assert (s.budget, s.inflow, s.spent) == independent(org.path), org.name
        assert s.balance == s.budget + s.inflow - s.spent
    for parent in [w.tree.district, *w.tree.streets]:
        kids = [o for o in w.orgs if o.depth == parent.depth + 1 and o.path.startswith(parent.path)]
        rolled = funds.children(parent.path, YEAR, [k.path for k in kids])
        for k in kids:
            assert (rolled[k.path].budget, rolled[k.path].inflow, rolled[k.path].spent) == independent(k.path)


def test_the_roll_up_runs_three_queries_whatever_the_number_of_children(w, django_assert_max_num_queries):
    kids = [o.path for o in w.orgs]
    with django_assert_max_num_queries(3):
        funds.children(w.tree.district.path, YEAR, kids)


def test_budget_growth_is_this_years_budget_over_last_years(w):
    p = w.tree.district.path
    this = sum(BudgetLine.objects.filter(org_path=p, year=YEAR).values_list("amount", flat=True))
    last = sum(BudgetLine.objects.filter(org_path=p, year=YEAR - 1).values_list("amount", flat=True))
    expected = ((this - last) * 100 / last).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert funds.budget_growth(p, YEAR) == expected
    assert funds.budget_series(p, [YEAR - 1, YEAR]) == {YEAR - 1: last, YEAR: this}
    assert funds.budget_growth(p, YEAR - 1) is None  # nothing the year before: no growth, not 0


def test_office_space_compliance_counts_the_communities_at_or_above_the_standard(w):
    standard = funds.space_standard()
    for year in (YEAR - 1, YEAR):
        areas = dict(OfficeSpace.objects.filter(year=year).values_list("org_id", "area"))
        fig = funds.space_figures(w.tree.district.path, year)
        meeting = sum(1 for c in w.tree.communities if c.pk in areas and areas[c.pk] >= standard)
        assert (fig.communities, fig.measured, fig.meeting) == (len(w.tree.communities), len(areas), meeting)
        assert fig.share == (Decimal(meeting * 100) / len(w.tree.communities)).quantize(Decimal("0.1"),
                                                                                        rounding=ROUND_HALF_UP)
        rows = {r.org.pk: r for r in funds.space_rows(w.tree.district.path, year)}
        assert {pk for pk, r in rows.items() if r.meets} == {pk for pk, a in areas.items() if a >= standard}
    totals = [sum(OfficeSpace.objects.filter(year=y).values_list("area", flat=True)) for y in (YEAR - 1, YEAR)]
    expected = funds.percent(totals[1] - totals[0], totals[0]) if totals[0] else None
    assert funds.space_growth(w.tree.district.path, YEAR) == expected


def test_pay_average_ratio_rank_and_growth_follow_the_worker_rows(w):
    by_org: dict[int, list[Decimal]] = defaultdict(list)
    for org_id, pay in WorkerPay.objects.filter(year=YEAR).values_list("org_id", "annual_pay"):
        by_org[org_id].append(pay)
    ref = PayReference.objects.get(year=YEAR).annual_pay
    rows = funds.pay_rows(w.tree.district.path, YEAR)
    averages = {k: (sum(v) / len(v)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for k, v in by_org.items()}
    assert {r.org_id: r.average for r in rows} == averages
    assert {r.org_id: r.headcount for r in rows} == {k: len(v) for k, v in by_org.items()}
    for r in rows:
        assert funds.pay_rank(rows, r.org_id)[0] == 1 + sum(1 for a in averages.values() if a > averages[r.org_id])
    every = [p for v in by_org.values() for p in v]
    if every:
        avg = (sum(every) / len(every)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert funds.pay_average(w.tree.district.path, YEAR) == avg
        assert funds.pay_ratio(avg, ref) == (avg * 100 / ref).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        last = list(WorkerPay.objects.filter(year=YEAR - 1).values_list("annual_pay", flat=True))
        if last:
            last_avg = (sum(last) / len(last)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert funds.pay_growth(w.tree.district.path, YEAR) == funds.percent(avg - last_avg, last_avg)


def test_three_up_three_down_gives_no_number_where_no_record_shows_it(w):
    figs = {f.label: f for f in funds.three_up_three_down(w.tree.district.path, YEAR).figures}
    assert list(figs) == ["增报酬", "增空间", "增权力", "减负", "减压", "减责"]
    assert figs["增报酬"].value == funds.pay_growth(w.tree.district.path, YEAR)
    assert figs["增空间"].value == funds.space_growth(w.tree.district.path, YEAR)
    for label in ("增权力", "减负", "减压", "减责"):
        assert figs[label].value is None and figs[label].text == "暂无记录"


ops = st.lists(st.tuples(st.sampled_from(["alloc", "spend", "undo_a", "undo_s"]), st.integers(0, 6),
                         st.integers(0, 6), st.integers(1, 40_000)), min_size=1, max_size=12)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_any_sequence_of_allowed_moves_keeps_every_balance_equal_to_its_entries_and_never_negative(w, steps):
    from django.db import transaction

    today = dt.date(YEAR, 12, 31)
    sid = transaction.savepoint()
    try:
        for op, a, b, amount in steps:
            giver = w.orgs[a % len(w.orgs)]
            below = [o for o in w.orgs if o.path.startswith(giver.path) and o.depth > giver.depth]
            try:
                if op == "alloc" and below:
                    actions.do_allocate(w.dept, giver, below[b % len(below)], Decimal(amount), dt.date(YEAR, 6, 1),
                                        "经费", today=today)
                elif op == "spend":
                    actions.do_spend(w.dept, giver, Decimal(amount), dt.date(YEAR, 6, 1), "支出", today=today)
                elif op == "undo_a":
                    row = FundAllocation.objects.filter(reverses__isnull=True).order_by("-pk").first()
                    if row:
                        actions.do_reverse_allocation(w.dept, row, "冲销", today=today)
                elif op == "undo_s":
                    srow = FundSpending.objects.filter(reverses__isnull=True).order_by("-pk").first()
                    if srow:
                        actions.do_reverse_spending(w.dept, srow, "冲销", today=today)
            except ActionError:
                pass
        budgets, allocs, spends = _raw(YEAR)
        for org in w.orgs:
            p = org.path
            entries = (sum((x for path, x in budgets if path == p), Decimal(0))
                       + sum((x for _, r, x in allocs if r == p), Decimal(0))
                       - sum((x for g, _, x in allocs if g == p), Decimal(0))
                       - sum((x for path, x in spends if path == p), Decimal(0)))
            assert funds.balance(p, YEAR) == entries >= 0
    finally:
        transaction.savepoint_rollback(sid)
