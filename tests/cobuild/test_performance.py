"""Unit performance: every figure equals a direct count of its rows for random data, opens exactly those
rows, and the pages that show figures run the same number of queries at two sizes."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.cobuild.factories_units import (
    aware,
    make_activity,
    make_agreement,
    make_council,
    make_item,
    make_joint_meeting,
    make_liaison,
    make_pairing,
    make_unit,
    seat,
)
from tests.factories import make_person, user_with_post
from zongheng.cobuild import performance
from zongheng.cobuild.models import Activity, AgreementItem, Council, CouncilMember, Match, Need, Resource, Unit
from zongheng.core.permissions import Role
from zongheng.meetings.models import Attendance

YEAR = 2018


def _match(unit: Unit, community: Any, day: dt.date) -> Match:
    resource = Resource.objects.create(unit=unit, unit_path=unit.org_path, kind="venue", title="会议室", capacity=100,
                                       used=10, place=unit.place, place_path=unit.place.path)
    need = Need.objects.create(org=community, org_path=community.path, kind="venue", title="活动场地", quantity=10)
    agreement = make_agreement(community, unit)
    item = make_item(agreement, day, kind="shared_resources")
    match = Match.objects.create(need=need, resource=resource, quantity=10, reason="同社区", item=item)
    Match.objects.filter(pk=match.pk).update(accepted_at=aware(day))
    return match


def build(tree: Any, rng: random.Random, n_units: int) -> list[Unit]:
    """Random units with seats, meetings, items, activities and matches around ``YEAR``."""
    places = [*tree.streets, *tree.communities]
    units = [make_unit(rng.choice(places)) for _ in range(n_units)]
    start = dt.date(YEAR - 1, 1, 1)
    councils = {org.pk: Council.objects.filter(org=org, term_starts_on=start).first() or make_council(org, start)
                for org in places}
    people = []
    for unit in units:
        for _ in range(rng.randint(0, 2)):
            org = rng.choice(places)
            person = make_person(unit.org) if rng.random() < 0.8 else None
            starts = dt.date(YEAR, rng.randint(1, 12), 1) if rng.random() < 0.3 else dt.date(YEAR - 1, 1, 1)
            ends = dt.date(YEAR, rng.randint(6, 12), 28) if rng.random() < 0.3 else None
            if ends is not None and ends < starts:
                ends = None
            seat(councils[org.pk], unit, person, name=person.name if person else "无名册委员", starts_on=starts,
                 ends_on=ends)
            if person is not None:
                people.append(person)
        for _ in range(rng.randint(0, 2)):
            agreement = make_agreement(rng.choice(places), unit)
            for _ in range(rng.randint(0, 3)):
                due = dt.date(rng.choice([YEAR - 1, YEAR, YEAR + 1]), rng.randint(1, 12), rng.randint(1, 28))
                done = due + dt.timedelta(days=rng.randint(-40, 40)) if rng.random() < 0.7 else None
                make_item(agreement, due, done_on=done, problems=rng.randint(0, 5))
        if rng.random() < 0.6:
            pairing = make_pairing(rng.choice(tree.communities), unit)
            for _ in range(rng.randint(0, 5)):
                make_activity(pairing, dt.date(rng.choice([YEAR - 1, YEAR, YEAR]), rng.randint(1, 12),
                                               rng.randint(1, 28)))
        for _ in range(rng.randint(0, 2)):
            _match(unit, rng.choice(tree.communities),
                   dt.date(rng.choice([YEAR - 1, YEAR, YEAR]), rng.randint(1, 12), rng.randint(1, 28)))
    for org in places:
        for _ in range(rng.randint(0, 3)):
            held = aware(dt.date(rng.choice([YEAR - 1, YEAR, YEAR]), rng.randint(1, 12), rng.randint(1, 28)))
            present = rng.sample(people, min(len(people), rng.randint(0, 4)))
            make_joint_meeting(org, held, present=present, status=rng.choice(["held", "held", "scheduled"]))
    return units


def direct(units: list[Unit]) -> dict[int, dict[str, int]]:
    """The five figures counted row by row, without the functions under test."""
    out = {u.pk: dict.fromkeys(performance.FIGURES, 0) for u in units}
    seats = list(CouncilMember.objects.filter(person__isnull=False).select_related("council"))
    attended: dict[int, set[int]] = {u.pk: set() for u in units}
    for a in Attendance.objects.select_related("meeting", "meeting__type"):
        m = a.meeting
        if a.status != "present" or m.status != "held" or not m.type.code.endswith("_joint"):
            continue
        day = timezone.localdate(m.held_at)
        if day.year != YEAR:
            continue
        for s in seats:
            if (s.unit_id in attended and s.person_id == a.person_id and s.council.org_id == m.org_id
                    and s.starts_on <= day and (s.ends_on is None or day <= s.ends_on)):
                attended[s.unit_id].add(m.pk)
    for pk, meetings in attended.items():
        out[pk]["meetings"] = len(meetings)
    for i in AgreementItem.objects.select_related("agreement"):
        if i.agreement.unit_id in out and i.state == "done" and i.completed_on.year == YEAR:
            out[i.agreement.unit_id]["problems"] += i.problems_solved
            out[i.agreement.unit_id]["on_time"] += int(i.completed_on <= i.due_on)
    for act in Activity.objects.select_related("pairing"):
        if act.pairing.unit_id in out and act.held_on.year == YEAR:
            out[act.pairing.unit_id]["activities"] += 1
    for match in Match.objects.select_related("resource"):
        if match.resource.unit_id in out and timezone.localdate(match.accepted_at).year == YEAR:
            out[match.resource.unit_id]["shared"] += 1
    return out


@pytest.mark.parametrize("seed", [1, 7, 2018])
def test_every_figure_equals_a_direct_count_and_opens_its_rows(tree, seed):
    units = build(tree, random.Random(seed), 8)
    want = direct(units)
    got = performance.unit_performance(Unit.objects.all(), YEAR)
    assert {pk: {k: getattr(p, k) for k in performance.FIGURES} for pk, p in got.items()} == want
    assert any(v for figures in want.values() for v in figures.values())  # the data is not all zeros
    for unit in units:
        for key in performance.FIGURES:
            rows = performance.figure_rows(unit.pk, YEAR, key)
            value = sum(r.cells[3] for r in rows) if key == "problems" else len(rows)
            assert value == want[unit.pk][key], (unit.name, key)


def test_the_rows_page_lists_what_the_figure_counts(client, tree):
    units = build(tree, random.Random(3), 6)
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    want = direct(units)
    page = client.get(reverse("cobuild:perf_list"), {"year": YEAR}).content.decode()
    for unit in units:
        assert reverse("cobuild:perf_rows", args=[unit.pk, "activities"]) in page
        rows = client.get(reverse("cobuild:perf_rows", args=[unit.pk, "activities"]), {"year": YEAR})
        assert rows.context["value"] == want[unit.pk]["activities"] == len(rows.context["rows"])
    body = client.get("/api/v1/units/performance", {"year": YEAR, "limit": 200}).json()
    assert {i["unit"]["id"]: i["shared"] for i in body["items"]} == {pk: f["shared"] for pk, f in want.items()}


def test_one_units_record_exports_with_a_sheet_per_figure(client, tree):
    from io import BytesIO

    from openpyxl import load_workbook

    unit = build(tree, random.Random(5), 3)[0]
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    response = client.get(reverse("cobuild:perf_unit_export", args=[unit.pk]), {"year": YEAR})
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["履职情况", *performance.FIGURES.values()]
    want = direct([unit])[unit.pk]
    figures = {row[0]: row[1] for row in wb["履职情况"].iter_rows(min_row=6, values_only=True)}
    assert figures == {label: want[key] for key, label in performance.FIGURES.items()}
    assert wb[performance.FIGURES["activities"]].max_row - 1 == want["activities"]
    everyone = client.get(reverse("cobuild:perf_export"), {"year": YEAR})
    assert load_workbook(BytesIO(everyone.content)).active.max_row == Unit.objects.count() + 1


def _count(client: Any, url: str, params: dict[str, Any] | None = None) -> int:
    client.get(url, params or {})  # warm-up (sessions, content types)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_pages_and_api_lists_run_the_same_number_of_queries_at_two_sizes(client, tree):
    user = user_with_post(tree.district, Role.SECRETARY)
    client.force_login(user)
    rng = random.Random(11)
    unit = make_unit(tree.communities[0], "固定单位")
    council = make_council(tree.streets[0], dt.date(2020, 1, 1))
    seat(council, unit, make_person(unit.org))

    def urls() -> list[tuple[str, dict[str, Any]]]:
        return [(reverse("cobuild:unit_list"), {}), (reverse("cobuild:council_list"), {}),
                (reverse("cobuild:perf_list"), {"year": YEAR}),
                (reverse("cobuild:unit_detail", args=[unit.pk]), {}),
                (reverse("cobuild:council_detail", args=[council.pk]), {}),
                (reverse("cobuild:perf_rows", args=[unit.pk, "meetings"]), {"year": YEAR}),
                ("/api/v1/units", {}), ("/api/v1/councils", {}), ("/api/v1/units/performance", {"year": YEAR}),
                (f"/api/v1/units/{unit.pk}", {}), (f"/api/v1/councils/{council.pk}", {})]

    def grow(n: int) -> None:
        build(tree, rng, n)
        for _ in range(n):
            seat(council, make_unit(tree.communities[1]), make_person(tree.communities[1]))
            agreement = make_agreement(tree.communities[0], unit)
            make_item(agreement, dt.date(YEAR, 5, 1))
            make_pairing(rng.choice(tree.communities), unit, ends_on=dt.date(2030, 1, 1))
            make_joint_meeting(tree.streets[0], aware(dt.date(2020, 3, rng.randint(1, 28))),
                               present=[m.person for m in council.members.all()])

    grow(2)
    small = [_count(client, url, params) for url, params in urls()]
    grow(8)
    large = [_count(client, url, params) for url, params in urls()]
    assert small == large


def test_the_liaison_landing_page_runs_a_fixed_number_of_queries(client, tree):
    unit = make_unit(tree.communities[0])
    client.force_login(make_liaison(unit))
    url = reverse("cobuild:unit_detail", args=[unit.pk])
    small = _count(client, url)
    for _ in range(6):
        agreement = make_agreement(tree.communities[0], unit)
        make_item(agreement, dt.date(2030, 1, 1))
        make_pairing(tree.communities[1 + len(agreement.title) % 2], unit, ends_on=dt.date(2030, 1, 1))
    assert _count(client, url) == small
