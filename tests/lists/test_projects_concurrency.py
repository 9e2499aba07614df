"""Two reviewers deciding the same project at once — one approves, one returns it — leave one decision: the
project's row lock serialises them and the second finds the state moved and is refused by the table in Chinese
(PostgreSQL; SQLite serialises writers itself)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import user_with_post
from tests.lists.factories_projects import advance, create, make_world
from tests.race import race as _race
from zongheng.core.permissions import Role
from zongheng.lists.actions_projects import do_move
from zongheng.lists.choices import ProjectMove, ProjectState
from zongheng.lists.models import Project, ProjectEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_deciding_at_once_leave_one_decision(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    w = make_world(tree)
    deputy = user_with_post(tree.streets[0], Role.DEPUTY_SECRETARY)
    p = advance(w, create(w.secretary, w.community), "reviewing")
    refused = _race([
        lambda: do_move(w.street_secretary, Project.objects.get(pk=p.pk), ProjectMove.APPROVE, "同意立项"),
        lambda: do_move(deputy, Project.objects.get(pk=p.pk), ProjectMove.RETURN, "预算偏高"),
    ])
    p.refresh_from_db()
    decisions = ProjectEvent.objects.filter(project=p, from_state=ProjectState.REVIEWING)
    assert decisions.count() == 1 and len(refused) == 1
    assert p.state == decisions.get().to_state
    assert refused[0].startswith("项目当前为「")


def test_many_reviewers_taking_a_project_up_at_once_move_it_once(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    w = make_world(tree)
    p = create(w.secretary, w.community)
    refused = _race([lambda: do_move(w.street_secretary, Project.objects.get(pk=p.pk), ProjectMove.REVIEW)
                     for _ in range(4)])
    assert len(refused) == 3
    assert ProjectEvent.objects.filter(project=p, move=ProjectMove.REVIEW).count() == 1
