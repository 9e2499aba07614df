"""党建项目停滞 (lists.project_stalled): a project resting in a state longer than STALL_DAYS[state] warns the
organisation that must act — the reviewer above while it waits for a review, its own organisation otherwise —
and the warning clears exactly when the project moves."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.lists.factories_projects import T0, advance, create, make_world
from zongheng.core.models import EarlyWarning
from zongheng.core.warnings import sweep
from zongheng.lists import actions_projects as actions
from zongheng.lists.choices import STALL_DAYS, ProjectKind, ProjectMove, ProjectState
from zongheng.lists.selectors_projects import RULE

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _open() -> list[EarlyWarning]:
    return list(EarlyWarning.objects.open().filter(rule=RULE).order_by("id"))


def test_a_submitted_project_warns_its_reviewer_only_after_its_limit(tree):
    w = make_world(tree)
    p = create(w.secretary, w.community)
    limit = STALL_DAYS[ProjectState.SUBMITTED]
    assert sweep(T0 + limit * DAY - dt.timedelta(seconds=1), codes=[RULE]) == {RULE: (0, 0)}
    assert sweep(T0 + limit * DAY + dt.timedelta(seconds=1), codes=[RULE]) == {RULE: (1, 0)}
    (warning,) = _open()
    assert warning.org_path == tree.streets[0].path and warning.org_name == tree.streets[0].name
    assert warning.due_at == T0 + limit * DAY and p.title in warning.title and "已提交" in warning.title
    assert warning.url == f"/lists/projects/{p.pk}/"
    assert sweep(T0 + (limit + 1) * DAY, codes=[RULE]) == {RULE: (0, 0)}  # idempotent


def test_moving_the_project_clears_its_warning_and_the_next_state_counts_afresh(tree):
    w = make_world(tree)
    p = create(w.secretary, w.community)
    late = T0 + 15 * DAY
    sweep(late, codes=[RULE])
    assert len(_open()) == 1
    p = actions.do_move(w.street_secretary, p, ProjectMove.REVIEW, now=late)
    assert sweep(late + DAY, codes=[RULE]) == {RULE: (0, 1)}
    assert _open() == []
    limit = STALL_DAYS[ProjectState.REVIEWING]
    sweep(late + (limit + 1) * DAY, codes=[RULE])
    (warning,) = _open()
    assert "审核中" in warning.title and warning.org_path == tree.streets[0].path


def test_an_approved_project_not_started_warns_its_own_organisation(tree):
    w = make_world(tree)
    advance(w, create(w.secretary, w.community), "approved")
    sweep(T0 + (STALL_DAYS[ProjectState.APPROVED] + 1) * DAY, codes=[RULE])
    (warning,) = _open()
    assert warning.org_path == w.community.path and "已立项" in warning.title


def test_an_evaluated_project_never_warns(tree):
    w = make_world(tree)
    advance(w, create(w.secretary, w.community), "evaluated")
    assert sweep(T0 + 3650 * DAY, codes=[RULE]) == {RULE: (0, 0)}


def test_the_reviewers_warning_is_visible_to_the_reviewer_not_to_a_stranger(tree):
    w = make_world(tree)
    create(w.secretary, w.community)
    sweep(T0 + 30 * DAY, codes=[RULE])
    assert EarlyWarning.objects.restrict(w.street_secretary).filter(rule=RULE).count() == 1
    assert EarlyWarning.objects.restrict(w.other_secretary).filter(rule=RULE).count() == 0


def test_the_to_do_list_names_the_projects_waiting_for_the_user(tree):
    from zongheng.lists.hooks_projects import my_projects

    w = make_world(tree)
    p = create(w.secretary, w.community, title="待受理的")
    q = advance(w, create(w.secretary, w.community, title="被退回的"), "returned")
    street = my_projects(w.street_secretary, T0)
    assert [(t.kind, t.url) for t in street] == [("党建项目待受理", f"/lists/projects/{p.pk}/")]
    own = my_projects(w.secretary, T0)
    assert [(t.kind, t.url) for t in own] == [("党建项目被退回", f"/lists/projects/{q.pk}/")]
    assert my_projects(w.other_secretary, T0) == []


def test_the_districts_special_projects_wait_on_the_departments_to_do_list(tree):
    from zongheng.lists.hooks_projects import my_projects

    w = make_world(tree)
    special = create(w.dept, tree.district, kind=ProjectKind.SPECIAL, lead=w.standing, title="专题")
    assert [(t.kind, t.url) for t in my_projects(w.dept, T0)] == [("党建项目待受理", f"/lists/projects/{special.pk}/")]
    special = actions.do_move(w.dept, special, ProjectMove.REVIEW)
    assert [t.kind for t in my_projects(w.dept, T0)] == ["党建项目待审批"]
    actions.do_move(w.dept, special, ProjectMove.APPROVE)  # now the district's own side carries it out
    assert [t.kind for t in my_projects(w.dept, T0)] == ["党建项目待实施"] and my_projects(w.street_secretary, T0) == []
