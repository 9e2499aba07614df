"""一张网's horizontal panel (共驻共建): every figure equals an independent count of the same records — written
in plain Python over the rows (dates compared by hand, the pace rule of ``pace.pace_of`` applied row by row) —
for several scopes and periods, with rows that must not count beside those that must; each figure's rows are
exactly what it counts; the module's own pages give the same numbers; ``grouped`` runs one query per source
whatever the data size.

The world (``build_tree``: district → 2 streets → 2 communities each; S1 = streets[0] holds C1, C2 and S2 holds
C3, C4) is laid out so that each rule has a row on each side of it: a street council with two terms in 2018, a
unit with two seats on one council, a county-level cadre of a district unit, an item completed the year after its
agreement, a pairing that ended the year before, a pairing behind pace, an idle resource matched twice, a venue
given by a street council's unit to another street, a seat that begins after the match.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import Tree, user_with_post
from zongheng.cobuild.choices import (
    AgreementState,
    ItemKind,
    ItemState,
    NeedState,
    PartnerKind,
    Rank,
    ResourceKind,
    SeatKind,
    UnitLevel,
    UnitType,
)
from zongheng.cobuild.models import (
    Activity,
    Agreement,
    AgreementItem,
    Council,
    CouncilMember,
    Match,
    Need,
    Pairing,
    Resource,
    Service,
    Unit,
)
from zongheng.cobuild.pace import pace_of
from zongheng.core import metrics as mx
from zongheng.core.periods import TZ, Period
from zongheng.core.permissions import Role
from zongheng.orgs.models import Level, Org

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 10, tzinfo=TZ)
PERIODS = ["2018", "2019", "2018-Q2", "2018-03", "2019-Q1", "2017"]
CODES = [m.code for m in mx.metrics("horizontal")]


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


D = dt.date


# ---------------------------------------------------------------- the world


@dataclass
class World:
    tree: Tree
    units: dict[str, Unit]


_n = iter(range(1, 10**6))


def unit(place: Org, key: str, utype: str, level: str) -> Unit:
    lv, _ = Level.objects.get_or_create(code="unit", defaults={"name": "驻区单位", "rank": 45})
    name = f"单位{key}{next(_n)}"
    node = Org.objects.add_child(Org.objects.get(pk=place.pk), instance=Org(name=name, level=lv))
    return Unit.objects.create(org=node, org_path=node.path, name=name, place=place, type=utype, level=level)


def council(org: Org, starts: dt.date, ends: dt.date | None = None) -> Council:
    return Council.objects.create(org=org, org_path=org.path, name=f"{org.name}委员会{next(_n)}",
                                  term_starts_on=starts, term_ends_on=ends)


def seat(c: Council, u: Unit | None, starts: dt.date, ends: dt.date | None = None, rank: str = Rank.SECTION,
         kind: str = SeatKind.UNIT, **kw: Any) -> CouncilMember:
    return CouncilMember.objects.create(council=c, seat=kind, unit=u, name=f"委员{next(_n)}", rank=rank,
                                        post="党委书记", starts_on=starts, ends_on=ends, **kw)


def agreement(org: Org, u: Unit, signed: dt.date, state: str = AgreementState.ACTIVE) -> Agreement:
    return Agreement.objects.create(org=org, org_path=org.path, unit=u, unit_path=u.org_path,
                                    title=f"认领书{next(_n)}", signed_on=signed, starts_on=signed,
                                    ends_on=D(signed.year, 12, 31), state=state)


def item(a: Agreement, due: dt.date, done: dt.date | None = None, problems: int = 0,
         state: str | None = None) -> AgreementItem:
    state = state or (ItemState.DONE if done else ItemState.OPEN)
    return AgreementItem.objects.create(
        agreement=a, org_path=a.org_path, unit_path=a.unit_path, kind=ItemKind.JOINT_AFFAIRS,
        title=f"项目{next(_n)}", org_owner="张", unit_owner="李", due_on=due, state=state,
        progress=100 if state == ItemState.DONE else 30, completed_on=done, problems_solved=problems)


def pairing(org: Org, u: Unit | None, starts: dt.date, ends: dt.date | None = None,
            acts: list[dt.date] = ()) -> Pairing:
    kw: dict[str, Any] = ({"unit": u, "unit_path": u.org_path} if u is not None else
                          {"partner_kind": PartnerKind.OUTSIDE, "partner_name": f"先进社区{next(_n)}",
                           "partner_region": "浙江"})
    p = Pairing.objects.create(org=org, org_path=org.path, starts_on=starts, ends_on=ends, **kw)
    for day in acts:
        Activity.objects.create(pairing=p, held_on=day, kind="volunteer", content="志愿服务")
    return p


def need(org: Org, kind: str, created: dt.date, state: str = NeedState.OPEN) -> Need:
    n = Need.objects.create(org=org, org_path=org.path, kind=kind, title=f"需求{next(_n)}", quantity=100, state=state)
    Need.objects.filter(pk=n.pk).update(created_at=at(created))
    return n


def resource(u: Unit, kind: str, created: dt.date, capacity: int = 1000, idle: bool = False,
             place: Org | None = None) -> Resource:
    place = place or u.place
    r = Resource.objects.create(unit=u, unit_path=u.org_path, kind=kind, title=f"资源{next(_n)}", capacity=capacity,
                                place=place, place_path=place.path, idle=idle)
    Resource.objects.filter(pk=r.pk).update(created_at=at(created))
    return r


def service(org: Org, created: dt.date) -> Service:
    s = Service.objects.create(org=org, org_path=org.path, title=f"服务{next(_n)}")
    Service.objects.filter(pk=s.pk).update(created_at=at(created))
    return s


def match(n: Need, r: Resource, quantity: int, accepted: dt.datetime) -> Match:
    holder = agreement(n.org, r.unit, D(2016, 1, 4))  # the match's item: an agreement outside every period
    it = item(holder, D(2016, 6, 1), state=ItemState.OPEN)
    m = Match.objects.create(need=n, resource=r, quantity=quantity, reason="同类资源", item=it)
    Match.objects.filter(pk=m.pk).update(accepted_at=accepted)
    Resource.objects.filter(pk=r.pk).update(used=r.used + quantity)
    return m


def build(tree: Tree) -> World:
    s1, s2 = tree.streets
    c1, c2, c3, c4 = tree.communities
    u = {
        "A": unit(c1, "A", UnitType.AGENCY, UnitLevel.CITY),  # 市直机关
        "B": unit(c2, "B", UnitType.PRIVATE_ENTERPRISE, UnitLevel.LOCAL),
        "C": unit(s2, "C", UnitType.SOCIAL, UnitLevel.LOCAL),  # sits at the street itself
        "D": unit(c3, "D", UnitType.STATE_ENTERPRISE, UnitLevel.CITY),
        "E": unit(c4, "E", UnitType.INSTITUTION, UnitLevel.DISTRICT),
        "F": unit(c4, "F", UnitType.AGENCY, UnitLevel.DISTRICT),
    }
    # Councils: S1 has two terms in 2018 (counted once), S2's begins in 2019; C3's ran only in 2018's second half.
    s1_old = council(s1, D(2016, 1, 1), D(2018, 3, 31))
    s1_new = council(s1, D(2018, 4, 1))
    s2_c = council(s2, D(2019, 1, 1))
    c1_c = council(c1, D(2018, 1, 1))
    c3_c = council(c3, D(2018, 6, 1), D(2018, 12, 31))
    seat(s1_old, u["A"], D(2016, 1, 1), D(2018, 3, 31), rank=Rank.COUNTY)
    seat(s1_new, u["A"], D(2018, 4, 1), rank=Rank.COUNTY)
    seat(s1_new, u["B"], D(2018, 4, 1), D(2018, 8, 31))  # B's representative changes: B counts once
    seat(s1_new, u["B"], D(2018, 9, 1))
    seat(s1_new, None, D(2018, 4, 1), kind=SeatKind.OWN)  # the street's own cadre: not a unit member
    seat(s2_c, u["C"], D(2019, 1, 1))
    seat(s2_c, u["D"], D(2019, 1, 1), rank=Rank.COUNTY)  # a county cadre on a street council: not the article's
    seat(c1_c, u["A"], D(2018, 1, 1), rank=Rank.COUNTY)  # 市直县处级 on a community council: counts
    seat(c1_c, u["B"], D(2018, 2, 1), D(2019, 6, 30))
    seat(c1_c, None, D(2018, 1, 1), kind=SeatKind.SENT, sent_from=s1)
    seat(c3_c, u["D"], D(2018, 6, 1), rank=Rank.COUNTY)  # 市直 state enterprise, 县处级: counts
    seat(c3_c, u["E"], D(2018, 6, 1), rank=Rank.COUNTY)  # 区直: not 市直, does not count
    seat(c3_c, u["F"], D(2018, 7, 1), D(2018, 7, 31))  # a month only
    # Agreements and items.
    a1 = agreement(c1, u["A"], D(2018, 3, 1))
    item(a1, D(2018, 6, 30), done=D(2018, 6, 1), problems=3)
    item(a1, D(2018, 12, 1), done=D(2019, 1, 15), problems=2)  # completed the next year: counts in 2019
    item(a1, D(2018, 12, 1))
    a2 = agreement(s1, u["B"], D(2018, 5, 10), state=AgreementState.DONE)
    item(a2, D(2018, 6, 30), done=D(2018, 5, 20), problems=1)
    item(a2, D(2018, 9, 30), state=ItemState.DROPPED)
    a3 = agreement(c3, u["D"], D(2019, 2, 1))
    item(a3, D(2019, 6, 30), done=D(2019, 3, 10), problems=4)
    agreement(c2, u["B"], D(2018, 12, 20), state=AgreementState.DRAFT)
    # Pairings: on pace, behind, outside partner, begun later, ended before, an institution's.
    pairing(c1, u["A"], D(2017, 6, 1), acts=[D(2018, 2, 1), D(2018, 5, 1), D(2018, 8, 1), D(2018, 11, 1),
                                             D(2019, 1, 20)])
    pairing(c2, u["B"], D(2018, 7, 1), D(2019, 6, 30), acts=[D(2018, 8, 10)])  # behind at 2018's end
    pairing(c3, None, D(2018, 1, 1), acts=[D(2018, 1, 10), D(2018, 3, 2), D(2018, 6, 1), D(2018, 9, 9),
                                           D(2018, 12, 1), D(2019, 3, 30)])
    pairing(c4, u["C"], D(2019, 5, 1))
    pairing(c3, u["D"], D(2016, 1, 1), D(2017, 12, 31), acts=[D(2017, 5, 5)])
    pairing(c4, u["E"], D(2018, 2, 1), acts=[D(2018, 4, 1)])
    # The lists and matches.
    n1 = need(c1, ResourceKind.VENUE, D(2018, 3, 5), NeedState.MATCHED)
    n2 = need(c2, ResourceKind.FUNDS, D(2018, 5, 5), NeedState.MATCHED)
    n3 = need(c3, ResourceKind.VENUE, D(2018, 11, 1))
    n4 = need(c4, ResourceKind.GOODS, D(2019, 1, 10), NeedState.CLOSED)
    n5 = need(c1, ResourceKind.VENUE, D(2019, 2, 1), NeedState.MATCHED)
    n6 = need(c3, ResourceKind.VENUE, D(2018, 9, 1))
    r1 = resource(u["A"], ResourceKind.VENUE, D(2018, 2, 1), idle=True)
    r2 = resource(u["B"], ResourceKind.FUNDS, D(2018, 4, 1), capacity=100_000)
    r3 = resource(u["D"], ResourceKind.GOODS, D(2019, 1, 5), capacity=10, idle=True)
    r4 = resource(u["C"], ResourceKind.VENUE, D(2018, 6, 1))
    resource(u["E"], ResourceKind.SKILLS, D(2018, 6, 2), place=c3)  # offered away from the unit's community
    service(c1, D(2018, 1, 10))
    service(c3, D(2019, 3, 1))
    service(c4, D(2018, 7, 1))
    match(n1, r1, 200, at(D(2018, 3, 20)))  # r1's first match: idle put to use; A sits on S1's council
    match(n5, r1, 100, at(D(2019, 2, 10)))  # r1 again: not put to use a second time
    match(n2, r2, 50_000, at(D(2018, 5, 20)))
    match(n3, r4, 120, at(D(2018, 11, 10)))  # C's street seat begins in 2019: not premises in 2018
    match(n4, r3, 5, at(D(2019, 1, 20)))
    match(n6, r1, 50, at(D(2018, 9, 10)))  # A's venue to a community of another street: not premises
    return World(tree, u)


@pytest.fixture
def world(tree: Tree) -> World:
    return build(tree)


# ---------------------------------------------------------------- the independent count


def _ran(start: dt.date | None, end: dt.date | None, p: Period) -> bool:
    return (start is None or start < p.end_date) and (end is None or end >= p.start_date)


def _in(day: dt.date | dt.datetime | None, p: Period) -> bool:
    if day is None:
        return False
    if isinstance(day, dt.datetime):
        day = day.astimezone(TZ).date()
    return p.start_date <= day < p.end_date


@dataclass
class Records:
    """Every row of the module, read once (the count below runs no query)."""

    levels: dict[str, str]
    councils: list[Council]
    seats: list[CouncilMember]
    agreements: list[Agreement]
    items: list[AgreementItem]
    pairings: list[Pairing]
    activities: list[Activity]
    needs: list[Need]
    resources: list[Resource]
    services: list[Service]
    matches: list[Match]


def load() -> Records:
    return Records(
        {o.path: o.level.code for o in Org.objects.select_related("level")}, list(Council.objects.all()),
        list(CouncilMember.objects.select_related("council", "unit")), list(Agreement.objects.all()),
        list(AgreementItem.objects.select_related("agreement")), list(Pairing.objects.select_related("unit")),
        list(Activity.objects.select_related("pairing")), list(Need.objects.all()), list(Resource.objects.all()),
        list(Service.objects.all()),
        sorted(Match.objects.select_related("need", "resource"), key=lambda m: (m.accepted_at, m.pk)))


def direct(path: str, p: Period, rec: Records | None = None) -> dict[str, Any]:
    """Every horizontal figure of the organisation at ``path`` for ``p``, counted in Python row by row."""
    rec = rec or load()
    under = (lambda x: x.startswith(path))  # noqa: E731
    out: dict[str, Any] = defaultdict(int)
    levels = rec.levels
    streets, communities = ("street", "township"), ("community", "village")
    # Councils: the organisations with a term in the period.
    for lv, code in ((streets, "street_councils"), (communities, "community_councils")):
        out[code] = len({c.org_id for c in rec.councils
                         if under(c.org_path) and levels[c.org_path] in lv
                         and _ran(c.term_starts_on, c.term_ends_on, p)})
    pairs = set()
    for m in rec.seats:
        c = m.council
        if not (under(c.org_path) and m.seat == SeatKind.UNIT and _ran(m.starts_on, m.ends_on, p)
                and _ran(c.term_starts_on, c.term_ends_on, p)):
            continue
        if levels[c.org_path] in streets:
            pairs.add((c.pk, m.unit_id))
        else:
            out["community_council_units"] += 1
            out["county_cadres"] += m.rank == Rank.COUNTY and m.unit.level == UnitLevel.CITY
    out["street_council_units"] = len(pairs)
    for a in rec.agreements:
        out["agreements"] += under(a.org_path) and _in(a.signed_on, p) and a.state != AgreementState.DRAFT
    for it in rec.items:
        if not under(it.org_path):
            continue
        out["items"] += _in(it.agreement.signed_on, p) and it.agreement.state != AgreementState.DRAFT
        if it.state == ItemState.DONE and _in(it.completed_on, p):
            out["items_done"] += 1
            out["problems_solved"] += it.problems_solved
    day = min(p.end_date - dt.timedelta(days=1), NOW.date())
    for pr in rec.pairings:
        if not (under(pr.org_path) and _ran(pr.starts_on, pr.ends_on, p)):
            continue
        out["pairings"] += 1
        kind = pr.unit.type if pr.unit else None
        out["pairings_organs"] += kind == UnitType.AGENCY
        out["pairings_nonpublic"] += kind in (UnitType.PRIVATE_ENTERPRISE, UnitType.SOCIAL)
        out["pairings_remote"] += pr.partner_kind == PartnerKind.OUTSIDE
        if pr.starts_on <= day and (pr.ends_on is None or pr.ends_on >= day):
            out["pairings_running"] += 1
            held = sum(a.pairing_id == pr.pk and D(day.year, 1, 1) <= a.held_on <= day for a in rec.activities)
            out["pairings_on_pace"] += not pace_of(pr.required_per_year, held, day, pr.starts_on, pr.ends_on).behind
    for act in rec.activities:
        out["activities"] += under(act.pairing.org_path) and _in(act.held_on, p)
    for n in rec.needs:
        if under(n.org_path) and _in(n.created_at, p):
            out["needs"] += 1
            out["needs_matched"] += n.state == NeedState.MATCHED
            out["list_entries"] += 1
    out["list_entries"] += sum(under(r.place_path) and _in(r.created_at, p) for r in rec.resources)
    services = sum(under(s.org_path) and _in(s.created_at, p) for s in rec.services)
    out["list_entries"] += services
    out["list_services"] = services
    seen: set[int] = set()
    for m in rec.matches:  # in the order they were accepted
        first = m.resource_id not in seen
        seen.add(m.resource_id)
        if not (under(m.need.org_path) and _in(m.accepted_at, p)):
            continue
        r = m.resource
        out["matches"] += 1
        out["idle_resources"] += first and r.idle
        out["funds_raised"] += m.quantity if r.kind == ResourceKind.FUNDS else 0
        if r.kind == ResourceKind.VENUE:
            out["venue_m2"] += m.quantity
            on_street_council = any(
                s.unit_id == r.unit_id and s.seat == SeatKind.UNIT and levels[s.council.org_path] in streets
                and m.need.org_path.startswith(s.council.org_path) and _ran(s.starts_on, s.ends_on, p)
                and _ran(s.council.term_starts_on, s.council.term_ends_on, p)
                for s in rec.seats)
            out["space_m2"] += m.quantity if on_street_council else 0
    out["pairings_pace_rate"] = mx.ratio(out["pairings_on_pace"], out["pairings_running"])
    out["needs_match_rate"] = mx.ratio(out["needs_matched"], out["needs"])
    return {f"horizontal.{k}": v for k, v in out.items()}


def computed(path: str, p: Period) -> dict[str, Any]:
    groups = mx.grouped(CODES, path, len(path), p, NOW)
    return {code: groups[code].get(path, None if mx.metric(code).is_ratio else 0) for code in CODES}  # type: ignore[union-attr]


# ---------------------------------------------------------------- tests


def test_every_horizontal_figure_of_the_article_is_registered_on_the_horizontal_panel() -> None:
    from zongheng.net import article

    wanted = {f.code for f in article.FIGURES if f.code.startswith("horizontal.")}
    assert wanted <= set(CODES)
    assert all(mx.metric(c).panel == "horizontal" for c in CODES)  # type: ignore[union-attr]


def test_each_figure_equals_the_direct_count_for_every_scope_and_period(world: World) -> None:
    tree = world.tree
    scopes = [tree.district, *tree.streets, tree.communities[0], tree.communities[2], tree.communities[3]]
    rec = load()
    for org in scopes:
        for text in PERIODS:
            p = Period.parse(text)
            expected, got = direct(org.path, p, rec), computed(org.path, p)
            for code in CODES:
                assert got[code] == expected.get(code, 0), (org.name, text, code)


def test_the_district_s_2018_counts_what_the_rules_say_and_leaves_out_what_they_exclude(world: World) -> None:
    got = computed(world.tree.district.path, Period.parse("2018"))
    h = {k.removeprefix("horizontal."): v for k, v in got.items()}
    assert h["street_councils"] == 1  # S1 once for its two terms; S2's council begins in 2019
    assert h["community_councils"] == 2  # C1, C3
    assert h["street_council_units"] == 3  # S1 old: A; S1 new: A, B (B's two seats once)
    assert h["community_council_units"] == 5  # C1: A, B; C3: D, E, F (the sent cadre is no unit member)
    assert h["county_cadres"] == 2  # A and D (市直, 县处级); E is 区直
    assert h["agreements"] == 2  # a1, a2 (a draft is not signed); a3 is 2019's, the matches' holders 2016's
    assert h["items"] == 5
    assert (h["items_done"], h["problems_solved"]) == (2, 4)  # a1's 2019 completion counts in 2019
    assert h["pairings"] == 4  # not C's (2019) nor D's (ended 2017)
    assert (h["pairings_organs"], h["pairings_nonpublic"], h["pairings_remote"]) == (1, 1, 1)
    assert (h["pairings_running"], h["pairings_on_pace"]) == (4, 2)  # B behind (1 of 2), E behind (1 of 3)
    assert h["activities"] == 11  # not D's of 2017, nor those of 2019
    assert (h["needs"], h["needs_matched"]) == (4, 2)
    assert h["list_entries"] == 4 + 4 + 2  # needs, resources (not r3: 2019), services (not C3's: 2019)
    assert h["matches"] == 4 and h["idle_resources"] == 1  # r1's first match only
    assert (h["funds_raised"], h["venue_m2"], h["space_m2"]) == (50_000, 370, 200)
    got19 = computed(world.tree.district.path, Period.parse("2019"))
    assert got19["horizontal.idle_resources"] == 1  # r3 (r1's second match is not a second resource)
    assert got19["horizontal.space_m2"] == 100  # A's seat on S1's new council stands in 2019
    assert got19["horizontal.problems_solved"] == 2 + 4


def test_children_are_read_in_one_query_per_source_and_equal_their_direct_counts(world: World) -> None:
    tree = world.tree
    p = Period.parse("2018")
    kids = [s.path for s in tree.streets]
    readings = mx.read(CODES, tree.district.path, kids, p, NOW)
    rec = load()
    for street in tree.streets:
        expected = direct(street.path, p, rec)
        for code in CODES:
            assert readings[code].children[street.path] == expected.get(code, 0), (street.name, code)
    assert readings["horizontal.agreements"].value == 2
    assert readings["horizontal.agreements"].previous == direct(tree.district.path, Period.parse("2017"))[
        "horizontal.agreements"]


def test_each_figure_s_rows_are_exactly_what_it_counts_and_show_their_own_pages(world: World, client) -> None:
    tree = world.tree
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    for org in (tree.district, tree.streets[0], tree.communities[2]):
        for text in ("2018", "2019-Q1"):
            p = Period.parse(text)
            got = computed(org.path, p)
            for m in mx.metrics("horizontal"):
                if m.is_ratio:
                    continue
                qs = mx.rows(m.code, org.path, p, NOW)
                value = qs.aggregate(s=Sum(m.sum_of))["s"] or 0 if m.sum_of else qs.count()
                assert value == got[m.code], (org.name, text, m.code)
    shown = 0
    for m in mx.metrics("horizontal"):
        if m.is_ratio:
            continue
        src = mx.source_of(m.code)
        for obj in mx.rows(m.code, tree.district.path, Period.parse("2018"), NOW)[:3]:
            row = src.show(obj)
            assert row.title and row.detail and row.url
            assert client.get(row.url).status_code == 200, (m.code, row.url)
            shown += 1
    assert shown > 40


def test_the_rows_page_of_a_figure_lists_its_rows_for_the_scope_only(world: World, client) -> None:
    c1, c3 = world.tree.communities[0], world.tree.communities[2]
    client.force_login(user_with_post(c3, Role.SECRETARY))
    response = client.get(reverse("net:rows", args=[c3.pk, "horizontal.pairings"]), {"period": "2018"})
    assert response.status_code == 200
    titles = [r.title for r in response.context["items"]]
    assert len(titles) == 1 and titles[0].startswith(c3.name)  # the outside pairing; D's ended in 2017
    assert client.get(reverse("net:rows", args=[c1.pk, "horizontal.pairings"]), {"period": "2018"}
                      ).status_code == 404


def test_the_module_s_own_pages_give_the_same_numbers_for_the_district(world: World) -> None:
    from zongheng.cobuild import selectors_agreements as agreements_sel
    from zongheng.cobuild.figures_lists import figures
    from zongheng.cobuild.performance import unit_performance

    tree = world.tree
    user = user_with_post(tree.district, Role.SECRETARY)
    for year in (2018, 2019):
        got = computed(tree.district.path, Period("year", year))
        signed = agreements_sel.agreement_list(user, {"year": str(year)}).exclude(state=AgreementState.DRAFT)
        assert got["horizontal.agreements"] == signed.count()
        perf = unit_performance(Unit.objects.all(), year)
        assert got["horizontal.problems_solved"] == sum(x.problems for x in perf.values())
    lists = {f.key: f.value for f in figures(user)}
    every = [computed(tree.district.path, Period("year", y)) for y in range(2015, 2027)]
    assert sum(g["horizontal.idle_resources"] for g in every) == lists["idle_used"]
    assert sum(g["horizontal.funds_raised"] for g in every) == lists["funds"]
    assert sum(g["horizontal.venue_m2"] for g in every) == lists["venue"]
    assert sum(g["horizontal.needs"] for g in every) == lists["needs"]
    # The pace today: the pairing list's running pairings and those behind pace.
    today = timezone.localtime(NOW).date()
    now_year = computed(tree.district.path, Period("year", today.year))
    running = agreements_sel.pairing_list(user, {"active": "1"}, today).count()
    behind = agreements_sel.pairing_list(user, {"active": "1", "pace": "behind"}, today).count()
    assert now_year["horizontal.pairings_running"] == running == 4
    assert now_year["horizontal.pairings_on_pace"] == running - behind


def test_grouped_runs_one_query_per_source_whatever_the_data_size(world: World) -> None:
    tree = world.tree
    sources = {mx.source_of(c).name for c in CODES}
    p = Period.parse("2018")
    length = len(tree.district.path) + Org.steplen
    with CaptureQueriesContext(connection) as small:
        mx.grouped(CODES, tree.district.path, length, p, NOW)
    assert len(small) == len(sources) == 9
    u = world.units
    for i, c in enumerate(tree.communities):  # more of everything
        for k in range(3):
            a = agreement(c, u["B"], D(2018, 2 + k, 1 + i))
            item(a, D(2018, 9, 1), done=D(2018, 8, 1), problems=1)
            pairing(c, u["F"] if k == 0 else None, D(2018, 1, 1), acts=[D(2018, 3, 1), D(2018, 6, 1)])
            n = need(c, ResourceKind.VENUE, D(2018, 4, 1))
            match(n, resource(u["A"], ResourceKind.VENUE, D(2018, 3, 1), idle=True), 10, at(D(2018, 4, 2)))
            service(c, D(2018, 5, 1))
        seat(council(c, D(2018, 1, 2)), u["D"], D(2018, 1, 2))
    with CaptureQueriesContext(connection) as large:
        groups = mx.grouped(CODES, tree.district.path, length, p, NOW)
    assert len(large) == len(small)
    assert sum(groups["horizontal.agreements"].values()) == direct(tree.district.path, p)["horizontal.agreements"]
