"""The set-based sweep: a batch is a constant number of statements and writes exactly the rows one
escalation alone writes (demand, history, audit, notices), and its notices go to the same people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.demands.conftest import MONDAY
from tests.factories import make_person, make_post, make_user
from zongheng.core.access import in_scope
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Perm, Role
from zongheng.demands import actions
from zongheng.demands.choices import Urgency
from zongheng.demands.models import Demand, DemandEvent, Notification
from zongheng.orgs.models import Org, Post

LATE = MONDAY + dt.timedelta(days=1, hours=1)


def submit_many(world: Any, n: int, start: int = 0) -> list[Demand]:
    grids = world.tree.grids
    return [world.submit(grids[(start + i) % len(grids)], now=MONDAY + dt.timedelta(minutes=start + i),
                         urgency=[Urgency.NORMAL, Urgency.URGENT, Urgency.COMPLEX][i % 3])[0] for i in range(n)]


def sweep_statements(n_before: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        done = actions.escalate_overdue(LATE)
    assert done == n_before
    return len(ctx.captured_queries)


def test_one_batch_runs_the_same_number_of_statements_for_few_or_many_demands(world):
    submit_many(world, 3)
    few = Demand.objects.filter(actions.overdue_q(LATE)).count()
    small = sweep_statements(few)
    Demand.objects.update(escalations=0)
    submit_many(world, 24, start=100)
    many = Demand.objects.filter(actions.overdue_q(LATE)).count()
    assert many > 3 * few
    large = sweep_statements(many)
    assert large == small


def rows_of(demand: Demand) -> tuple[Any, ...]:
    """What an escalation wrote for ``demand``, without ids and references (comparable across demands)."""
    demand.refresh_from_db()
    event = demand.events.get(action="escalate")
    log = AuditLog.objects.get(action="demand.escalate", object_id=str(demand.pk))
    notices = sorted(Notification.objects.filter(demand=demand).values_list("user_id", "text"))
    return (
        (demand.status, demand.version, demand.org_id, demand.org_path, demand.escalations, demand.response_due_at,
         demand.resolution_due_at),
        (event.seq, event.at, event.from_status, event.to_status, event.actor_id, event.actor_label, event.org_id,
         event.by_org_id, event.note),
        (log.actor_id, log.actor_label, log.object_type, log.object_repr == str(demand), log.before, log.after,
         log.org_path, log.request_id, log.ip),
        [(u, t.replace(demand.ref, "REF")) for u, t in notices],
    )


def test_the_batch_writes_the_same_rows_as_one_escalation_by_the_system(world, django_capture_on_commit_callbacks):
    alone, in_batch = (world.submit(world.tree.grids[0], now=MONDAY)[0] for _ in range(2))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_escalate(None, alone, reason="超过办理时限，自动上报", now=LATE)
        assert actions.escalate_overdue(LATE) == 1
    one, other = rows_of(alone), rows_of(in_batch)
    assert one == other
    assert one[3] and Notification.objects.filter(demand=in_batch, user=world.community_secretary).exists()


def test_the_batch_notifies_exactly_those_who_may_open_the_demand_at_its_new_holder(world):
    community = world.tree.communities[0]
    auditor = user_with(community, Role.AUDITOR)  # a post there, but no right to open demands
    left = user_with(community, Role.SECRETARY, ends_on=dt.date(2018, 1, 31))  # a post no longer in force
    helper = user_with(community, Role.AUDITOR)
    make_post(helper.person, world.tree.streets[0], Role.SECRETARY)  # the right held above the community
    boss = user_with(community, Role.AUDITOR)
    boss.is_superuser = True
    boss.save()
    inactive = user_with(community, Role.SECRETARY)
    inactive.is_active = False
    inactive.save()
    demands = submit_many(world, 4)
    Notification.objects.all().delete()  # the grid's notices of the new demands: only the escalation's are read
    assert actions.escalate_overdue(LATE) == Demand.objects.filter(escalations=1).count() > 0
    expected = reference_holders(community)
    assert {world.community_secretary.pk, helper.pk, boss.pk} <= expected
    assert not expected & {auditor.pk, left.pk, inactive.pk}
    escalated = [d for d in demands if Demand.objects.get(pk=d.pk).org_id == community.pk]
    for demand in escalated:
        assert set(Notification.objects.filter(demand=demand).values_list("user_id", flat=True)) == expected
    assert Notification.objects.count() == len(escalated) * len(expected)
    assert DemandEvent.objects.filter(action="escalate").count() == Demand.objects.filter(escalations=1).count()


def user_with(org: Org, role: str, **post: Any) -> Any:
    person = make_person(org)
    make_post(person, org, role, **post)
    return make_user(person)


def reference_holders(org: Org) -> set[int]:
    """The rule written out: active users with a post in force at ``org`` who are in its DEMAND_VIEW scope."""
    from zongheng.accounts.models import User

    people = Post.objects.active().filter(org=org).values("person_id")
    return {u.pk for u in User.objects.filter(person_id__in=people, is_active=True)
            if in_scope(u, Perm.DEMAND_VIEW, org.path)}


def test_the_holders_of_many_organisations_at_once_follow_the_scope_rule_of_each(world):
    user_with(world.tree.grids[1], Role.AUDITOR)
    helper = user_with(world.tree.grids[2], Role.AUDITOR)
    make_post(helper.person, world.tree.communities[1], Role.COMMITTEE_MEMBER)
    orgs = list(Org.objects.all())
    got = actions._holders_many(orgs)
    for org in orgs:
        assert {u.pk for u in got[org.pk]} == reference_holders(org), org.name


def answer_many(world: Any, n: int, start: int = 0) -> list[Demand]:
    demands = [world.submit(world.tree.grids[0], now=MONDAY + dt.timedelta(minutes=start + i))[0] for i in range(n)]
    for d in demands:  # the grid's leader holds them all
        actions.do_accept(world.grid_leader, d, now=MONDAY + dt.timedelta(minutes=30))
        actions.do_answer(world.grid_leader, d, "已处理", now=MONDAY + dt.timedelta(hours=1))
    return demands


def closed_rows(demand: Demand) -> tuple[Any, ...]:
    """What closing wrote for ``demand``, without ids and references."""
    demand.refresh_from_db()
    event = demand.events.get(action="rating_timeout")
    log = AuditLog.objects.get(action="demand.rating_timeout", object_id=str(demand.pk))
    return (
        (demand.status, demand.version, demand.closed_at, demand.org_id),
        (event.seq, event.at, event.from_status, event.to_status, event.actor_id, event.actor_label, event.org_id,
         event.by_org_id, event.note),
        (log.actor_id, log.actor_label, log.object_type, log.before, log.after, log.org_path),
    )


def test_closing_unrated_answers_is_a_constant_number_of_statements_and_writes_what_one_close_writes(
        world, settings):
    """The sweep's closing steps batch as its escalation does: few or many answers left unrated close in the
    same statements, and each closed demand has the rows a close of that demand alone writes."""
    from django.db import transaction

    later = MONDAY + dt.timedelta(days=settings.DEMAND_RATING_DAYS + 1)
    alone, *few = answer_many(world, 3)
    with transaction.atomic():  # the close of one demand alone, as the sweep did it one transaction each
        locked = Demand.objects.select_for_update().get(pk=alone.pk)
        locked.closed_at = later
        actions._transition(locked, "rating_timeout", actions.SYSTEM, at=later)
    with CaptureQueriesContext(connection) as small:
        assert actions.close_unrated(later) == len(few)
    assert closed_rows(alone)[1:] == closed_rows(few[0])[1:] and closed_rows(alone)[0] == closed_rows(few[0])[0]

    many = answer_many(world, 12, start=100)
    with CaptureQueriesContext(connection) as large:
        assert actions.close_unrated(later) == len(many)
    assert len(large) == len(small)
    assert actions.close_unrated(later) == 0
    assert DemandEvent.objects.filter(action="rating_timeout").count() == 1 + len(few) + len(many)
