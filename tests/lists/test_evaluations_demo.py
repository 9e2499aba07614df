"""The 述职评议 demo, for a random seed: 2018 holds the year-end 述职评议 of every community secretary by the district
with the four rater groups and the district's weights (service recipients and grassroots members weighted up),
online votes and paper sheets; a 双述双评 round; twelve 每月一评 rounds, one a month. Today has last year's published
round (the ``community`` demo secretary reads their own result) and this year's round being scored, where the
``street``, ``community`` and ``member`` demo accounts have ratings to do. Every figure is a count of rows or
comes from ``scoring``; the tree (orgs demo) is built once for the module."""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import build_tree, make_person, make_post, make_user, module_transaction
from zongheng.accounts.models import User
from zongheng.core.permissions import Role
from zongheng.lists import demo_evaluations, scoring
from zongheng.lists.choices_evaluations import EvalKind, EvalState
from zongheng.lists.models_evaluations import EvalRound, EvalSheet, EvalVote
from zongheng.lists.selectors_evaluations import pending_for
from zongheng.orgs.models import Org, Person, Post

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
TODAY = dt.date(2026, 11, 28)  # the live slice as of a fixed day (the demo's own today)


def _small_district():
    """The test tree with what the demo reads: secretaries of every street and community, members in the grids,
    and the demo accounts ``street``, ``community`` and ``member`` (the full orgs demo is tested elsewhere)."""
    tree = build_tree()
    for org in [tree.district, *tree.streets, *tree.communities]:
        make_post(make_person(org), org, Role.SECRETARY)
    for grid in tree.grids:
        for _ in range(3):
            make_person(grid)
    day = dt.date(2018, 1, 1)
    for username, org in (("street", tree.streets[0]), ("community", tree.communities[0])):
        person_id = Post.objects.active(day).get(org=org, role=Role.SECRETARY).person_id
        make_user(Person.objects.get(pk=person_id), username, is_demo=True)
    make_user(make_person(tree.grids[0]), "member", is_demo=True)
    return tree.district


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker), django_db_blocker.unblock():
        d = _small_district()
        demo_evaluations.build(d, seed=SEED, year=2018)
        demo_evaluations.build_live(d, seed=SEED, today=TODAY)
        yield d


def test_2018_evaluates_every_community_secretary_with_the_districts_weights(district, db):
    r = EvalRound.objects.get(year=2018, kind=EvalKind.ANNUAL)
    assert r.org_id == district.pk and r.state == EvalState.PUBLISHED
    weights = dict(r.groups.values_list("name", "weight"))
    assert weights == {"上级党组织": Decimal(20), "同级书记": Decimal(10), "基层党员": Decimal(30),
                       "服务对象": Decimal(40)}
    assert weights["服务对象"] + weights["基层党员"] > weights["上级党组织"] + weights["同级书记"]
    communities = Org.objects.filter(path__startswith=district.path, level__code="community", kind="regular")
    secretaries = set(Post.objects.filter(role=Role.SECRETARY, org__in=communities, ends_on__isnull=True)
                      .values_list("person_id", flat=True))
    assert set(r.subjects.values_list("person_id", flat=True)) == secretaries and secretaries
    for group in r.groups.all():  # every group voted, online or on paper
        assert EvalVote.objects.filter(round=r, group=group).exists(), group.name
    assert EvalVote.objects.filter(round=r, sheet__isnull=False).count() == EvalSheet.objects.filter(round=r).count()
    res = scoring.results(r)
    assert all(row.rank is not None for row in res.rows) and len({row.grade for row in res.rows}) >= 1
    # Members rated only their own community's secretary.
    assert not EvalVote.objects.filter(round=r, group__name="基层党员").exclude(
        subject__org_path__startswith=models_f("rater__within")).exists()


def models_f(name: str):  # the rater's scope, compared in SQL
    from django.db.models import F

    return F(name)


def test_2018_has_a_dual_round_and_twelve_monthly_rounds(district, db):
    dual = EvalRound.objects.get(year=2018, kind=EvalKind.DUAL)
    assert dual.subjects.count() >= 2 and dual.votes.exists()
    months = sorted(EvalRound.objects.filter(year=2018, kind=EvalKind.MONTHLY).values_list("month", flat=True))
    assert months == list(range(1, 13))
    for r in EvalRound.objects.filter(year=2018, kind=EvalKind.MONTHLY):
        assert r.state == EvalState.PUBLISHED and r.votes.exists()


def test_today_the_demo_accounts_have_ratings_to_do_and_the_community_secretary_reads_last_years_result(district, db):
    live = EvalRound.objects.get(year=TODAY.year, kind=EvalKind.ANNUAL)
    assert live.state == EvalState.SCORING and live.due_at.date() > TODAY
    for username in ("street", "community", "member"):
        user = User.objects.get(username=username)
        pending = [p for p in pending_for(user) if p.round_id == live.pk]
        assert pending and pending[0].left > 0, username
    community = User.objects.get(username="community")
    last = EvalRound.objects.get(year=TODAY.year - 1, kind=EvalKind.ANNUAL)
    assert last.state == EvalState.PUBLISHED
    client = Client()
    client.force_login(community)
    page = client.get(reverse("lists:eval_my_result", args=[last.pk])).content.decode()
    mine = scoring.results(last).for_subject(last.subjects.get(person_id=community.person_id).pk)
    assert str(mine.total) in page and mine.grade in page
