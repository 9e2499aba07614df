"""The duty-campaign demo meets the article's figures for any seed: the year before's flood — 55 km of levee
in 110 segments, 460-odd members claiming, 2,000-odd residents brought along — closed, its counters equal to
the live claims, nobody over capacity or on two shifts at once; and a live campaign around today, open to the
``member`` demo account, partly claimed with gaps, the member holding one upcoming shift.

The tree (orgs demo, seed 2018) is built once for the module inside a transaction rolled back at the end; the
campaigns demo is built for two random seeds in turn (each in a savepoint rolled back before the next). Every
figure is a direct count of rows compared with the article's floor, never with a typed total."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random

import pytest
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.members import demo_campaigns
from zongheng.members.choices import CampaignState, DutyState
from zongheng.members.hooks_campaigns import duty_deeds
from zongheng.members.models import Campaign, Companion, DutyClaim, Segment, Shift
from zongheng.members.selectors_campaigns import coverage
from zongheng.orgs import demo
from zongheng.orgs.models import Person

SEEDS = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).sample(range(1, 10**6), 1)  # a new one each run
YEAR = 2018


@pytest.fixture(scope="module")
def tree(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = demo.build(seed=2018)
        yield built.districts[0]


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def built(request, tree, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        sid = transaction.savepoint()
        try:
            flood = demo_campaigns.build(tree, seed=request.param, year=YEAR)
            live = demo_campaigns.build_live(tree, seed=request.param)
            yield tree, flood, live
        finally:
            transaction.savepoint_rollback(sid)


def _no_overlaps(claims: list[DutyClaim]) -> bool:
    by_person: dict[int, list[DutyClaim]] = {}
    for c in sorted(claims, key=lambda c: (c.person_id, c.starts_at)):
        by_person.setdefault(c.person_id, []).append(c)
    return all(a.ends_at <= b.starts_at for held in by_person.values() for a, b in itertools.pairwise(held))


def _counters_equal_live_claims(campaign: Campaign) -> bool:
    live = dict(DutyClaim.objects.filter(campaign=campaign, state=DutyState.CLAIMED).values("shift_id")
                .annotate(n=Count("id")).values_list("shift_id", "n"))
    return all(s.claimed == live.get(s.pk, 0) <= s.capacity for s in Shift.objects.filter(campaign=campaign))


@pytest.mark.django_db
def test_the_flood_is_55_km_of_levee_in_110_segments_closed(built):
    district, flood, _ = built
    assert (flood.title, flood.state, flood.org_id) == (f"{YEAR - 1}年防汛值守", CampaignState.CLOSED, district.pk)
    names = list(Segment.objects.filter(campaign=flood).order_by("order").values_list("name", flat=True))
    assert len(names) == 110 and names[0] == "K0+000–K0+500" and names[-1] == "K54+500–K55+000"
    shifts = Shift.objects.filter(campaign=flood)
    days = {timezone.localtime(s).date() for s in shifts.values_list("starts_at", flat=True)}
    assert shifts.count() == 110 * len(days) * 2 and all(d.year == YEAR - 1 for d in days)
    assert set(shifts.values_list("capacity", flat=True)) == {2}


@pytest.mark.django_db
def test_460_odd_members_claimed_and_brought_2000_odd_residents(built):
    district, flood, _ = built
    live = DutyClaim.objects.filter(campaign=flood, state=DutyState.CLAIMED)
    members = live.values("person_id").distinct().count()
    residents = Companion.objects.filter(claim__campaign=flood, claim__state=DutyState.CLAIMED).count()
    assert members >= 460 and residents >= 2000
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
def test_no_shift_is_over_claimed_and_nobody_holds_two_shifts_at_once(built):
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
def test_every_checked_out_flood_shift_is_a_confirmed_deed(built):
    _, flood, _ = built
    done = set(DutyClaim.objects.filter(campaign=flood, state=DutyState.CLAIMED, checked_out_at__isnull=False)
               .values_list("pk", flat=True))
    deeds = list(duty_deeds(flood.starts_on, flood.ends_on + dt.timedelta(days=1)))
    assert {int(d.source.split(":")[1]) for d in deeds} == done and len(deeds) == len(done)


@pytest.mark.django_db
def test_a_live_campaign_is_open_to_the_member_account_with_gaps_and_one_upcoming_shift_of_theirs(built):
    _, _, live = built
    member = User.objects.get(username="member")
    assert live.state == CampaignState.OPEN
    assert Campaign.objects.open_to(member.person).filter(pk=live.pk).exists()
    now = timezone.now()
    mine = DutyClaim.objects.filter(person_id=member.person_id, campaign=live, state=DutyState.CLAIMED)
    assert mine.count() == 1 and mine.get().starts_at > now and mine.get().checked_in_at is None
    cov = coverage(live, now)
    assert cov.claims > 0 and cov.short > 0 and 0 < cov.claimed < cov.capacity
    over = DutyClaim.objects.filter(campaign=live, state=DutyState.CLAIMED, ends_at__lte=now)
    assert over.exists() and not over.filter(checked_out_at__isnull=True).exists()
    assert not DutyClaim.objects.filter(campaign=live, starts_at__gt=now, checked_in_at__isnull=False).exists()
