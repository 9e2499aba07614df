"""一张网's panel "members" (党员作用): every figure equals a direct count of the records — written row by row in
Python — for several scopes and periods, rows that must not count among them; its rows are the rows it
counts; a source's figures cost one query whatever the size of the data."""

from __future__ import annotations

import datetime as dt
import importlib
import random
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import Tree, make_person, user_with_post
from zongheng.core import metrics as mx
from zongheng.core.periods import Period
from zongheng.core.permissions import Role
from zongheng.demands import actions as demand_actions
from zongheng.demands.choices import Channel, Urgency
from zongheng.demands.models import Category
from zongheng.members import actions_campaigns as campaign_actions
from zongheng.members.choices import (
    ActivityState,
    CampaignKind,
    CampaignState,
    Deed,
    DutyState,
    RegistrationState,
    SignUpState,
)
from zongheng.members.models import (
    Activity,
    Campaign,
    Companion,
    DutyClaim,
    PointEntry,
    Registration,
    Segment,
    Shift,
    SignUp,
    Visit,
)
from zongheng.orgs.models import LinkedHousehold, Org

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2019, 3, 1, 12, 0, tzinfo=TZ)
PERIODS = [Period.parse("2018"), Period.parse("2018-Q3"), Period.parse("2017"), Period.parse("2018-07")]
SOURCES = ("members.registration", "members.visit", "members.activity", "members.signup", "members.point",
           "members.campaign")
CODES = [m.code for m in mx.metrics("members")]
PHONE = re.compile(r"1[3-9]\d{9}")


def _day(rng: random.Random) -> dt.date:
    return dt.date(2017, 6, 1) + dt.timedelta(days=rng.randrange(0, 600))


def _moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def build(tree: Tree, seed: int, n: int = 12) -> dict[str, Any]:
    """Random records of every kind, counted and not (declined and ended registrations, cancelled activities,
    absent or cancelled sign-ups, draft campaigns, released claims, posts without a length …)."""
    rng = random.Random(seed)
    members = [make_person(rng.choice(tree.grids)) for _ in range(6)]
    households = [LinkedHousehold.objects.create(central=h, address=f"幸福里{i}号") for i, h in
                  enumerate(tree.households)]
    grid_of = {h.pk: g for h, g in zip(tree.households, tree.grids, strict=True)}
    open_ones: set[int] = set()  # one open registration per member
    for _ in range(n):
        person = rng.choice(members)
        community = rng.choice(tree.communities)
        state = rng.choice(list(RegistrationState.values))
        if state in ("applied", "confirmed"):
            if person.pk in open_ones:
                state = RegistrationState.ENDED
            open_ones.add(person.pk)
        applied = _day(rng)
        confirmed = applied + dt.timedelta(days=rng.randrange(1, 20)) if state in ("confirmed", "ended") else None
        ended = confirmed + dt.timedelta(days=rng.randrange(1, 300)) if state == "ended" and confirmed else None
        Registration.objects.create(person=person, member_path=person.org_path, community=community,
                                    org_path=community.path, state=state, applied_on=applied,
                                    confirmed_on=confirmed, ended_on=ended)
        household = rng.choice(households)
        visited = _day(rng)
        raised = rng.random() < 0.5
        demand = None
        if raised and rng.random() < 0.5:  # the concern became a demand
            demand, _ = demand_actions.do_submit_demand(None, {
                "channel": Channel.VISIT, "category": Category.objects.order_by("id").first(),
                "urgency": Urgency.NORMAL, "description": "楼顶漏水", "address": household.address,
                "grid": grid_of[household.central_id], "phone": ""}, now=_moment(visited, 15))
        Visit.objects.create(household=household, central=household.central, org_path=household.central.path,
                             visitor=person, visited_on=visited, raised="楼顶漏水" if raised else "", demand=demand)
        org = rng.choice([*tree.communities, *tree.streets, tree.district])
        start = _moment(_day(rng), rng.randrange(8, 20))
        activity = Activity.objects.create(
            org=org, org_path=org.path, title=f"活动{rng.randrange(1000)}", place="广场", starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            state=rng.choice([ActivityState.HELD, ActivityState.HELD, ActivityState.CANCELLED,
                              ActivityState.PUBLISHED]))
        signers = rng.sample(members, len(members))
        for k in range(rng.randrange(0, 5)):
            member = rng.random() < 0.4
            SignUp.objects.create(activity=activity, person=signers.pop() if member else None,
                                  name="" if member else f"居民{k}", is_member=member,
                                  state=rng.choice([SignUpState.SIGNED, SignUpState.SIGNED, SignUpState.CANCELLED]),
                                  attended=rng.choice([True, True, False, None]), walk_in=rng.random() < 0.2)
        occurred = _day(rng)
        PointEntry.objects.create(person=person, year=occurred.year, occurred_on=occurred, deed=Deed.CLAIM,
                                  points=rng.choice([2, 5, 10, -3]), source=f"claim:{rng.randrange(10**9)}")
    for i in range(3):
        org = [tree.district, tree.streets[0], tree.communities[3]][i]
        first = dt.date(2018, 7, 10) if i != 1 else dt.date(2017, 12, 30)
        c = campaign_actions.do_create_campaign(None, {
            "org": org, "kind": CampaignKind.FLOOD, "title": f"防汛值守{i}", "starts_on": first,
            "ends_on": first + dt.timedelta(days=4)})
        campaign_actions.do_generate(None, c, {
            "segment_mode": "chainage", "start_km": "0", "total_km": "2.2", "step_km": "0.5",
            "shifts_from": first, "shifts_to": first + dt.timedelta(days=3), "slots": "08:00-20:00", "capacity": 3})
        campaign_actions.do_generate(None, c, {"segment_mode": "numbered", "count": 2, "pattern": "第{n}岗",
                                               "shifts_from": first, "shifts_to": first, "slots": "20:00-23:00",
                                               "capacity": 2, "shift_segments": "new"})
        if i < 2:
            campaign_actions.do_transition_campaign(None, c, CampaignState.OPEN)  # the third stays a draft
        for shift in Shift.objects.filter(campaign=c).order_by("id"):
            for person in rng.sample(members, rng.randrange(0, shift.capacity + 1)):
                claim = DutyClaim.objects.create(
                    shift=shift, campaign=c, person=person, starts_at=shift.starts_at, ends_at=shift.ends_at,
                    state=DutyState.RELEASED if rng.random() < 0.25 else DutyState.CLAIMED)
                for k in range(rng.randrange(0, 3)):
                    Companion.objects.create(claim=claim, name=f"群众{k}")
    return {"members": members}


# ---------------------------------------------------------------- the definitions, row by row


def _in(path: str, scope: str) -> bool:
    return path.startswith(scope)


def direct(scope: str, period: Period) -> dict[str, Any]:
    s, e = period.start_date, period.end_date
    regs = [r for r in Registration.objects.all()
            if r.state in ("confirmed", "ended") and r.confirmed_on < e and (r.ended_on is None or r.ended_on >= s)
            and _in(r.community.path, scope)]
    visits = [v for v in Visit.objects.select_related("central") if s <= v.visited_on < e
              and _in(v.central.path, scope)]
    held = [a for a in Activity.objects.select_related("org") if a.state == "held"
            and period.start <= a.starts_at < period.end and _in(a.org.path, scope)]
    ids = {a.pk for a in held}
    attended = [x for x in SignUp.objects.all() if x.activity_id in ids and x.state == "signed" and x.attended is True]
    points = [p for p in PointEntry.objects.select_related("person") if s <= p.occurred_on < e
              and _in(p.person.org_path, scope)]
    campaigns = [c for c in Campaign.objects.select_related("org") if c.state != "draft"
                 and c.starts_on < e and c.ends_on >= s and _in(c.org.path, scope)]
    live = [c for c in DutyClaim.objects.select_related("shift__segment")
            if c.state == "claimed" and period.start <= c.starts_at < period.end]
    per_campaign = {c.pk: [x for x in live if x.campaign_id == c.pk] for c in campaigns}
    duty_members = sum(len({x.person_id for x in claims}) for claims in per_campaign.values())
    km = sum((seg.length_km for seg in {x.shift.segment for claims in per_campaign.values() for x in claims}
              if seg.length_km is not None), Decimal(0))
    residents = sum(x.companions.count() for claims in per_campaign.values() for x in claims)
    return {
        "members.registered": len(regs),
        "members.registered_new": len([r for r in regs if r.confirmed_on >= s]),
        "members.visits": len(visits),
        "members.visit_demands": len([v for v in visits if v.demand_id]),
        "members.activities": len(held),
        "members.participations": len(attended),
        "members.participations_members": len([x for x in attended if x.is_member]),
        "members.participations_residents": len([x for x in attended if not x.is_member]),
        "members.points": sum(p.points for p in points),
        "members.campaigns": len(campaigns),
        "members.duty_members": duty_members,
        "members.duty_km": km,
        "members.duty_residents": residents,
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_every_members_figure_equals_a_direct_count_for_each_scope_and_period(tree: Tree, seed: int) -> None:
    build(tree, seed)
    scopes = [tree.district, tree.streets[0], tree.communities[1], tree.communities[3]]
    for period in PERIODS:
        for org in scopes:
            want = direct(org.path, period)
            got = mx.grouped(CODES, org.path, len(org.path), period, NOW)
            for code in CODES:
                assert (got[code].get(org.path) or 0) == want[code], (code, org.name, str(period))
                rows = mx.rows(code, org.path, period, NOW)
                m = mx.metric(code)
                assert m is not None
                opened = sum((getattr(r, m.sum_of) for r in rows), 0) if m.sum_of else rows.count()
                assert opened == want[code], ("rows", code, org.name, str(period))


def test_the_district_s_children_add_up_with_its_own_rows_and_the_previous_period_is_read(tree: Tree) -> None:
    build(tree, 3)
    period = Period.parse("2018")
    readings = mx.read(CODES, tree.district.path, [s.path for s in tree.streets], period, NOW)
    for code in CODES:
        own = direct(tree.district.path, period)[code] - sum(direct(s.path, period)[code] for s in tree.streets)
        assert readings[code].value == sum(readings[code].children.values()) + own
        assert readings[code].previous == direct(tree.district.path, Period.parse("2017"))[code]
    assert readings["members.duty_km"].value > 0 and readings["members.duty_residents"].value > 0


def test_the_kilometres_are_the_stretches_claimed_in_the_period_and_posts_add_none(tree: Tree) -> None:
    member = make_person(tree.grids[0])
    first = dt.date(2018, 7, 30)
    c = campaign_actions.do_create_campaign(None, {"org": tree.streets[0], "kind": CampaignKind.FLOOD,
                                                   "title": "2018年防汛值守", "starts_on": first,
                                                   "ends_on": first + dt.timedelta(days=3)})
    campaign_actions.do_generate(None, c, {"segment_mode": "chainage", "start_km": "3", "total_km": "1.2",
                                           "step_km": "0.5", "shifts_from": first, "shifts_to": first + dt.timedelta(
                                               days=3), "slots": "08:00-20:00", "capacity": 2})
    campaign_actions.do_generate(None, c, {"segment_mode": "numbered", "count": 1, "pattern": "指挥部{n}",
                                           "shifts_from": first, "shifts_to": first, "slots": "08:00-20:00",
                                           "capacity": 2, "shift_segments": "new"})
    campaign_actions.do_transition_campaign(None, c, CampaignState.OPEN)
    lengths = dict(Segment.objects.filter(campaign=c).values_list("name", "length_km"))
    assert lengths == {"K3+000–K3+500": Decimal("0.5"), "K3+500–K4+000": Decimal("0.5"),
                       "K4+000–K4+200": Decimal("0.2"), "指挥部1": None}

    def claim(name: str, day: dt.date, state: str = DutyState.CLAIMED) -> None:
        shift = Shift.objects.get(segment__campaign=c, segment__name=name, starts_at=_moment(day, 8))
        DutyClaim.objects.create(shift=shift, campaign=c, person=member, starts_at=shift.starts_at,
                                 ends_at=shift.ends_at, state=state)

    claim("K3+000–K3+500", first)  # July
    claim("K4+000–K4+200", first + dt.timedelta(days=2))  # August 1st
    claim("K3+500–K4+000", first, DutyState.RELEASED)  # given back: not claimed
    claim("指挥部1", first)  # a post: no length
    path = tree.streets[0].path

    def km(period: str) -> Any:
        return mx.grouped(["members.duty_km"], path, len(path), Period.parse(period), NOW)["members.duty_km"].get(path)

    assert (km("2018-07"), km("2018-08"), km("2018")) == (Decimal("0.5"), Decimal("0.2"), Decimal("0.7"))
    assert km("2018-09") is None
    members = mx.grouped(["members.duty_members"], path, len(path), Period.parse("2018"), NOW)
    assert members["members.duty_members"][path] == 1  # one member, however many shifts


def test_stretches_cut_before_lengths_were_kept_get_the_length_their_name_states(tree: Tree) -> None:
    from django.apps import apps

    migration = importlib.import_module("zongheng.members.migrations.0004_segment_length_km")
    c = campaign_actions.do_create_campaign(None, {"org": tree.district, "title": "2017年防汛值守",
                                                   "starts_on": dt.date(2017, 7, 1), "ends_on": dt.date(2017, 7, 9)})
    names = ["K0+000–K0+500", "K12+500–K13+250", "第1岗", "K9+000–K8+000"]
    Segment.objects.bulk_create([Segment(campaign=c, name=n, order=i) for i, n in enumerate(names)])
    migration.lengths_from_names(apps, None)
    assert dict(Segment.objects.filter(campaign=c).values_list("name", "length_km")) == {
        "K0+000–K0+500": Decimal("0.5"), "K12+500–K13+250": Decimal("0.75"), "第1岗": None, "K9+000–K8+000": None}


def test_a_source_s_figures_cost_one_query_whatever_the_size(tree: Tree) -> None:
    build(tree, 4, n=3)
    period = Period.parse("2018")
    with CaptureQueriesContext(connection) as small:
        mx.grouped(CODES, tree.district.path, len(tree.district.path) + Org.steplen, period, NOW)
    build(tree, 5, n=20)
    with CaptureQueriesContext(connection) as large:
        mx.grouped(CODES, tree.district.path, len(tree.district.path) + Org.steplen, period, NOW)
    assert len(small) == len(large) == len(SOURCES)


def _rows_pages(client, tree: Tree) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """{code: queries} of the rows pages of the members' figures (the district, 2018), each checked."""
    out = {}
    for code in CODES:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("net:rows", args=[tree.district.pk, code]), {"period": "2018"})
        assert response.status_code == 200
        items = response.context["items"]
        counted = mx.rows(code, tree.district.path, Period.parse("2018"), NOW)
        assert len(items) == min(50, counted.count())
        assert all(item.title and item.url for item in items)
        assert not PHONE.search(response.content.decode())  # never a phone number in full
        out[code] = len(queries) if items else -1  # an empty page skips the rows' query
    return out


def test_the_rows_pages_list_the_counted_rows_without_a_full_phone_in_a_constant_number_of_queries(
        client, tree: Tree) -> None:
    build(tree, 6, n=8)
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    small = _rows_pages(client, tree)
    assert sum(n > 0 for n in small.values()) >= len(CODES) - 2
    build(tree, 7, n=25)
    large = _rows_pages(client, tree)
    assert {code: large[code] for code, n in small.items() if n > 0} == {
        code: n for code, n in small.items() if n > 0}
    response = client.get(reverse("net:rows", args=[tree.district.pk, "members.duty_km"]), {"period": "2018"})
    assert "公里" in "".join(item.detail for item in response.context["items"])


def test_another_street_s_members_rows_answer_404(client, tree: Tree) -> None:
    build(tree, 7, n=4)
    client.force_login(user_with_post(tree.streets[0], Role.SECRETARY))
    other = client.get(reverse("net:rows", args=[tree.streets[1].pk, "members.registered"]), {"period": "2018"})
    assert other.status_code == 404
    own = client.get(reverse("net:rows", args=[tree.streets[0].pk, "members.registered"]), {"period": "2018"})
    assert own.status_code == 200
    assert all(r.community.path.startswith(tree.streets[0].path)
               for r in Registration.objects.filter(pk__in=[int(i.url.rstrip("/").rsplit("/", 1)[1])
                                                           for i in own.context["items"]]))
