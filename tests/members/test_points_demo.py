"""The points demo on the real demo district (the members demo, every part, points last): claims per community
in every state, the year's ledger reconciled from the other parts' confirmed deeds — every point traces to a
confirmed deed or an approved claim, caps hold, the district's totals equal a direct sum — and the live slice:
claims waiting for the community account, fresh points for the member account."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core.todo import todos_for
from zongheng.members import demo as members_demo
from zongheng.members import points
from zongheng.members import selectors_points as sel
from zongheng.members.choices import ClaimState
from zongheng.members.deeds import confirmed_deeds
from zongheng.members.models import PointClaim, PointEntry, PointRule
from zongheng.orgs import demo
from zongheng.orgs.models import Org, Person

YEAR = 2018
SEED = 2018


@pytest.fixture(scope="module")
def district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = demo.build(seed=SEED)
            district = built.districts[0]
            members_demo.build(district, seed=SEED, year=YEAR)
            members_demo.build_live(district, seed=SEED)
        yield district


@pytest.fixture
def d(district, db):  # type: ignore[no-untyped-def]
    return district


def test_every_community_has_claims_in_every_state_and_decisions_are_whole(d):
    claims = list(PointClaim.objects.filter(occurred_on__year=YEAR).select_related("person"))
    states = {c.state for c in claims}
    assert states == {ClaimState.APPROVED, ClaimState.DECLINED, ClaimState.PENDING, ClaimState.WITHDRAWN}
    communities = Org.objects.filter(path__startswith=d.path, level__code="community", kind="regular")
    with_claims = {c.person.org_path[:len(communities[0].path)] for c in claims}
    assert with_claims >= {c.path for c in communities if Person.objects.filter(
        org_path__startswith=c.path, is_party_member=True).exists()}
    for c in claims:
        decided = c.state in (ClaimState.APPROVED, ClaimState.DECLINED)
        assert (c.reviewed_at is not None) == decided and (c.reviewed_by_id is not None) == decided
        assert c.state != ClaimState.DECLINED or c.review_note
        assert c.created_at.year == YEAR and c.created_at.date() >= c.occurred_on
    approved = {f"claim:{c.pk}" for c in claims if c.state == ClaimState.APPROVED}
    written = set(PointEntry.objects.filter(source__startswith="claim:", year=YEAR).values_list("source", flat=True))
    assert written == approved


def test_every_point_traces_to_a_confirmed_deed_and_the_ledger_is_whole(d):
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1)
    confirmed = {(r.person_id, r.source) for r in confirmed_deeds(start, end)}
    counted = set(PointEntry.objects.filter(year=YEAR).values("person_id", "source").annotate(s=Sum("points"))
                  .filter(s__gt=0).values_list("person_id", "source"))
    assert counted and counted <= confirmed
    assert points.reconcile(start, end).awarded == 0  # nothing left to award: the demo reconciled the year
    kinds = set(PointEntry.objects.filter(year=YEAR).values_list("deed", flat=True).distinct())
    assert "claim" in kinds and len(kinds) >= 2  # claims and the other parts' deeds (the demands demo is left out)


def test_caps_hold_in_the_demo_ledger(d):
    rules = {(r.rule_set_id, r.deed): r for r in PointRule.objects.all()}
    sums: dict[tuple[int, str, dt.date], int] = defaultdict(int)
    for person_id, deed, day, pts, rule_id in PointEntry.objects.filter(year=YEAR).values_list(
            "person_id", "deed", "occurred_on", "points", "rule_id"):
        rule = next(r for r in rules.values() if r.pk == rule_id)
        if rule.cap is not None:
            sums[(person_id, deed, points.period_bounds(day, rule.cap_period)[0])] += pts
            assert sums[(person_id, deed, points.period_bounds(day, rule.cap_period)[0])] <= rule.cap


def test_the_districts_totals_equal_a_direct_sum(d):
    t = sel.org_totals(d, YEAR)
    members = Person.objects.filter(sel.members_below(d.path))
    assert t.members == members.count()
    assert t.points == (PointEntry.objects.filter(year=YEAR, person__in=members).aggregate(s=Sum("points"))["s"] or 0)
    assert t.points > 0 and sum(t.bands) == t.members


def test_the_live_slice_waits_for_the_community_and_gives_the_member_fresh_points(d, client):
    today = timezone.localdate()
    community = User.objects.get(username="community")
    member = User.objects.get(username="member")
    waiting = [t for t in todos_for(community, timezone.now()) if t.kind == "积分申报待审核"]
    assert len(waiting) >= 4
    fresh = PointEntry.objects.filter(person=member.person, year=today.year, source__startswith="claim:")
    assert fresh.count() == 2 and all(e.points > 0 for e in fresh)
    assert PointClaim.objects.filter(person=member.person, state=ClaimState.PENDING).count() == 1
    client.force_login(member)
    html = client.get(reverse("members:my_points")).content.decode()
    assert "带头服务群众" in html and "带头化解矛盾" in html
    client.force_login(community)
    assert client.get(reverse("members:points")).status_code == 200
