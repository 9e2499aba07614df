"""The 标准化建设 demo on a small tree, for a random seed: the "1+9" framework; every assessed indicator of every
organisation below the district scored in each quarter of the article's year, within its maximum, by an assessor
strictly above (the street's secretary inside the street, the district's 组织部 elsewhere); this year's running
quarter partly pending; and a second run writes nothing."""

from __future__ import annotations

import datetime as dt
import os
import random

import pytest

from tests.factories import build_tree, module_transaction, user_with_post
from zongheng.core.indicators import Quarter
from zongheng.core.permissions import Role
from zongheng.lists import demo_standards, standards
from zongheng.lists.models_standards import Assessment, Method
from zongheng.lists.selectors_standards import may_assess
from zongheng.orgs.models import Org

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def tree(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            tree = build_tree()
            user_with_post(tree.district, Role.ORG_DEPT, "district")
            user_with_post(tree.streets[0], Role.SECRETARY, "street")
            demo_standards.build(tree.district, seed=SEED, year=2018)
            demo_standards.build_live(tree.district, seed=SEED, today=TODAY)
        yield tree


def _assessed(tree):  # type: ignore[no-untyped-def]
    fw = standards.active_framework()
    out = {}
    for t in standards.targets(Org.objects.filter(path__startswith=tree.district.path).exclude(pk=tree.district.pk)):
        out[t.ref.id] = {ind.pk: ind for _, ind in fw.indicators_for(t) if ind.method == Method.ASSESSED}
    return out


def test_every_assessed_indicator_is_scored_each_quarter_of_2018_within_its_maximum(tree, db):
    wanted = _assessed(tree)
    for n in range(1, 5):
        rows = {(a.org_id, a.indicator_id): a for a in Assessment.objects.filter(period=f"2018-Q{n}")}
        assert set(rows) == {(org, ind) for org, inds in wanted.items() for ind in inds}
        for (org, ind), a in rows.items():
            assert 0 <= a.score <= wanted[org][ind].max_score and a.evidence
            assert may_assess(a.assessor, a.org_path), "scored by someone strictly above"


def test_inside_a_street_its_secretary_scores_elsewhere_the_district(tree, db):
    street = tree.streets[0]
    for a in Assessment.objects.filter(period="2018-Q1").select_related("assessor"):
        below = a.org_path.startswith(street.path) and a.org_path != street.path
        assert a.assessor.username == ("street" if below else "district")


def test_this_years_running_quarter_is_partly_pending_and_the_last_one_mostly_scored(tree, db):
    wanted = sum(len(inds) for inds in _assessed(tree).values())
    current = Assessment.objects.filter(period=Quarter.of(TODAY).key).count()
    last = Assessment.objects.filter(period=Quarter.of(TODAY).previous().key).count()
    assert 0 < current < wanted and current < last <= wanted
    assert not Assessment.objects.filter(period=f"{TODAY.year + 1}-Q1").exists()


def test_a_second_run_writes_nothing(tree, db):
    before = Assessment.objects.count()
    assert demo_standards.build(tree.district, seed=SEED, year=2018) == 0
    assert demo_standards.build_live(tree.district, seed=SEED, today=TODAY) == 0
    assert Assessment.objects.count() == before
