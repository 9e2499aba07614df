"""No sequence of sign-ups, cancellations, residents added by the organiser and attendance confirmations —
any people, any moment — takes an activity beyond its capacity, lets ``signed`` drift from the live sign-ups,
or leaves a member's points other than what their final mark says; and each request is accepted exactly when
a plain model of the rules says so, refused in Chinese otherwise (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.members.factories_activities import make_activity, make_world, plain_member, soon
from zongheng.core.errors import ActionError
from zongheng.members import actions_activities as actions
from zongheng.members.choices import ActivityState, SignUpState
from zongheng.members.models import Activity, PointEntry, SignUp


@pytest.fixture
def world(tree):
    w = make_world(tree)
    return w, [plain_member(tree.grids[i % 2]) for i in range(4)]


# (what, who, hours from the start: negative before, positive after)
op = st.tuples(st.sampled_from(["sign", "sign", "cancel", "resident", "mark", "unmark"]), st.integers(0, 3),
               st.integers(-30, 6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.one_of(st.none(), st.integers(1, 3)), ops=st.lists(op, max_size=20))
def test_no_sequence_breaks_the_capacity_the_count_or_the_points(world, capacity, ops):
    w, members = world
    with transaction.atomic():
        a = make_activity(w.secretary, w.community, capacity=capacity, starts_at=soon(3))
        live: dict[int, object] = {}  # member index → live sign-up (the model)
        residents = 0
        marks: dict[int, bool] = {}  # member index → attended, once confirmed
        held = False
        for what, m, hours in ops:
            now = a.starts_at + dt.timedelta(hours=hours)
            started = hours >= 0
            full = capacity is not None and len(live) + residents >= capacity
            try:
                if what == "sign":
                    expect = not started and not held and m not in live and not full
                    live[m] = actions.do_sign_up(members[m], a, now=now)
                elif what == "cancel":
                    expect = m in live and not started and not held
                    if m not in live:
                        continue
                    actions.do_cancel_sign_up(members[m], live[m], now=now)
                    live.pop(m)
                elif what == "resident":
                    expect = not started and not held and not full
                    actions.do_add_resident(w.secretary, a, f"居民{residents}", "", now=now)
                    residents += 1
                else:
                    value = what == "mark"
                    targets = {s.pk: value for s in live.values()}  # type: ignore[attr-defined]
                    resident_rows = SignUp.objects.filter(activity=a, person__isnull=True,
                                                          state=SignUpState.SIGNED).values_list("pk", flat=True)
                    targets |= {pk: True for pk in resident_rows}
                    expect = started
                    actions.do_confirm_attendance(w.secretary, a, targets, now=now)
                    held = True
                    marks = {k: value for k in live}
                assert expect, f"{what} accepted against the rules"
            except ActionError as exc:
                assert not expect, f"{what} refused: {exc.message}"
                assert exc.message
            fresh = Activity.objects.get(pk=a.pk)
            count = SignUp.objects.filter(activity=a, state=SignUpState.SIGNED, walk_in=False).count()
            assert fresh.signed == count == len(live) + residents
            assert capacity is None or fresh.signed <= capacity
            assert (fresh.state == ActivityState.HELD) == held
        for m, user in enumerate(members):
            got = PointEntry.objects.filter(person=user.person).aggregate(s=Sum("points"))["s"] or 0
            assert (got > 0) == bool(marks.get(m)), (m, marks)
        transaction.set_rollback(True)
