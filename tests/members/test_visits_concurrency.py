"""Two people turning the same visit's concern into a demand at once (the recorder and the grid leader) make one
demand; the second is refused in Chinese (PostgreSQL: the visit's row lock serialises them). A visit recorded by
two requests at once earns its visitor points for each visit, never twice for one."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.members.factories_visits import make_world, record
from tests.race import race as _race
from zongheng.demands.models import Demand
from zongheng.members import points
from zongheng.members.actions_visits import do_raise_demand
from zongheng.members.choices import Deed
from zongheng.members.models import PointEntry, Visit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]




def test_raising_the_same_concern_twice_at_once_makes_one_demand(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    w = make_world(tree)
    visit, _ = record(w.head, w.households[0], raised="楼道堆满杂物，有火灾隐患")
    refused = _race([lambda: do_raise_demand(w.head, Visit.objects.get(pk=visit.pk)),
                     lambda: do_raise_demand(w.grid_leader, Visit.objects.get(pk=visit.pk))])
    visit.refresh_from_db()
    assert Demand.objects.count() == 1 and visit.demand_id == Demand.objects.get().pk
    assert len(refused) == 1 and "不能重复转" in refused[0]


def test_awarding_one_visit_from_two_requests_at_once_writes_one_entry(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    w = make_world(tree)
    visit, _ = record(w.head, w.households[0])
    source = f"visit:{visit.pk}"
    _race([lambda: points.award(w.head.person_id, Deed.VISIT, source, visit.visited_on) for _ in range(4)])
    assert PointEntry.objects.filter(person_id=w.head.person_id, source=source).count() == 1
