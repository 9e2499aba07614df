"""Two votes by one rater for one subject arriving at once leave one vote: the unique constraint decides and the
loser is refused in Chinese; two operators entering the same paper sheet number at once leave one sheet
(PostgreSQL; SQLite serialises writers itself)."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from tests.factories import build_tree
from tests.lists.factories_evaluations import make_round, make_world, random_scores, subject_of
from tests.race import race as _race
from zongheng.lists import actions_evaluations as actions
from zongheng.lists.models_evaluations import EvalRound, EvalScore, EvalSheet, EvalSubject, EvalVote

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_votes_at_once_by_one_rater_for_one_subject_leave_one_vote(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL; SQLite serialises writers")
    w = make_world(build_tree())
    r = make_round(w)
    rater, subject = w.secretaries[0], subject_of(r, w.secretaries[1])
    rng = random.Random(7)
    values = [random_scores(rng, r) for _ in range(4)]
    refused = _race([lambda v=v: actions.do_vote(rater, EvalRound.objects.get(pk=r.pk),
                                                 EvalSubject.objects.get(pk=subject.pk), v) for v in values])
    votes = EvalVote.objects.filter(subject=subject, rater__person_id=rater.person_id)
    assert votes.count() == 1 and len(refused) == 3
    assert all("不能重复评分" in m for m in refused)
    assert EvalScore.objects.filter(vote__in=votes).count() == r.items.count()


def test_one_paper_sheet_entered_twice_at_once_is_kept_once(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL; SQLite serialises writers")
    w = make_world(build_tree())
    r = make_round(w)
    service = r.groups.get(name="服务对象")
    s = subject_of(r, w.secretaries[0])
    rng = random.Random(8)
    rows = [{s: (random_scores(rng, r), "")} for _ in range(3)]
    refused = _race([lambda rows=rows_: actions.do_enter_sheet(w.dept, EvalRound.objects.get(pk=r.pk), service,
                                                               "FW-777", rows) for rows_ in rows])
    assert len(refused) == 2 and EvalSheet.objects.filter(round=r, number="FW-777").count() == 1
    assert EvalVote.objects.filter(sheet__number="FW-777").count() == 1
