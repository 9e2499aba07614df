"""An organisation's points (积分统计): its totals, average and distribution, and each child's, equal direct
sums over the ledger for random data; nobody reaches another organisation's members' points by page, API,
export or a guessed id; the pages and lists run a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.members.factories_points import claim, install_source, make_world, member, member_user, register, seed
from zongheng.members import actions_points as actions
from zongheng.members import points
from zongheng.members import selectors_points as sel
from zongheng.members.choices import Deed
from zongheng.members.models import PointEntry
from zongheng.orgs.models import Org, Person

YEAR = 2018


@pytest.fixture(autouse=True)
def _rules(db):
    """The rule sets of members migration 0002 (a transactional test's flush removes them)."""
    from zongheng.members.defaults import ensure_installed

    ensure_installed()


@pytest.fixture
def deed_source(monkeypatch):
    return install_source(monkeypatch)


@pytest.fixture
def w(tree):
    return make_world(tree)


def random_ledger(tree, source, rng: random.Random, people: int = 30) -> list[Person]:
    """Members of every type in random grids, households and communities, some registered with another
    community; random deeds of 2018 and 2017 reconciled; a few corrections."""
    places = tree.grids + tree.households + tree.communities
    out = []
    for _ in range(people):
        p = member(rng.choice(places), rng.choice(["employed", "retired", "mobile", "student"]))
        if rng.random() < 0.3:
            p = register(p, rng.choice(tree.communities))
        out.append(p)
    out.append(member(tree.grids[0], "", is_party_member=False))  # a resident: never counted
    for p in out:
        for _ in range(rng.randrange(0, 25)):
            day = dt.date(rng.choice([YEAR, YEAR, YEAR - 1]), 1, 1) + dt.timedelta(days=rng.randrange(365))
            source.add(p, rng.choice([Deed.ACTIVITY, Deed.VISIT, Deed.DEMAND, Deed.DUTY]), day)
    points.reconcile(dt.date(YEAR - 1, 1, 1), dt.date(YEAR + 1, 1, 1))
    earned = list(PointEntry.objects.filter(points__gt=0))
    for e in rng.sample(earned, min(5, len(earned))):  # a seed may give fewer than five
        points.correct(e, -e.points, by=None, note="更正")
    return out


def direct(year: int, keep) -> sel.Totals:
    """The totals computed the slow way: every party member kept by ``keep``, their entries summed."""
    sums: dict[int, int] = defaultdict(int)
    for person_id, pts in PointEntry.objects.filter(year=year).values_list("person_id", "points"):
        sums[person_id] += pts
    t = sel.Totals()
    for p in Person.objects.filter(is_party_member=True):
        if not keep(p):
            continue
        mine = sums.get(p.pk, 0)
        t.members += 1
        t.points += mine
        t.with_points += mine > 0
        for i, (low, high, _) in enumerate(sel.BANDS):
            if mine >= low and (high is None or mine <= high):
                t.bands[i] += 1
    return t


def under(path):
    return lambda p: p.org_path.startswith(path) or p.registered_path.startswith(path)


@pytest.mark.parametrize("n", range(3))
def test_an_organisations_totals_equal_a_direct_sum(tree, deed_source, n):
    random_ledger(tree, deed_source, random.Random(seed(100 + n)))
    assert sel.org_totals(tree.district, YEAR).points > 0 and Person.objects.exclude(registered_path="").exists()
    for org in [tree.district, *tree.streets, *tree.communities, *tree.grids]:
        assert sel.org_totals(org, YEAR) == direct(YEAR, under(org.path)), org.name
        rows = {r.key: r for r in sel.child_totals(org, YEAR)}
        n_len = len(org.path) + Org.steplen
        for child in Org.objects.filter(path__startswith=org.path, depth=org.depth + 1):
            expected = direct(YEAR, under(child.path))
            got = rows[child.path].totals if child.path in rows else sel.Totals()
            assert got == expected, child.name
        assert rows.get(sel.SELF_KEY, sel.ChildRow("", "", None, sel.Totals())).totals == direct(
            YEAR, lambda p, o=org: p.org_path == o.path)
        assert rows.get(sel.REGISTERED_KEY, sel.ChildRow("", "", None, sel.Totals())).totals == direct(
            YEAR, lambda p, o=org, n=n_len: p.registered_path == o.path and p.org_path[:n] != o.path)
    assert direct(YEAR, under(tree.district.path)).points == sum(
        PointEntry.objects.filter(year=YEAR, person__is_party_member=True).values_list("points", flat=True))


def test_the_page_and_the_api_show_the_same_totals(client, tree, deed_source, w):
    random_ledger(tree, deed_source, random.Random(seed(7)), people=15)
    street = tree.streets[0]
    client.force_login(w.street)
    expected = sel.org_totals(street, YEAR)
    api = client.get(f"/api/v1/members/points/totals?org={street.pk}&year={YEAR}").json()
    assert (api["total"]["members"], api["total"]["points"]) == (expected.members, expected.points)
    html = client.get(reverse("members:points") + f"?org={street.pk}&year={YEAR}").content.decode()
    assert f'<a href="#members">{expected.points}</a>' in html
    table = sel.member_rows(street, YEAR, "total")
    assert sum(p.total for p in table) == expected.points


def test_nobody_reaches_another_organisations_members_points(client, w, tree):
    today = timezone.localdate()
    theirs = points.award(w.other_member.person, Deed.DEMAND, "demand:77", today)
    ours = points.award(w.member.person, Deed.DEMAND, "demand:78", today)
    their_claim = claim(w.other_member)
    client.force_login(w.secretary)
    other = w.other
    for url in [reverse("members:points") + f"?org={other.pk}",
                reverse("members:points_person", args=[w.other_member.person_id]),
                reverse("members:points_correct", args=[theirs.pk]),
                reverse("members:points_claim", args=[their_claim.pk]),
                reverse("members:points_totals_export") + f"?org={other.pk}",
                reverse("members:points_ledger_export") + f"?org={other.pk}",
                f"/api/v1/members/points/entries?person={w.other_member.person_id}",
                f"/api/v1/members/points/entries?org={other.pk}",
                f"/api/v1/members/points/totals?org={other.pk}",
                f"/api/v1/members/points/claims/{their_claim.pk}"]:
        assert client.get(url).status_code == 404, url
    listed = client.get("/api/v1/members/points/entries").json()["items"]
    assert [e["id"] for e in listed] == [ours.pk]
    book = load_workbook(io.BytesIO(client.get(reverse("members:points_ledger_export")
                                               + f"?year={today.year}").content))
    names = {row[0] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert names == {w.member.person.name}
    # A plain member: their own page and entries only.
    client.force_login(w.member)
    assert client.get(reverse("members:points"))["Location"] == reverse("members:my_points")
    assert client.get(reverse("members:points_person", args=[w.other_member.person_id])).status_code == 403
    assert [e["id"] for e in client.get("/api/v1/members/points/entries").json()["items"]] == [ours.pk]
    assert client.get(f"/api/v1/members/points/entries?person={w.other_member.person_id}").status_code == 404
    assert client.get(f"/api/v1/members/points/claims/{their_claim.pk}").status_code == 404


def test_a_community_sees_the_members_registered_with_it(client, w, tree):
    newcomer = register(member(tree.grids[6]), w.community)  # managed in another street
    points.award(newcomer, Deed.ACTIVITY, "activity.signup:5", timezone.localdate())
    client.force_login(w.secretary)
    assert client.get(reverse("members:points_person", args=[newcomer.pk])).status_code == 200
    html = client.get(reverse("members:points")).content.decode()
    assert f"到{w.community.name}报到的党员" in html and newcomer.name in html


def test_pages_run_a_constant_number_of_queries(client, w, tree, deed_source):
    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        return len(ctx.captured_queries)

    today = timezone.localdate()
    person = w.member.person
    urls = [reverse("members:points") + f"?year={today.year}", reverse("members:points_claims") + "?state=all",
            reverse("members:points_person", args=[person.pk]) + f"?year={today.year}",
            "/api/v1/members/points/entries", f"/api/v1/members/points/totals?year={today.year}",
            "/api/v1/members/points/claims"]

    def grow(k):
        for i in range(k):
            p = member(tree.grids[i % 4])
            deed_source.add(p, Deed.ACTIVITY, today)
            deed_source.add(person, Deed.DEMAND, today - dt.timedelta(days=i), source=f"demand:{1000 + i}")
            deed_source.add(person, Deed.VISIT, today - dt.timedelta(days=i))
            claim(member_user(tree.grids[i % 4]))
        points.reconcile(dt.date(today.year, 1, 1), today + dt.timedelta(days=1))

    grow(2)
    client.force_login(w.secretary)
    before = [count(u) for u in urls]
    client.force_login(w.member)
    mine_before = count(reverse("members:my_points")), count("/api/v1/members/points/mine")
    grow(12)
    client.force_login(w.secretary)
    assert [count(u) for u in urls] == before
    client.force_login(w.member)
    assert (count(reverse("members:my_points")), count("/api/v1/members/points/mine")) == mine_before


def test_the_totals_export_holds_each_members_points_per_item(client, w):
    today = timezone.localdate()
    points.award(w.member.person, Deed.DEMAND, "demand:1", today)
    c = claim(w.member, "law")
    actions.do_review_claim(w.secretary, c, "approve")
    client.force_login(w.secretary)
    response = client.get(reverse("members:points_totals_export") + f"?org={w.community.pk}&year={today.year}")
    book = load_workbook(io.BytesIO(response.content))
    summary, people = book.worksheets
    first = next(summary.iter_rows(min_row=2, values_only=True))
    expected = sel.org_totals(w.community, today.year)
    assert (first[1], first[2]) == (expected.members, expected.points)
    rows = {r[0]: r for r in people.iter_rows(min_row=2, values_only=True)}
    header = next(people.iter_rows(max_row=1, values_only=True))
    mine = dict(zip(header, rows[w.member.person.name], strict=True))
    assert mine["带头遵纪守法"] > 0 and mine["带头服务群众"] > 0
    assert mine["合计"] == sum(PointEntry.objects.filter(person=w.member.person).values_list("points", flat=True))
