"""Two people accepting the same proposal at once create one match and one agreement item (PostgreSQL:
the need's row lock serialises them; the second is refused in Chinese). Many accepts on one resource at
once never take it beyond its capacity."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.cobuild.factories_lists import make_need, make_resource, make_unit
from tests.factories import user_with_post
from tests.race import race as _race
from zongheng.cobuild.actions_lists import do_accept_match
from zongheng.cobuild.models import AgreementItem, Match, Resource
from zongheng.core.permissions import Role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]




def test_two_people_accepting_the_same_match_at_once_create_one_item(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    community = tree.communities[0]
    first = user_with_post(community, Role.SECRETARY)
    second = user_with_post(community, Role.DEPUTY_SECRETARY)
    unit = make_unit(community)
    resource = make_resource(first, unit, "venue", 500)
    need = make_need(first, community, "venue", 100)

    refused = _race([lambda: do_accept_match(first, need, resource), lambda: do_accept_match(second, need, resource)])

    assert Match.objects.filter(need=need, resource=resource).count() == 1
    assert AgreementItem.objects.filter(agreement__unit=unit).count() == 1
    assert Resource.objects.get(pk=resource.pk).used == 100
    assert len(refused) == 1 and ("已对接" in refused[0])


def test_accepts_on_one_resource_at_once_never_exceed_its_capacity(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    cadre = user_with_post(tree.district, Role.SECRETARY)
    unit = make_unit(tree.communities[0])
    resource = make_resource(cadre, unit, "funds", 100)
    needs = [make_need(cadre, tree.communities[i % 4], "funds", 30) for i in range(6)]

    refused = _race([lambda n=n: do_accept_match(cadre, n, resource) for n in needs])

    used = Resource.objects.get(pk=resource.pk).used
    assert used == sum(m.quantity for m in Match.objects.filter(resource=resource)) == 100
    assert Match.objects.filter(resource=resource).count() == 4  # 30 + 30 + 30 + 10
    assert len(refused) == 2
