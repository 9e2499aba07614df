"""The 财政保障 demo for a random seed meets the article: 2018's budget is 2,000+万元 and grew over 2017; it is
allocated to every street and every community and spent through the year, never beyond any balance; in 2018
every community's office space meets the standard while in 2017 some did not; every community's workers are paid
above the city's reference; the live slice has this year's budget with spending up to today only.

A district of 6 streets and 31 communities is built once for the module (the organisation tree only — the
funds demo needs nothing else); every figure is checked against the rows."""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from tests.factories import ensure_levels, module_transaction
from tests.lists.factories_funds import ensure_standard
from zongheng.lists import demo_funds, funds
from zongheng.lists.models_funds import BudgetLine, FundAllocation, FundSpending, OfficeSpace, PayReference, WorkerPay
from zongheng.orgs.models import Org

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
TODAY = timezone.localdate()
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            levels = ensure_levels()
            ensure_standard()
            d = Org.objects.add_root(instance=Org(name="演示区", level=levels["district"]))
            counts = [6, 5, 5, 6, 5, 4]
            for s, n in enumerate(counts):
                street = Org.objects.add_child(d, instance=Org(name=f"街道{s}", level=levels["street"]))
                for c in range(n):
                    Org.objects.add_child(street, instance=Org(name=f"街道{s}社区{c}", level=levels["community"]))
            d = Org.objects.get(pk=d.pk)
            demo_funds.build(d, seed=SEED, year=2018)
            demo_funds.build_live(d, seed=SEED, today=TODAY)
        yield d


def _orgs(d: Org, level: str) -> list[Org]:
    return list(Org.objects.filter(path__startswith=d.path, level__code=level))


def test_the_2018_budget_is_over_twenty_million_and_grew_over_2017(district):
    b18, b17 = funds.budget(district.path, 2018), funds.budget(district.path, 2017)
    assert b18 == BudgetLine.objects.filter(year=2018).aggregate(s=Sum("amount"))["s"]
    assert Decimal("20000000") <= b18 < Decimal("30000000")
    assert 0 < b17 < b18 and funds.budget_growth(district.path, 2018) > 0


def test_the_money_reaches_every_street_and_community_and_no_balance_goes_below_zero(district):
    orgs = [district, *_orgs(district, "street"), *_orgs(district, "community")]
    for year in (2017, 2018, TODAY.year):
        received = set(FundAllocation.objects.filter(year=year).values_list("receiver_id", flat=True))
        if year != TODAY.year or TODAY >= dt.date(TODAY.year, 4, 1):  # allocations go out in the first quarter
            assert {o.pk for o in orgs[1:]} <= received, year
        for org in orgs:
            assert funds.balance(org.path, year) >= 0, (year, org.name)
    sub = funds.subtree(district.path, 2018)
    assert Decimal("0.6") < sub.spent / sub.total < 1  # spent through the year, not all of it


def test_in_2018_every_community_meets_the_standard_and_in_2017_some_did_not(district):
    n = len(_orgs(district, "community"))
    assert n == 31
    y18, y17 = funds.space_figures(district.path, 2018), funds.space_figures(district.path, 2017)
    assert (y18.meeting, y18.communities) == (n, n) and y18.share == 100
    assert y17.meeting < n and y17.measured == n
    assert funds.space_growth(district.path, 2018) > 0
    assert OfficeSpace.objects.filter(year=2018).count() == n


def test_every_communitys_workers_are_paid_above_the_citys_reference(district):
    for year in (2017, 2018):
        ref = PayReference.objects.get(year=year).annual_pay
        rows = funds.pay_rows(district.path, year)
        assert len(rows) == 31 and all(r.average > ref for r in rows)
        assert all(8 <= r.headcount <= 15 for r in rows)
    assert funds.pay_growth(district.path, 2018) is not None
    assert WorkerPay.objects.filter(year=2018).count() == sum(r.headcount for r in funds.pay_rows(district.path, 2018))


def test_the_live_slice_has_this_years_budget_and_spending_up_to_today_only(district):
    assert funds.budget(district.path, TODAY.year) > funds.budget(district.path, TODAY.year - 1) > 0
    assert not FundSpending.objects.filter(spent_on__gt=TODAY).exists()
    assert not FundAllocation.objects.filter(allocated_on__gt=TODAY).exists()
    assert FundSpending.objects.filter(year=TODAY.year).exists()


def test_building_again_adds_nothing(district):
    before = (BudgetLine.objects.count(), FundAllocation.objects.count(), FundSpending.objects.count())
    demo_funds.build(district, seed=SEED + 1, year=2018)
    demo_funds.build_live(district, seed=SEED + 1, today=TODAY)
    assert (BudgetLine.objects.count(), FundAllocation.objects.count(), FundSpending.objects.count()) == before
