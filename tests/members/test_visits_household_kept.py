"""A linked household with 民情日记 is kept: removing it is refused in Chinese, not a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.members.factories_visits import make_world, record
from zongheng.core.models import AuditLog
from zongheng.orgs.models import LinkedHousehold

pytestmark = pytest.mark.django_db


def test_removing_a_visited_household_is_refused_in_chinese_and_nothing_is_written(client, tree):
    w = make_world(tree)
    visited, untouched = w.households[0], w.households[1]
    record(w.head, visited, raised="楼道灯坏了")
    audits = AuditLog.objects.count()
    client.force_login(w.secretary)

    response = client.post(reverse("orgs:household_delete", args=[visited.pk]), follow=True)

    assert response.status_code == 200
    assert "该联系户已有民情日记等记录，不能移除" in response.content.decode()
    assert LinkedHousehold.objects.filter(pk=visited.pk).exists()
    assert AuditLog.objects.count() == audits
    client.post(reverse("orgs:household_delete", args=[untouched.pk]))
    assert not LinkedHousehold.objects.filter(pk=untouched.pk).exists()


def test_the_demo_reset_removes_visits_before_the_households_they_hold(tree):
    from zongheng.members.models import Visit
    from zongheng.orgs import demo
    from zongheng.orgs.models import Org

    w = make_world(tree)
    record(w.head, w.households[0], raised="楼道灯坏了", raise_demand=True)
    assert Visit.objects.exists()
    demo.reset()
    assert not Visit.objects.exists() and not LinkedHousehold.objects.exists() and not Org.objects.exists()
