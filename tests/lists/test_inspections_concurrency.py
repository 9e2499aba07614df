"""Two verifiers deciding the same report at once — the organiser closes it, the team leader returns it — leave one
decision; two reports of the same item at once leave one report: the item's row lock serialises them and the second
finds the state moved and is refused by the table in Chinese (PostgreSQL; SQLite serialises writers itself)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import user_with_post
from tests.lists.factories_inspections import T0, make_world, record
from tests.race import race as _race
from zongheng.core.permissions import Role
from zongheng.lists.actions_inspections import do_report, do_verify
from zongheng.lists.choices_inspections import RectMove, RectState
from zongheng.lists.models_inspections import InspectionEvent, Rectification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_verifiers_deciding_at_once_leave_one_decision(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    w = make_world(tree)
    rect = record(w, 0)[0]
    do_report(w.sec[0], rect, {"text": "已整改"}, now=T0)
    refused = _race([
        lambda: do_verify(w.dept, Rectification.objects.get(pk=rect.pk), RectMove.ACCEPT, now=T0),
        lambda: do_verify(w.leader, Rectification.objects.get(pk=rect.pk), RectMove.RETURN, "材料不全", now=T0),
    ])
    rect.refresh_from_db()
    decisions = InspectionEvent.objects.filter(rectification=rect, from_state=RectState.REPORTED)
    assert decisions.count() == 1 and len(refused) == 1
    assert rect.state == decisions.get().to_state and refused[0].startswith("整改事项当前为「")


def test_two_reports_at_once_leave_one_report(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    w = make_world(tree)
    rect = record(w, 0)[0]
    deputy = user_with_post(w.targets[0].org, Role.DEPUTY_SECRETARY)
    refused = _race([lambda: do_report(w.sec[0], Rectification.objects.get(pk=rect.pk), {"text": "甲"}, now=T0),
                     lambda: do_report(deputy, Rectification.objects.get(pk=rect.pk), {"text": "乙"}, now=T0)])
    assert len(refused) == 1 and rect.reports.count() == 1
    assert InspectionEvent.objects.filter(rectification=rect, move=RectMove.REPORT).count() == 1
