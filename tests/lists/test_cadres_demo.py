"""The cadre records of the demo meet the article for a random seed (2017 以来 "月度干部之星" 61 名, 提拔重用 27 名),
and every citation is that person's own front-line work in the period, checked against the raw records of the
other modules (posts in temporary organisations, tasks of organisations they lead, duty claims) — not through
``frontline``. The live slice has stars in each of the last three months, citing this year's tasks.

The tree (orgs demo, seed 2018) is built once for the module inside a transaction rolled back at the end."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter

import pytest
from django.db.models import Q
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core.permissions import Role
from zongheng.lists import demo as lists_demo
from zongheng.lists import demo_cadres, frontline
from zongheng.lists import selectors_cadres as sel
from zongheng.lists.models import CadreStar, Citation, Promotion
from zongheng.orgs import demo
from zongheng.orgs.models import Post

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
YEAR = 2018
TODAY = timezone.localdate() if timezone.localdate().month >= 3 else dt.date(timezone.localdate().year - 1, 11, 28)


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            root = demo.build(seed=2018).districts[0]
            lists_demo.build(root, seed=SEED, year=YEAR)
            lists_demo.build_live(root, seed=SEED, today=TODAY)
        yield root


def _history() -> tuple[list[CadreStar], list[Promotion]]:
    return (list(CadreStar.objects.filter(month__year__lte=YEAR)),
            list(Promotion.objects.filter(promoted_on__year__lte=YEAR)))


def test_the_article_years_hold_61_stars_and_27_promotions_at_least_two_stars_a_month(district, db):
    stars, promotions = _history()
    assert (len(stars), len(promotions)) == (demo_cadres.STARS, demo_cadres.PROMOTIONS)
    per_month = Counter(s.month for s in stars)
    assert len(per_month) == 24 and min(per_month.values()) >= 2
    assert all(dt.date(YEAR - 1, 1, 1) <= p.promoted_on <= dt.date(YEAR, 12, 31) for p in promotions)


def _overlaps(post_q: Q, start: dt.date, end: dt.date) -> Q:
    return post_q & Q(starts_on__lte=end) & (Q(ends_on__isnull=True) | Q(ends_on__gte=start))


def _is_own_work(c: Citation, person_id: int, start: dt.date, end: dt.date) -> bool:
    """The raw check of one citation (no ``frontline``): the person's part in the cited record in the period."""
    from zongheng.members.models import DutyClaim

    if c.kind == "temp_org":
        org = c.temp_org
        return (org is not None and org.is_temporary and org.opened_on <= end
                and (org.closed_on is None or org.closed_on >= start)
                and Post.objects.filter(_overlaps(Q(person_id=person_id, org=org), start, end)).exists())
    if c.kind == "task":
        task = c.task
        return (task is not None and task.starts_on <= end and task.ends_on >= start
                and (task.lead_id == person_id or Post.objects.filter(_overlaps(
                    Q(person_id=person_id, org_id=task.org_id, role__in=[Role.SECRETARY, Role.DEPUTY_SECRETARY]),
                    start, end)).exists()))
    if c.kind == "campaign":
        campaign = c.campaign
        return (campaign is not None and campaign.starts_on <= end and campaign.ends_on >= start
                and DutyClaim.objects.filter(campaign=campaign, person_id=person_id).exclude(
                    state="released").exists())
    return False


def test_every_citation_is_the_persons_own_front_line_work_in_its_period(district, db):
    stars, promotions = _history()
    for s in stars:
        cited = list(s.citations.select_related("temp_org", "task", "campaign"))
        assert cited and all(_is_own_work(c, s.person_id, *frontline.star_window(s.month)) for c in cited), s
    for p in promotions:
        cited = list(p.citations.select_related("temp_org", "task", "campaign"))
        assert cited and all(_is_own_work(c, p.person_id, *frontline.promotion_window(p.promoted_on))
                             for c in cited), p
    assert {c.kind for c in Citation.objects.all()} >= {"temp_org", "task"}


def test_the_figures_count_the_generated_rows(district, db):
    dept = User.objects.get(username="district")
    stars, promotions = _history()
    start, end = dt.date(YEAR - 1, 1, 1), dt.date(YEAR, 12, 31)
    assert sel.stars_count(dept, start, end) == len(stars)
    assert sel.promotions_count(dept, start, end) == len(promotions)
    starred = {p.person_id for p in promotions if any(s.person_id == p.person_id and s.month <= p.promoted_on
                                                      for s in stars)}
    assert sel.promoted_with_star(dept, start, end) == (len(starred), len({p.person_id for p in promotions}))


def test_the_live_slice_has_stars_in_each_of_the_last_three_months_citing_this_years_tasks(district, db):
    this_month = TODAY.replace(day=1)
    live = list(CadreStar.objects.filter(month__gt=dt.date(YEAR, 12, 1)))
    months = {s.month for s in live}
    assert this_month in months and len(months) == 3
    for s in live:
        cited = list(s.citations.select_related("task"))
        assert cited and all(c.kind == "task" and c.task.task_list.year == TODAY.year for c in cited)
        assert all(_is_own_work(c, s.person_id, *frontline.star_window(s.month)) for c in cited)


def test_building_again_writes_nothing(district, db):
    before = (CadreStar.objects.count(), Promotion.objects.count())
    assert demo_cadres.build(district, seed=SEED, year=YEAR) == (0, 0)
    assert demo_cadres.build_live(district, seed=SEED, today=TODAY) == (0, 0)
    assert (CadreStar.objects.count(), Promotion.objects.count()) == before
