"""The task list's warning rules, swept through the engine with the clock passed in: each appears exactly when its
cause does (not a day early), is addressed where the brief says (the carrying organisation; the level above for
reviews), clears exactly when its cause is fixed (and not on a replay of a day before the fix), a second sweep
changes nothing, and each rule's ``find`` runs the same number of queries over ten times the data."""

from __future__ import annotations

import datetime as dt
import os
import random

import pytest
from django.urls import reverse

from tests.factories import make_person, make_user, user_with_post
from tests.lists.factories_warn import (
    aware,
    build_random_list,
    file_report,
    hold_quarter,
    make_list,
    make_milestone,
    make_task,
    meet,
    review_year,
)
from zongheng.core import warnings
from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Role
from zongheng.lists import progress
from zongheng.lists import warnings_tasks as w
from zongheng.lists.choices import ReviewResult
from zongheng.lists.models import ProgressReport

D = dt.date


@pytest.fixture
def tl(tree):
    return make_list(tree.district, 2018, report_day=5)


def opened(code):
    return {row.key: row for row in EarlyWarning.objects.open().filter(rule=code)}


def sweep(code, day, hour=12):
    return warnings.sweep(aware(day, hour), codes=[code])[code]


def midnight(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=w.SHANGHAI)


def test_every_rule_is_registered_for_list_view():
    labels = {rule.code: (rule.label, rule.perm) for rule in warnings.rules()}
    assert labels[w.MILESTONE_OVERDUE] == ("任务节点逾期未完成", "list.view")
    assert labels[w.REPORT_MISSING] == ("月度进展未按时报送", "list.view")
    assert labels[w.REPORT_UNREVIEWED] == ("月度进展未审核", "list.view")
    assert labels[w.QUARTER_REVIEW_MISSING] == ("季度调度会未召开", "list.view")
    assert labels[w.ANNUAL_REVIEW_MISSING] == ("年度述评未完成", "list.view")


def test_an_overdue_milestone_warns_its_carrier_from_the_next_day_and_clears_the_day_its_evidence_is_filed(tree, tl):
    task = make_task(tl, tree.communities[0], starts_on=D(2018, 3, 1))  # a top-level task without a lead cadre
    late = make_milestone(task, D(2018, 3, 31))
    make_milestone(task, D(2018, 3, 20), done_on=D(2018, 3, 19))  # met in time: never warns
    assert sweep(w.MILESTONE_OVERDUE, D(2018, 3, 31)) == (0, 0)
    assert sweep(w.MILESTONE_OVERDUE, D(2018, 4, 1), 0) == (1, 0)
    row = opened(w.MILESTONE_OVERDUE)[str(late.pk)]
    assert (row.org_path, row.org_name, row.perm) == (tree.communities[0].path, tree.communities[0].name, "list.view")
    assert row.url == reverse("lists:task", args=[task.pk])
    assert row.due_at == midnight(D(2018, 4, 1)) and "逾期未完成" in row.title and row.person_id is None
    assert sweep(w.MILESTONE_OVERDUE, D(2018, 4, 1)) == (0, 0)  # twice: nothing changes
    meet(late, D(2018, 4, 3))
    assert sweep(w.MILESTONE_OVERDUE, D(2018, 4, 2)) == (0, 0)  # a replay of the day before: still late
    assert sweep(w.MILESTONE_OVERDUE, D(2018, 4, 3)) == (0, 1)
    assert opened(w.MILESTONE_OVERDUE) == {}
    assert sweep(w.MILESTONE_OVERDUE, D(2018, 4, 3)) == (0, 0)


def test_a_missing_monthly_report_warns_per_month_after_the_report_day_and_clears_when_filed_or_completed(tree, tl):
    lead = make_person(tree.district)
    parent = make_task(tl, tree.streets[0], lead=lead)
    piece = make_task(tl, tree.communities[0], parent)
    last = make_milestone(piece, D(2018, 12, 31))
    make_milestone(parent, D(2018, 12, 31))  # a split task reports through its pieces: never warns itself
    assert sweep(w.REPORT_MISSING, D(2018, 2, 5)) == (0, 0)  # January's report may still be filed today
    assert sweep(w.REPORT_MISSING, D(2018, 2, 6)) == (1, 0)
    assert sweep(w.REPORT_MISSING, D(2018, 3, 6)) == (1, 0)
    rows = opened(w.REPORT_MISSING)
    assert set(rows) == {f"{piece.pk}:2018-01", f"{piece.pk}:2018-02"}
    jan = rows[f"{piece.pk}:2018-01"]
    assert (jan.org_path, jan.org_name) == (tree.communities[0].path, tree.communities[0].name)
    assert jan.due_at == midnight(D(2018, 2, 6)) and jan.url == reverse("lists:report_new", args=[piece.pk])
    assert "2018年1月进展未按时报送" in jan.title and jan.person_id == lead.pk
    file_report(piece, D(2018, 1, 1), D(2018, 3, 7), returned_on=D(2018, 3, 8))  # late, then returned: filed
    assert sweep(w.REPORT_MISSING, D(2018, 3, 6)) == (0, 0)
    assert sweep(w.REPORT_MISSING, D(2018, 3, 8)) == (0, 1)
    assert set(opened(w.REPORT_MISSING)) == {f"{piece.pk}:2018-02"}
    assert sweep(w.REPORT_MISSING, D(2018, 3, 8)) == (0, 0)
    meet(last, D(2018, 3, 9))  # completed: no report is asked for any more
    assert sweep(w.REPORT_MISSING, D(2018, 3, 9)) == (0, 1)
    assert sweep(w.REPORT_MISSING, D(2018, 8, 9)) == (0, 0)


def test_a_closed_years_missing_reports_stop_warning_when_its_annual_review_falls_due(tree, tl):
    piece = make_task(tl, tree.communities[0], starts_on=D(2018, 11, 1))  # the 2018 list
    make_milestone(piece, D(2018, 12, 31))
    assert sweep(w.REPORT_MISSING, D(2019, 1, 31)) == (2, 0)  # November and December still asked for
    assert sweep(w.REPORT_MISSING, D(2019, 2, 1)) == (0, 2)  # the year is closed: the annual review takes over
    assert sweep(w.ANNUAL_REVIEW_MISSING, D(2019, 2, 1)) == (1, 0)


SEEDS = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).sample(range(10**6), 2)  # new ones each run


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_missing_report_warnings_are_the_boards_missing_reports_of_every_list(tree, seed):
    rng = random.Random(seed)
    lists = [build_random_list(rng, tree)]  # and a second list, of a street: every list is read at once
    lists.append(make_list(tree.streets[0], 2018, report_day=rng.randint(1, 28)))
    for t in range(3):
        task = make_task(lists[1], tree.communities[t % 2], starts_on=D(2018, 1 + t, 1))
        make_milestone(task, D(2018, 12, 31))
    for day in (D(2018, 3, 31), D(2018, 7, rng.randint(1, 28)), D(2019, 1, 6)):
        expected = set()
        for task_list in lists:
            board = progress.load(task_list, day)
            expected |= {f"{t}:{m:%Y-%m}" for t in board.tasks for m in board.missing_reports(t)}
        assert {due.key for due in w.find_report_missing(aware(day))} == expected


def test_an_unreviewed_report_warns_the_level_above_after_ten_days_and_clears_when_reviewed(tree, tl):
    piece = make_task(tl, tree.communities[0], make_task(tl, tree.streets[0]))
    report = file_report(piece, D(2018, 1, 1), D(2018, 2, 3))  # 10:00
    top = make_task(tl, tree.district)
    top_report = file_report(top, D(2018, 1, 1), D(2018, 2, 3), accepted_on=D(2018, 2, 5))
    assert sweep(w.REPORT_UNREVIEWED, D(2018, 2, 13), 9) == (0, 0)
    assert sweep(w.REPORT_UNREVIEWED, D(2018, 2, 13), 11) == (1, 0)
    row = opened(w.REPORT_UNREVIEWED)[str(report.pk)]
    assert (row.org_path, row.org_name) == (tree.streets[0].path, tree.streets[0].name)
    assert row.due_at == report.filed_at + dt.timedelta(days=10)
    assert row.url == reverse("lists:report_review", args=[report.pk]) and "未审核" in row.title
    street = user_with_post(tree.streets[0], Role.SECRETARY)
    other = user_with_post(tree.streets[1], Role.SECRETARY)
    assert EarlyWarning.objects.filter(warnings.visible_q(street), rule=w.REPORT_UNREVIEWED).count() == 1
    assert not EarlyWarning.objects.filter(warnings.visible_q(other), rule=w.REPORT_UNREVIEWED).exists()
    assert sweep(w.REPORT_UNREVIEWED, D(2018, 2, 13), 11) == (0, 0)
    ProgressReport.objects.filter(pk=report.pk).update(result=ReviewResult.RETURNED, reviewed_at=aware(D(2018, 2, 15)))
    assert sweep(w.REPORT_UNREVIEWED, D(2018, 2, 14)) == (0, 0)  # replay: not reviewed yet then
    assert sweep(w.REPORT_UNREVIEWED, D(2018, 2, 15), 13) == (0, 1)  # returned is reviewed
    # A report of the top organisation is addressed to itself (nobody above it).
    ProgressReport.objects.filter(pk=top_report.pk).update(result="", reviewed_at=None)
    assert sweep(w.REPORT_UNREVIEWED, D(2018, 2, 15)) == (1, 0)
    assert opened(w.REPORT_UNREVIEWED)[str(top_report.pk)].org_path == tree.district.path


def test_a_quarter_without_its_scheduling_meeting_warns_the_lists_organisation_after_fifteen_days(tree, tl):
    make_list(tree.district, 2019)  # next year's list: nothing ended yet in 2018
    assert sweep(w.QUARTER_REVIEW_MISSING, D(2018, 4, 15)) == (0, 0)
    assert sweep(w.QUARTER_REVIEW_MISSING, D(2018, 4, 16), 0) == (1, 0)
    row = opened(w.QUARTER_REVIEW_MISSING)[f"{tl.pk}:1"]
    assert (row.org_path, row.org_name) == (tree.district.path, tree.district.name)
    assert row.due_at == midnight(D(2018, 4, 16)) and "第1季度调度会未召开" in row.title
    assert row.url == reverse("lists:review_quarter_new", args=[tl.pk])
    assert sweep(w.QUARTER_REVIEW_MISSING, D(2018, 4, 16)) == (0, 0)
    hold_quarter(tl, 1, D(2018, 4, 20))
    assert sweep(w.QUARTER_REVIEW_MISSING, D(2018, 4, 19)) == (0, 0)  # replay: not held yet then
    assert sweep(w.QUARTER_REVIEW_MISSING, D(2018, 4, 20)) == (0, 1)
    hold_quarter(tl, 2, D(2018, 7, 10))
    assert sweep(w.QUARTER_REVIEW_MISSING, D(2019, 1, 15)) == (1, 0)  # the third; the fourth's day not passed
    assert sweep(w.QUARTER_REVIEW_MISSING, D(2019, 1, 16)) == (1, 0)
    assert set(opened(w.QUARTER_REVIEW_MISSING)) == {f"{tl.pk}:3", f"{tl.pk}:4"}


def test_a_piece_without_its_annual_review_warns_the_level_above_after_january_31(tree, tl):
    top = make_task(tl, tree.district)
    piece = make_task(tl, tree.communities[1], top)
    assert sweep(w.ANNUAL_REVIEW_MISSING, D(2018, 12, 31)) == (0, 0)
    assert sweep(w.ANNUAL_REVIEW_MISSING, D(2019, 1, 31)) == (0, 0)
    assert sweep(w.ANNUAL_REVIEW_MISSING, D(2019, 2, 1), 0) == (2, 0)
    rows = opened(w.ANNUAL_REVIEW_MISSING)
    assert (rows[str(piece.pk)].org_path, rows[str(piece.pk)].org_name) == (tree.streets[0].path, tree.streets[0].name)
    assert rows[str(top.pk)].org_path == tree.district.path  # the top organisation: itself
    assert rows[str(piece.pk)].due_at == midnight(D(2019, 2, 1)) and "2018年度述评未完成" in rows[str(piece.pk)].title
    assert rows[str(piece.pk)].url == reverse("lists:task_annual", args=[piece.pk])
    assert sweep(w.ANNUAL_REVIEW_MISSING, D(2019, 2, 1)) == (0, 0)
    review_year(piece, D(2019, 2, 3))
    assert sweep(w.ANNUAL_REVIEW_MISSING, D(2019, 2, 2)) == (0, 0)  # replay: not reviewed yet then
    assert sweep(w.ANNUAL_REVIEW_MISSING, D(2019, 2, 3)) == (0, 1)
    assert set(opened(w.ANNUAL_REVIEW_MISSING)) == {str(top.pk)}


def test_the_lead_cadre_sees_the_late_pieces_of_the_task_they_lead_wherever_they_are_carried_out(tree, tl):
    lead = make_person(tree.district)
    top = make_task(tl, tree.district, lead=lead, starts_on=D(2018, 3, 1))
    piece = make_task(tl, tree.communities[3], top, starts_on=D(2018, 3, 1))
    late = make_milestone(piece, D(2018, 3, 31))
    other = make_milestone(make_task(tl, tree.communities[3], starts_on=D(2018, 3, 1)), D(2018, 3, 31))
    sweep(w.MILESTONE_OVERDUE, D(2018, 4, 2))
    assert set(opened(w.MILESTONE_OVERDUE)) == {str(late.pk), str(other.pk)}
    seen = EarlyWarning.objects.filter(warnings.visible_q(make_user(lead)), rule=w.MILESTONE_OVERDUE)
    assert list(seen.values_list("key", flat=True)) == [str(late.pk)]


# ---------------------------------------------------------------- constant queries


def _batch(tree, org, year=2018):
    """A list with a split task and a piece, each rule's cause in it: an overdue milestone, missing and unreviewed
    reports, no quarterly meeting, no annual review."""
    task_list = make_list(org, year)
    top = make_task(task_list, org, lead=make_person(tree.district))
    piece = make_task(task_list, tree.grids[0], top)
    make_milestone(piece, D(year, 3, 1))
    make_milestone(top, D(year, 12, 31))
    file_report(piece, D(year, 1, 1), D(year, 2, 2))
    # The next year's list, still asking for reports on the day measured (the 2018 one is closed by then).
    running = make_task(make_list(org, year + 1), tree.grids[0], starts_on=D(year + 1, 1, 1))
    make_milestone(running, D(year + 1, 12, 31))
    return task_list


FINDS = [(w.find_milestone_overdue, 1), (w.find_report_missing, 4), (w.find_report_unreviewed, 2),
         (w.find_quarter_review_missing, 2), (w.find_annual_review_missing, 2)]


def test_each_rule_runs_the_same_few_queries_over_ten_times_the_data(tree, django_assert_max_num_queries):
    orgs = [tree.district, *tree.streets, *tree.communities, *tree.grids]
    now = aware(D(2019, 3, 1))
    _batch(tree, orgs[0])
    small = {}
    for find, budget in FINDS:
        with django_assert_max_num_queries(budget):
            small[find] = len(list(find(now)))
        assert small[find] >= 1, find.__name__
    for org in orgs[1:11]:
        _batch(tree, org)
    for find, budget in FINDS:
        with django_assert_max_num_queries(budget):
            assert len(list(find(now))) >= 10 * small[find], find.__name__
