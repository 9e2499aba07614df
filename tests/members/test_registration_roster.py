"""The roster (person form, API, import) may set or clear a member's 报到社区 directly; the periodic sync makes
the registrations follow, so the counts per community keep equal to the people registered there."""

from __future__ import annotations

import pytest

from tests.factories import make_person
from tests.members.factories_registration import apply, cadre, member_user
from zongheng.members.actions_registration import sync_with_roster
from zongheng.members.choices import RegistrationState
from zongheng.members.models import Registration
from zongheng.orgs.actions import do_update_person
from zongheng.orgs.models import Person

pytestmark = pytest.mark.django_db


def _registered_per_community() -> dict[int, int]:
    people: dict[int, int] = {}
    for org_id in Person.objects.filter(registered_org__isnull=False).values_list("registered_org_id", flat=True):
        people[org_id] = people.get(org_id, 0) + 1
    return people


def _confirmed_per_community() -> dict[int, int]:
    regs: dict[int, int] = {}
    for org_id in Registration.objects.filter(state=RegistrationState.CONFIRMED).values_list("community_id",
                                                                                             flat=True):
        regs[org_id] = regs.get(org_id, 0) + 1
    return regs


def test_a_roster_edit_of_the_community_is_followed_by_the_registrations(tree):
    first, second = tree.communities[1], tree.communities[2]
    secretary = cadre(tree.district)
    moved = make_person(tree.grids[0])
    pending = member_user(tree.grids[0])
    apply(pending, first)  # an application waiting at another community

    do_update_person(secretary, moved, {"registered_org": first})
    do_update_person(secretary, pending.person, {"registered_org": second})
    assert sync_with_roster() == (0, 2)
    assert _confirmed_per_community() == _registered_per_community()
    assert Registration.objects.get(person=pending.person, community=first).state == RegistrationState.DECLINED
    assert Registration.objects.get(person=moved).events.get().state == RegistrationState.CONFIRMED

    do_update_person(secretary, Person.objects.get(pk=moved.pk), {"registered_org": None})
    assert sync_with_roster() == (1, 0)
    assert Registration.objects.get(person=moved).state == RegistrationState.ENDED
    assert _confirmed_per_community() == _registered_per_community()
    assert sync_with_roster() == (0, 0)  # a second run changes nothing
