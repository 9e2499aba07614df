"""The escalation sweep: once per overdue demand however often, or however interrupted, it runs.

Idempotency and crash safety are checked on both databases; two sweeps running at once need
real row locks (SELECT … FOR UPDATE SKIP LOCKED) and run on PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import threading
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections, transaction

from tests.demands.conftest import MONDAY
from zongheng.core.models import AuditLog
from zongheng.demands import actions, tasks
from zongheng.demands.choices import Status, Urgency
from zongheng.demands.models import Demand, DemandEvent, Notification

# Tuesday 10:00: every demand of Monday morning not yet accepted is overdue, and so is the accepted urgent one.
LATE = MONDAY + dt.timedelta(days=1, hours=1)


def overdue_world(world: Any, n: int = 6) -> list[Demand]:
    """``n`` demands of Monday morning in two grids of community 0: one urgent and accepted (due in 24 hours),
    one ordinary and accepted (due in 7 working days), one answered, the others waiting."""
    grids = [world.tree.grids[0], world.tree.grids[1]]
    demands = []
    for i in range(n):
        urgency = Urgency.URGENT if i == 0 else Urgency.NORMAL
        demand, _ = world.submit(grids[i % 2], now=MONDAY + dt.timedelta(minutes=i), urgency=urgency)
        demands.append(demand)
    actions.do_accept(world.grid_leader, demands[0], now=MONDAY + dt.timedelta(minutes=30))
    actions.do_accept(world.grid_leader, demands[2], now=MONDAY + dt.timedelta(minutes=30))
    actions.do_accept(world.grid_leader, demands[4], now=MONDAY + dt.timedelta(minutes=30))
    actions.do_answer(world.grid_leader, demands[2], "已处理", now=MONDAY + dt.timedelta(hours=1))
    return demands


def state() -> list[tuple[Any, ...]]:
    """Everything the sweep may change, in a comparable form (ids are stable within one test)."""
    rows: list[tuple[Any, ...]] = []
    for d in Demand.objects.order_by("pk"):
        rows.append((d.pk, d.status, d.version, d.org_id, d.org_path, d.escalations, d.response_due_at,
                     d.resolution_due_at, d.closed_at))
    for e in DemandEvent.objects.order_by("demand_id", "seq"):
        rows.append((e.demand_id, e.seq, e.action, e.from_status, e.to_status, e.org_id, e.at, e.note))
    rows.append(("audit", AuditLog.objects.filter(action="demand.escalate").count()))
    return rows


def test_running_the_sweep_twice_at_the_same_time_escalates_each_overdue_demand_once(
    world, django_capture_on_commit_callbacks
):
    overdue_world(world)
    overdue = Demand.objects.filter(actions.overdue_q(LATE)).count()
    waiting = Demand.objects.filter(status=Status.ASSIGNED).count()
    assert overdue == waiting + 1 > 2  # the urgent accepted one too; not the answered nor the ordinary accepted
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.sweep(LATE)
    after_one = state()
    notified = Notification.objects.filter(user=world.community_secretary).count()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.sweep(LATE)
    assert first.escalated == overdue and second.escalated == 0
    assert state() == after_one
    assert Notification.objects.filter(user=world.community_secretary).count() == notified == overdue
    assert DemandEvent.objects.filter(action="escalate").count() == overdue
    assert set(Demand.objects.filter(escalations=1).values_list("org", flat=True)) == {world.tree.communities[0].pk}


def test_a_sweep_at_a_later_time_climbs_one_more_level_and_stops_at_the_top(world):
    demand, _ = world.submit()
    when = LATE
    holders = []
    for _ in range(5):
        tasks.sweep(when)
        demand.refresh_from_db()
        holders.append(demand.org.level.code)
        when = demand.response_due_at + dt.timedelta(minutes=1)
    assert holders == ["community", "street", "district", "district", "district"]
    assert demand.escalations == 3 == demand.events.filter(action="escalate").count()


class Crash(Exception):
    pass


def crash_after(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """The n+1-th escalation dies half-way (after the demand row was saved, before its history)."""
    real = actions._transition
    calls = {"n": 0}

    def dying(demand: Demand, action: str, *args: Any, **kw: Any) -> Any:
        if action == "escalate":
            calls["n"] += 1
            if calls["n"] > n:
                demand.save()  # the row is written …
                raise Crash("killed")  # … and the process dies before the event and audit rows
        return real(demand, action, *args, **kw)

    monkeypatch.setattr(actions, "_transition", dying)


def swept_once() -> list[tuple[Any, ...]]:
    """The end state of one clean sweep, computed in a savepoint that is rolled back."""
    with transaction.atomic():
        tasks.sweep(LATE)
        result = state()
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("killed_after", [0, 1, 3])
def test_a_sweep_killed_half_way_and_run_again_ends_as_one_clean_run(world, monkeypatch, killed_after):
    overdue_world(world)
    before = state()
    expected = swept_once()
    assert state() == before and expected != before
    crash_after(monkeypatch, killed_after)
    with pytest.raises(Crash):
        tasks.sweep(LATE)
    # The batch being written when it died (all of these demands) was rolled back whole.
    assert DemandEvent.objects.filter(action="escalate").count() == 0 and state() == before
    monkeypatch.undo()
    tasks.sweep(LATE)
    assert state() == expected


def test_batches_written_before_a_crash_stay_and_the_rest_is_done_by_the_next_run(world, monkeypatch):
    overdue_world(world)
    expected = swept_once()
    crash_after(monkeypatch, 3)
    with pytest.raises(Crash):
        actions.escalate_overdue(LATE, batch=2)
    assert DemandEvent.objects.filter(action="escalate").count() == 2  # the first batch of two committed
    monkeypatch.undo()
    actions.escalate_overdue(LATE, batch=2)
    assert state() == expected


def test_a_sweep_stopped_by_its_limit_finishes_on_the_next_run(world):
    overdue_world(world)
    overdue = Demand.objects.filter(actions.overdue_q(LATE)).count()
    expected = swept_once()
    assert tasks.sweep(LATE, limit=2).escalated == 2
    assert tasks.sweep(LATE, limit=2).escalated == 2
    assert tasks.sweep(LATE).escalated == overdue - 4
    assert state() == expected


def test_the_sweep_closes_unrated_and_expired_unsatisfied_answers_once(world, settings):
    a, _ = world.submit()
    b, code_b = world.submit()
    for d in (a, b):
        actions.do_accept(world.grid_leader, d, now=MONDAY + dt.timedelta(minutes=10))
        actions.do_answer(world.grid_leader, d, "已处理", now=MONDAY + dt.timedelta(hours=1))
    actions.do_rate(code_b, 2, "不满意", now=MONDAY + dt.timedelta(hours=2))
    later = MONDAY + dt.timedelta(days=max(settings.DEMAND_RATING_DAYS, settings.DEMAND_REOPEN_DAYS) + 1)
    result = tasks.sweep(later)
    assert (result.escalated, result.closed_unrated, result.closed_rated) == (0, 1, 1)
    assert tasks.sweep(later) == tasks.SweepResult(0, 0, 0)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == b.status == Status.CLOSED
    assert list(a.events.values_list("action", flat=True))[-1] == "rating_timeout"
    assert list(b.events.values_list("action", flat=True))[-2:] == ["rate", "close"]


def test_the_command_prints_what_it_did_and_the_task_returns_it(world):
    overdue_world(world)
    overdue = Demand.objects.filter(actions.overdue_q(LATE)).count()
    out = io.StringIO()
    call_command("demands_sweep", "--now", LATE.isoformat(), stdout=out)
    assert f"超时上报 {overdue} 件" in out.getvalue()
    result = tasks.run_sweep.enqueue(LATE.isoformat()).return_value
    assert result == {"escalated": 0, "closed_unrated": 0, "closed_rated": 0}


def test_the_command_refuses_a_malformed_time(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("demands_sweep", "--now", "yesterday", stdout=io.StringIO())


# ---------------------------------------------------------------- two sweeps at once (PostgreSQL)


def ensure_demand_defaults() -> None:
    """Categories, rules and calendar (a transactional test's flush removes migration data)."""
    migration = importlib.import_module("zongheng.demands.migrations.0002_defaults")
    migration.forwards(apps, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_running_at_once_escalate_each_demand_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL; SQLite serialises writers")
    ensure_demand_defaults()
    for i in range(40):
        world.submit(world.tree.grids[i % 2], urgency=Urgency.NORMAL, now=MONDAY + dt.timedelta(seconds=i))
    overdue = Demand.objects.filter(actions.overdue_q(LATE)).count()
    assert overdue == 40
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(actions.escalate_overdue(LATE))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sum(results) == overdue
    assert set(Demand.objects.values_list("escalations", flat=True)) == {1}
    assert DemandEvent.objects.filter(action="escalate").count() == overdue
    assert set(Demand.objects.values_list("version", flat=True)) == {3}
    assert Notification.objects.filter(user=world.community_secretary).count() == overdue
