"""A stationed unit that moves (its node moved in the tree) sits in its new community: its place, and every
copied path of its agreements, items and pairings, follow; the old community's cadres no longer see it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cobuild.factories_agreements import make_agreement, make_item, make_pairing, make_world
from tests.factories import user_with_post
from zongheng.cobuild.models import Agreement, AgreementItem, Pairing, Unit
from zongheng.core.permissions import Role
from zongheng.orgs.actions import do_move_org

pytestmark = pytest.mark.django_db


def test_moving_a_units_node_moves_the_unit_and_its_records(tree):
    w = make_world(tree)
    agreement = make_agreement(w.secretary, w.community, w.unit)
    item = make_item(w.secretary, agreement, dt.date(2018, 6, 30))
    pairing = make_pairing(w.secretary, w.community, w.unit)
    target = tree.communities[1]

    do_move_org(user_with_post(tree.district, Role.ORG_DEPT), w.unit.org, target)

    unit = Unit.objects.select_related("org").get(pk=w.unit.pk)
    assert unit.place_id == target.pk and unit.org.path.startswith(target.path)
    assert unit.org_path == unit.org.path
    assert Agreement.objects.get(pk=agreement.pk).unit_path == unit.org.path
    assert AgreementItem.objects.get(pk=item.pk).unit_path == unit.org.path
    assert Pairing.objects.get(pk=pairing.pk).unit_path == unit.org.path
    # The agreement was signed with w.community: still seen from that side, and now from the target's.
    assert Agreement.objects.restrict(w.secretary).filter(pk=agreement.pk).exists()
    assert not Unit.objects.restrict(w.secretary).filter(pk=unit.pk).exists()
    assert Unit.objects.restrict(user_with_post(target, Role.SECRETARY)).filter(pk=unit.pk).exists()
    # The liaison's post is on the node: their scope moved with it.
    assert AgreementItem.objects.restrict(w.liaison).filter(pk=item.pk).exists()
