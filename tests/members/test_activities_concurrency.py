"""Many people signing up at once never take an activity beyond its capacity, and one person signing up twice
at once holds one place (PostgreSQL: the conditional UPDATE re-checks ``signed < capacity`` on the row the
first transaction committed; the unique constraint stops the double sign-up). Skipped on SQLite, which
serialises writers."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import ensure_levels
from tests.members.factories_activities import make_activity, make_world, plain_member
from tests.race import race as _race
from zongheng.members import actions_activities as actions
from zongheng.members.choices import SignUpState
from zongheng.members.models import Activity, SignUp

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]




@pytest.fixture
def w(tree):
    ensure_levels()
    return make_world(tree)


def test_many_sign_ups_at_once_never_exceed_the_capacity(w):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    capacity = 5
    a = make_activity(w.secretary, w.community, capacity=capacity)
    people = [plain_member(w.tree.grids[i % 2]) for i in range(16)]
    residents = [f"居民{i}" for i in range(4)]
    calls = [lambda u=u: actions.do_sign_up(u, a) for u in people]
    calls += [lambda n=n: actions.do_add_resident(w.secretary, a, n, "") for n in residents]

    refused = _race(calls)

    a.refresh_from_db()
    live = SignUp.objects.filter(activity=a, state=SignUpState.SIGNED).count()
    assert a.signed == live == capacity
    assert len(refused) == len(calls) - capacity and all("报名人数已满" in r for r in refused)


def test_one_person_signing_up_twice_at_once_holds_one_place(w):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    a = make_activity(w.secretary, w.community, capacity=10)

    refused = _race([lambda: actions.do_sign_up(w.member, a) for _ in range(4)])

    a.refresh_from_db()
    assert SignUp.objects.filter(activity=a, person=w.member.person, state=SignUpState.SIGNED).count() == 1
    assert a.signed == 1 and len(refused) == 3 and all("您已报名" in r for r in refused)
    assert Activity.objects.get(pk=a.pk).signed == SignUp.objects.filter(activity=a).count()
