"""一张网's tree panel (组织覆盖): every figure equals a direct count — written the long way, in Python over every
record — for several scopes and periods, opens exactly the rows it counts, and reads in one query per source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import Tree, make_person, make_post, user_with_post
from zongheng.core import metrics as mx
from zongheng.core.periods import Period
from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, Org, Post

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
PERIODS = ["2017", "2018", "2018-Q1", "2018-03", "2018-Q3"]
CODES = ["tree.temp_branches", "tree.temp_branches_set_up", "tree.temp_groups", "tree.temp_groups_set_up",
         "tree.functional", "tree.teams", "tree.assistants", "tree.assistants_sent"]
TREE_SOURCES = {"orgs.org", "orgs.team", "orgs.assistant"}
BELOW = {"district": "street", "street": "community", "community": "grid", "grid": "household"}


@dataclass
class Made:
    tree: Tree
    orgs: dict[str, Org]
    teams: dict[str, ActivityTeam]


def add(tree: Tree, parent: Org, name: str, kind: str, opened: dt.date | None, closed: dt.date | None = None
        ) -> Org:
    extra: dict[str, Any] = {}
    if kind in (OrgKind.TEMP_BRANCH, OrgKind.TEMP_GROUP):
        extra["purpose"] = "project"
    if kind == OrgKind.FUNCTIONAL:
        extra["bond"] = "interest"
    parent = Org.objects.get(pk=parent.pk)  # treebeard needs the parent's current child count
    return Org.objects.add_child(parent, instance=Org(
        name=name, level=tree.levels[BELOW[parent.level.code]], kind=kind, opened_on=opened, closed_on=closed, **extra))


def populate(tree: Tree) -> Made:
    c, s, d = tree.communities, tree.streets, dt.date
    orgs = {
        "T1": add(tree, c[0], "沿江东路项目临时党支部", OrgKind.TEMP_BRANCH, d(2017, 5, 10), d(2018, 2, 15)),
        "T2": add(tree, s[0], "棚户区改造临时党支部", OrgKind.TEMP_BRANCH, d(2018, 3, 20)),
        "T3": add(tree, c[2], "防汛临时党支部", OrgKind.TEMP_BRANCH, d(2018, 5, 1), d(2018, 9, 30)),
        "T4": add(tree, c[3], "早年临时党支部", OrgKind.TEMP_BRANCH, d(2016, 1, 1), d(2016, 12, 31)),
        "T5": add(tree, c[1], "后来的临时党支部", OrgKind.TEMP_BRANCH, d(2019, 2, 1)),
        "G1": add(tree, c[1], "征迁临时党小组", OrgKind.TEMP_GROUP, d(2018, 1, 1)),
        "G2": add(tree, c[0], "跨年临时党小组", OrgKind.TEMP_GROUP, d(2017, 12, 31), d(2018, 1, 1)),
        "G3": add(tree, c[3], "年末临时党小组", OrgKind.TEMP_GROUP, d(2018, 12, 31)),
        "F1": add(tree, c[0], "书画党支部", OrgKind.FUNCTIONAL, None),
        "F2": add(tree, s[1], "快递物流行业党支部", OrgKind.FUNCTIONAL, d(2018, 6, 1)),
        "F3": add(tree, c[1], "已撤销的功能型党小组", OrgKind.FUNCTIONAL, d(2015, 1, 1), d(2017, 12, 31)),
    }
    teams = {
        "A": ActivityTeam.objects.create(org=orgs["F1"], name="书画社", activity="书法、国画创作"),
        "B": ActivityTeam.objects.create(org=orgs["F1"], name="少儿书画班", founded_on=d(2018, 4, 1)),
        "C": ActivityTeam.objects.create(org=orgs["F2"], name="快递小哥志愿队", founded_on=d(2018, 7, 1)),
        "D": ActivityTeam.objects.create(org=orgs["F3"], name="旧队伍", founded_on=d(2016, 1, 1)),
    }
    for community, street, starts, ends in ((c[0], s[0], d(2018, 3, 1), d(2018, 8, 31)),
                                            (c[1], s[0], d(2017, 6, 1), None),
                                            (c[2], s[1], d(2018, 2, 10), None),
                                            (c[3], s[1], d(2016, 1, 1), d(2017, 12, 31))):
        make_post(make_person(street), community, Role.SECRETARY_ASSISTANT, starts, ends_on=ends, sent_from=street)
    make_post(make_person(c[2]), c[2], Role.SECRETARY, d(2018, 5, 5))  # a secretary, not an assistant
    return Made(tree, orgs, teams)


@pytest.fixture
def made(tree: Tree) -> Made:
    return populate(tree)


# ---------------------------------------------------------------- the long way


def stood(opened: dt.date | None, closed: dt.date | None, period: Period) -> bool:
    last_day = period.end_date - dt.timedelta(days=1)
    return (opened is None or opened <= last_day) and not (closed is not None and closed < period.start_date)


def within(day: dt.date | None, period: Period) -> bool:
    return day is not None and period.start_date <= day <= period.end_date - dt.timedelta(days=1)


def direct(code: str, path: str, period: Period) -> set[int]:
    """The ids a figure should count, found by walking every record in Python."""
    if code == "tree.teams":
        return {t.pk for t in ActivityTeam.objects.select_related("org") if t.org.path.startswith(path)
                and (t.founded_on is None or t.founded_on < period.end_date)
                and stood(None, t.org.closed_on, period)}
    if code in ("tree.assistants", "tree.assistants_sent"):
        posts = [p for p in Post.objects.select_related("org") if p.role == "secretary_assistant"
                 and p.org.path.startswith(path) and stood(p.starts_on, p.ends_on, period)]
        return {p.pk for p in posts if code == "tree.assistants" or within(p.starts_on, period)}
    kind = {"tree.temp_branches": "temp_branch", "tree.temp_groups": "temp_group", "tree.functional": "functional"}
    wanted = kind.get(code.removesuffix("_set_up"), "")
    found = [o for o in Org.objects.all() if o.kind == wanted and o.path.startswith(path)
             and stood(o.opened_on, o.closed_on, period)]
    return {o.pk for o in found if not code.endswith("_set_up") or within(o.opened_on, period)}


# ---------------------------------------------------------------- tests


def test_each_tree_figure_equals_a_direct_count_for_every_scope_period_and_child(made: Made) -> None:
    tree = made.tree
    for scope in (tree.district, tree.streets[0], tree.streets[1], tree.communities[0]):
        kids = list(Org.objects.filter(path__startswith=scope.path, depth=scope.depth + 1))
        for text in PERIODS:
            period = Period.parse(text)
            readings = mx.read(CODES, scope.path, [k.path for k in kids], period, NOW, previous=False)
            for code in CODES:
                expected = direct(code, scope.path, period)
                assert readings[code].value == len(expected), (code, scope.name, text)
                assert set(mx.rows(code, scope.path, period, NOW).values_list("pk", flat=True)) == expected
                for kid in kids:
                    assert (readings[code].children[kid.path] or 0) == len(direct(code, kid.path, period)), (
                        code, kid.name, text)


def test_the_district_in_2018_counts_what_stood_or_began_and_not_what_closed_before_or_opened_after(made: Made
                                                                                                   ) -> None:
    district, o = made.tree.district, made.orgs
    values = {code: r.value for code, r in mx.read(CODES, district.path, [], Period.parse("2018"), NOW,
                                                    previous=False).items()}
    assert values == {"tree.temp_branches": 3, "tree.temp_branches_set_up": 2, "tree.temp_groups": 3,
                      "tree.temp_groups_set_up": 2, "tree.functional": 2, "tree.teams": 3, "tree.assistants": 3,
                      "tree.assistants_sent": 2}
    branches = set(mx.rows("tree.temp_branches", district.path, Period.parse("2018"), NOW))
    assert o["T1"] in branches and o["T4"] not in branches and o["T5"] not in branches  # closed 2016, opened 2019
    teams = set(mx.rows("tree.teams", district.path, Period.parse("2018"), NOW))
    assert made.teams["D"] not in teams  # its organisation closed at the end of 2017
    assert made.teams["D"] in set(mx.rows("tree.teams", district.path, Period.parse("2017"), NOW))
    # The article's window "2017年以来": 2017 and 2018 added up.
    from zongheng.net import article

    fig = next(f for f in article.FIGURES if f.code == "tree.temp_branches_set_up")
    assert article.value(fig, district.path, 2018, NOW) == 3


def test_the_tree_figures_read_in_one_query_per_source_whatever_the_data_size(made: Made) -> None:
    tree = made.tree
    period = Period.parse("2018")
    kids = [s.path for s in tree.streets]
    with CaptureQueriesContext(connection) as small:
        mx.grouped(CODES, tree.district.path, len(tree.district.path) + 4, period, NOW)
    assert len(small) == len(TREE_SOURCES)
    for i in range(5):
        org = add(tree, tree.communities[i % 4], f"新设临时党支部{i}", OrgKind.TEMP_BRANCH, dt.date(2018, 4, i + 1))
        ActivityTeam.objects.create(org=made.orgs["F2"], name=f"队伍{i}", founded_on=dt.date(2018, 8, 1))
        make_post(make_person(tree.streets[0]), tree.communities[i % 4], Role.SECRETARY_ASSISTANT,
                  dt.date(2018, 9, 1), note=org.name)
    with CaptureQueriesContext(connection) as large:
        readings = mx.read(CODES, tree.district.path, kids, period, NOW, previous=False)
    assert len(large) == len(small)
    assert readings["tree.temp_branches_set_up"].value == 7
    assert readings["tree.teams"].value == 8


def test_the_rows_page_lists_each_counted_row_with_its_own_page_in_constant_queries(client, made: Made) -> None:
    tree = made.tree
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    url = reverse("net:rows", args=[tree.district.pk, "tree.assistants_sent"])
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, {"period": "2018"})
    assert response.status_code == 200
    items = response.context["items"]
    assert len(items) == 2
    assert all("书记助理" in r.title and "下派" in r.detail for r in items)
    assert {r.url for r in items} == {reverse("orgs:org", args=[c.pk]) for c in tree.communities[0::2]}
    for i in range(4):
        make_post(make_person(tree.streets[1]), tree.communities[3], Role.SECRETARY_ASSISTANT, dt.date(2018, 10, i + 1))
    with CaptureQueriesContext(connection) as more:
        response = client.get(url, {"period": "2018"})
    assert len(response.context["items"]) == 6
    assert len(more) == len(few)
    teams = client.get(reverse("net:rows", args=[tree.district.pk, "tree.teams"]), {"period": "2018"})
    assert {r.url for r in teams.context["items"]} == {reverse("orgs:team", args=[t.pk]) for t in
                                                        (made.teams["A"], made.teams["B"], made.teams["C"])}


def test_a_community_secretary_cannot_open_another_community_s_tree_rows(client, made: Made) -> None:
    tree = made.tree
    client.force_login(user_with_post(tree.communities[0], Role.SECRETARY))
    own = client.get(reverse("net:rows", args=[tree.communities[0].pk, "tree.temp_branches"]), {"period": "2018"})
    assert [r.title for r in own.context["items"]] == ["沿江东路项目临时党支部"]
    other = client.get(reverse("net:rows", args=[tree.communities[1].pk, "tree.temp_groups"]), {"period": "2018"})
    assert other.status_code == 404
