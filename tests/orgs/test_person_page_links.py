"""A person page links an organisation only for whoever may open it: no link leads to a 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_person, make_post, make_user
from zongheng.core.permissions import Role

pytestmark = pytest.mark.django_db


def test_a_member_without_posts_sees_their_organisation_named_but_not_linked(client, tree):
    community = tree.communities[0]
    member = make_person(community, name="李党员", registered_org=tree.communities[1])
    client.force_login(make_user(member))

    page = client.get(reverse("orgs:person", args=[member.pk])).content.decode()

    assert community.name in page and tree.communities[1].name in page
    assert reverse("orgs:org", args=[community.pk]) not in page
    assert reverse("orgs:org", args=[tree.communities[1].pk]) not in page
    assert client.get(reverse("orgs:org", args=[community.pk])).status_code == 403


def test_a_secretary_gets_the_link_to_the_organisation_they_may_open(client, tree):
    community = tree.communities[0]
    secretary = make_person(community, name="钱书记")
    make_post(secretary, community, Role.SECRETARY)
    member = make_person(community, name="李党员")
    client.force_login(make_user(secretary))

    page = client.get(reverse("orgs:person", args=[member.pk])).content.decode()

    assert reverse("orgs:org", args=[community.pk]) in page
    assert client.get(reverse("orgs:org", args=[community.pk])).status_code == 200
