"""The demands module's registrations: the 诉求超时 warning follows the escalation's deadlines, the
periodic sweep runs the escalation then the warnings, and a handler's to-do items and figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.demands.conftest import MONDAY
from tests.factories import user_with_post
from zongheng.core import periodic, warnings
from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Perm, Role
from zongheng.core.todo import figures_for, todos_for
from zongheng.demands import actions
from zongheng.demands.choices import OPEN_STATUSES, Urgency
from zongheng.demands.models import Category, Demand
from zongheng.demands.todo import RULE

LATE = MONDAY + dt.timedelta(days=1, hours=1)  # every Monday demand not yet accepted is past its response deadline


def submit(grid, *, now=MONDAY, urgency=Urgency.NORMAL) -> Demand:
    demand, _ = actions.do_submit_demand(None, {
        "channel": "web", "category": Category.objects.get(code="sanitation"), "urgency": urgency,
        "description": "楼道垃圾堆积，无人清理", "address": "测试路 1 号", "grid": grid}, now=now)
    return demand


def open_keys() -> set[str]:
    return set(EarlyWarning.objects.open().filter(rule=RULE).values_list("key", flat=True))


def test_the_overdue_rule_finds_exactly_the_demands_the_escalation_would_take(tree):
    demands = [submit(tree.grids[i % 4], now=MONDAY + dt.timedelta(minutes=i)) for i in range(5)]
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    actions.do_accept(leader, demands[0], now=MONDAY + dt.timedelta(minutes=30))
    warnings.sweep(LATE, codes=[RULE])
    expected = {f"{d.pk}:response" for d in Demand.objects.filter(actions.overdue_q(LATE))}
    assert open_keys() == expected and len(expected) == 4
    w = EarlyWarning.objects.get(key=f"{demands[1].pk}:response")
    demands[1].refresh_from_db()
    assert (w.org_path, w.org_name, w.perm) == (demands[1].org_path, demands[1].org.name, Perm.DEMAND_VIEW)
    assert w.url == reverse("demands:detail", args=[demands[1].pk]) and demands[1].ref in w.title
    assert w.due_at == demands[1].response_due_at


def test_an_overdue_demand_warns_and_the_warning_clears_when_it_is_accepted_then_answered(tree):
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    demand = submit(tree.grids[0])
    warnings.sweep(MONDAY + dt.timedelta(minutes=5), codes=[RULE])
    assert open_keys() == set()  # not late yet
    warnings.sweep(LATE, codes=[RULE])
    assert open_keys() == {f"{demand.pk}:response"}
    accepted = LATE + dt.timedelta(minutes=10)
    actions.do_accept(leader, demand, now=accepted)
    warnings.sweep(accepted + dt.timedelta(minutes=1), codes=[RULE])
    assert open_keys() == set()
    cleared = EarlyWarning.objects.get(key=f"{demand.pk}:response")
    assert cleared.cleared_at == accepted + dt.timedelta(minutes=1)
    demand.refresh_from_db()
    past_resolution = demand.resolution_due_at + dt.timedelta(hours=1)
    warnings.sweep(past_resolution, codes=[RULE])
    assert open_keys() == {f"{demand.pk}:resolution"}
    actions.do_answer(leader, demand, "已清理", now=past_resolution + dt.timedelta(minutes=5))
    warnings.sweep(past_resolution + dt.timedelta(minutes=10), codes=[RULE])
    assert open_keys() == set()


def test_the_sweep_command_escalates_first_so_only_what_cannot_climb_stays_warned(tree):
    at_grid = submit(tree.grids[0])
    at_top = submit(tree.grids[1])
    Demand.objects.filter(pk=at_top.pk).update(org=tree.district, org_path=tree.district.path)
    out = io.StringIO()
    call_command("sweep", now=LATE.isoformat(), stdout=out)
    at_grid.refresh_from_db()
    assert at_grid.escalations == 1 and at_grid.org_id == tree.communities[0].pk  # climbed, deadline reset
    assert open_keys() == {f"{at_top.pk}:response"}  # the district has no level above it
    assert "超时上报 1 件" in out.getvalue() and "预警新增" in out.getvalue()
    call_command("sweep", now=LATE.isoformat(), stdout=io.StringIO())
    assert EarlyWarning.objects.filter(rule=RULE).count() == 1  # a second run changes nothing


def test_the_demands_sweep_command_still_works_on_its_own(tree):
    demand = submit(tree.grids[0])
    call_command("demands_sweep", now=LATE.isoformat(), stdout=io.StringIO())
    demand.refresh_from_db()
    assert demand.escalations == 1


def test_a_failing_periodic_job_is_reported_and_the_others_and_the_warnings_still_run(tree):
    ran: list[str] = []

    def broken(now):
        raise RuntimeError("坏了")

    periodic.register_periodic("aa.broken", broken)
    periodic.register_periodic("zz.fine", lambda now: ran.append("fine"))
    try:
        submit(tree.grids[0])
        Demand.objects.update(org=tree.district, org_path=tree.district.path)
        with pytest.raises(CommandError, match=r"aa\.broken"):
            call_command("sweep", now=LATE.isoformat(), stdout=io.StringIO())
    finally:
        periodic._JOBS.pop("aa.broken")
        periodic._JOBS.pop("zz.fine")
    assert ran == ["fine"] and len(open_keys()) == 1


def test_the_sweep_command_refuses_a_bad_time_and_loop_with_now(db):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("sweep", now="yesterday")
    with pytest.raises(CommandError, match="不能同时使用"):
        call_command("sweep", now=LATE.isoformat(), loop=5)


def test_a_handlers_to_do_lists_the_demands_waiting_in_their_grid_most_overdue_first(tree):
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    older = submit(tree.grids[0], now=MONDAY)
    newer = submit(tree.grids[0], now=MONDAY + dt.timedelta(hours=2))
    submit(tree.grids[1])  # the neighbouring grid's: not theirs
    accepted = submit(tree.grids[0])
    actions.do_accept(leader, accepted, now=MONDAY + dt.timedelta(minutes=5))
    items = [t for t in todos_for(leader, LATE) if t.kind == "待接单诉求"]
    assert [t.url for t in items] == [reverse("demands:detail", args=[d.pk]) for d in (older, newer)]
    assert all(t.late(LATE) for t in items)
    community = user_with_post(tree.communities[0], Role.SECRETARY)
    assert [t for t in todos_for(community, LATE) if t.kind == "待接单诉求"] == []  # held by the grid, not by them


def test_a_handlers_figures_equal_direct_counts_and_link_to_their_rows(tree):
    for i in range(4):
        submit(tree.grids[i], now=MONDAY + dt.timedelta(minutes=i))
    submit(tree.grids[0], now=LATE)  # not yet due
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    figures = {f.label: f for f in figures_for(secretary, LATE)}
    mine = Demand.objects.restrict(secretary, Perm.DEMAND_VIEW)
    assert figures["办理中的诉求"].value == mine.filter(status__in=OPEN_STATUSES).count()
    assert figures["已超时的诉求"].value == mine.filter(actions.overdue_q(LATE)).count()
    assert figures["已超时的诉求"].url == reverse("demands:queue") + "?overdue=1"
    assert "本月满意率" in figures
    member = user_with_post(tree.households[0], Role.HOUSEHOLD_HEAD)
    assert figures_for(member, LATE) == [] or all("诉求" not in f.label for f in figures_for(member, LATE))
