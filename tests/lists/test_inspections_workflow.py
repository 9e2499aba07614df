"""The inspections' workflow through the real actions: a round moves along its table; findings become items
with an owner, a responsible person and a stored deadline; the owner reports (with evidence), the organiser or the
team verifies — accept or return — every move a history row and an audit record; a stale or forbidden move is
refused in Chinese and changes nothing; a lower role, the owner side and the reporter never verify."""

from __future__ import annotations

import datetime as dt
import os
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import build_tree, module_transaction, user_with_post
from tests.lists.factories_inspections import T0, make_world, record
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.lists import actions_inspections as actions
from zongheng.lists.choices_inspections import RECT_TRANSITIONS, RectMove, RectState, RoundState
from zongheng.lists.models_inspections import InspectionEvent, Rectification

RNG = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID"))


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            yield make_world(build_tree())


def _state(rect: Rectification) -> tuple[str, int, int]:
    fresh = Rectification.objects.get(pk=rect.pk)
    return fresh.state, fresh.events.count(), fresh.reports.count()


def test_a_finding_becomes_items_with_owner_responsible_person_and_stored_deadline(w, db):
    items = record(w, 0, items=2, due=dt.date(2018, 7, 15))
    assert [(r.org_id, r.responsible_id, r.due_on, r.state) for r in items] == [
        (w.targets[0].org_id, w.sec[0].person_id, dt.date(2018, 7, 15), RectState.PENDING)] * 2
    assert AuditLog.objects.filter(action="lists.rectification_create", object_id__in=[
        str(r.pk) for r in items]).count() == 2


def test_the_owner_reports_with_evidence_and_the_organiser_accepts(w, db):
    rect = record(w, 0)[0]
    upload = SimpleUploadedFile("台账.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    actions.do_report(w.sec[0], rect, {"text": "已补齐台账", "files": [upload]}, now=T0 + dt.timedelta(days=3))
    assert _state(rect)[0] == RectState.REPORTED
    assert rect.reports.get().files.get().name == "台账.pdf"
    done = actions.do_verify(w.dept, rect, RectMove.ACCEPT, now=T0 + dt.timedelta(days=5))
    assert done.state == RectState.CLOSED and done.closed_on == dt.date(2018, 4, 7)
    moves = list(InspectionEvent.objects.filter(rectification=rect).values_list("move", "from_state", "to_state"))
    assert moves == [("create", "", "pending"), ("report", "pending", "reported"), ("accept", "reported", "closed")]


def test_a_return_needs_its_reason_and_the_owner_reports_again(w, db):
    rect = record(w, 1)[0]
    actions.do_report(w.sec[1], rect, {"text": "已整改"}, now=T0)
    before = _state(rect)
    with pytest.raises(ActionError, match="退回理由"):
        actions.do_verify(w.leader, rect, RectMove.RETURN, "", now=T0)
    assert _state(rect) == before
    actions.do_verify(w.leader, rect, RectMove.RETURN, "材料不全", now=T0)  # the team leader, by assignment
    assert _state(rect)[0] == RectState.RETURNED
    actions.do_report(w.sec[1], rect, {"text": "已补充会议纪要"}, now=T0)
    assert _state(rect)[:1] == (RectState.REPORTED,) and rect.reports.count() == 2


@pytest.mark.parametrize("who", ["member", "sec0", "street_not_organiser"])
def test_a_lower_role_or_the_owner_side_cannot_verify(w, db, who):
    rect = record(w, 0)[0]
    actions.do_report(w.sec[0], rect, {"text": "已整改"}, now=T0)
    user = {"member": w.member, "sec0": w.sec[0], "street_not_organiser": w.street}[who]
    before = _state(rect)
    with pytest.raises(ActionError, match="不能核验"):
        actions.do_verify(user, rect, RectMove.ACCEPT, now=T0)
    assert _state(rect) == before


def test_the_reporter_never_verifies_their_own_report(w, db):
    rect = record(w, 2)[0]
    actions.do_report(w.dept, rect, {"text": "组织部代为报告"}, now=T0)  # list.report reaches down from the district
    with pytest.raises(ActionError, match="不能核验"):
        actions.do_verify(w.dept, rect, RectMove.ACCEPT, now=T0)
    assert actions.do_verify(w.leader, rect, RectMove.ACCEPT, now=T0).state == RectState.CLOSED


def test_a_stale_verification_is_refused_in_chinese_and_changes_nothing(w, db):
    rect = record(w, 0)[0]
    actions.do_report(w.sec[0], rect, {"text": "已整改"}, now=T0)
    actions.do_verify(w.dept, rect, RectMove.ACCEPT, now=T0)
    before = _state(rect)
    for move in (RectMove.ACCEPT, RectMove.RETURN):
        with pytest.raises(ActionError, match="已销号"):
            actions.do_verify(w.leader, rect, move, "再看看", now=T0)
    with pytest.raises(ActionError, match="已销号"):
        actions.do_report(w.sec[0], rect, {"text": "再报一次"}, now=T0)
    assert _state(rect) == before


def test_another_target_cannot_report_and_nobody_records_at_a_target_off_their_team(w, db):
    rect = record(w, 0)[0]
    with pytest.raises(ActionError, match="不能报告"):
        actions.do_report(w.sec[1], rect, {"text": "越权报告"}, now=T0)
    with pytest.raises(ActionError, match="不能登记"):
        actions.do_record_finding(w.sec[1], w.targets[0], {"text": "x", "items": [{}]}, now=T0)
    assert _state(rect)[0] == RectState.PENDING


def test_a_forged_owner_or_responsible_person_is_refused_and_nothing_is_written(w, db):
    target = w.targets[0]
    count = Rectification.objects.count()
    other = w.targets[2].org  # another target's community: not below this target
    for item in ({"title": "x", "org": other.pk, "responsible": w.sec[0].person_id, "due_on": dt.date(2018, 6, 1)},
                 {"title": "x", "org": target.org_id, "responsible": w.sec[2].person_id,
                  "due_on": dt.date(2018, 6, 1)},
                 {"title": "x", "org": "abc", "responsible": w.sec[0].person_id, "due_on": dt.date(2018, 6, 1)}):
        with pytest.raises(ActionError):
            actions.do_record_finding(w.dept, target, {"text": "问题", "items": [item]}, now=T0)
    assert Rectification.objects.count() == count


def test_the_round_moves_along_its_table_and_completes_only_when_every_item_is_closed(w, db):
    from zongheng.lists.models_inspections import InspectionRound

    period = f"专项{RNG.randrange(10**6)}"  # at most 8 characters (the limit is 20)
    rnd = actions.do_create_round(w.dept, {"org": w.tree.district, "year": 2018, "period": period,
                                           "title": "专项巡查", "focus": "作风建设", "starts_on": "2018-06-01",
                                           "ends_on": "2018-06-30"}, now=T0)
    with pytest.raises(ActionError, match="巡查组"):
        actions.do_move_round(w.dept, rnd, "start", now=T0)
    team = actions.do_add_team(w.dept, rnd, {"name": "一组", "leader": w.leader.person_id})
    target = actions.do_add_target(w.dept, team, {"org": w.tree.communities[3]})
    with pytest.raises(ActionError, match="不能"):
        actions.do_move_round(w.street, rnd, "start", now=T0)  # a street does not run the district's round
    actions.do_move_round(w.dept, rnd, "start", now=T0)
    actions.do_move_round(w.dept, rnd, "rectify", now=T0)
    owner = user_with_post(w.tree.communities[3], Role.SECRETARY)
    finding = actions.do_record_finding(w.leader, target, {"text": "问题", "items": [
        {"title": "整改", "org": target.org, "responsible": owner.person_id, "due_on": "2018-07-01"}]}, now=T0)
    rect = finding.rectifications.get()
    with pytest.raises(ActionError, match="1 项整改事项未销号"):
        actions.do_move_round(w.dept, rnd, "complete", now=T0)
    actions.do_report(owner, rect, {"text": "ok"}, now=T0)
    actions.do_verify(w.dept, rect, RectMove.ACCEPT, now=T0)
    assert actions.do_move_round(w.dept, rnd, "complete", now=T0).state == RoundState.COMPLETED
    with pytest.raises(ActionError, match="已完成"):
        actions.do_move_round(w.dept, rnd, "complete", now=T0)
    assert InspectionRound.objects.get(pk=rnd.pk).state == RoundState.COMPLETED
    assert list(rnd.events.filter(rectification__isnull=True).values_list("move", flat=True)) == [
        "create", "start", "rectify", "complete"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.sampled_from(["report", "accept", "return"]), min_size=1, max_size=8))
def test_no_sequence_of_moves_leaves_the_table_or_loses_a_history_row(w, db, moves):
    """Whatever is tried, the state is what the table says of the accepted moves, one history row each, and a
    closed item always has its closing day."""
    rect = record(w, 1)[0]
    state = RectState.PENDING
    accepted = 0
    for move in moves:
        try:
            if move == "report":
                actions.do_report(w.sec[1], rect, {"text": "整改情况"}, now=T0)
            else:
                actions.do_verify(w.dept, rect, move, "理由", now=T0)
        except ActionError:
            assert state not in RECT_TRANSITIONS[move][0]
            continue
        assert state in RECT_TRANSITIONS[move][0]
        state = RECT_TRANSITIONS[move][1]
        accepted += 1
    fresh = Rectification.objects.get(pk=rect.pk)
    assert fresh.state == state and fresh.events.count() == accepted + 1
    assert (fresh.closed_on is not None) == (state == RectState.CLOSED)
