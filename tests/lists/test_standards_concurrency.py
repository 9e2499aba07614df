"""Two assessors scoring the same indicator of the same organisation and quarter at once (the street's secretary
and the district's 组织部) leave one score; the second is refused in Chinese and writes nothing — nobody's score
is silently overwritten (PostgreSQL: the unique key makes the second insert wait for the first and fail)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import ensure_migration_rows, user_with_post
from tests.race import race
from zongheng.core.indicators import Quarter
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.lists import standards_default
from zongheng.lists.actions_standards import do_assess
from zongheng.lists.models_standards import Assessment, StandardIndicator

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_assessors_scoring_the_same_indicator_at_once_leave_one_score(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL; SQLite serialises writers")
    ensure_migration_rows()
    standards_default.ensure()
    community = tree.communities[0]
    street = user_with_post(tree.streets[0], Role.SECRETARY)
    dept = user_with_post(tree.district, Role.ORG_DEPT)
    ind = StandardIndicator.objects.get(kind__framework__active=True, kind__code="community", code="c05")
    quarter = Quarter(2025, 2)
    refused = race([lambda u=u, s=s: do_assess(u, community, quarter, ind, {"score": s, "evidence": "检查"})
                    for u, s in ((street, "8"), (dept, "6"))])
    # One score stands. When both read "no score yet" at once, the second insert meets the unique key and is
    # refused in Chinese; when one commits before the other reads, the later is an ordinary re-score. Which of
    # the two happens is the threads' timing, so either is accepted — never a second row, never a server error.
    assert Assessment.objects.filter(org=community, indicator=ind, period=quarter.key).count() == 1
    assert len(refused) <= 1 and all("刚刚已有人评分" in message for message in refused)
    # Every write that was not refused is in the log; a re-score's entry keeps the score it replaced.
    entries = list(AuditLog.objects.filter(action="lists.standard_assess").order_by("pk"))
    assert len(entries) == 2 - len(refused)
    if len(entries) == 2:
        assert entries[1].before["score"] == entries[0].after["score"]
    standing = Assessment.objects.get(org=community, indicator=ind, period=quarter.key)
    assert str(standing.score) == entries[-1].after["score"]
