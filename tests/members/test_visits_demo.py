"""The 民情日记 demo meets the article for random seeds: 先锋社区's 86 central households kept it for 13 years, each
visit by the household's own head, a few a month; the other central households a sparser 2018; about one visit
in 15 raised a concern; a few dozen concerns became demands of channel 民情日记, each closed and linked back; the
live slice gives the household account this month's visits, one concern waiting for a follow-up.

The tree (orgs demo, seed 2018) is built once for the module inside a transaction rolled back at the end; the
visits demo then runs for two random seeds in turn (each in a savepoint rolled back before the next). Every
figure is a direct count of rows."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core.permissions import Role
from zongheng.demands.choices import Channel, Status
from zongheng.demands.models import Demand
from zongheng.members import demo_visits
from zongheng.members import selectors_visits as selectors
from zongheng.members.models import PointEntry, Visit
from zongheng.orgs import demo
from zongheng.orgs.models import Org, Post

SEEDS = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).sample(range(1, 10**6), 1)  # a new one each run
YEAR = 2018


@pytest.fixture(scope="module")
def tree(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = demo.build(seed=2018)
        yield built.districts[0]


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def district(request, tree, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        sid = transaction.savepoint()
        try:
            demo_visits.build(tree, seed=request.param, year=YEAR)
            demo_visits.build_live(tree, seed=request.param)
            yield tree
        finally:
            transaction.savepoint_rollback(sid)


def _home(district: Org) -> Org:
    return Org.objects.get(path__startswith=district.path, name=demo_visits.HOME)


def test_xianfengs_86_central_households_kept_the_diary_13_years_by_their_heads(district, db):
    home = _home(district)
    centrals = Org.objects.filter(path__startswith=home.path, level__code="household")
    assert centrals.count() == 86
    visits = Visit.objects.filter(org_path__startswith=home.path, visited_on__year__lte=YEAR)
    heads = dict(Post.objects.filter(role=Role.HOUSEHOLD_HEAD, org__in=centrals).values_list("org_id", "person_id"))
    years = defaultdict(set)
    per_month = Counter()
    for central_id, visitor_id, day in visits.values_list("central_id", "visitor_id", "visited_on"):
        if heads[central_id] == visitor_id:  # the head's own diary (grid leaders and members visit too)
            years[central_id].add(day.year)
            per_month[(central_id, day.year, day.month)] += 1
    assert set(years) == set(centrals.values_list("pk", flat=True))
    assert all(ys == set(range(YEAR - 12, YEAR + 1)) for ys in years.values())  # 连续 13 年
    assert max(per_month.values()) <= 4  # a few a month, never a flood
    months = 86 * 13 * 12
    assert 1.5 <= sum(per_month.values()) / months <= 3.5
    # Before 2018 only the heads kept the diary.
    assert not visits.filter(visited_on__year__lt=YEAR).exclude(visitor_id__in=set(heads.values())).exists()
    # Each visit's household hangs below its central household, and the copied path is the central's.
    paths = dict(centrals.values_list("pk", "path"))
    for central_id, household_central, path in visits.values_list("central_id", "household__central_id",
                                                                   "org_path")[:5000]:
        assert household_central == central_id and path == paths[central_id]


def test_the_other_central_households_have_a_sparser_2018(district, db):
    home = _home(district)
    others = Visit.objects.filter(org_path__startswith=district.path).exclude(org_path__startswith=home.path)
    assert set(others.dates("visited_on", "year")) <= {dt.date(YEAR, 1, 1), dt.date(timezone.localdate().year, 1, 1)}
    year_others = others.filter(visited_on__year=YEAR)
    n_centrals = Org.objects.filter(path__startswith=district.path, level__code="household").exclude(
        path__startswith=home.path).count()
    home_2018 = Visit.objects.filter(org_path__startswith=home.path, visited_on__year=YEAR).count() / 86
    assert 0 < year_others.count() / n_centrals < home_2018  # sparser than 先锋社区
    # Grid leaders and registered members recorded some too.
    leaders = Post.objects.filter(role=Role.GRID_LEADER, org__path__startswith=district.path).values("person_id")
    assert year_others.filter(visitor_id__in=leaders).exists()
    assert Visit.objects.filter(visited_on__year=YEAR, visitor__registered_org__isnull=False).exists()


def test_about_one_visit_in_15_raised_a_concern_and_a_few_dozen_became_closed_demands(district, db):
    visits = Visit.objects.filter(org_path__startswith=district.path, visited_on__year__lte=YEAR)
    share = visits.exclude(raised="").count() / visits.count()
    assert 1 / 25 < share < 1 / 10
    demands = Demand.objects.filter(visit__in=visits)
    assert 10 <= demands.count() <= demo_visits.DEMANDS_HOME + demo_visits.DEMANDS_ELSEWHERE
    assert demands.filter(visit__org_path__startswith=_home(district).path).exists()
    assert set(demands.values_list("channel", flat=True)) == {Channel.VISIT}
    assert set(demands.values_list("status", flat=True)) == {Status.CLOSED}  # a year that is over ends closed
    assert not demands.filter(escalations__gt=0).exists()
    for demand in demands.select_related("visit__household", "visit__central"):
        visit = demand.visit
        assert visit.visited_on.year == YEAR and demand.description == visit.raised
        assert demand.address == visit.household.address and visit.central.path.startswith(demand.grid_path)
        assert demand.received_at.date() == visit.visited_on
        assert demand.ref in visit.follow_up


def test_the_live_slice_gives_the_household_account_this_months_work(district, db):
    from zongheng.core.todo import todos_for

    user = User.objects.get(username="household")
    today = timezone.localdate()
    mine = Visit.objects.filter(visitor_id=user.person_id, visited_on__gte=today - dt.timedelta(days=21))
    assert mine.count() >= 5
    assert mine.filter(demand__isnull=False, demand__status=Status.ASSIGNED).count() == 1  # the grid handles it
    waiting = mine.filter(demand__isnull=True, follow_up="").exclude(raised="")
    assert waiting.count() == 1
    todos = [t for t in todos_for(user, timezone.now()) if t.kind == "民情日记待跟进"]
    assert len(todos) == 1
    assert PointEntry.objects.filter(person_id=user.person_id, source__in=[f"visit:{v}" for v in
                                                                          mine.values_list("pk", flat=True)]).count() \
        == mine.count()
    community = User.objects.get(username="community")
    figures = selectors.figures(community, today)
    assert figures["month"] == Visit.objects.filter(org_path__startswith=_home(district).path,
                                                    visited_on__gte=today.replace(day=1)).count()
