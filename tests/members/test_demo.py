"""The members demo meets the article, part by part, on the real demo district (the orgs demo, seed 2018), built
ONCE for the module inside a transaction rolled back at the end; each part's demo then runs in its own class, in a
savepoint rolled back when the class ends, so every class sees the tree and only its own part — exactly what the
five modules it merges (test_{registration,campaigns,activities,visits,points}_demo.py) each saw after building
the tree themselves. Every figure is a direct count of rows, never a typed total; the random seeds are new each
run (one, shared by the parts, as the five modules drew the same one)."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import random
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core import crypto
from zongheng.core.masking import mask_phone
from zongheng.core.permissions import Role
from zongheng.core.todo import todos_for
from zongheng.demands.choices import Channel, Status
from zongheng.demands.models import Demand
from zongheng.members import actions_activities as activities_actions
from zongheng.members import (
    deeds,
    demo_activities,
    demo_campaigns,
    demo_registration,
    demo_visits,
    hooks_activities,
    points,
)
from zongheng.members import demo as members_demo
from zongheng.members import selectors_activities as activities_selectors
from zongheng.members import selectors_points as sel
from zongheng.members import selectors_visits as visits_selectors
from zongheng.members.actions_campaigns import CHECK_IN_EARLY
from zongheng.members.choices import ActivityKind, ActivityState, CampaignState, ClaimState, DutyState, SignUpState
from zongheng.members.deeds import confirmed_deeds
from zongheng.members.hooks_campaigns import duty_deeds
from zongheng.members.models import (
    Activity,
    Campaign,
    Companion,
    DutyClaim,
    PointClaim,
    PointEntry,
    PointRule,
    Registration,
    RegistrationEvent,
    Segment,
    Shift,
    SignUp,
    Visit,
    ancestor_paths,
)
from zongheng.members.selectors_campaigns import coverage
from zongheng.members.selectors_registration import community_counts
from zongheng.net import article
from zongheng.orgs import demo
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, Org, Person, Post

SEEDS = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).sample(range(1, 10**6), 1)  # a new one each run
YEAR = 2018
HISTORIES = {"confirmed": ["applied", "confirmed"], "ended": ["applied", "confirmed", "ended"],
             "declined": ["applied", "declined"], "withdrawn": ["applied", "withdrawn"], "applied": ["applied"]}
SEED = 2018


@pytest.fixture(scope="module")
def tree(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = demo.build(seed=2018)
        yield built.districts[0]


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    sid = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(sid)


def _registered_by_community(district) -> dict[int, int]:
    rows = (Person.objects.filter(org_path__startswith=district.path, registered_org__isnull=False)
            .values("registered_org_id").annotate(n=Count("id")).order_by())
    return {r["registered_org_id"]: r["n"] for r in rows}


def _confirmed_by_community() -> dict[int, int]:
    rows = Registration.objects.filter(state="confirmed").values("community_id").annotate(n=Count("id")).order_by()
    return {r["community_id"]: r["n"] for r in rows}


def _article_values(district, *codes: str) -> dict[str, object]:
    """The article's figures (``net.article``) of the district, each checked against the article's range."""
    out = {}
    for code in codes:
        fig = next(f for f in article.FIGURES if f.code == code)
        out[code] = article.value(fig, district.path, YEAR, timezone.now())
        assert fig.low <= out[code] <= fig.high, (fig.words, out[code])
    return out


def _live(district) -> None:
    today = timezone.localdate()
    built = demo_registration.build_live(district, seed=7)
    home = Org.objects.get(path__startswith=district.path, name="先锋社区")
    waiting = Registration.objects.filter(community=home, state="applied")
    assert waiting.count() == built["pending"] >= 5
    assert all(today - dt.timedelta(days=9) <= r.applied_on <= today for r in waiting)
    account = User.objects.get(username="community")
    todos = [t for t in todos_for(account, timezone.now()) if t.kind == "待确认报到"]
    assert len(todos) == waiting.count()
    assert _confirmed_by_community() == _registered_by_community(district)
    again = demo_registration.build_live(district, seed=7)  # run twice: still a handful, not twice as many
    assert Registration.objects.filter(community=home, state="applied").count() <= 7 and again["pending"] <= 2


def _no_overlaps(claims: list[DutyClaim]) -> bool:
    by_person: dict[int, list[DutyClaim]] = {}
    for c in sorted(claims, key=lambda c: (c.person_id, c.starts_at)):
        by_person.setdefault(c.person_id, []).append(c)
    return all(a.ends_at <= b.starts_at for held in by_person.values() for a, b in itertools.pairwise(held))


def _counters_equal_live_claims(campaign: Campaign) -> bool:
    live = dict(DutyClaim.objects.filter(campaign=campaign, state=DutyState.CLAIMED).values("shift_id")
                .annotate(n=Count("id")).values_list("shift_id", "n"))
    return all(s.claimed == live.get(s.pk, 0) <= s.capacity for s in Shift.objects.filter(campaign=campaign))


def _year(qs):
    tz = timezone.get_current_timezone()
    return qs.filter(starts_at__gte=dt.datetime(YEAR, 1, 1, tzinfo=tz), starts_at__lt=dt.datetime(YEAR + 1, 1, 1,
                                                                                                   tzinfo=tz))


def _home(district: Org) -> Org:
    return Org.objects.get(path__startswith=district.path, name=demo_visits.HOME)


class TestRegistrationDemo:
    """The registration demo (issue 10 item 7) on the real demo district: every person the orgs demo registered has
    the confirmed registration behind it, so the confirmed rows per community are the people registered there
    (东正社区: 203 registered beside 194 managed, as its public page says); histories are whole and dated in the
    article's years; the live slice leaves applications waiting at 先锋社区 for the community account."""

    @pytest.fixture(scope="class", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
    @classmethod
    def district(cls, request, tree, django_db_blocker):  # type: ignore[no-untyped-def]
        with django_db_blocker.unblock():
            sid = transaction.savepoint()
            try:
                demo_registration.build(tree, seed=request.param, year=YEAR)
                yield tree
            finally:
                transaction.savepoint_rollback(sid)

    @pytest.mark.django_db
    def test_confirmed_registrations_are_the_people_registered_per_community(self, district):
        people = _registered_by_community(district)
        assert sum(people.values()) > 900  # the orgs demo's 968 (its own test holds the figure)
        assert _confirmed_by_community() == people
        confirmed = Registration.objects.filter(state="confirmed").select_related("person")
        assert all(r.person.registered_org_id == r.community_id for r in confirmed)
        dz = Org.objects.get(path__startswith=district.path, name=demo.DONGZHENG)
        (counts,) = community_counts([dz])
        assert (counts.registered, counts.managed) == (demo.DONGZHENG_REGISTERED, demo.DONGZHENG_MEMBERS)
        assert counts.pending == 0

    @pytest.mark.django_db
    def test_every_history_is_whole_and_dated_in_the_articles_years(self, district):
        events: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
        for reg_id, state, at in RegistrationEvent.objects.order_by("at", "id").values_list("registration_id", "state",
                                                                                           "at"):
            events[reg_id].append((state, at))
        regs = list(Registration.objects.select_related("person", "community"))
        states = {r.state for r in regs}
        assert {"confirmed", "declined", "withdrawn", "ended"} <= states
        first, last = dt.date(YEAR - 1, 1, 1), dt.date(YEAR, 12, 31)
        for r in regs:
            assert [s for s, _ in events[r.pk]] == HISTORIES[r.state], r.pk
            assert first <= r.applied_on <= last
            assert timezone.localtime(events[r.pk][0][1]).date() == r.applied_on
            if r.confirmed_on:
                assert r.applied_on <= r.confirmed_on <= last
            if r.state in ("ended", "declined", "withdrawn"):
                assert r.ended_on is not None and r.ended_on >= (r.confirmed_on or r.applied_on) and r.ended_on <= last
                assert r.reason or r.state == "withdrawn"
            assert r.member_path == r.person.org_path and r.org_path == r.community.path
            assert not r.person.org_path.startswith(r.community.path)  # nobody registers where they are managed
        ends = {r.person_id: r.ended_on for r in regs if r.state == "ended"}
        moved = [r for r in regs if r.state == "confirmed" and r.person_id in ends]
        assert moved and all(r.applied_on > ends[r.person_id] for r in moved)  # re-registered after moving

    @pytest.mark.django_db
    def test_the_same_seed_gives_the_same_history(self, tree, django_db_blocker):
        def rows() -> list[tuple]:
            return list(Registration.objects.order_by("person_id", "applied_on").values_list(
                "person_id", "community_id", "state", "applied_on", "confirmed_on", "ended_on", "skills"))

        runs = []
        for _ in range(2):
            with rolled_back():
                RegistrationEvent.objects.all().delete()
                Registration.objects.all().delete()
                demo_registration.build(tree, seed=SEEDS[0], year=YEAR)
                runs.append(rows())
        assert runs[0] == runs[1] and runs[0]

    @pytest.mark.django_db
    def test_the_live_slice_leaves_applications_waiting_for_the_community_account(self, district):
        with rolled_back():
            _live(district)


class TestCampaignsDemo:
    """The duty-campaign demo meets the article's figures for any seed: the year before's flood — 55 km of levee
    in 110 segments, 460-odd members claiming, 2,000-odd residents brought along — closed, its counters equal to
    the live claims, nobody over capacity or on two shifts at once; and a live campaign around today, open to the
    ``member`` demo account, partly claimed with gaps, the member holding one upcoming shift."""

    @pytest.fixture(scope="class", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
    @classmethod
    def built(cls, request, tree, django_db_blocker):  # type: ignore[no-untyped-def]
        with django_db_blocker.unblock():
            sid = transaction.savepoint()
            try:
                flood = demo_campaigns.build(tree, seed=request.param, year=YEAR)
                live = demo_campaigns.build_live(tree, seed=request.param)
                yield tree, flood, live
            finally:
                transaction.savepoint_rollback(sid)

    @pytest.mark.django_db
    def test_the_flood_is_55_km_of_levee_in_110_segments_closed(self, built):
        district, flood, _ = built
        assert (flood.title, flood.state, flood.org_id) == (f"{YEAR - 1}年防汛值守", CampaignState.CLOSED, district.pk)
        names = list(Segment.objects.filter(campaign=flood).order_by("order").values_list("name", flat=True))
        assert len(names) == 110 and names[0] == "K0+000–K0+500" and names[-1] == "K54+500–K55+000"
        shifts = Shift.objects.filter(campaign=flood)
        days = {timezone.localtime(s).date() for s in shifts.values_list("starts_at", flat=True)}
        assert shifts.count() == 110 * len(days) * 2 and all(d.year == YEAR - 1 for d in days)
        assert set(shifts.values_list("capacity", flat=True)) == {2}

    @pytest.mark.django_db
    def test_460_odd_members_claimed_and_brought_2000_odd_residents(self, built):
        district, flood, _ = built
        live = DutyClaim.objects.filter(campaign=flood, state=DutyState.CLAIMED)
        members = live.values("person_id").distinct().count()
        residents = Companion.objects.filter(claim__campaign=flood, claim__state=DutyState.CLAIMED).count()
        assert 460 <= members <= 469 and 2000 <= residents <= 2999  # "460多名党员", "2000多名群众"
        assert DutyClaim.objects.filter(campaign=flood, state=DutyState.RELEASED).exists()
        # 双联双管 and 在职 members first: their share among the claimers exceeds their share in the district.
        people = Person.objects.filter(org_path__startswith=district.path, is_party_member=True)
        claimers = people.filter(pk__in=live.values("person_id"))

        def share(qs):
            return qs.filter(registered_org__isnull=False).count() / qs.count()

        assert share(claimers) > share(people)
        assert claimers.filter(member_type="employed").count() / claimers.count() > (
            people.filter(member_type="employed").count() / people.count())
        # The campaign page's figures are the records': participation per street sums to the direct counts.
        cov = coverage(flood, timezone.now())
        assert sum(p.members for p in cov.participation) == members and cov.companions == residents
        assert cov.claimed == live.count() and cov.short == 0  # the flood is over: no gap is still to fill

    @pytest.mark.django_db
    def test_the_articles_flood_figures_are_the_dashboards_and_equal_the_records(self, built):
        """"在2017防汛工作中，460多名党员主动认领55公里防汛堤段，带动2000多名群众": the report's figures (the
        dashboard's metrics over the article's window) are in the article's range and equal direct counts."""
        district, flood, _ = built
        values = _article_values(district, "members.duty_members", "members.duty_km", "members.duty_residents")
        live = DutyClaim.objects.filter(campaign=flood, state=DutyState.CLAIMED)
        stretches = Segment.objects.filter(campaign=flood, shifts__claims__in=live).distinct()
        assert values == {
            "members.duty_members": live.values("person_id").distinct().count(),
            "members.duty_km": sum(s.length_km for s in stretches),
            "members.duty_residents": Companion.objects.filter(claim__in=live).count()}
        assert values["members.duty_km"] == 55 == sum(Segment.objects.filter(campaign=flood)
                                                      .values_list("length_km", flat=True))

    @pytest.mark.django_db
    def test_no_shift_is_over_claimed_and_nobody_holds_two_shifts_at_once(self, built):
        _, flood, live_campaign = built
        for campaign in (flood, live_campaign):
            assert _counters_equal_live_claims(campaign)
            assert not Shift.objects.filter(campaign=campaign, claimed__gt=F("capacity")).exists()
        assert _no_overlaps(list(DutyClaim.objects.filter(state=DutyState.CLAIMED)))
        claims = DutyClaim.objects.filter(campaign=flood)
        assert not claims.filter(checked_out_at__isnull=False, checked_in_at__isnull=True).exists()
        assert not claims.filter(claimed_at__gte=F("starts_at")).exists()
        assert not claims.filter(state=DutyState.RELEASED, released_at__gte=F("starts_at")).exists()
        assert not claims.filter(checked_in_at__lt=F("starts_at") - dt.timedelta(minutes=30)).exists()

    @pytest.mark.django_db
    def test_every_checked_out_flood_shift_is_a_confirmed_deed(self, built):
        _, flood, _ = built
        done = set(DutyClaim.objects.filter(campaign=flood, state=DutyState.CLAIMED, checked_out_at__isnull=False)
                   .values_list("pk", flat=True))
        deeds = list(duty_deeds(flood.starts_on, flood.ends_on + dt.timedelta(days=1)))
        assert {int(d.source.split(":")[1]) for d in deeds} == done and len(deeds) == len(done)

    @pytest.mark.django_db
    def test_a_live_campaign_is_open_to_the_member_account_with_gaps_and_one_upcoming_shift_of_theirs(self, built):
        _, _, live = built
        member = User.objects.get(username="member")
        assert live.state == CampaignState.OPEN
        assert Campaign.objects.open_to(member.person).filter(pk=live.pk).exists()
        now = timezone.now()
        mine = DutyClaim.objects.filter(person_id=member.person_id, campaign=live, state=DutyState.CLAIMED)
        assert mine.count() == 1 and mine.get().starts_at > now and mine.get().checked_in_at is None
        cov = coverage(live, now)
        assert cov.claims > 0 and cov.short > 0 and 0 < cov.claimed < cov.capacity
        # The claims are written around the demo's own "now" (the campaign's creation), minutes before this test
        # under load: shifts over by then are checked out, and nobody checked in before the check-in window
        # opened (30 minutes before the shift; the demo checks in shifts starting within 20 minutes).
        built_at = live.created_at
        over = DutyClaim.objects.filter(campaign=live, state=DutyState.CLAIMED, ends_at__lte=built_at)
        assert over.exists() and not over.filter(checked_out_at__isnull=True).exists()
        assert not DutyClaim.objects.filter(campaign=live, checked_in_at__lt=F("starts_at") - CHECK_IN_EARLY).exists()
        assert not DutyClaim.objects.filter(campaign=live, starts_at__gt=built_at + CHECK_IN_EARLY,
                                            checked_in_at__isnull=False).exists()


class TestActivitiesDemo:
    """The activities demo meets the article for random seeds: the 24 functional organisations and their 34 teams
    hold activities from the day they opened (地质社区's 同心缘艺术馆 20-odd, drawing 500-odd residents), the
    communities hold pairing and volunteer activities, and the district's attended 人次 across the year are of the
    article's order ("10000多人次") — every figure a direct count of rows; the live slice gives the ``member``
    account activities to sign up for and the ``community`` account one awaiting its attendance confirmation."""

    @pytest.fixture(scope="class", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
    @classmethod
    def district(cls, request, tree, django_db_blocker):  # type: ignore[no-untyped-def]
        with django_db_blocker.unblock():
            sid = transaction.savepoint()
            try:
                demo_activities.build(tree, seed=request.param, year=YEAR)
                demo_activities.build_live(tree, seed=request.param)
                yield tree
            finally:
                transaction.savepoint_rollback(sid)

    def test_every_functional_organisation_and_team_held_activities_from_its_opening(self, district, db):
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

    def test_tongxinyuan_held_twenty_odd_activities_drawing_five_hundred_odd_residents(self, district, db):
        org = Org.objects.get(path__startswith=district.path, name=demo_activities.TONGXIN)
        held = _year(Activity.objects.filter(org=org, state=ActivityState.HELD))
        assert 20 <= held.count() < 30  # 开展活动20多场
        assert min(timezone.localtime(a.starts_at).date() for a in held) >= dt.date(YEAR, 3, 1)  # opened 1 March
        residents = SignUp.objects.filter(activity__in=held, state=SignUpState.SIGNED, attended=True, is_member=False)
        assert residents.count() >= 500  # 吸引居民群众500多人(次)

    def test_communities_hold_pairing_and_volunteer_activities(self, district, db):
        communities = Org.objects.filter(path__startswith=district.path, kind=OrgKind.REGULAR,
                                         level__code__in=("community", "village"))
        held = _year(Activity.objects.filter(state=ActivityState.HELD, org__in=communities))
        assert set(held.values_list("org_id", flat=True)) == set(communities.values_list("pk", flat=True))
        kinds = set(held.values_list("kind", flat=True))
        assert {ActivityKind.PAIRING, ActivityKind.VOLUNTEER} <= kinds

    def test_the_year_reaches_ten_thousand_odd_attended_people_computed_from_rows(self, district, db):
        figures = demo_activities.figures(district, YEAR)
        total = figures["members"] + figures["residents"]
        assert 10_000 <= total < 20_000  # 10000多人次
        assert figures["residents"] > figures["members"] > 0
        # The page's figures (a district cadre's) are the same direct counts.
        cadre = User.objects.get(username="district")
        shown, rows = activities_selectors.figures(cadre, YEAR)
        assert (shown.held, shown.members, shown.residents) == (
            figures["held"], figures["members"], figures["residents"])
        assert sum(r.residents for r in rows) == shown.residents
        # The deed source yields exactly the attended members (what the points part reconciles).
        source = dict(deeds.deed_sources())["activities"]
        found = list(source(dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1)))
        district_people = set(SignUp.objects.filter(activity__org_path__startswith=district.path)
                              .values_list("person_id", flat=True))
        assert len([d for d in found if d.person_id in district_people]) == figures["members"]

    def test_the_articles_participations_are_the_dashboards_and_the_figures_pages(self, district, db):
        """"凝聚带动党员干部、群众10000多人次参与" (2017 and 2018): the dashboard's metric over the article's window
        is in range and is the activities' figures page's total."""
        values = _article_values(district, "members.participations")
        cadre = User.objects.get(username="district")
        shown = [activities_selectors.figures(cadre, year)[0] for year in (YEAR - 1, YEAR)]
        assert values["members.participations"] == sum(f.members + f.residents for f in shown)

    def test_the_rows_keep_the_invariants(self, district, db):
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

    def test_the_live_slice_gives_the_member_and_the_community_accounts_work(self, district, db):
        member, community = User.objects.get(username="member"), User.objects.get(username="community")
        now = timezone.now()
        open_now = list(activities_selectors.open_activities(member.person, now).filter(
            starts_at__lte=now + dt.timedelta(days=14)))
        assert len(open_now) >= 3
        assert any(a.org.kind == OrgKind.FUNCTIONAL for a in open_now)  # 业委会党小组's team
        free = [a for a in open_now if a.capacity is None or a.signed < a.capacity]
        assert free and any(a.capacity and a.signed == a.capacity - 1 for a in open_now)  # one nearly full
        s = activities_actions.do_sign_up(member, free[0])  # the real action takes them
        assert s.state == SignUpState.SIGNED
        todos = hooks_activities.awaiting(community, now)
        assert len(todos) >= 1
        ended = Activity.objects.get(pk=int(todos[0].url.rstrip("/").split("/")[-2]))
        assert ended.state == ActivityState.PUBLISHED and ended.ends_at < now and ended.created_by == community
        assert SignUp.objects.filter(activity=ended, person=member.person, state=SignUpState.SIGNED).exists()
        # This year has held activities for the hub (the member's community's among them, the member attended one).
        assert SignUp.objects.filter(person=member.person, attended=True, activity__state=ActivityState.HELD,
                                     activity__starts_at__year=now.year).exists()


class TestVisitsDemo:
    """The 民情日记 demo meets the article for random seeds: 先锋社区's 86 central households kept it for 13 years, each
    visit by the household's own head, a few a month; the other central households a sparser 2018; about one visit
    in 15 raised a concern; a few dozen concerns became demands of channel 民情日记, each closed and linked back; the
    live slice gives the household account this month's visits, one concern waiting for a follow-up."""

    @pytest.fixture(scope="class", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
    @classmethod
    def district(cls, request, tree, django_db_blocker):  # type: ignore[no-untyped-def]
        with django_db_blocker.unblock():
            sid = transaction.savepoint()
            try:
                demo_visits.build(tree, seed=request.param, year=YEAR)
                demo_visits.build_live(tree, seed=request.param)
                yield tree
            finally:
                transaction.savepoint_rollback(sid)

    def test_xianfengs_86_central_households_kept_the_diary_13_years_by_their_heads(self, district, db):
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

    def test_the_other_central_households_have_a_sparser_2018(self, district, db):
        home = _home(district)
        others = Visit.objects.filter(org_path__startswith=district.path).exclude(org_path__startswith=home.path)
        assert set(others.dates("visited_on", "year")) <= {
            dt.date(YEAR, 1, 1), dt.date(timezone.localdate().year, 1, 1)}
        year_others = others.filter(visited_on__year=YEAR)
        n_centrals = Org.objects.filter(path__startswith=district.path, level__code="household").exclude(
            path__startswith=home.path).count()
        home_2018 = Visit.objects.filter(org_path__startswith=home.path, visited_on__year=YEAR).count() / 86
        assert 0 < year_others.count() / n_centrals < home_2018  # sparser than 先锋社区
        # Grid leaders and registered members recorded some too.
        leaders = Post.objects.filter(role=Role.GRID_LEADER, org__path__startswith=district.path).values("person_id")
        assert year_others.filter(visitor_id__in=leaders).exists()
        assert Visit.objects.filter(visited_on__year=YEAR, visitor__registered_org__isnull=False).exists()

    def test_about_one_visit_in_15_raised_a_concern_and_a_few_dozen_became_closed_demands(self, district, db):
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

    def test_the_live_slice_gives_the_household_account_this_months_work(self, district, db):
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
        assert PointEntry.objects.filter(person_id=user.person_id, source__in=[
            f"visit:{v}" for v in mine.values_list("pk", flat=True)]).count() == mine.count()
        community = User.objects.get(username="community")
        figures = visits_selectors.figures(community, today)
        assert figures["month"] == Visit.objects.filter(org_path__startswith=_home(district).path,
                                                        visited_on__gte=today.replace(day=1)).count()


class TestPointsDemo:
    """The points demo on the real demo district (the members demo, every part, points last): claims per community
    in every state, the year's ledger reconciled from the other parts' confirmed deeds — every point traces to a
    confirmed deed or an approved claim, caps hold, the district's totals equal a direct sum — and the live slice:
    claims waiting for the community account, fresh points for the member account."""

    @pytest.fixture(scope="class")
    @classmethod
    def district(cls, tree, django_db_blocker):  # type: ignore[no-untyped-def]
        with django_db_blocker.unblock():
            sid = transaction.savepoint()
            try:
                members_demo.build(tree, seed=SEED, year=YEAR)
                members_demo.build_live(tree, seed=SEED)
                yield tree
            finally:
                transaction.savepoint_rollback(sid)

    @pytest.fixture
    def d(self, district, db):  # type: ignore[no-untyped-def]
        return district

    def test_every_community_has_claims_in_every_state_and_decisions_are_whole(self, d):
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
        written = set(PointEntry.objects.filter(source__startswith="claim:", year=YEAR).values_list(
            "source", flat=True))
        assert written == approved

    def test_every_point_traces_to_a_confirmed_deed_and_the_ledger_is_whole(self, d):
        start, end = dt.date(YEAR, 1, 1), dt.date(YEAR + 1, 1, 1)
        confirmed = {(r.person_id, r.source) for r in confirmed_deeds(start, end)}
        counted = set(PointEntry.objects.filter(year=YEAR).values("person_id", "source").annotate(s=Sum("points"))
                      .filter(s__gt=0).values_list("person_id", "source"))
        assert counted and counted <= confirmed
        assert points.reconcile(start, end).awarded == 0  # nothing left to award: the demo reconciled the year
        kinds = set(PointEntry.objects.filter(year=YEAR).values_list("deed", flat=True).distinct())
        assert "claim" in kinds and len(kinds) >= 2  # claims and the other parts' deeds (the demands demo is left out)

    def test_caps_hold_in_the_demo_ledger(self, d):
        rules = {(r.rule_set_id, r.deed): r for r in PointRule.objects.all()}
        sums: dict[tuple[int, str, dt.date], int] = defaultdict(int)
        for person_id, deed, day, pts, rule_id in PointEntry.objects.filter(year=YEAR).values_list(
                "person_id", "deed", "occurred_on", "points", "rule_id"):
            rule = next(r for r in rules.values() if r.pk == rule_id)
            if rule.cap is not None:
                sums[(person_id, deed, points.period_bounds(day, rule.cap_period)[0])] += pts
                assert sums[(person_id, deed, points.period_bounds(day, rule.cap_period)[0])] <= rule.cap

    def test_the_districts_totals_equal_a_direct_sum(self, d):
        t = sel.org_totals(d, YEAR)
        members = Person.objects.filter(sel.members_below(d.path))
        assert t.members == members.count()
        assert t.points == (PointEntry.objects.filter(year=YEAR, person__in=members).aggregate(
            s=Sum("points"))["s"] or 0)
        assert t.points > 0 and sum(t.bands) == t.members

    def test_the_live_slice_waits_for_the_community_and_gives_the_member_fresh_points(self, d, client):
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
