"""Random sequences of actions by random people at advancing times never break the workflow.

Hypothesis drives submit, assign, accept, start, answer, escalate, return, reject, merge, rate,
reopen, whistle, report, the sweep and the two closing jobs, with actors in and out of scope,
on a simulated clock. After every step: a refused action changed nothing, an accepted one was
allowed by ``workflow.TRANSITIONS`` from the state it started in and by the actor's scope, and
every demand's history, answer, rating, rejection and merge are consistent.
"""

from __future__ import annotations

import datetime as dt
import types
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.demands.conftest import MONDAY
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.demands import actions, tasks
from zongheng.demands.choices import Status, Urgency
from zongheng.demands.models import Demand, DemandEvent, Summons
from zongheng.demands.workflow import TRANSITIONS

STAFF_ACTIONS = ["assign", "accept", "start", "answer", "escalate", "return", "reject", "merge", "whistle"]
# The happy path (accept, start, answer, rate) weighs more, so that many demands get far.
ACTIONS = ["submit", "submit", *STAFF_ACTIONS, "accept", "accept", "start", "answer", "answer", "rate", "rate",
           "rate", "reopen", "reopen", "report", "sweep", "sweep", "close_unrated", "close_rated",
           "progress", "progress", "progress", "progress"]
PERM = {"assign": Perm.DEMAND_DISPATCH, "reject": Perm.DEMAND_DISPATCH, "merge": Perm.DEMAND_DISPATCH,
        "whistle": Perm.DEMAND_DISPATCH}

step = st.fixed_dictionaries({
    "action": st.sampled_from(ACTIONS),
    "demand": st.sampled_from([0, 0, 1, 1, 2, 3, 5, 8]),
    "other": st.integers(0, 9),
    "actor": st.sampled_from([0, 0, 0, 1, 1, 1, 2, 2, 3]),  # grid leader, community, street, out of scope
    "grid": st.integers(0, 2),
    "rating": st.integers(1, 5),
    "urgency": st.sampled_from([Urgency.URGENT, Urgency.NORMAL, Urgency.COMPLEX]),
    "advance": st.sampled_from([0, 5, 5, 60, 60, 240, 60 * 24, 60 * 24 * 3, 60 * 24 * 8]),  # minutes
})


@dataclass
class Run:
    world: Any
    now: dt.datetime = MONDAY
    demands: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    @property
    def actors(self) -> list[Any]:
        w = self.world
        return [w.grid_leader, w.community_secretary, w.street_secretary, w.other_community_secretary]

    @property
    def grids(self) -> list[Any]:
        t = self.world.tree
        return [t.grids[0], t.grids[1], t.grids[4]]


def pick(items: list[Any], s: dict[str, Any]) -> Any:
    """Mostly one of the latest demands (they are the ones still moving)."""
    return items[-1 - s["demand"] % len(items)]


def perform(run: Run, s: dict[str, Any]) -> tuple[str, int | None, Any]:
    """Runs one step; returns (the workflow action meant, the demand it targets, the actor)."""
    w, now = run.world, run.now
    action = s["action"]
    if action == "submit" or not run.demands:
        demand, code = w.submit(run.grids[s["grid"]], urgency=s["urgency"], now=now)
        run.demands.append(demand.pk)
        run.codes.append(code)
        return "receive", None, None
    pk, code = pick(run.demands, s), pick(run.codes, s)
    other = run.demands[s["other"] % len(run.demands)]
    actor = run.actors[s["actor"]]
    d = Demand.objects.get(pk=pk)
    if action == "progress":  # the holder takes the next step of the usual path, so that demands get far
        holder = next((a for a in run.actors if scoped(a, Perm.DEMAND_HANDLE, d)), None)
        follower_code = run.codes[run.demands.index(d.pk)]  # its submitter's (only hashes are stored)
        if d.status == Status.ASSIGNED and holder is not None:
            action, actor = "accept", holder
        elif d.status in (Status.ACCEPTED, Status.IN_PROGRESS) and holder is not None:
            action, actor = "answer", holder
        elif d.status == Status.ANSWERED and follower_code:
            code, action = follower_code, "rate"
        elif d.status == Status.RATED and follower_code:
            code, action = follower_code, "reopen"
        else:
            return "noop", None, None
    if action == "assign":
        actions.do_assign(actor, d, run.grids[s["grid"]])
    elif action == "accept":
        actions.do_accept(actor, d, now=now)
    elif action == "start":
        actions.do_start(actor, d)
    elif action == "answer":
        actions.do_answer(actor, d, "已处理完毕", now=now)
    elif action == "escalate":
        actions.do_escalate(actor, d, reason="超出本级能力", now=now)
    elif action == "return":
        actions.do_return(actor, d, "不属于本网格")
    elif action == "reject":
        actions.do_reject(actor, d, "不属于平台受理范围")
    elif action == "merge":
        actions.do_merge(actor, d, Demand.objects.get(pk=other))
    elif action == "whistle":
        actions.do_whistle(actor, d, [w.tree.communities[s["grid"] % 2], w.tree.grids[2 + s["grid"]]])
    elif action == "report":
        summons = Summons.objects.filter(demand_id=pk, reported_at=None).first()
        if summons is None:
            return "noop", None, None
        actions.do_report(actor, summons, "已到场处置")
    elif action in ("rate", "reopen"):
        follower = actions.follower_by_code(code)
        assert follower is not None
        pk = follower.demand_id
        if action == "rate":
            actions.do_rate(code, s["rating"], "评价", now=now)
        else:
            actions.do_reopen(code, "问题没有解决", now=now)
        return action, pk, None
    else:
        if action == "sweep":
            tasks.sweep(now)
        else:
            getattr(actions, action)(now)
        return "system", None, None
    return action, pk, actor


def scoped(actor: Any, perm: str, d: Demand) -> bool:
    """Only the holder and those above it act (issue 13): the grid the demand was raised in does not."""
    return in_scope(actor, perm, d.org_path)


def check_step(action: str, pk: int | None, actor: Any, before: dict[int, tuple[str, int, str, str]],
               refused: bool) -> None:
    if pk is None:
        return
    status, version, org_path, grid_path = before[pk]
    after = Demand.objects.get(pk=pk)
    if refused:
        assert after.version == version and after.status == status, f"refused {action} changed the demand"
        return
    allowed, _to, _label = TRANSITIONS[action]
    assert status in allowed, f"{action} succeeded from {status}"
    if actor is not None:
        perm = PERM.get(action, Perm.DEMAND_HANDLE)
        # The step is credited to the actor's own organisation: at or above the holder it acted on,
        # never the grid below a community that acted. A report is the summoned unit's: it is
        # checked on that unit, which may lie outside the holder's subtree (街道吹哨、部门报到).
        event = DemandEvent.objects.filter(demand_id=pk).select_related("by_org").latest("seq")
        assert event.by_org is not None
        if action == "report":
            summoned = set(Summons.objects.filter(demand_id=pk).values_list("org_id", flat=True))
            assert event.by_org_id in summoned, "report credited to a unit that was not summoned"
        else:
            shadow = types.SimpleNamespace(org_path=org_path, grid_path=grid_path)
            assert scoped(actor, perm, shadow), f"{action} by {actor} out of scope succeeded"  # type: ignore[arg-type]
            assert org_path.startswith(event.by_org.path), f"{action} credited below the holder"
        assert in_scope(actor, perm, event.by_org.path), f"{action} by {actor} out of scope succeeded"


def check_invariants(pks: list[int]) -> None:
    demands = Demand.objects.in_bulk(pks)
    events: dict[int, list[DemandEvent]] = {pk: [] for pk in pks}
    for e in DemandEvent.objects.filter(demand_id__in=pks).order_by("demand_id", "seq"):
        events[e.demand_id].append(e)
    for pk, d in demands.items():
        history = events[pk]
        assert [e.seq for e in history] == list(range(1, d.version + 1)), "history has gaps"
        previous = ""
        for e in history:
            allowed, to, _ = TRANSITIONS[e.action]
            assert e.from_status == previous and e.from_status in allowed
            assert e.to_status == (to or e.from_status)
            previous = e.to_status
        assert previous == d.status
        if d.status == Status.CLOSED:
            assert d.answer and d.closed_at
            assert d.rating is not None or history[-1].action == "rating_timeout"
        if d.status == Status.REJECTED:
            assert d.reject_reason.strip()
        if d.status == Status.MERGED:
            seen = {pk}
            target = d
            while target.status == Status.MERGED:
                assert target.merged_into_id is not None and target.merged_into_id not in seen
                seen.add(target.merged_into_id)
                target = Demand.objects.get(pk=target.merged_into_id)
            assert not d.followers.exists()
        if d.status in (Status.ANSWERED, Status.RATED):
            assert d.answer and d.answered_at


@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=5, max_size=40))
def test_random_sequences_of_actions_never_break_the_workflow(world, monkeypatch, steps):
    run = Run(world)
    clock = types.SimpleNamespace(now=lambda: run.now, get_current_timezone=timezone.get_current_timezone)
    monkeypatch.setattr(actions, "timezone", clock)
    with transaction.atomic():
        for s in steps:
            run.now += dt.timedelta(minutes=s["advance"])
            before = {d.pk: (d.status, d.version, d.org_path, d.grid_path)
                      for d in Demand.objects.filter(pk__in=run.demands)}
            try:
                action, pk, actor = perform(run, s)
                refused = False
            except ActionError:
                assert s["action"] not in ("submit", "sweep", "close_unrated", "close_rated"), "a system job failed"
                action, refused = s["action"], True
                pk = pick(run.demands, s) if run.demands else None
                if action in ("rate", "reopen"):
                    follower = actions.follower_by_code(pick(run.codes, s))
                    pk = follower.demand_id if follower else None
                actor = None
            if action in TRANSITIONS or refused:
                check_step(action if action in TRANSITIONS else "assign", pk, actor, before, refused)
            check_invariants(run.demands)
        transaction.set_rollback(True)

