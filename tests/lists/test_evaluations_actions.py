"""述职评议 writes: the formula is data and refused whole when wrong (weights not summing to 100 %, a band above
full marks); the round moves only along its table; a rater votes once per subject (a second vote is refused in
Chinese, an amendment changes their own vote), never for themselves, never above an item's maximum, only while the
round is being scored; a paper sheet number is entered once per round; a round's configuration can be copied;
every write leaves an audit record."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from tests.factories import build_tree, module_transaction
from tests.lists.factories_evaluations import BANDS, GROUPS, ITEMS, make_round, make_world, random_scores, subject_of
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.lists import actions_evaluations as actions
from zongheng.lists.choices_evaluations import EvalKind, EvalMove, EvalState
from zongheng.lists.models_evaluations import EvalGroup, EvalRound, EvalScore, EvalSheet, EvalVote


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker), django_db_blocker.unblock():
        w = make_world(build_tree())
        make_round(w)
        yield w


def _full(r: EvalRound) -> dict[int, Decimal]:
    return {i.pk: i.max_score for i in r.items.all()}


def test_weights_that_do_not_sum_to_100_are_refused_and_change_nothing(world, db):
    r = actions.do_create_round(world.dept, {"org": world.tree.district, "kind": EvalKind.DUAL, "title": "双述双评",
                                             "year": 2018})
    actions.do_set_formula(world.dept, r, GROUPS, ITEMS, BANDS)
    with pytest.raises(ActionError, match="合计须为 100%，现在是 90"):
        actions.do_set_formula(world.dept, r, [("上级党组织", "50"), ("服务对象", "40")], ITEMS, BANDS)
    with pytest.raises(ActionError, match="最低分须在 0 到满分"):
        actions.do_set_formula(world.dept, r, GROUPS, ITEMS, [("好", "120")])
    assert sorted(r.groups.values_list("name", "weight")) == sorted((n, Decimal(w)) for n, w in GROUPS)


def test_the_formula_is_fixed_once_scoring_starts(world, db):
    with pytest.raises(ActionError, match="评分中"):
        actions.do_set_formula(world.dept, world.round, GROUPS, ITEMS, BANDS)


def test_moves_outside_the_table_are_refused_in_chinese(world, db):
    with pytest.raises(ActionError, match="评议当前为「评分中」，不能「公布结果」"):
        actions.do_move_round(world.dept, world.round, EvalMove.PUBLISH)
    r = actions.do_create_round(world.dept, {"org": world.tree.district, "kind": EvalKind.ANNUAL, "title": "空轮次",
                                             "year": 2018})
    with pytest.raises(ActionError):
        actions.do_move_round(world.dept, r, EvalMove.OPEN)  # no formula, no subjects
    assert EvalRound.objects.get(pk=r.pk).state == EvalState.DRAFT


def test_only_the_evaluating_organisation_configures_and_moves_a_round(world, db):
    for user in (world.street_secretary, world.secretaries[0], world.auditor):
        with pytest.raises(ActionError):
            actions.do_move_round(user, world.round, EvalMove.CLOSE)
    with pytest.raises(ActionError):
        actions.do_create_round(world.street_secretary, {"org": world.tree.district, "kind": EvalKind.ANNUAL,
                                                         "title": "越权", "year": 2018})


def test_a_rater_votes_once_per_subject_and_a_second_vote_is_refused(world, db):
    r, rater, subject = world.round, world.secretaries[0], subject_of(world.round, world.secretaries[1])
    actions.do_vote(rater, r, subject, _full(r), "很好")
    with pytest.raises(ActionError, match="不能重复评分"):
        actions.do_vote(rater, r, subject, {k: Decimal("1") for k in _full(r)})
    vote = EvalVote.objects.get(rater__person_id=rater.person_id, subject=subject)
    assert sum(vote.scores.values_list("score", flat=True)) == sum(_full(r).values())


def test_a_rater_amends_their_own_vote_while_scoring(world, db):
    r, rater, subject = world.round, world.members[0], subject_of(world.round, world.secretaries[0])
    assert rater.person.org_id == subject.org_id  # a member of the secretary's own community
    actions.do_vote(rater, r, subject, _full(r))
    actions.do_vote(rater, r, subject, {k: Decimal("5") for k in _full(r)}, "再看看", amend=True)
    votes = EvalVote.objects.filter(rater__person_id=rater.person_id, subject=subject)
    assert votes.count() == 1 and votes.get().comment == "再看看"
    assert set(EvalScore.objects.filter(vote__in=votes).values_list("score", flat=True)) == {Decimal("5")}
    assert AuditLog.objects.filter(action="lists.eval_vote_amend").exists()


def test_no_vote_for_oneself_above_a_maximum_or_by_a_stranger(world, db):
    r = world.round
    me = world.secretaries[2]
    with pytest.raises(ActionError, match="不能给自己评分"):
        actions.do_vote(me, r, subject_of(r, me), _full(r))
    over = {k: v + 1 for k, v in _full(r).items()}
    with pytest.raises(ActionError, match="的得分须在 0 到"):
        actions.do_vote(me, r, subject_of(r, world.secretaries[3]), over)
    with pytest.raises(ActionError, match="请为"):
        actions.do_vote(me, r, subject_of(r, world.secretaries[3]), {})
    with pytest.raises(ActionError, match="不是本轮评议的评议人"):
        actions.do_vote(world.street_secretary, r, subject_of(r, world.secretaries[3]), _full(r))
    assert not EvalVote.objects.filter(rater__person_id=me.person_id).exists()


def test_votes_are_refused_once_the_round_closes(world, db):
    r = actions.do_move_round(world.dept, world.round, EvalMove.CLOSE)
    with pytest.raises(ActionError, match="不能评分"):
        actions.do_vote(world.members[1], r, subject_of(r, world.secretaries[0]), _full(r))


def test_a_paper_sheet_number_is_entered_once_per_round(world, db):
    r = world.round
    service = r.groups.get(name="服务对象")
    s = subject_of(r, world.secretaries[0])
    rng = random.Random(3)
    actions.do_enter_sheet(world.dept, r, service, "FW-100", {s: (random_scores(rng, r), "")})
    with pytest.raises(ActionError, match="FW-100 已经录入过"):
        actions.do_enter_sheet(world.dept, r, service, "FW-100", {s: (random_scores(rng, r), "")})
    assert EvalSheet.objects.filter(round=r, number="FW-100").count() == 1
    assert EvalVote.objects.filter(sheet__number="FW-100").count() == 1
    with pytest.raises(ActionError, match=r"评议当前为|只有组织评议"):
        actions.do_enter_sheet(world.secretaries[0], r, service, "FW-101", {s: (random_scores(rng, r), "")})
    log = AuditLog.objects.filter(action="lists.eval_sheet").latest("pk")
    assert log.after["sheet"] == "FW-100"


def test_a_broken_row_of_a_paper_sheet_changes_nothing(world, db):
    r = world.round
    service = r.groups.get(name="服务对象")
    a, b = subject_of(r, world.secretaries[0]), subject_of(r, world.secretaries[1])
    with pytest.raises(ActionError, match=b.person.name):
        actions.do_enter_sheet(world.dept, r, service, "FW-200", {a: (_full(r), ""), b: ({}, "")})
    assert not EvalSheet.objects.filter(number="FW-200").exists()


def test_a_round_copies_a_previous_rounds_configuration(world, db):
    copy = actions.do_create_round(world.dept, {"org": world.tree.district, "kind": EvalKind.MONTHLY, "month": 1,
                                                "title": "2019年1月每月一评", "year": 2019, "copy_from": world.round})
    assert list(copy.groups.values_list("name", "weight")) == list(world.round.groups.values_list("name", "weight"))
    assert list(copy.items.values_list("title", "max_score")) == list(world.round.items.values_list("title",
                                                                                                     "max_score"))
    assert list(copy.bands.values_list("label", "min_score")) == list(world.round.bands.values_list("label",
                                                                                                     "min_score"))
    assert copy.copied_from_id == world.round.pk and not copy.subjects.exists()


def test_a_rater_is_in_one_group_per_round(world, db):
    r = world.round
    other = EvalGroup.objects.get(round=r, name="上级党组织")
    added = actions.do_add_raters(world.dept, r, other, [world.secretaries[0].person_id])
    assert added == 0


def test_a_subject_writes_their_own_report_and_nobody_else_can(world, db):
    s = subject_of(world.round, world.secretaries[0])
    actions.do_submit_report(world.secretaries[0], s, "一年来，抓党建……")
    with pytest.raises(ActionError, match="述职人本人"):
        actions.do_submit_report(world.secretaries[1], s, "代写")
    s.refresh_from_db()
    assert s.report == "一年来，抓党建……" and s.reported_at is not None


def test_a_member_rates_only_the_secretary_of_their_own_community(world, db):
    r, member = world.round, world.members[0]
    elsewhere = next(s for s in r.subjects.all() if s.org_id != member.person.org_id)
    with pytest.raises(ActionError, match="不在您需评议的名单中"):
        actions.do_vote(member, r, elsewhere, _full(r))
    assert not EvalVote.objects.filter(subject=elsewhere, rater__person_id=member.person_id).exists()
