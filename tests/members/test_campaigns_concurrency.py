"""Many members claiming the same shifts at once never over-claim a shift, and one member claiming
overlapping shifts at once holds one of them (PostgreSQL: the member's Person row lock serialises their
claims, one conditional UPDATE raises a shift's counter only below its capacity)."""

from __future__ import annotations

import itertools
import os
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Count

from tests.factories import user_with_post
from tests.members.factories_campaigns import make_campaign, member_user, shifts_of
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role
from zongheng.members import actions_campaigns as actions
from zongheng.members.choices import CampaignState, DutyState
from zongheng.members.models import DutyClaim, Shift

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(10**6)


def _race(calls: list[Callable[[], Any]]) -> tuple[int, list[str]]:
    """Runs the calls in threads released together; (accepted, refusals)."""
    barrier = threading.Barrier(len(calls))
    refused: list[str] = []
    accepted: list[int] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            accepted.append(1)
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
        t.join(timeout=120)
    assert not errors, errors
    return len(accepted), refused


def _pg() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")


def _invariants() -> None:
    live = dict(DutyClaim.objects.filter(state=DutyState.CLAIMED).values("shift_id").annotate(n=Count("id"))
                .values_list("shift_id", "n"))
    for s in Shift.objects.all():
        assert s.claimed == live.get(s.pk, 0) <= s.capacity, s
    by_person: dict[int, list[DutyClaim]] = {}
    for c in DutyClaim.objects.filter(state=DutyState.CLAIMED).order_by("person_id", "starts_at"):
        by_person.setdefault(c.person_id, []).append(c)
    for claims in by_person.values():
        for a, b in itertools.pairwise(claims):
            assert a.ends_at <= b.starts_at, (a, b)


def test_thirty_members_claiming_the_same_shifts_at_once_fill_them_exactly_to_capacity(tree):
    _pg()
    cadre = user_with_post(tree.communities[0], Role.SECRETARY)
    # Four posts, one 4-hour shift each at four different times a day: 4 shifts of 2 places = 8 places.
    c = make_campaign(cadre, tree.communities[0], segments=4, days=1, capacity=2,
                      slots="08:00-12:00\n12:00-16:00\n16:00-20:00\n20:00-23:00")
    shifts = shifts_of(c)
    members = [member_user(tree.grids[i % 2]) for i in range(30)]
    rng = random.Random(SEED)
    calls = []
    for m in members:
        target = rng.choice(shifts)
        calls.append(lambda m=m, s=target: actions.do_claim(m, s))
    accepted, refused = _race(calls)

    _invariants()
    demand: dict[int, int] = {}
    for call in calls:
        s = call.__defaults__[1]  # type: ignore[index]
        demand[s.pk] = demand.get(s.pk, 0) + 1
    expected = sum(min(n, 2) for n in demand.values())
    assert accepted == expected == DutyClaim.objects.filter(state=DutyState.CLAIMED).count()
    assert len(refused) == 30 - expected and all("已认满" in r for r in refused)


def test_one_member_claiming_overlapping_shifts_at_once_holds_exactly_one(tree):
    _pg()
    cadre = user_with_post(tree.communities[0], Role.SECRETARY)
    c = make_campaign(cadre, tree.communities[0], segments=8, days=1, capacity=3, slots="08:00-20:00")
    member = member_user(tree.grids[0])
    accepted, refused = _race([lambda s=s: actions.do_claim(member, s) for s in shifts_of(c)])
    assert accepted == 1 and DutyClaim.objects.filter(person_id=member.person_id).count() == 1
    assert len(refused) == 7 and all("时间重叠" in r for r in refused)
    _invariants()


def test_claims_releases_and_overlaps_racing_together_keep_counters_equal_to_live_claims(tree):
    _pg()
    cadre = user_with_post(tree.communities[0], Role.SECRETARY)
    c = make_campaign(cadre, tree.communities[0], segments=3, days=1, capacity=2,
                      slots="08:00-14:00\n12:00-18:00\n18:00-23:00")
    shifts = shifts_of(c)
    members = [member_user(tree.grids[i % 2]) for i in range(12)]
    rng = random.Random(SEED + 1)
    held = []
    for m in members[:6]:  # some hold a shift already
        try:
            held.append((m, actions.do_claim(m, rng.choice(shifts))))
        except ActionError:
            pass
    calls: list[Callable[[], Any]] = [lambda m=m, cl=cl: actions.do_release(m, cl) for m, cl in held]
    for m in members:
        for s in rng.sample(shifts, 3):  # three claims each, some overlapping (08–14 and 12–18)
            calls.append(lambda m=m, s=s: actions.do_claim(m, s))
    rng.shuffle(calls)
    _race(calls)
    _invariants()


def test_a_close_racing_with_claims_leaves_no_claim_behind_it(tree):
    _pg()
    cadre = user_with_post(tree.communities[0], Role.SECRETARY)
    c = make_campaign(cadre, tree.communities[0], segments=10, days=1, capacity=2, slots="08:00-20:00")
    shifts = shifts_of(c)
    members = [member_user(tree.grids[i % 2]) for i in range(20)]
    calls: list[Callable[[], Any]] = [lambda m=m, s=s: actions.do_claim(m, s)
                                      for m, s in zip(members, shifts * 2, strict=True)]
    calls.insert(10, lambda: actions.do_transition_campaign(cadre, c, CampaignState.CLOSED))
    accepted, refused = _race(calls)
    _invariants()
    assert all("已结束" in r for r in refused)
    # Every claim was committed while the campaign was open: none carries an audit time after the close.
    from zongheng.core.models import AuditLog

    closed_at = AuditLog.objects.get(action="members.campaign_transition", object_id=str(c.pk),
                                     after__state="closed").at
    claims_at = list(AuditLog.objects.filter(action="members.duty_claim").values_list("at", flat=True))
    assert len(claims_at) == accepted - 1
    assert all(t < closed_at for t in claims_at)
