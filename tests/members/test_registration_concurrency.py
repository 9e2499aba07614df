"""Registrations under concurrent writes (PostgreSQL): the community confirming while the member withdraws ends
in exactly one of the two, with the member's 报到社区 matching it; a member applying to two communities at once
gets one open registration."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.members.factories_registration import apply, cadre, community_of, member_user
from tests.race import race as _race
from zongheng.members import actions_registration as actions
from zongheng.members.models import Registration, RegistrationEvent
from zongheng.orgs.models import Person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]




@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")


def test_confirming_while_the_member_withdraws_ends_in_one_of_them(tree):
    for i in range(5):
        member = member_user(tree.streets[1])
        secretary = cadre(tree.communities[0])
        reg = apply(member, tree.communities[0])
        refused = _race([lambda r=reg, s=secretary: actions.do_transition(s, r, "confirm", expected_state="applied"),
                         lambda r=reg, m=member: actions.do_transition(m, r, "withdraw", expected_state="applied")])
        reg.refresh_from_db()
        assert len(refused) == 1 and "页面已过时" in refused[0], i
        assert reg.state in ("confirmed", "withdrawn")
        assert list(reg.events.values_list("state", flat=True)) == ["applied", reg.state]
        registered = Person.objects.get(pk=member.person_id).registered_org_id
        assert registered == (reg.community_id if reg.state == "confirmed" else None)


def test_applying_to_two_communities_at_once_leaves_one_open_registration(tree):
    member = member_user(tree.streets[1])
    a, b = community_of(tree.communities[0]), community_of(tree.communities[2])
    refused = _race([lambda: actions.do_apply(member, member.person, a),
                     lambda: actions.do_apply(member, member.person, b)])
    assert len(refused) == 1 and "已有一条" in refused[0]
    assert Registration.objects.filter(person=member.person).count() == 1
    assert RegistrationEvent.objects.count() == 1
