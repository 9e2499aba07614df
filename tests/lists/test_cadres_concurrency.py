"""Two recorders selecting the same cadre as the same month's star at once leave one star: the database's unique
key (one star per person per month) refuses the second, which is told so in Chinese (PostgreSQL; SQLite serialises
writers itself)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import user_with_post
from tests.lists.factories_cadres import make_world, star
from tests.race import race as _race
from zongheng.core.permissions import Role
from zongheng.lists.models import CadreStar, Citation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_recorders_selecting_the_same_star_at_once_leave_one(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL; SQLite serialises writers")
    w = make_world(tree)
    other = user_with_post(tree.district, Role.ORG_DEPT)
    refused = _race([lambda: star(w.dept, w.a, "2018-07", [w.work["t1"]]),
                     lambda: star(other, w.a, "2018-07", [w.work["t1"], w.work["task"]])])
    assert CadreStar.objects.filter(person=w.a).count() == 1 and len(refused) == 1
    assert "每月只能评选一次" in refused[0]
    assert Citation.objects.filter(star__isnull=False).count() == CadreStar.objects.get().citations.count()
