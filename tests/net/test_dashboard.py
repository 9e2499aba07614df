"""一张网's dashboard: scoped to the viewer, figures equal to direct counts, each opening its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import Tree, user_with_post
from zongheng.core import metrics as mx
from zongheng.core.periods import Period
from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_a_street_secretary_sees_the_grids_of_the_street_and_of_each_community(client, tree: Tree) -> None:
    street = tree.streets[0]
    client.force_login(user_with_post(street, Role.SECRETARY))
    response = client.get(reverse("net:dashboard", args=[street.pk]), {"period": "2026"})
    assert response.status_code == 200
    grids = response.context["panels"][0]["cards"][0]
    assert grids["label"] == "网格"
    assert grids["value"] == str(Org.objects.filter(path__startswith=street.path, level__code="grid").count())
    table = response.context["panels"][0]["table"]
    assert [row["org"].pk for row in table] == [c.pk for c in tree.communities if c.path.startswith(street.path)]
    assert [row["values"][0] for row in table] == ["2", "2"]
    html = response.content.decode()
    for row in table:  # the by-child table prints each row's numbers, one cell each
        assert f'{row["org"].name}</a></th>' + "".join(f'<td class="num">{v}</td>' for v in row["values"]) in html


def test_another_street_s_dashboard_and_a_forged_id_answer_404(client, tree: Tree) -> None:
    client.force_login(user_with_post(tree.streets[0], Role.SECRETARY))
    assert client.get(reverse("net:dashboard", args=[tree.streets[1].pk])).status_code == 404
    assert client.get(reverse("net:dashboard", args=[999999])).status_code == 404
    assert client.get(reverse("net:rows", args=[tree.streets[1].pk, "tree.grids"]), {"period": "2026"}
                      ).status_code == 404


def test_a_role_without_the_right_is_refused_and_a_stranger_is_sent_to_log_in(client, tree: Tree) -> None:
    client.force_login(user_with_post(tree.communities[0], Role.LIAISON))
    assert client.get(reverse("net:home")).status_code == 403
    client.logout()
    assert client.get(reverse("net:home")).status_code == 302


def test_a_malformed_period_is_answered_in_chinese_and_shows_no_figures(client, tree: Tree) -> None:
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    response = client.get(reverse("net:dashboard", args=[tree.district.pk]), {"period": "2026-13"})
    assert response.status_code == 400
    assert "统计期间" in response.content.decode()
    assert "panels" not in response.context


def test_a_grid_closed_before_the_period_is_not_counted_and_its_rows_are_the_count(client, tree: Tree) -> None:
    closed = tree.grids[0]
    Org.objects.filter(pk=closed.pk).update(closed_on=dt.date(2025, 6, 30))
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    response = client.get(reverse("net:rows", args=[tree.district.pk, "tree.grids"]), {"period": "2026"})
    assert response.status_code == 200
    names = [row.title for row in response.context["items"]]
    assert closed.name not in names
    assert len(names) == len(tree.grids) - 1
    before = client.get(reverse("net:rows", args=[tree.district.pk, "tree.grids"]), {"period": "2025"})
    assert closed.name in [row.title for row in before.context["items"]]


def test_grouped_figures_equal_direct_counts_for_each_org_and_the_query_count_is_constant(tree: Tree) -> None:
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    period = Period.parse("2026")
    Org.objects.filter(pk=tree.grids[1].pk).update(kind=OrgKind.FUNCTIONAL, bond="interest")  # not a regular grid
    kids = [o.path for o in tree.streets]
    with CaptureQueriesContext(connection) as small:
        readings = mx.read(["tree.grids", "tree.households"], tree.district.path, kids, period, now)
    for street in tree.streets:
        direct = Org.objects.filter(path__startswith=street.path, level__code="grid", kind=OrgKind.REGULAR).count()
        assert readings["tree.grids"].children[street.path] == direct
    assert readings["tree.grids"].value == sum(readings["tree.grids"].children.values())
    assert readings["tree.households"].value == len(tree.households)
    for i in range(6):  # more communities: the same number of queries
        Org.objects.add_child(Org.objects.get(pk=tree.streets[0].pk),
                               instance=Org(name=f"新社区{i}", level=tree.levels["community"]))
    with CaptureQueriesContext(connection) as large:
        mx.read(["tree.grids", "tree.households"], tree.district.path, kids, period, now)
    assert len(large) == len(small)


def test_the_default_period_is_the_local_year_of_the_latest_row(tree: Tree, monkeypatch) -> None:
    """A row dated at 03:00 on 1 January in Asia/Shanghai (still the old year in UTC) makes the new year the
    latest with data."""
    from zongheng.orgs.models import Person

    monkeypatch.setattr(mx, "_SOURCES", {})
    mx.register_source("test.person", lambda period, now: Person.objects.filter(period.q("created_at")),
                       path="org_path", perm="person.view", show=lambda p: mx.Row(p.name), dated="created_at")
    from tests.factories import make_person

    person = make_person(tree.grids[0])
    Person.objects.filter(pk=person.pk).update(
        created_at=dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    assert mx.latest_period("year", tree.district.path, now) == Period("year", 2026)


@pytest.mark.parametrize("split", [(), ("_male",)])
def test_a_split_source_gives_the_figures_of_filtered_counts(tree: Tree, monkeypatch, split) -> None:
    """A source grouped by its annotation (``split``) counts and sums exactly what the filtered aggregates do —
    under and, or, not and ``in`` — for each child, and a filter it cannot test is an error, not a silent 0."""
    from django.db.models import Q

    from tests.factories import make_person
    from zongheng.orgs.models import Person

    monkeypatch.setattr(mx, "_SOURCES", {})
    monkeypatch.setattr(mx, "_METRICS", {})
    mx.register_source("test.person", lambda period, now: Person.objects.annotate(_male=mx.flag(Q(gender="M"))),
                       path="org_path", perm="person.view", show=lambda p: mx.Row(p.name), split=split)
    figures = {"t.all": Q(), "t.male": Q(_male=True), "t.female": ~Q(_male=True),
               "t.either": Q(_male__in=[True]) | Q(_male=False)}
    for code, where in figures.items():
        mx.register_metric(code, "tree", code, source="test.person", where=where)
    mx.register_metric("t.years", "tree", "出生年之和", source="test.person", where=Q(_male=False), sum_of="birth_year")
    for i, grid in enumerate(tree.grids):
        for j in range(i + 1):
            make_person(grid, gender="F" if (i + j) % 3 == 0 else "M", birth_year=1960 + i + j)
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    kids = [o.path for o in tree.streets]
    readings = mx.read([*figures, "t.years"], tree.district.path, kids, Period.parse("2026"), now, previous=False)
    for street in tree.streets:
        people = Person.objects.filter(org_path__startswith=street.path)
        male = people.filter(gender="M").count()
        assert readings["t.all"].children[street.path] == people.count() == readings["t.either"].children[street.path]
        assert readings["t.male"].children[street.path] == male
        assert readings["t.female"].children[street.path] == people.count() - male
        assert readings["t.years"].children[street.path] == sum(p.birth_year for p in people if p.gender == "F")
    if split:
        mx.register_metric("t.named", "tree", "t.named", source="test.person", where=Q(name__startswith="测"))
        with pytest.raises(ValueError):
            mx.read(["t.named"], tree.district.path, kids, Period.parse("2026"), now, previous=False)
