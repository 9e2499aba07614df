"""The project list's workflow: created 已提交, moved one step at a time along the transition table, by whom
the table's side says; a return needs its reason, an evaluation its text; every move a history row."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.lists.factories_projects import T0, advance, create, make_world
from zongheng.core.audit import AuditLog
from zongheng.core.errors import ActionError
from zongheng.lists import actions_projects as actions
from zongheng.lists.choices import ProjectKind, ProjectMove, ProjectState
from zongheng.lists.models import Project, ProjectEvent

pytestmark = pytest.mark.django_db


def test_an_applied_project_starts_submitted_with_its_history_and_audit(tree):
    w = make_world(tree)
    p = create(w.secretary, w.community)
    assert p.state == ProjectState.SUBMITTED and p.state_since == T0 and p.budget == 12.5
    assert list(p.events.values_list("move", "from_state", "to_state")) == [("submit", "", "submitted")]
    assert AuditLog.objects.filter(action="lists.project_create", object_id=str(p.pk)).exists()


def test_a_claimed_project_names_its_claimer_as_secretary(tree):
    w = make_world(tree)
    p = create(w.secretary, w.community, kind=ProjectKind.CLAIMED)
    assert p.secretary_id == w.secretary.person_id


def test_a_special_project_needs_configure_and_a_lead(tree):
    w = make_world(tree)
    with pytest.raises(ActionError):
        create(w.secretary, w.community, kind=ProjectKind.SPECIAL, lead=w.standing)
    with pytest.raises(ActionError, match="领衔"):
        create(w.dept, w.community, kind=ProjectKind.SPECIAL)
    p = create(w.dept, w.community, kind=ProjectKind.SPECIAL, lead=w.standing)
    assert p.lead_id == w.standing.pk and p.kind == ProjectKind.SPECIAL


def test_the_lead_is_chosen_among_the_committee_only(tree):
    from zongheng.lists.selectors_projects import lead_choices, resolve_lead

    w = make_world(tree)
    choices = list(lead_choices(w.dept))
    assert w.standing in choices and not any(p.org_id != w.tree.district.pk for p in choices)
    with pytest.raises(ActionError):
        resolve_lead(w.dept, w.secretary.person_id)
    assert list(lead_choices(w.secretary)) == []


def test_a_project_outside_the_reporters_scope_is_refused(tree):
    w = make_world(tree)
    with pytest.raises(ActionError, match="管辖范围"):
        create(w.secretary, tree.communities[2])
    assert not Project.objects.exists()


def test_a_project_goes_through_every_state_to_evaluated(tree):
    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "evaluated")
    assert p.state == ProjectState.EVALUATED and p.evaluation == "成效明显"
    assert [e.to_state for e in p.events.all()] == [
        "submitted", "reviewing", "approved", "in_progress", "completed", "evaluated"]


def test_a_move_not_in_the_table_is_refused_in_chinese(tree):
    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "approved")
    with pytest.raises(ActionError) as exc:
        actions.do_move(w.secretary, p, ProjectMove.COMPLETE)
    assert exc.value.message == "项目当前为「已立项」，不能直接「完成」"
    p.refresh_from_db()
    assert p.state == ProjectState.APPROVED and p.events.count() == 3


def test_the_projects_own_organisation_never_approves_itself(tree):
    w = make_world(tree)
    p = create(w.secretary, w.community)
    with pytest.raises(ActionError, match="上级组织"):
        actions.do_move(w.secretary, p, ProjectMove.REVIEW)
    # a grid's project: the community above reviews it
    grid_p = create(w.secretary, tree.grids[0])
    assert actions.do_move(w.secretary, grid_p, ProjectMove.REVIEW).state == ProjectState.REVIEWING


def test_only_the_projects_side_carries_it_out(tree):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "approved")
    committee = user_with_post(w.community, Role.COMMITTEE_MEMBER)  # list.view only
    for user in (w.other_secretary, committee):
        with pytest.raises(ActionError, match="实施单位"):
            actions.do_move(user, p, ProjectMove.START)
    assert actions.do_move(w.secretary, p, ProjectMove.START).state == ProjectState.IN_PROGRESS


def test_a_return_needs_a_reason_and_the_project_comes_back_resubmitted(tree):
    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "reviewing")
    with pytest.raises(ActionError, match="退回理由"):
        actions.do_move(w.street_secretary, p, ProjectMove.RETURN, "  ")
    later = T0 + dt.timedelta(days=2)
    p = actions.do_move(w.street_secretary, p, ProjectMove.RETURN, "预算依据不足", now=later)
    assert p.state == ProjectState.RETURNED and p.state_since == later
    assert ProjectEvent.objects.filter(project=p, move="return", note="预算依据不足").exists()
    p = actions.do_move(w.secretary, p, ProjectMove.RESUBMIT, "已补充预算明细")
    assert p.state == ProjectState.SUBMITTED


def test_an_evaluation_needs_its_text(tree):
    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "completed")
    with pytest.raises(ActionError, match="评估意见"):
        actions.do_move(w.street_secretary, p, ProjectMove.EVALUATE, "")
    assert actions.do_move(w.street_secretary, p, ProjectMove.EVALUATE, "",
                           evaluation="群众满意").evaluation == "群众满意"


def test_a_project_is_edited_until_it_is_evaluated(tree):
    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "completed")
    p = actions.do_update_project(w.secretary, p, {"outcome": "服务楼宇党员 300 人", "budget": "15"})
    assert p.outcome == "服务楼宇党员 300 人" and p.budget == 15
    with pytest.raises(ActionError):
        actions.do_update_project(w.secretary, p, {"budget": "-1"})
    with pytest.raises(ActionError):
        actions.do_update_project(w.other_secretary, p, {"budget": "1"})
    p = actions.do_move(w.street_secretary, p, ProjectMove.EVALUATE, "好")
    with pytest.raises(ActionError, match="已评估"):
        actions.do_update_project(w.secretary, p, {"outcome": "改写"})


def test_the_viewer_sees_only_the_moves_they_can_make_now(tree):
    from zongheng.lists.selectors_projects import moves_for

    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "reviewing")
    assert [m for m, _ in moves_for(w.street_secretary, p)] == ["approve", "return"]
    assert moves_for(w.secretary, p) == []
    p = advance(w, create(w.secretary, w.community), "approved")
    assert [m for m, _ in moves_for(w.secretary, p)] == ["start"]


def test_a_district_special_project_is_decided_by_the_department_for_the_committee(tree):
    w = make_world(tree)
    p = create(w.dept, tree.district, kind=ProjectKind.SPECIAL, lead=w.standing)
    with pytest.raises(ActionError, match="上级组织"):
        actions.do_move(w.street_secretary, p, ProjectMove.REVIEW)
    assert actions.do_move(w.dept, p, ProjectMove.REVIEW).state == ProjectState.REVIEWING
    with pytest.raises(ActionError, match="区以下"):
        create(w.dept, tree.district)


def test_the_lead_and_the_claimer_see_their_project_without_list_view(client, tree):
    from tests.factories import make_user
    from zongheng.lists.selectors_projects import may_view, project_for

    w = make_world(tree)
    lead_user = make_user(w.standing)  # a committee member's post gives list.view; take a cadre without one
    w.standing.posts.all().delete()
    p = create(w.dept, w.community, kind=ProjectKind.SPECIAL, lead=w.standing)
    lead_user = type(lead_user).objects.get(pk=lead_user.pk)
    assert may_view(lead_user) and project_for(lead_user, p.pk) == p
    client.force_login(lead_user)
    assert client.get(f"/lists/projects/{p.pk}/").status_code == 200
    other = create(w.secretary, w.community)
    assert client.get(f"/lists/projects/{other.pk}/").status_code == 404


def test_every_write_is_audited_with_a_chinese_label(tree):
    from zongheng.core.audit_display import action_label

    w = make_world(tree)
    p = advance(w, create(w.secretary, w.community), "evaluated")
    actions.do_name_brand(w.dept, {"name": "阳光360", "slug": "yangguang-360", "summary": "x", "org": w.community,
                                   "projects": [p]})
    codes = set(AuditLog.objects.filter(action__startswith="lists.").values_list("action", flat=True))
    assert {"lists.project_create", "lists.project_move", "lists.brand_create"} <= codes
    assert all(action_label(code) != code for code in codes)
