"""No sequence of moves — any move, by anyone, in any order — skips a state of the project table: each move is
accepted exactly when the table allows it from the current state and the actor holds its side's right (refused
in Chinese otherwise, changing nothing), and the history is a chain of the table's own steps from 已提交, so
every state reached was reached through the table (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lists.factories_projects import T0, create, make_world
from zongheng.core.errors import ActionError
from zongheng.lists import actions_projects as actions
from zongheng.lists.choices import PROJECT_TRANSITIONS, REVIEW_MOVES, ProjectMove, ProjectState
from zongheng.lists.models import Project


@pytest.fixture
def world(tree):
    return make_world(tree)


ACTORS = ("secretary", "street_secretary", "other_secretary")
op = st.tuples(st.sampled_from(list(ProjectMove.values)), st.sampled_from(ACTORS), st.booleans())


def _may(actor: str, move: str) -> bool:
    """The plain model of the rights: the street reviews (and, holding list.report over its subtree, may also
    carry the project out); the community carries it out but never reviews itself; another community nothing."""
    if actor == "other_secretary":
        return False
    if move in REVIEW_MOVES:
        return actor == "street_secretary"
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, max_size=25))
def test_no_sequence_of_moves_skips_a_state(world, ops):
    w = world
    with transaction.atomic():
        p = create(w.secretary, w.community)
        state = ProjectState.SUBMITTED
        for i, (move, actor, with_note) in enumerate(ops):
            now = T0 + dt.timedelta(hours=i + 1)
            note = "理由" if with_note else ""
            allowed = (move in PROJECT_TRANSITIONS and state in PROJECT_TRANSITIONS[move][0] and _may(actor, move)
                       and (with_note or move not in (ProjectMove.RETURN, ProjectMove.EVALUATE)))
            try:
                p = actions.do_move(getattr(w, actor), p, move, note, now=now)
            except ActionError as exc:
                assert not allowed, (move, actor, state, exc.message)
                assert exc.message
            else:
                assert allowed, (move, actor, state)
                state = PROJECT_TRANSITIONS[move][1]
            stored = Project.objects.get(pk=p.pk)
            assert stored.state == state
        events = list(p.events.order_by("at", "id").values_list("move", "from_state", "to_state", "at"))
        assert events[0][:3] == (ProjectMove.SUBMIT, "", ProjectState.SUBMITTED)
        for (_, _, before, _), (move, source, target, _) in itertools.pairwise(events):
            assert source == before  # a chain: no state skipped
            assert source in PROJECT_TRANSITIONS[move][0] and target == PROJECT_TRANSITIONS[move][1]
        assert events[-1][2] == Project.objects.get(pk=p.pk).state
        assert Project.objects.get(pk=p.pk).state_since == events[-1][3]
        transaction.set_rollback(True)


def test_every_state_of_the_table_is_reachable_from_submitted():
    reached, frontier = {ProjectState.SUBMITTED}, [ProjectState.SUBMITTED]
    while frontier:
        state = frontier.pop()
        for sources, target in PROJECT_TRANSITIONS.values():
            if state in sources and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(ProjectState.values)
