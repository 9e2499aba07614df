"""Two reviewers deciding the same monthly report at once (the street and the lead cadre) leave one decision;
the second is refused in Chinese. The same month filed by two requests at once makes one report (PostgreSQL:
the report's and the task's row locks serialise them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.factories import ensure_migration_rows
from tests.lists.factories_tasks import make_world, report
from tests.race import race as _race
from zongheng.lists.actions_tasks import do_file_report, do_review_report
from zongheng.lists.models import ProgressReport, Task

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_at_once_leave_one_decision(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    ensure_migration_rows()
    w = make_world(tree)
    r = report(w.community, w.community_piece, dt.date(2026, 5, 1))
    refused = _race([
        lambda: do_review_report(w.street, ProgressReport.objects.get(pk=r.pk), {"result": "accepted"}),
        lambda: do_review_report(w.lead, ProgressReport.objects.get(pk=r.pk), {"result": "returned", "note": "补"}),
    ])
    r.refresh_from_db()
    assert r.result in ("accepted", "returned") and r.reviewed_at is not None
    assert len(refused) == 1 and "不能重复审核" in refused[0]


def test_filing_the_same_month_twice_at_once_makes_one_report(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    ensure_migration_rows()
    w = make_world(tree)
    refused = _race([lambda: do_file_report(w.community, Task.objects.get(pk=w.community_piece.pk),
                                            {"month": dt.date(2026, 5, 1), "done": "完成"}) for _ in range(2)])
    assert ProgressReport.objects.count() == 1
    assert len(refused) == 1 and "不能重复报送" in refused[0]
