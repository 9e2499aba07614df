"""The 巡查 demo for a random seed: 2018 holds two district rounds (上半年, 下半年) over streets and communities,
every item closed (some late, some returned once) and walked along the table; the live slice has a district
round in 整改中 with items due soon, overdue, returned and waiting for verification, which the demo accounts see
as to-do items and warnings. Every figure is compared with a direct reading of the rows."""

from __future__ import annotations

import datetime as dt
import os
import random
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import build_tree, make_person, make_post, make_user, module_transaction
from zongheng.accounts.models import User
from zongheng.core import warnings
from zongheng.core.permissions import Role
from zongheng.core.todo import todos_for
from zongheng.lists import demo_inspections
from zongheng.lists.choices_inspections import RECT_TRANSITIONS, RectState, RoundState
from zongheng.lists.models_inspections import InspectionEvent, InspectionRound, Rectification
from zongheng.lists.warnings_inspections import RECT_OVERDUE, RECT_UNVERIFIED
from zongheng.orgs.models import Org

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
TODAY = dt.date(2026, 11, 28)


def _small_district() -> Any:
    """A small tree named like the demo's home (宜城路街道, 先锋社区), a secretary on every street and community,
    and the demo accounts the slice is made for: the district's 组织部, the home street's and community's
    secretaries (the orgs demo itself takes a minute; the part under test needs only these)."""
    tree = build_tree()
    Org.objects.filter(pk=tree.streets[0].pk).update(name="宜城路街道")
    Org.objects.filter(pk=tree.communities[0].pk).update(name="先锋社区")
    for org in [*tree.streets, *tree.communities]:
        person = make_person(org)
        make_post(person, org, Role.SECRETARY)
        if org.pk in (tree.streets[0].pk, tree.communities[0].pk):
            make_user(person, "street" if org.depth == 2 else "community", is_demo=True)
    for n in range(3):
        make_person(tree.streets[0], f"街道干部{n}")
    dept = make_person(tree.district)
    make_post(dept, tree.district, Role.ORG_DEPT)
    make_user(dept, "district", is_demo=True)
    return Org.objects.get(pk=tree.district.pk)


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            tree = _small_district()
            with transaction.atomic():
                demo_inspections.build(tree, seed=SEED, year=2018)
                demo_inspections.build_live(tree, seed=SEED, today=TODAY)
        yield tree


def test_2018_has_two_completed_district_rounds_with_every_item_closed(district, db):
    rounds = list(InspectionRound.objects.filter(year=2018).order_by("period"))
    assert [(r.org_id, r.state) for r in rounds] == [(district.pk, RoundState.COMPLETED)] * 2
    assert {r.period for r in rounds} == {"上半年", "下半年"}
    items = Rectification.objects.filter(round__year=2018)
    assert items.exists() and not items.exclude(state=RectState.CLOSED).exists()
    late = [r for r in items if r.closed_on > r.due_on]
    assert late, "some items are closed late"
    returned = InspectionEvent.objects.filter(round__year=2018, move="return").count()
    assert returned > 0


def test_every_item_history_walks_the_table_to_its_state(district, db):
    for rect in Rectification.objects.prefetch_related("events"):
        events = sorted(rect.events.all(), key=lambda e: (e.at, e.pk))
        state = ""
        for e in events:
            if e.move == "create":
                assert state == "" and e.to_state == RectState.PENDING
            else:
                sources, to = RECT_TRANSITIONS[e.move]
                assert state in sources and e.to_state == to
            state = e.to_state
        assert state == rect.state, rect.pk
        assert rect.reports.count() == sum(1 for e in events if e.move == "report")


def test_the_live_round_has_items_due_soon_overdue_and_waiting(district, db):
    rnd = InspectionRound.objects.get(org=district, year=TODAY.year)
    assert rnd.state == RoundState.RECTIFYING
    items = list(Rectification.objects.filter(round=rnd))
    assert any(r.due_on >= TODAY and r.state == RectState.PENDING for r in items)
    assert any(r.due_on < TODAY and r.state != RectState.CLOSED for r in items)
    assert any(r.state == RectState.REPORTED for r in items)
    now = timezone.now()
    assert not InspectionEvent.objects.filter(at__gt=now).exists()


def test_demo_accounts_see_their_todo_and_warnings(district, db):
    now = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 4, tzinfo=dt.UTC)
    warnings.sweep(now, codes=[RECT_OVERDUE, RECT_UNVERIFIED])
    community = User.objects.get(username="community")
    kinds = {t.kind for t in todos_for(community, now)}
    assert kinds & {"整改待报告", "整改被退回"}
    dept = User.objects.get(username="district")
    assert "整改待核验" in {t.kind for t in todos_for(dept, now)}
    from zongheng.core.models import EarlyWarning

    seen = EarlyWarning.objects.open().filter(warnings.visible_q(User.objects.get(username="street")))
    assert seen.filter(rule=RECT_OVERDUE).exists()

