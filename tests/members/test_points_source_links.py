"""A member's ledger links each entry to the deed it came from (a visit here), for whoever may open it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import user_with_post
from tests.members.factories_visits import make_world, record
from zongheng.core.permissions import Role
from zongheng.members.models import PointEntry

pytestmark = pytest.mark.django_db


def test_a_visit_entry_links_to_the_visit_for_the_member_and_not_for_a_stranger_cadre(client, tree):
    w = make_world(tree)
    visit, _ = record(w.head, w.households[0], raised="楼道灯坏了")
    entry = PointEntry.objects.get(source=f"visit:{visit.pk}")
    url = reverse("members:visit", args=[visit.pk])

    client.force_login(w.head)
    assert url in client.get(reverse("members:my_points"), {"year": entry.year}).content.decode()

    outsider = user_with_post(tree.communities[2], Role.SECRETARY)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
