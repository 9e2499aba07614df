"""财政保障 through the JSON API: the figures are the pages' (``funds.py``), writes go through the same scoped
lookups and actions (a sibling receiver, the district's budget from a street, more than the balance: 400 in
Chinese, nothing written), rows out of scope 404, bad input 422, and lists run a constant number of queries."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import module_transaction
from tests.lists.factories_funds import funds_world, random_ledger
from zongheng.lists import actions_funds as actions
from zongheng.lists import funds
from zongheng.lists.models_funds import BudgetLine, FundAllocation, FundSpending

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
API = "/api/v1/lists/funds"


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = funds_world()
            random_ledger(world, random.Random(SEED), year=TODAY.year, steps=30)
            t = world.tree
            actions.do_set_budget(world.dept, t.district, TODAY.year, "other", Decimal("400000"))
            actions.do_allocate(world.dept, t.district, t.streets[0], Decimal("100000"), TODAY, "街道经费")
        yield world


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_figures_are_the_pages_figures(client, w):
    client.force_login(w.street)
    street = w.tree.streets[0]
    data = client.get(f"{API}/figures?org={street.pk}&year={TODAY.year}").json()
    acc, sub = funds.account(street.path, TODAY.year), funds.subtree(street.path, TODAY.year)
    assert Decimal(data["account"]["balance"]) == acc.balance
    assert Decimal(data["account"]["received"]) == acc.received
    assert Decimal(data["subtree"]["spent"]) == sub.spent
    kids = client.get(f"{API}/children?org={street.pk}&year={TODAY.year}").json()
    roll = funds.children(street.path, TODAY.year)
    assert {i["org"]["id"]: Decimal(i["figures"]["inflow"]) for i in kids["items"]} == {
        c.pk: roll[c.path].inflow if c.path in roll else Decimal(0)
        for c in w.tree.communities if c.path.startswith(street.path)}


def test_an_organisation_out_of_scope_answers_404_and_bad_input_422(client, w):
    client.force_login(w.community)
    assert client.get(f"{API}/figures?org={w.tree.communities[1].pk}").status_code == 404
    assert client.get(f"{API}/figures?org={w.tree.district.pk}").status_code == 404
    assert client.get(f"{API}/figures?year=1999").status_code == 422
    assert client.get(f"{API}/allocations?dir=sideways").status_code == 422


def test_an_allocation_through_the_api_moves_the_balance(client, w):
    client.force_login(w.street)
    street, c = w.tree.streets[0], w.tree.communities[0]
    left = funds.balance(street.path, TODAY.year)
    r = _post(client, f"{API}/allocations", {"giver": street.pk, "receiver": c.pk, "amount": "1234.56",
                                             "allocated_on": TODAY.isoformat(), "purpose": "社区经费"})
    assert r.status_code == 201 and r.json()["receiver"]["id"] == c.pk
    assert funds.balance(street.path, TODAY.year) == left - Decimal("1234.56")
    got = client.get(f"{API}/allocations/{r.json()['id']}")
    assert got.status_code == 200 and Decimal(got.json()["amount"]) == Decimal("1234.56")
    back = _post(client, f"{API}/allocations/{r.json()['id']}/reverse", {"reason": "拨错了"})
    assert back.status_code == 201 and Decimal(back.json()["amount"]) == Decimal("-1234.56")
    assert funds.balance(street.path, TODAY.year) == left


def test_refusals_write_nothing(client, w):
    t = w.tree
    counts = FundAllocation.objects.count(), FundSpending.objects.count(), BudgetLine.objects.count()
    client.force_login(w.community)
    sibling = _post(client, f"{API}/allocations", {"giver": t.communities[0].pk, "receiver": t.communities[1].pk,
                                                   "amount": "1", "allocated_on": TODAY.isoformat(), "purpose": "x"})
    assert sibling.status_code == 400 and "接收单位" in sibling.json()["detail"]
    client.force_login(w.street)
    budget = _post(client, f"{API}/budget", {"org": t.district.pk, "year": TODAY.year, "category": "work",
                                             "amount": "1"})
    assert budget.status_code == 400 and "预算单位" in budget.json()["detail"]
    left = funds.balance(t.streets[0].path, TODAY.year)
    over = _post(client, f"{API}/spending", {"org": t.streets[0].pk, "amount": str(left + 1),
                                             "spent_on": TODAY.isoformat(), "purpose": "超支"})
    assert over.status_code == 400 and "余额不足" in over.json()["detail"]
    future = _post(client, f"{API}/spending", {"org": t.streets[0].pk, "amount": "1",
                                               "spent_on": (TODAY + dt.timedelta(days=2)).isoformat(),
                                               "purpose": "未来"})
    assert future.status_code == 400
    assert (FundAllocation.objects.count(), FundSpending.objects.count(), BudgetLine.objects.count()) == counts


def test_a_member_without_funds_manage_cannot_write(client, w):
    client.force_login(w.member)
    r = _post(client, f"{API}/spending", {"org": w.tree.communities[0].pk, "amount": "1",
                                          "spent_on": TODAY.isoformat(), "purpose": "x"})
    assert r.status_code == 403


def test_space_and_pay_figures_match_the_functions(client, w):
    t = w.tree
    actions.do_set_pay_reference(w.dept, TODAY.year, "安庆市", Decimal("40000"))
    actions.do_record_pay(w.dept, t.communities[0], TODAY.year, "李四", "网格员", Decimal("45000"))
    actions.do_record_space(w.dept, t.communities[0], Decimal("350"), TODAY)
    client.force_login(w.dept)
    pay = client.get(f"{API}/pay?year={TODAY.year}").json()
    assert Decimal(pay["average"]) == funds.pay_average(t.district.path, TODAY.year)
    assert Decimal(pay["ratio"]) == funds.pay_ratio(funds.pay_average(t.district.path, TODAY.year), Decimal(40000))
    space = client.get(f"{API}/space?year={TODAY.year}").json()
    fig = funds.space_figures(t.district.path, TODAY.year)
    assert (space["communities"], space["meeting"]) == (fig.communities, fig.meeting)
    r = _post(client, f"{API}/space", {"org": t.streets[0].pk, "area": "500", "measured_on": TODAY.isoformat()})
    assert r.status_code == 400  # a street is not a community


def test_lists_run_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    client.force_login(w.dept)
    for path in ("allocations?dir=inflow&org=" + str(w.tree.streets[0].pk), "spending?all=true", "children",
                 "pay", "space", "figures", "three"):
        with django_assert_max_num_queries(16):
            assert client.get(f"{API}/{path}").status_code == 200, path
