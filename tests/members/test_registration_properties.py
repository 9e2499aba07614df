"""No sequence of registration moves — any member, any community, any actor, refusals included — leaves a member
with two open registrations, a 报到社区 other than their confirmed registration's, or a history that is not a
path of the transition table; a refused move writes nothing (hypothesis)."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.members.factories_registration import cadre, community_of, member_user
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.members import actions_registration as actions
from zongheng.members.models import Registration, RegistrationEvent
from zongheng.orgs.models import Person

PATHS = {"applied": ["applied"], "confirmed": ["applied", "confirmed"], "declined": ["applied", "declined"],
         "withdrawn": ["applied", "withdrawn"], "ended": ["applied", "confirmed", "ended"]}


@pytest.fixture
def world(tree):
    members = [member_user(tree.streets[i % 2]) for i in range(3)]
    cadres = [cadre(tree.communities[i]) for i in range(4)] + [cadre(tree.streets[1], Role.SECRETARY)]
    return [community_of(c) for c in tree.communities], members, cadres


moves = st.lists(st.tuples(st.sampled_from(["apply", "confirm", "decline", "withdraw", "end", "forge"]),
                           st.integers(0, 2), st.integers(0, 3), st.integers(0, 8), st.booleans()),
                 min_size=1, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=moves)
def test_no_sequence_of_moves_breaks_the_registration_invariants(world, steps):
    communities, members, cadres = world
    with transaction.atomic():
        for move, m, c, actor_i, stale in steps:
            member = members[m]
            actors = [*members, *cadres]
            actor = actors[actor_i % len(actors)]
            regs = list(Registration.objects.filter(person=member.person).order_by("-id"))
            before = (Registration.objects.count(), RegistrationEvent.objects.count(), AuditLog.objects.count())
            try:
                if move == "apply":
                    actions.do_apply(actor, actor.person, communities[c])
                elif regs:
                    reg = regs[0]
                    expected = "ended" if stale else reg.state
                    action = "delete" if move == "forge" else move
                    actions.do_transition(actor, reg, action, reason="原因", expected_state=expected)
                else:
                    continue
            except ActionError:
                assert (Registration.objects.count(), RegistrationEvent.objects.count(),
                        AuditLog.objects.count()) == before
        for person in Person.objects.filter(pk__in=[m.person_id for m in members]):
            mine = list(Registration.objects.filter(person=person))
            open_ = [r for r in mine if r.state in ("applied", "confirmed")]
            assert len(open_) <= 1
            confirmed = [r for r in mine if r.state == "confirmed"]
            assert person.registered_org_id == (confirmed[0].community_id if confirmed else None)
            for r in mine:
                assert list(r.events.order_by("at", "id").values_list("state", flat=True)) == PATHS[r.state]
        transaction.set_rollback(True)
