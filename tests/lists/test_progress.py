"""Each rule of ``lists.progress`` pinned by a hand-made case, read through ``progress.load`` with the day passed in:
an overdue milestone, a missing or returned last report, problems with a milestone close, done, unplanned, a parent
taking its worst child, a milestone met after the day not counting on it, and the weighted roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.lists.factories_warn import file_report, make_list, make_milestone, make_task
from zongheng.lists import progress
from zongheng.lists.choices import TaskStatus

D = dt.date


@pytest.fixture
def w(tree):
    return tree, make_list(tree.district, 2018, report_day=5)


def status(task_list, task, day):
    return progress.load(task_list, day).status[task.pk]


def test_a_milestone_past_its_date_unmet_makes_the_piece_overdue_from_the_next_day(w):
    tree, tl = w
    task = make_task(tl, tree.streets[0], starts_on=D(2018, 3, 1))
    make_milestone(task, D(2018, 3, 31))
    assert status(tl, task, D(2018, 3, 31)) == TaskStatus.ON_TRACK
    assert status(tl, task, D(2018, 4, 1)) == TaskStatus.OVERDUE


def test_the_last_report_due_missing_puts_the_piece_at_risk_until_the_day_it_is_filed(w):
    tree, tl = w
    task = make_task(tl, tree.streets[0])
    make_milestone(task, D(2018, 12, 31))
    assert status(tl, task, D(2018, 2, 5)) == TaskStatus.ON_TRACK  # January's report may still be filed today
    assert status(tl, task, D(2018, 2, 6)) == TaskStatus.AT_RISK
    file_report(task, D(2018, 1, 1), D(2018, 2, 7))
    assert status(tl, task, D(2018, 2, 6)) == TaskStatus.AT_RISK  # filed later: does not count on the 6th
    assert status(tl, task, D(2018, 2, 7)) == TaskStatus.ON_TRACK
    assert progress.load(tl, D(2018, 2, 6)).missing_reports(task.pk) == [D(2018, 1, 1)]
    assert progress.load(tl, D(2018, 2, 7)).missing_reports(task.pk) == []


def test_only_the_last_report_due_sets_the_status_but_every_missing_month_is_listed(w):
    tree, tl = w
    task = make_task(tl, tree.streets[0])
    make_milestone(task, D(2018, 12, 31))
    file_report(task, D(2018, 3, 1), D(2018, 4, 2))
    board = progress.load(tl, D(2018, 4, 20))
    assert board.status[task.pk] == TaskStatus.ON_TRACK
    assert board.missing_reports(task.pk) == [D(2018, 1, 1), D(2018, 2, 1)]


def test_a_returned_last_report_puts_the_piece_at_risk_from_the_day_it_was_returned(w):
    tree, tl = w
    task = make_task(tl, tree.streets[0])
    make_milestone(task, D(2018, 12, 31))
    file_report(task, D(2018, 1, 1), D(2018, 2, 3), returned_on=D(2018, 2, 8))
    assert status(tl, task, D(2018, 2, 7)) == TaskStatus.ON_TRACK
    assert status(tl, task, D(2018, 2, 8)) == TaskStatus.AT_RISK
    assert progress.load(tl, D(2018, 2, 8)).missing_reports(task.pk) == []  # returned is filed, not missing


def test_problems_named_with_an_unmet_milestone_within_thirty_days_put_the_piece_at_risk(w):
    tree, tl = w
    troubled = make_task(tl, tree.streets[0])
    make_milestone(troubled, D(2018, 3, 10))
    file_report(troubled, D(2018, 1, 1), D(2018, 2, 3), problems="经费未到位")
    calm = make_task(tl, tree.streets[1])
    make_milestone(calm, D(2018, 3, 10))
    file_report(calm, D(2018, 1, 1), D(2018, 2, 3), problems="  ")
    assert status(tl, troubled, D(2018, 2, 7)) == TaskStatus.ON_TRACK  # 31 days to go
    assert status(tl, troubled, D(2018, 2, 8)) == TaskStatus.AT_RISK  # 30 days to go
    assert status(tl, calm, D(2018, 2, 8)) == TaskStatus.ON_TRACK  # blank problems are none


def test_every_milestone_met_is_done_and_asks_for_no_more_reports(w):
    tree, tl = w
    task = make_task(tl, tree.streets[0])
    make_milestone(task, D(2018, 2, 1), weight=2, done_on=D(2018, 1, 20))
    make_milestone(task, D(2018, 3, 1), done_on=D(2018, 2, 25))
    board = progress.load(tl, D(2018, 6, 1))
    assert board.status[task.pk] == TaskStatus.DONE
    assert board.progress[task.pk] == 1
    assert board.missing_reports(task.pk) == []


def test_a_milestone_met_after_the_day_does_not_count_on_that_day(w):
    tree, tl = w
    task = make_task(tl, tree.streets[0], starts_on=D(2018, 3, 1))
    make_milestone(task, D(2018, 3, 31), weight=3, done_on=D(2018, 3, 20))
    make_milestone(task, D(2018, 12, 31), done_on=D(2018, 3, 25))
    early = progress.load(tl, D(2018, 3, 19))
    assert early.status[task.pk] == TaskStatus.ON_TRACK and early.progress[task.pk] == 0
    assert progress.load(tl, D(2018, 3, 20)).progress[task.pk] == Decimal(3) / 4
    assert progress.load(tl, D(2018, 3, 25)).status[task.pk] == TaskStatus.DONE
    late = make_task(tl, tree.streets[1], starts_on=D(2018, 3, 1))
    make_milestone(late, D(2018, 3, 31), done_on=D(2018, 4, 3))
    assert status(tl, late, D(2018, 4, 2)) == TaskStatus.OVERDUE  # met late: overdue until it is met
    assert status(tl, late, D(2018, 4, 3)) == TaskStatus.DONE


def test_a_piece_without_milestones_is_unplanned_with_no_progress(w):
    tree, tl = w
    task = make_task(tl, tree.streets[0])
    board = progress.load(tl, D(2018, 8, 1))
    assert board.status[task.pk] == TaskStatus.UNPLANNED and board.progress[task.pk] == 0


def test_a_parent_takes_the_worst_of_its_children_and_its_own_milestones(w):
    tree, tl = w
    top = make_task(tl, tree.district, starts_on=D(2018, 3, 1))
    good = make_task(tl, tree.streets[0], top, starts_on=D(2018, 3, 1))
    make_milestone(good, D(2018, 3, 10), done_on=D(2018, 3, 5))
    late = make_task(tl, tree.streets[1], top, starts_on=D(2018, 3, 1))
    make_milestone(late, D(2018, 3, 10))
    assert status(tl, top, D(2018, 3, 9)) == TaskStatus.ON_TRACK
    assert status(tl, top, D(2018, 3, 11)) == TaskStatus.OVERDUE
    make_milestone(top, D(2018, 3, 20))  # its own, not yet due: still overdue by the late child
    assert status(tl, top, D(2018, 3, 11)) == TaskStatus.OVERDUE
    # Done children, the parent's own milestone overdue: the parent is overdue.
    top2 = make_task(tl, tree.district, starts_on=D(2018, 3, 1))
    kid = make_task(tl, tree.streets[0], top2, starts_on=D(2018, 3, 1))
    make_milestone(kid, D(2018, 3, 10), done_on=D(2018, 3, 5))
    make_milestone(top2, D(2018, 3, 20))
    assert status(tl, top2, D(2018, 3, 21)) == TaskStatus.OVERDUE
    # A child without a roadmap makes a parent of done children unplanned.
    top3 = make_task(tl, tree.district, starts_on=D(2018, 3, 1))
    done = make_task(tl, tree.streets[0], top3, starts_on=D(2018, 3, 1))
    make_milestone(done, D(2018, 3, 10), done_on=D(2018, 3, 5))
    make_task(tl, tree.streets[1], top3, starts_on=D(2018, 3, 1))
    assert status(tl, top3, D(2018, 3, 6)) == TaskStatus.UNPLANNED


def test_a_split_task_asks_no_reports_of_its_own_its_pieces_file_them(w):
    tree, tl = w
    top = make_task(tl, tree.district, starts_on=D(2018, 3, 1))
    kid = make_task(tl, tree.streets[0], top, starts_on=D(2018, 3, 1))
    make_milestone(kid, D(2018, 12, 10))
    make_milestone(top, D(2018, 12, 20))
    board = progress.load(tl, D(2018, 5, 20))  # March and April's reports are due, none filed
    assert board.status[kid.pk] == TaskStatus.AT_RISK and board.missing_reports(kid.pk)
    assert board.own_status(top.pk) == TaskStatus.ON_TRACK and board.missing_reports(top.pk) == []
    assert board.status[top.pk] == TaskStatus.AT_RISK  # the worst of its piece and its own


def test_progress_rolls_up_weighted_from_the_smallest_piece_to_the_list_and_each_organisation(w):
    tree, tl = w
    street_a, street_b = tree.streets
    community = tree.communities[0]  # under street A
    top = make_task(tl, tree.district, weight=3)
    a = make_task(tl, street_a, top, weight=3)
    a1 = make_task(tl, community, a, weight=1)
    make_milestone(a1, D(2018, 6, 1), done_on=D(2018, 5, 1))  # 1
    a2 = make_task(tl, street_a, a, weight=1)
    make_milestone(a2, D(2018, 6, 1), weight=1, done_on=D(2018, 5, 1))
    make_milestone(a2, D(2018, 12, 1), weight=3)  # 1/4
    b = make_task(tl, street_b, top, weight=1)
    make_milestone(b, D(2018, 12, 1))  # 0
    other = make_task(tl, street_b, weight=1)
    make_milestone(other, D(2018, 6, 1), done_on=D(2018, 5, 1))  # 1
    board = progress.load(tl, D(2018, 7, 1))
    assert board.progress[a.pk] == Decimal(5) / 8  # (1 + 1/4) / 2
    assert board.progress[top.pk] == (3 * Decimal(5) / 8) / 4  # (3 × 5/8 + 1 × 0) / 4
    assert board.list_progress() == (3 * board.progress[top.pk] + 1) / 4
    # Street A carries a2 (share 3/4 × 3/4 × 1/2) and community's a1 (same share): mean of 1 and 1/4.
    assert board.org_progress(street_a.path) == Decimal(5) / 8
    assert board.org_progress(community.path) == 1
    # Street B: b (share 3/4 × 1/4 = 3/16, progress 0) and other (share 1/4, progress 1): 4/7.
    assert abs(board.org_progress(street_b.path) - Decimal(4) / 7) < Decimal("1e-20")
    assert board.org_progress(tree.communities[3].path) is None
    assert board.org_progress(tree.district.path) == board.list_progress()
    counts = board.org_status_counts(street_a.path)
    assert counts[TaskStatus.DONE] == 1 and sum(counts.values()) == 2


def test_a_past_years_list_is_read_as_it_stood_at_its_year_end(w):
    tree, tl = w  # the 2018 list
    piece = make_task(tl, tree.streets[0], starts_on=D(2018, 3, 1))
    make_milestone(piece, D(2018, 11, 30), done_on=D(2019, 3, 1))  # met the next spring
    assert progress.read(tl, D(2026, 11, 28)).status[piece.pk] == TaskStatus.OVERDUE  # as the year closed
    assert progress.load(tl, D(2026, 11, 28)).status[piece.pk] == TaskStatus.DONE
    assert progress.read(tl, D(2018, 6, 1)).day == D(2018, 6, 1)  # while the year runs: that day
