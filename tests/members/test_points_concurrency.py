"""Awarding under concurrency (PostgreSQL): many threads awarding the same deed write one entry; many deeds of
one member awarded at once never go beyond the period's cap; a reconciliation running beside awards writes each
deed once; a reviewer approving a claim while the member withdraws it leaves one of the two."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.db.models import Sum

from tests.factories import ensure_levels
from tests.members.factories_points import cadre, claim, member, member_user
from zongheng.core.errors import ActionError
from zongheng.members import actions_points as actions
from zongheng.members import points
from zongheng.members.choices import ClaimState, Deed
from zongheng.members.deeds import DeedRecord
from zongheng.members.defaults import ensure_installed
from zongheng.members.models import PointEntry, PointRule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DAY = dt.date(2018, 5, 10)


@pytest.fixture(autouse=True)
def _pg(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    ensure_levels()
    ensure_installed()


def race(calls):
    barrier = threading.Barrier(len(calls))
    refused: list[str] = []
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except ActionError as exc:
            refused.append(exc.message)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return refused


def test_the_same_deed_awarded_by_many_at_once_is_written_once(tree):
    p = member(tree.grids[0])
    race([lambda: points.award(p.pk, Deed.ACTIVITY, "activity.signup:1", DAY) for _ in range(8)])
    assert PointEntry.objects.filter(person=p).count() == 1


def test_many_deeds_at_once_never_pass_the_cap(tree):
    rule = PointRule.objects.get(rule_set__member_type="employed", deed=Deed.VISIT)  # 1 point, 10 a month
    p = member(tree.grids[0])
    race([lambda i=i: points.award(p.pk, Deed.VISIT, f"visit:{i}", DAY) for i in range(16)])
    assert PointEntry.objects.filter(person=p).count() == 16
    assert PointEntry.objects.filter(person=p).aggregate(s=Sum("points"))["s"] == rule.cap


def test_a_reconciliation_beside_awards_writes_each_deed_once(tree):
    people = [member(tree.grids[i % 4]) for i in range(6)]
    records = [DeedRecord(p.pk, Deed.ACTIVITY, f"activity.signup:{p.pk}-{k}", DAY) for p in people for k in range(5)]
    calls = [lambda: points.reconcile(DAY, DAY + dt.timedelta(days=1), deeds=records, chunk=2) for _ in range(2)]
    calls += [lambda r=r: points.award(r.person_id, r.deed, r.source, r.occurred_on) for r in records[::3]]
    race(calls)
    assert PointEntry.objects.count() == len(records)
    cap = PointRule.objects.get(rule_set__member_type="employed", deed=Deed.ACTIVITY).cap
    for p in people:
        assert PointEntry.objects.filter(person=p).aggregate(s=Sum("points"))["s"] <= cap


def test_approving_while_the_member_withdraws_leaves_one_outcome(tree):
    user = member_user(tree.grids[0])
    reviewer = cadre(tree.communities[0])
    for _ in range(3):
        c = claim(user)
        refused = race([lambda c=c: actions.do_review_claim(reviewer, c.pk, "approve"),
                        lambda c=c: actions.do_withdraw_claim(user, c.pk)])
        c.refresh_from_db()
        assert len(refused) == 1 and c.state in (ClaimState.APPROVED, ClaimState.WITHDRAWN)
        entries = PointEntry.objects.filter(source=f"claim:{c.pk}").count()
        assert entries == (1 if c.state == ClaimState.APPROVED else 0)
