"""述职评议 results equal an independent computation from the raw scores, for a random seed: per subject and rater
group the mean of the votes' totals, the weighted total renormalised over the groups that voted (rounded half-up to
0.01), the grade from the bands, and the competition rank inside the round (ties share a rank). A whole round is
computed in a constant number of queries.

The world (tree, people, a round with online votes and paper sheets) is built once for the module."""

from __future__ import annotations

import os
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import build_tree, module_transaction
from tests.lists.factories_evaluations import make_round, make_world, vote_all
from zongheng.lists import actions_evaluations as actions
from zongheng.lists import scoring
from zongheng.lists.choices_evaluations import EvalMove
from zongheng.lists.models_evaluations import EvalBand, EvalGroup, EvalScore, EvalSubject, EvalVote

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker), django_db_blocker.unblock():
        w = make_world(build_tree())
        r = make_round(w)
        vote_all(w, r, random.Random(SEED), share=0.8, sheets=5)
        yield w


def independent(round_id: int) -> dict[int, tuple[Decimal | None, str, int | None, dict[int, Decimal | None]]]:
    """From the raw rows, without scoring.py: {subject: (total, grade, rank, {group: rounded mean})}."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for vote_id, score in EvalScore.objects.filter(vote__round_id=round_id).values_list("vote_id", "score"):
        totals[vote_id] += score
    by: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for vote_id, subject_id, group_id in EvalVote.objects.filter(round_id=round_id).values_list(
            "pk", "subject_id", "group_id"):
        by[(subject_id, group_id)].append(totals[vote_id])
    weights = dict(EvalGroup.objects.filter(round_id=round_id).values_list("pk", "weight"))
    bands = sorted(EvalBand.objects.filter(round_id=round_id).values_list("min_score", "label"), reverse=True)
    out: dict[int, list] = {}
    for subject_id in EvalSubject.objects.filter(round_id=round_id).values_list("pk", flat=True):
        num, den, means = Fraction(0), Fraction(0), {}
        for g, w in weights.items():
            votes = by.get((subject_id, g), [])
            if votes:
                mean = Fraction(sum(votes)) / len(votes)
                num += Fraction(w) * mean
                den += Fraction(w)
                means[g] = (Decimal(mean.numerator) / Decimal(mean.denominator)).quantize(
                    Decimal("0.01"), ROUND_HALF_UP)
            else:
                means[g] = None
        total = None
        if den:
            exact = num / den
            total = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        grade = next((label for minimum, label in bands if total is not None and total >= minimum), "")
        out[subject_id] = [total, grade, None, means]
    ranked = [t for t, *_ in out.values() if t is not None]
    for row in out.values():
        if row[0] is not None:
            row[2] = 1 + sum(1 for t in ranked if t > row[0])
    return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]


def test_weighted_totals_grades_and_ranks_equal_an_independent_computation(world, db):
    r = world.round
    expected = independent(r.pk)
    res = scoring.results(r)
    assert {row.subject_id for row in res.rows} == set(expected)
    for row in res.rows:
        total, grade, rank, means = expected[row.subject_id]
        assert (row.total, row.grade, row.rank) == (total, grade, rank)
        assert {g.group_id: g.mean for g in row.groups} == means
    assert [row.rank for row in res.rows if row.rank] == sorted(row.rank for row in res.rows if row.rank)


def test_a_group_without_votes_is_left_out_and_the_other_weights_renormalised(world, db):
    r = world.round
    subject = EvalSubject.objects.filter(round=r).order_by("pk").first()
    EvalVote.objects.filter(subject=subject, group__name="服务对象").delete()
    expected = independent(r.pk)[subject.pk]
    row = scoring.results(r).for_subject(subject.pk)
    assert row is not None and row.total == expected[0]
    assert next(g for g in row.groups if g.name == "服务对象").mean is None


def test_a_subject_nobody_rated_has_no_total_grade_or_rank(world, db):
    r = world.round
    subject = EvalSubject.objects.filter(round=r).order_by("-pk").first()
    EvalVote.objects.filter(subject=subject).delete()
    row = scoring.results(r).for_subject(subject.pk)
    assert row is not None and (row.total, row.grade, row.rank) == (None, "", None)
    assert scoring.results(r).rows[-1].subject_id == subject.pk  # unrated last


def test_published_results_recompute_equal_to_those_at_closing(world, db):
    r = world.round
    before = [(x.subject_id, x.total, x.grade, x.rank) for x in scoring.results(r).rows]
    r = actions.do_move_round(world.dept, r, EvalMove.CLOSE)
    r = actions.do_move_round(world.dept, r, EvalMove.PUBLISH)
    assert [(x.subject_id, x.total, x.grade, x.rank) for x in scoring.results(r).rows] == before


def test_a_rounds_results_take_a_constant_number_of_queries(world, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        scoring.results(world.round)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(1, 50), st.integers(0, 20).map(lambda n: Decimal(n) * 5), max_size=30))
def test_ties_share_a_rank_and_the_next_rank_is_skipped(totals):
    ranks = scoring.competition_ranks(totals)
    for key, value in totals.items():
        assert ranks[key] == 1 + sum(1 for v in totals.values() if v > value)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60, deadline=None)
@given(st.decimals(0, 100, places=2))
def test_the_grade_is_the_highest_band_reached(total):
    bands = [("好", Decimal("90")), ("较好", Decimal("80")), ("一般", Decimal("60")), ("差", Decimal("0"))]
    grade = scoring.grade_for(total, bands)
    assert grade == ("好" if total >= 90 else "较好" if total >= 80 else "一般" if total >= 60 else "差")
