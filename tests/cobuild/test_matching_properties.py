"""No sequence of accepts — any needs, any resources, any order, any requested quantities, refusals
included — takes a resource beyond its capacity or meets a need beyond its quantity (hypothesis)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cobuild.factories_lists import make_need, make_resource, make_unit
from tests.factories import user_with_post
from zongheng.cobuild import matching
from zongheng.cobuild.actions_lists import do_accept_match
from zongheng.cobuild.choices import NeedState
from zongheng.cobuild.models import Match, Need, Resource
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role

KINDS = ["venue", "funds"]


@pytest.fixture
def world(tree):
    cadre = user_with_post(tree.district, Role.SECRETARY)
    units = [make_unit(tree.communities[i]) for i in (0, 1, 2)]
    return tree, cadre, units


world_spec = st.fixed_dictionaries({
    "resources": st.lists(st.tuples(st.integers(0, 2), st.sampled_from(KINDS), st.integers(1, 60)),
                          min_size=1, max_size=4),
    "needs": st.lists(st.tuples(st.integers(0, 3), st.sampled_from(KINDS), st.integers(1, 80)),
                      min_size=1, max_size=4),
    "accepts": st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.one_of(st.none(), st.integers(1, 90))),
                        max_size=12),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=world_spec)
def test_no_sequence_of_accepts_exceeds_capacity(world, spec):
    tree, cadre, units = world
    with transaction.atomic():
        resources = [make_resource(cadre, units[u], kind, cap) for u, kind, cap in spec["resources"]]
        needs = [make_need(cadre, tree.communities[c], kind, q) for c, kind, q in spec["needs"]]
        for n_i, r_i, quantity in spec["accepts"]:
            need = Need.objects.get(pk=needs[n_i % len(needs)].pk)
            resource = resources[r_i % len(resources)]
            proposed = {p.resource.pk: p.quantity for p in matching.proposals_for_need(need)}
            try:
                match = do_accept_match(cadre, need, resource, quantity=quantity)
            except ActionError:
                continue
            # what was accepted had been proposed, for at most the proposed quantity
            assert match.quantity <= proposed[resource.pk]
        for r in Resource.objects.all():
            taken = Match.objects.filter(resource=r).aggregate(s=Sum("quantity"))["s"] or 0
            assert r.used == taken <= r.capacity
        for n in Need.objects.all():
            met = Match.objects.filter(need=n).aggregate(s=Sum("quantity"))["s"] or 0
            assert met <= n.quantity
            assert (n.state == NeedState.MATCHED) == (met == n.quantity)
            assert all(p.quantity <= n.quantity - met for p in matching.proposals_for_need(n))
        transaction.set_rollback(True)
