"""The activities demo meets the article for random seeds: the 24 functional organisations and their 34 teams
hold activities from the day they opened (地质社区's 同心缘艺术馆 20-odd, drawing 500-odd residents), the
communities hold pairing and volunteer activities, and the district's attended 人次 across the year are of the
article's order ("10000多人次") — every figure a direct count of rows; the live slice gives the ``member``
account activities to sign up for and the ``community`` account one awaiting its attendance confirmation.

The tree (orgs demo, seed 2018) is built once for the module inside a transaction rolled back at the end; the
activities demo then runs for two random seeds in turn (each in a savepoint rolled back before the next)."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core import crypto
from zongheng.core.masking import mask_phone
from zongheng.members import actions_activities as actions
from zongheng.members import deeds, demo_activities, hooks_activities
from zongheng.members import selectors_activities as selectors
from zongheng.members.choices import ActivityKind, ActivityState, SignUpState
from zongheng.members.models import Activity, SignUp, ancestor_paths
from zongheng.orgs import demo
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, Org

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
            demo_activities.build(tree, seed=request.param, year=YEAR)
            demo_activities.build_live(tree, seed=request.param)
            yield tree
        finally:
            transaction.savepoint_rollback(sid)


def _year(qs):
    tz = timezone.get_current_timezone()
    return qs.filter(starts_at__gte=dt.datetime(YEAR, 1, 1, tzinfo=tz), starts_at__lt=dt.datetime(YEAR + 1, 1, 1,
                                                                                                   tzinfo=tz))


def test_every_functional_organisation_and_team_held_activities_from_its_opening(district, db):
    functional = Org.objects.filter(path__startswith=district.path, kind=OrgKind.FUNCTIONAL)
    assert functional.count() == 24
    held = _year(Activity.objects.filter(state=ActivityState.HELD))
    per_org = dict(held.filter(org__in=functional).values_list("org_id").annotate(n=Count("pk")))
    assert set(per_org) == set(functional.values_list("pk", flat=True))
    for org in functional:  # none before the organisation opened
        days = [timezone.localtime(t).date() for t in held.filter(org=org).values_list("starts_at", flat=True)]
        assert org.opened_on is None or min(days) >= org.opened_on
    teams = ActivityTeam.objects.filter(org__in=functional)
    assert teams.count() == 34
    participants = defaultdict(set)
    for team_id, person_id in ActivityTeam.participants.through.objects.filter(activityteam__in=teams).values_list(
            "activityteam_id", "person_id"):
        participants[team_id].add(person_id)
    for team in teams:
        acts = held.filter(team=team, kind=ActivityKind.TEAM)
        assert acts.exists(), team.name
        signed = set(SignUp.objects.filter(activity__in=acts, person__isnull=False, is_member=False)
                     .values_list("person_id", flat=True))
        assert signed and signed <= participants[team.pk]  # the team's residents signed up


def test_tongxinyuan_held_twenty_odd_activities_drawing_five_hundred_odd_residents(district, db):
    org = Org.objects.get(path__startswith=district.path, name=demo_activities.TONGXIN)
    held = _year(Activity.objects.filter(org=org, state=ActivityState.HELD))
    assert 20 <= held.count() < 30  # 开展活动20多场
    assert min(timezone.localtime(a.starts_at).date() for a in held) >= dt.date(YEAR, 3, 1)  # opened 1 March
    residents = SignUp.objects.filter(activity__in=held, state=SignUpState.SIGNED, attended=True, is_member=False)
    assert residents.count() >= 500  # 吸引居民群众500多人(次)


def test_communities_hold_pairing_and_volunteer_activities(district, db):
    communities = Org.objects.filter(path__startswith=district.path, kind=OrgKind.REGULAR,
                                     level__code__in=("community", "village"))
    held = _year(Activity.objects.filter(state=ActivityState.HELD, org__in=communities))
    assert set(held.values_list("org_id", flat=True)) == set(communities.values_list("pk", flat=True))
    kinds = set(held.values_list("kind", flat=True))
    assert {ActivityKind.PAIRING, ActivityKind.VOLUNTEER} <= kinds


def test_the_year_reaches_ten_thousand_odd_attended_people_computed_from_rows(district, db):
    figures = demo_activities.figures(district, YEAR)
    total = figures["members"] + figures["residents"]
    assert 10_000 <= total < 20_000  # 10000多人次
    assert figures["residents"] > figures["members"] > 0
    # The page's figures (a district cadre's) are the same direct counts.
    cadre = User.objects.get(username="district")
    shown, rows = selectors.figures(cadre, YEAR)
    assert (shown.held, shown.members, shown.residents) == (figures["held"], figures["members"], figures["residents"])
    assert sum(r.residents for r in rows) == shown.residents
    # The deed source yields exactly the attended members (what the points part reconciles).
    source = dict(deeds.deed_sources())["activities"]
    found = list(source(dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1)))
    district_people = set(SignUp.objects.filter(activity__org_path__startswith=district.path)
                          .values_list("person_id", flat=True))
    assert len([d for d in found if d.person_id in district_people]) == figures["members"]


def test_the_rows_keep_the_invariants(district, db):
    acts = Activity.objects.filter(org_path__startswith=district.path).annotate(
        live=Count("signups", filter=Q(signups__state=SignUpState.SIGNED, signups__walk_in=False)))
    assert not acts.exclude(signed=F("live")).exists()  # signed counts the live sign-ups
    assert not acts.filter(capacity__isnull=False, signed__gt=F("capacity")).exists()
    assert not acts.exclude(org_path=F("org__path")).exists()
    signups = SignUp.objects.filter(activity__org_path__startswith=district.path)
    assert not signups.filter(activity__state=ActivityState.HELD, state=SignUpState.SIGNED,
                              attended__isnull=True).exists()  # every live sign-up of a held one is marked
    assert not signups.filter(~Q(activity__state=ActivityState.HELD), attended__isnull=False).exists()
    assert not signups.filter(walk_in=True).exclude(attended=True).exists()
    assert not Activity.objects.filter(state=ActivityState.HELD, confirmed_at__lt=F("ends_at")).exists()
    assert not Activity.objects.filter(state=ActivityState.CANCELLED, cancel_reason="").exists()
    # Every member signed up for an activity open to them (the organisations above them, or the functional
    # organisations right below those).
    rows = signups.filter(is_member=True).values_list("activity__org_path", "activity__org__kind",
                                                      "person__org_path", "person__registered_path")
    for org_path, kind, person_path, registered in rows:
        above = set(ancestor_paths(person_path, registered or ""))
        assert org_path in above or (kind == OrgKind.FUNCTIONAL and org_path[:-4] in above)
    # Residents' phones are encrypted, and the masked copy is the number's.
    for enc, masked in signups.exclude(phone_enc="").values_list("phone_enc", "phone_masked")[:50]:
        assert masked == mask_phone(crypto.decrypt(enc))


def test_the_live_slice_gives_the_member_and_the_community_accounts_work(district, db):
    member, community = User.objects.get(username="member"), User.objects.get(username="community")
    now = timezone.now()
    open_now = list(selectors.open_activities(member.person, now).filter(starts_at__lte=now + dt.timedelta(days=14)))
    assert len(open_now) >= 3
    assert any(a.org.kind == OrgKind.FUNCTIONAL for a in open_now)  # 业委会党小组's team
    free = [a for a in open_now if a.capacity is None or a.signed < a.capacity]
    assert free and any(a.capacity and a.signed == a.capacity - 1 for a in open_now)  # one nearly full
    s = actions.do_sign_up(member, free[0])  # the real action takes them
    assert s.state == SignUpState.SIGNED
    todos = hooks_activities.awaiting(community, now)
    assert len(todos) >= 1
    ended = Activity.objects.get(pk=int(todos[0].url.rstrip("/").split("/")[-2]))
    assert ended.state == ActivityState.PUBLISHED and ended.ends_at < now and ended.created_by == community
    assert SignUp.objects.filter(activity=ended, person=member.person, state=SignUpState.SIGNED).exists()
    # This year has held activities for the hub (the member's community's among them, the member attended one).
    assert SignUp.objects.filter(person=member.person, attended=True, activity__state=ActivityState.HELD,
                                 activity__starts_at__year=now.year).exists()
