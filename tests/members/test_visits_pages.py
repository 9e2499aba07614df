"""民情日记's pages that read: the list (filters equal direct querysets, paging and constant queries), the
.xlsx export, the counts per household / child organisation and month (equal to direct counts, constant
queries, never ranked), the hub's figures and the member's own section, the to-do item."""

from __future__ import annotations

import datetime as dt
import io
import os
import random

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.members.factories_visits import add_households, bulk_visits, make_world, record
from zongheng.members import hub
from zongheng.members import selectors_visits as selectors
from zongheng.members.models import Visit
from zongheng.orgs.models import Org


def _rng(salt: str) -> random.Random:
    return random.Random(f"{os.environ.get('PYTEST_XDIST_TESTRUNUID', 'visits')}-{salt}")


@pytest.fixture
def w(tree):
    return make_world(tree)


def _days(rng: random.Random, n: int, back: int = 400) -> list[dt.date]:
    today = timezone.localdate()
    return [today - dt.timedelta(days=rng.randrange(back)) for _ in range(n)]


def _populate(w, rng: random.Random, n: int = 120) -> None:
    everywhere = w.households + w.households2 + w.far_households
    bulk_visits(everywhere, w.head.person, _days(rng, n), rng=rng)


# ---------------------------------------------------------------- the list


def test_the_list_filters_equal_direct_querysets(client, w):
    rng = _rng("filters")
    _populate(w, rng)
    record(w.head, w.households[0], raised="路灯坏了", raise_demand=True)
    client.force_login(w.secretary)
    today = timezone.localdate()
    month = today.replace(day=1)
    in_scope = Visit.objects.filter(org_path__startswith=w.community.path)
    cases = {
        "": in_scope,
        f"org={w.grid.pk}": in_scope.filter(org_path__startswith=w.grid.path),
        f"org={w.central2.pk}": in_scope.filter(central=w.central2),
        f"month={month:%Y-%m}": in_scope.filter(visited_on__gte=month),
        f"year={today.year}": in_scope.filter(visited_on__year=today.year),
        "demand=yes": in_scope.filter(demand__isnull=False),
        "raised=yes": in_scope.exclude(raised=""),
        "raised=no&demand=no": in_scope.filter(raised="", demand__isnull=True),
        f"household={w.households[1].pk}": in_scope.filter(household=w.households[1]),
        # A forged filter (another community's grid) filters nothing: the scope still holds.
        f"org={w.tree.grids[2].pk}": in_scope,
    }
    for query, expected in cases.items():
        response = client.get(f"{reverse('members:visits')}?{query}")
        assert response.status_code == 200
        assert response.context["page"].paginator.count == expected.count(), query
    first = client.get(reverse("members:visits")).context["page"]
    assert [v.pk for v in first] == list(in_scope.order_by("-visited_on", "-id").values_list("pk", flat=True)[:50])


def test_a_member_sees_only_their_own_visits_and_no_organisation_filter(client, w):
    rng = _rng("own")
    _populate(w, rng, 30)
    mine, _ = record(w.registered, w.households2[0], raised="希望修补路面")
    client.force_login(w.registered)
    response = client.get(reverse("members:visits"))
    assert [v.pk for v in response.context["page"]] == [mine.pk]
    assert 'name="org"' not in response.content.decode()
    assert client.get(reverse("members:visits_counts")).status_code == 403
    client.force_login(w.plain)  # a person with no visits: an empty list, not an error
    assert client.get(reverse("members:visits")).context["page"].paginator.count == 0


def test_the_list_and_the_export_run_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rng = _rng("budget")
    client.force_login(w.secretary)
    counts = []
    for n in (5, 80):
        _populate(w, rng, n)
        record(w.head, w.households[0], raised="电梯坏了", raise_demand=True)
        for url in (reverse("members:visits"), reverse("members:visits_export"),
                    reverse("members:visits_counts"), reverse("api:list_visits")):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append((url, len(ctx.captured_queries)))
    half = len(counts) // 2
    assert counts[:half] == counts[half:]  # the same whatever the number of visits
    with django_assert_max_num_queries(14):
        client.get(reverse("members:visits"))


def test_the_export_holds_the_filtered_rows(client, w):
    rng = _rng("export")
    _populate(w, rng, 40)
    visit, _ = record(w.head, w.households[0], raised="=SUM(A1)", raise_demand=True)
    client.force_login(w.secretary)
    response = client.get(reverse("members:visits_export"), {"demand": "yes"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "走访日期" and len(rows) == 2
    assert rows[1][2] == w.households[0].address and rows[1][5] == "'=SUM(A1)" and rows[1][7] == visit.demand.ref
    everything = list(load_workbook(io.BytesIO(client.get(reverse("members:visits_export")).content)).active.rows)
    assert len(everything) - 1 == Visit.objects.filter(org_path__startswith=w.community.path).count()


# ---------------------------------------------------------------- counts per household and month


def _direct(path: str, month: dt.date) -> int:
    return Visit.objects.filter(org_path__startswith=path, visited_on__gte=month,
                                visited_on__lt=selectors.next_month(month)).count()


@pytest.mark.parametrize("salt", ["a", "b", "c"])
def test_counts_per_child_and_month_equal_direct_counts(client, w, salt):
    rng = _rng(f"counts-{salt}")
    _populate(w, rng, rng.randint(50, 200))
    client.force_login(w.secretary)
    for org in (w.tree.district, w.community, w.grid):
        if org == w.tree.district:
            continue  # out of the secretary's scope: 404 below
        response = client.get(reverse("members:visits_counts"), {"org": org.pk})
        assert response.status_code == 200
        months = response.context["months"]
        assert len(months) == 12 and months[-1] == timezone.localdate().replace(day=1)
        children = list(Org.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path"))
        table = response.context["table"]
        assert [row.label for row, _ in table] == [c.name for c in children]  # tree order, never ranked
        for (_row, cells), child in zip(table, children, strict=True):
            assert [n for n, _ in cells] == [_direct(child.path, m) for m in months]
        assert response.context["total"] == sum(_direct(org.path, m) for m in months)
    assert client.get(reverse("members:visits_counts"), {"org": w.tree.district.pk}).status_code == 404
    assert client.get(reverse("members:visits_counts"), {"org": "x"}).status_code == 404


def test_at_a_central_household_the_rows_are_its_linked_households_and_cells_open_their_visits(client, w):
    rng = _rng("household")
    _populate(w, rng, 150)
    client.force_login(w.head)
    response = client.get(reverse("members:visits_counts"))  # the head's scope: their central household
    assert response.context["org"] == w.central and response.context["by_household"]
    months = response.context["months"]
    for (row, cells), h in zip(response.context["table"], w.households, strict=True):
        assert row.label.startswith(h.address)
        for (n, url), m in zip(cells, months, strict=True):
            direct = Visit.objects.filter(household=h, visited_on__gte=m, visited_on__lt=selectors.next_month(m))
            assert n == direct.count()
            if n:
                opened = client.get(url)
                assert sorted(v.pk for v in opened.context["page"]) == sorted(direct.values_list("pk", flat=True))
    earlier = client.get(reverse("members:visits_counts") + response.context["earlier"])
    assert earlier.context["months"][-1] == selectors.shift_month(months[0], -1)


# ---------------------------------------------------------------- hub, own page, to-do


def test_the_hub_figures_equal_direct_counts_and_open_their_rows(client, w):
    rng = _rng("hub")
    _populate(w, rng, 150)
    record(w.head, w.households[0], raised="下水道返味", raise_demand=True)
    today = timezone.localdate()
    (section,) = [s for s in hub.sections(w.secretary, today) if s.title == "民情日记"]
    scope = Visit.objects.filter(org_path__startswith=w.community.path, visited_on__year=today.year,
                                 visited_on__lte=today)
    expected = [scope.filter(visited_on__gte=today.replace(day=1)).count(), scope.count(),
                scope.exclude(raised="").count(), scope.filter(demand__isnull=False).count(),
                scope.values("household").distinct().count()]
    assert [int(f.display.split()[0]) for f in section.figures] == expected
    client.force_login(w.secretary)
    for figure, n in zip(section.figures[:4], expected[:4], strict=True):
        assert client.get(figure.url).context["page"].paginator.count == n, figure.label
    assert ("记民情日记", reverse("members:visit_new")) in section.links
    assert not [s for s in hub.sections(w.registered, today) if s.title == "民情日记"]  # no member.view


def test_the_own_section_offers_recording_and_the_latest_visits(w):
    today = timezone.localdate()
    visits = [record(w.registered, w.households2[0], visited_on=today - dt.timedelta(days=d))[0] for d in (3, 1, 2, 5)]
    (section,) = [s for s in hub.mine(w.registered, w.registered.person, today) if s.title == "民情日记"]
    assert ("记民情日记", reverse("members:visit_new")) in section.links
    latest = sorted(visits, key=lambda v: v.visited_on, reverse=True)[:3]
    assert [f.url for f in section.figures[1:]] == [reverse("members:visit", args=[v.pk]) for v in latest]
    this_month = sum(1 for v in visits if v.visited_on >= today.replace(day=1))
    assert section.figures[0].display == f"{this_month} 次"
    assert not [s for s in hub.mine(w.plain, w.plain.person, today) if s.title == "民情日记"]


def test_a_concern_without_follow_up_waits_on_the_recorders_to_do_list(w):
    from zongheng.core.todo import todos_for

    waiting, _ = record(w.head, w.households[0], raised="楼顶漏水")
    record(w.head, w.households[1], raised="门禁坏了", follow_up="已报物业")
    record(w.head, w.households[2], raised="路灯不亮", raise_demand=True)
    items = [t for t in todos_for(w.head, timezone.now()) if t.kind == "民情日记待跟进"]
    assert [t.url for t in items] == [reverse("members:visit", args=[waiting.pk])]
    assert not [t for t in todos_for(w.grid_leader, timezone.now()) if t.kind == "民情日记待跟进"]


def test_the_household_picker_lists_only_households_in_the_rule(client, w):
    add_households(w.central2, 35, "和平路")
    client.force_login(w.secretary)  # 3 + 37 households: the picker
    body = client.get(reverse("members:visit_pick"), {"pick_q": "幸福里"}).content.decode()
    assert body.count('type="radio"') == len(w.households)
    client.force_login(w.head2)
    body = client.get(reverse("members:visit_pick"), {"pick_q": "幸福里"}).content.decode()
    assert 'type="radio"' not in body
    allowed = selectors.visit_households(w.head2)
    assert not allowed.filter(Q(central=w.central) | Q(central=w.far_central)).exists()
