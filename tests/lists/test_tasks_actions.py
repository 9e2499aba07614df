"""The task list's writes, through the real actions: split, milestones, plan, monthly reports and their review,
the quarterly and annual reviews — who may, what is refused (in Chinese, changing nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.lists.factories_tasks import DAY, at, make_world, milestone, report
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.lists import actions_tasks as actions
from zongheng.lists import progress
from zongheng.lists.choices import TaskStatus
from zongheng.lists.models import AnnualReview, Milestone, ProgressReport, QuarterReview, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(tree):
    return make_world(tree)


def test_a_split_piece_hangs_below_the_carrying_org_with_its_weight_and_root(w):
    piece = w.community_piece
    assert piece.parent_id == w.street_piece.pk and piece.root_id == w.task1.pk and piece.org_path.startswith(
        w.street_piece.org_path)
    assert piece.code == "1.1.1" and piece.lead_id is None
    assert AuditLog.objects.filter(action="lists.task_split").count() == 2


def test_a_piece_cannot_be_split_to_its_own_org_or_beside_it(w):
    with pytest.raises(ActionError, match="下级组织"):
        actions.do_split_task(w.street, w.street_piece, {"org": w.tree.streets[0], "weight": 1})
    with pytest.raises(ActionError, match="下级组织"):
        actions.do_split_task(w.force, w.street_piece, {"org": w.tree.communities[2], "weight": 1})


def test_a_community_cannot_split_the_street_piece_and_a_street_cannot_split_the_districts(w):
    with pytest.raises(ActionError, match="不能分解"):
        actions.do_split_task(w.community, w.street_piece, {"org": w.tree.communities[1], "weight": 1})
    with pytest.raises(ActionError, match="不能分解"):
        actions.do_split_task(w.street, w.task1, {"org": w.tree.streets[1], "weight": 1})
    assert Task.objects.count() == 4


def test_a_met_milestone_cannot_be_removed_nor_edited_and_an_unmet_one_can(w):
    m1 = milestone(w.community, w.community_piece, dt.date(2026, 3, 31))
    m2 = milestone(w.community, w.community_piece, dt.date(2026, 9, 30))
    actions.do_meet_milestone(w.community, m1, {"done_on": dt.date(2026, 3, 20), "evidence": "会议纪要"}, today=DAY)
    with pytest.raises(ActionError, match="不能删除"):
        actions.do_remove_milestone(w.community, m1)
    with pytest.raises(ActionError, match="不能再修改"):
        actions.do_update_milestone(w.community, m1, {"title": "改"})
    actions.do_remove_milestone(w.community, m2)
    assert list(Milestone.objects.values_list("pk", flat=True)) == [m1.pk]


def test_meeting_a_milestone_needs_evidence_and_a_day_not_in_the_future(w):
    m = milestone(w.community, w.community_piece, dt.date(2026, 7, 31))
    with pytest.raises(ActionError, match="佐证材料"):
        actions.do_meet_milestone(w.community, m, {"done_on": DAY, "evidence": " "}, today=DAY)
    with pytest.raises(ActionError, match="晚于今天"):
        actions.do_meet_milestone(w.community, m, {"done_on": DAY + dt.timedelta(days=1), "evidence": "x"}, today=DAY)
    m.refresh_from_db()
    assert m.done_on is None


def test_milestones_outside_the_run_or_by_another_org_are_refused(w):
    with pytest.raises(ActionError, match="任务期限内"):
        milestone(w.community, w.community_piece, dt.date(2027, 1, 5))
    with pytest.raises(ActionError, match="不能为这项任务报送"):
        milestone(w.other_community, w.community_piece, dt.date(2026, 5, 5))


def test_a_report_is_filed_once_per_month_never_for_a_future_month(w):
    r = report(w.community, w.community_piece, dt.date(2026, 5, 1))
    assert r.org_path == w.community_piece.org_path and r.month == dt.date(2026, 5, 1)
    with pytest.raises(ActionError, match="不能重复报送"):
        report(w.community, w.community_piece, dt.date(2026, 5, 20))
    with pytest.raises(ActionError, match="以后月份"):
        report(w.community, w.community_piece, dt.date(2026, 7, 1))
    assert ProgressReport.objects.count() == 1


def test_the_reporting_org_cannot_review_its_own_report_but_the_org_above_and_the_lead_can(w):
    r = report(w.community, w.community_piece, dt.date(2026, 5, 1))
    with pytest.raises(ActionError, match="不能审核"):
        actions.do_review_report(w.community, r, {"result": "accepted"})
    with pytest.raises(ActionError, match="不能审核"):
        actions.do_review_report(w.lead2, r, {"result": "accepted"})
    actions.do_review_report(w.street, r, {"result": "accepted"}, now=at(DAY))
    r2 = report(w.community, w.community_piece, dt.date(2026, 4, 1))
    actions.do_review_report(w.lead, r2, {"result": "returned", "note": "请补充佐证"}, now=at(DAY))
    assert ProgressReport.objects.get(pk=r2.pk).result == "returned"


def test_a_return_needs_a_reason_and_a_reviewed_report_is_not_reviewed_again(w):
    r = report(w.community, w.community_piece, dt.date(2026, 5, 1))
    with pytest.raises(ActionError, match="审核意见"):
        actions.do_review_report(w.street, r, {"result": "returned", "note": ""})
    actions.do_review_report(w.street, r, {"result": "accepted"}, now=at(DAY))
    with pytest.raises(ActionError, match="不能重复审核"):
        actions.do_review_report(w.force, r, {"result": "returned", "note": "x"})
    assert ProgressReport.objects.get(pk=r.pk).result == "accepted"


def test_a_returned_report_is_refiled_by_editing_it_which_clears_the_review(w):
    r = report(w.community, w.community_piece, dt.date(2026, 5, 1))
    actions.do_review_report(w.street, r, {"result": "returned", "note": "请补充"}, now=at(DAY))
    with pytest.raises(ActionError, match="已被退回"):
        report(w.community, w.community_piece, dt.date(2026, 5, 1))
    actions.do_update_report(w.community, r, {"done": "补充后的情况"}, now=at(DAY, 15))
    r.refresh_from_db()
    assert (r.result, r.review_note, r.reviewed_at, r.done) == ("", "", None, "补充后的情况")
    actions.do_review_report(w.street, r, {"result": "accepted"}, now=at(DAY, 16))
    with pytest.raises(ActionError, match="审核通过"):
        actions.do_update_report(w.community, r, {"done": "再改"})


def test_a_returned_report_puts_the_piece_at_risk_and_refiling_clears_it(w):
    piece = w.community_piece
    milestone(w.community, piece, dt.date(2026, 12, 31))
    for month in range(1, 6):
        r = report(w.community, piece, dt.date(2026, month, 1), now=at(dt.date(2026, month + 1, 2)))
    day = dt.date(2026, 6, 20)
    assert progress.load(w.task_list, day).status[piece.pk] == TaskStatus.ON_TRACK
    actions.do_review_report(w.street, r, {"result": "returned", "note": "不实"}, now=at(dt.date(2026, 6, 10)))
    assert progress.load(w.task_list, day).status[piece.pk] == TaskStatus.AT_RISK
    actions.do_update_report(w.community, r, {"done": "补充"}, now=at(dt.date(2026, 6, 12)))
    assert progress.load(w.task_list, day).status[piece.pk] == TaskStatus.ON_TRACK


def test_the_quarterly_review_is_recorded_once_per_quarter_by_the_lists_org(w):
    data = {"quarter": 2, "held_on": DAY, "summary": "调度二季度", "remarks": {w.task1.pk: "加快进度"}}
    with pytest.raises(ActionError, match="不能记录"):
        actions.do_record_quarter(w.street, w.task_list, data, today=DAY)
    review = actions.do_record_quarter(w.force, w.task_list, data, today=DAY)
    assert [i.remark for i in review.items.all()] == ["加快进度"]
    with pytest.raises(ActionError, match="已经记录"):
        actions.do_record_quarter(w.force, w.task_list, data, today=DAY)
    with pytest.raises(ActionError, match="1 到 4"):
        actions.do_record_quarter(w.force, w.task_list, {**data, "quarter": 5}, today=DAY)
    assert QuarterReview.objects.count() == 1


def test_the_annual_review_is_made_once_and_corrected_only_by_its_reviewer(w):
    piece = w.community_piece
    with pytest.raises(ActionError, match="不能述评"):
        actions.do_annual_review(w.community, piece, {"score": 90, "comments": "好"})
    with pytest.raises(ActionError, match="0 到 100"):
        actions.do_annual_review(w.street, piece, {"score": 101, "comments": "好"})
    actions.do_annual_review(w.street, piece, {"score": "88.5", "comments": "较好"})
    with pytest.raises(ActionError, match="只有述评人"):
        actions.do_annual_review(w.force, piece, {"score": 70, "comments": "一般"})
    actions.do_annual_review(w.street, piece, {"score": 92, "comments": "好"})
    review = AnnualReview.objects.get(task=piece)
    assert review.score == Decimal("92.0") and review.comments == "好"


def test_plan_and_pledge_are_written_by_the_carrying_org(w):
    actions.do_update_plan(w.community, w.community_piece, {
        "goal": "全覆盖", "measures": "一、二、三", "pledge_on": dt.date(2026, 2, 1), "pledge_text": "保证完成"})
    w.community_piece.refresh_from_db()
    assert (w.community_piece.goal, w.community_piece.pledge_text) == ("全覆盖", "保证完成")
    with pytest.raises(ActionError):
        actions.do_update_plan(w.other_community, w.community_piece, {"goal": "x"})


def test_every_audited_action_of_the_task_list_has_a_chinese_label():
    import re
    from pathlib import Path

    from zongheng.lists import hooks_tasks

    source = Path(actions.__file__).read_text(encoding="utf-8")
    recorded = set(re.findall(r'audit\.record\(user, "(lists\.[a-z_]+)"', source))
    assert recorded and recorded <= set(hooks_tasks.AUDIT_ACTIONS)
