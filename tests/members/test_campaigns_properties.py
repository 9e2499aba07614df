"""No sequence of claims and releases — any members, any shifts (overlapping ones included), any moment —
over-claims a shift, gives a member two overlapping shifts, or lets a counter drift from the live claims; and
each request is accepted exactly when a plain model of the rules says so, refused in Chinese otherwise
(hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import user_with_post
from tests.members.factories_campaigns import make_campaign, member_user, shifts_of
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role
from zongheng.members import actions_campaigns as actions
from zongheng.members.choices import DutyState
from zongheng.members.models import DutyClaim, Shift

# Overlapping slots on purpose: 08–14 and 12–18 overlap, 18–08 follows both.
SLOTS = "08:00-14:00\n12:00-18:00\n18:00-08:00"


@pytest.fixture
def world(tree):
    cadre = user_with_post(tree.communities[0], Role.SECRETARY)
    members = [member_user(tree.grids[i % 2]) for i in range(4)]
    return tree, cadre, members


op = st.tuples(st.sampled_from(["claim", "claim", "release"]), st.integers(0, 3), st.integers(0, 11),
               st.integers(-2, 30))  # (what, member, shift, hours after the first shift starts)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.integers(1, 2), ops=st.lists(op, max_size=25))
def test_no_sequence_of_claims_and_releases_breaks_the_invariants(world, capacity, ops):
    tree, cadre, members = world
    with transaction.atomic():
        c = make_campaign(cadre, tree.communities[0], segments=2, days=2, capacity=capacity, slots=SLOTS)
        shifts = shifts_of(c)[:12]
        t0 = shifts[0].starts_at
        live: dict[tuple[int, int], DutyClaim] = {}  # (member index, shift index) → live claim (the model)
        for what, m, s_i, hours in ops:
            now = t0 + dt.timedelta(hours=hours)
            shift, user = shifts[s_i], members[m]
            if what == "claim":
                mine = [shifts[j] for (k, j) in live if k == m]
                taken = sum(1 for (_, j) in live if j == s_i)
                expect = (shift.ends_at > now and taken < capacity
                          and not any(x.starts_at < shift.ends_at and x.ends_at > shift.starts_at for x in mine))
                try:
                    live[(m, s_i)] = actions.do_claim(user, shift, now=now)
                    assert expect, "accepted against the rules"
                except ActionError as exc:
                    assert not expect, exc.message
                    assert any(word in exc.message for word in ("已结束", "已认满", "时间重叠", "您已认领"))
            else:
                claim = live.get((m, s_i))
                if claim is None:
                    continue
                expect = claim.starts_at > now
                try:
                    actions.do_release(user, claim, now=now)
                    assert expect
                    del live[(m, s_i)]
                except ActionError as exc:
                    assert not expect and "已开始" in exc.message
            # The invariants, after every step.
            counts = dict(DutyClaim.objects.filter(campaign=c, state=DutyState.CLAIMED).values("shift_id")
                          .annotate(n=Count("id")).values_list("shift_id", "n"))
            for s in Shift.objects.filter(campaign=c):
                assert s.claimed == counts.get(s.pk, 0) <= s.capacity
            assert sorted(counts.items()) == sorted(
                {shifts[j].pk: sum(1 for (_, jj) in live if jj == j) for (_, j) in live}.items())
        for m in range(len(members)):
            held = sorted((shifts[j] for (k, j) in live if k == m), key=lambda s: s.starts_at)
            assert all(a.ends_at <= b.starts_at for a, b in itertools.pairwise(held))
        transaction.set_rollback(True)
