"""A stationed unit's liaison (驻区单位联络员) is appointed on the unit's node only: their scope is the unit."""

from __future__ import annotations

import pytest

from tests.factories import make_person, user_with_post
from zongheng.core.access import scope_paths
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.actions import do_create_post
from zongheng.orgs.models import Level, Org, Post

pytestmark = pytest.mark.django_db


def test_a_liaison_is_appointed_on_a_unit_node_and_reaches_only_that_unit(tree):
    community = tree.communities[0]
    secretary = user_with_post(community, Role.SECRETARY)
    unit = Org.objects.add_child(community, instance=Org(name="振发锻件公司", level=Level.objects.get(code="unit")))
    person = make_person(community)

    post = do_create_post(secretary, {"person": person, "role": Role.LIAISON, "org": unit, "starts_on": "2018-03-01"})

    assert post.org == unit
    liaison = user_with_post(unit, Role.LIAISON)
    assert scope_paths(liaison, Perm.COBUILD_VIEW) == (unit.path,)
    assert scope_paths(liaison, Perm.COBUILD_CHANGE) == ()


def test_a_liaison_post_on_a_community_is_refused_and_nothing_is_written(tree):
    community = tree.communities[0]
    secretary = user_with_post(community, Role.SECRETARY)
    before = Post.objects.count()

    with pytest.raises(ActionError, match="驻区单位联络员只能任职于驻区单位"):
        do_create_post(secretary, {"person": make_person(community), "role": Role.LIAISON, "org": community,
                                   "starts_on": "2018-03-01"})

    assert Post.objects.count() == before


def test_a_street_cadre_is_sent_to_sit_on_a_units_party_committee_and_nowhere_else_without_being_an_assistant(tree):
    community, street = tree.communities[0], tree.streets[0]
    secretary = user_with_post(street, Role.SECRETARY)
    unit = Org.objects.add_child(community, instance=Org(name="紫峰大厦党委", level=Level.objects.get(code="unit")))
    cadre = make_person(street)

    post = do_create_post(secretary, {"person": cadre, "role": Role.COMMITTEE_MEMBER, "org": unit,
                                      "starts_on": "2018-03-01", "sent_from": street})

    assert post.sent_from == street
    with pytest.raises(ActionError, match="派出单位"):
        do_create_post(secretary, {"person": make_person(street), "role": Role.COMMITTEE_MEMBER, "org": community,
                                   "starts_on": "2018-03-01", "sent_from": street})
    with pytest.raises(ActionError, match="派出单位须为该组织所在的街道"):
        do_create_post(secretary, {"person": make_person(street), "role": Role.COMMITTEE_MEMBER, "org": unit,
                                   "starts_on": "2018-03-01", "sent_from": tree.streets[1]})
