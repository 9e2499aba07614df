"""Score cards (标准化建设) equal an independent count of the raw records, for a random seed each run.

One small tree with random meetings, notices, pairings, visits and tasks (``factories_standards``) is built once
for the module; every computed indicator of every organisation, every card's total and maximum, and the ranking
are compared with figures counted here from the rows the factory wrote."""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import build_tree, module_transaction
from tests.lists import factories_standards as fs
from zongheng.core import indicators as registry
from zongheng.core.indicators import OrgRef
from zongheng.demands import figures as demand_figures
from zongheng.lists import actions_standards, standards
from zongheng.lists.models_standards import Method
from zongheng.orgs.models import Org

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
NOW = fs.at(dt.date(2026, 11, 28))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            w = fs.make_world(build_tree(), random.Random(SEED))
            # Some assessed scores: the community secretary scores its grids, the district the rest (randomly).
            fw = standards.active_framework()
            for t in standards.targets(Org.objects.filter(path__startswith=w.tree.district.path)):
                assessor = w.community if t.ref.path.startswith(w.tree.communities[0].path) else w.dept
                for _, ind in fw.indicators_for(t):
                    if ind.method == Method.ASSESSED and t.ref.path != w.tree.district.path and w.rng.random() < 0.7:
                        if t.ref.path == w.tree.communities[0].path:
                            assessor = w.dept
                        score = Decimal(w.rng.randint(0, int(ind.max_score * 2))) / 2
                        actions_standards.do_assess(assessor, Org.objects.get(pk=t.ref.id), fs.QUARTER, ind,
                                                    {"score": score, "evidence": "查阅台账"}, now=NOW)
        yield w


def _refs(w: fs.World) -> list[OrgRef]:
    return [t.ref for t in standards.targets(Org.objects.filter(pk__in=[o.pk for o in w.orgs()]))]


@pytest.mark.parametrize("code", sorted(fs.EXPECTED))
def test_every_computed_indicator_equals_an_independent_count_of_the_records(world, db, code):
    readings = registry.compute(code, _refs(world), fs.QUARTER, NOW)
    for org in world.orgs():
        expected = fs.EXPECTED[code](world, org)
        got = readings[org.pk].attainment
        assert (got is None) == (expected is None), (code, org.name, got, expected)
        if expected is not None:
            assert got == pytest.approx(expected), (code, org.name)
        assert readings[org.pk].url, "each computed value opens its rows"


@pytest.mark.parametrize("code,part,whole", [("demand.resolution", "resolved", "resolution_due"),
                                             ("demand.satisfaction", "satisfied", "rated")])
def test_demand_rates_are_the_figures_pages_own_for_each_organisation(world, db, code, part, whole):
    readings = registry.compute(code, _refs(world), fs.QUARTER, NOW)
    period = demand_figures.Period("quarter", fs.QUARTER.year, fs.QUARTER.number)
    for org in world.orgs():
        f = demand_figures.org_figures(org, period, NOW)
        assert readings[org.pk].attainment == fs.ratio(getattr(f, part), getattr(f, whole))


def test_a_card_scores_each_applicable_indicator_and_totals_them(world, db):
    cards = standards.cards(standards.targets(Org.objects.filter(pk__in=[o.pk for o in world.orgs()])), fs.QUARTER,
                            NOW)
    assert len(cards) == len(world.orgs())
    for card in cards:
        org = Org.objects.get(pk=card.org.id)
        total = maximum = Decimal(0)
        for line in card.lines:
            ind = line.indicator
            if ind.method == Method.COMPUTED:
                expect = fs.EXPECTED.get(ind.source)
                attainment = expect(world, org) if expect else registry.compute(
                    ind.source, [card.org], fs.QUARTER, NOW)[org.pk].attainment
                if attainment is None:
                    assert line.score is None and not line.applies
                    continue
                assert line.score == fs.expected_score(ind.max_score, attainment)
            else:
                a = line.assessment
                assert line.score == (a.score if a else Decimal(0))
                assert line.pending == (a is None)
            total += line.score
            maximum += ind.max_score
        assert (card.total, card.maximum) == (total, maximum)
        assert card.rate == (total / maximum if maximum else None)


def test_each_organisation_gets_the_general_standard_and_the_one_of_its_kind(world, db):
    cards = {c.org.id: c for c in standards.cards(standards.targets(Org.objects.all()), fs.QUARTER, NOW)}
    expected = {"district": None, "street": "street", "community": "community", "grid": "grid",
                "household": "household"}
    for org in world.orgs():
        card = cards[org.pk]
        assert (card.kind.code if card.kind else None) == expected[org.level.code]
        kinds = {ln.kind.code for ln in card.lines}
        assert "general" in kinds and kinds <= {"general", expected[org.level.code]}


def test_a_ranking_orders_the_level_inside_its_parent_only(world, db):
    street = world.tree.streets[0]
    ranked = standards.ranking(street, "community", fs.QUARTER, NOW)
    assert {c.org.id for c in ranked} == {o.pk for o in world.tree.communities if o.path.startswith(street.path)}
    rates = [c.rate if c.rate is not None else Decimal(-1) for c in ranked]
    assert rates == sorted(rates, reverse=True)
    for i, c in enumerate(ranked):
        better = [x for x in ranked if (x.rate or Decimal(-1), x.total) > (c.rate or Decimal(-1), c.total)]
        assert c.rank == len(better) + 1 and c.of == len(ranked), i


def test_the_cards_of_any_number_of_organisations_take_the_same_number_of_queries(world, db):
    def count(qs):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as ctx:
            standards.cards(standards.targets(qs), fs.QUARTER, NOW)
        return len(ctx.captured_queries)

    few = count(Org.objects.filter(pk__in=[world.tree.grids[0].pk, world.tree.grids[1].pk]))
    many = count(Org.objects.filter(level__code="grid"))
    assert many == few
    mixed_few = count(Org.objects.filter(pk__in=[world.tree.streets[0].pk, world.tree.communities[0].pk,
                                                 world.tree.grids[0].pk, world.tree.households[0].pk]))
    mixed_all = count(Org.objects.filter(path__startswith=world.tree.district.path))
    assert mixed_all <= mixed_few + 2  # the district's own depth adds one GROUP BY to the depth-grouped ones
