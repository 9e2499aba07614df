"""Rectification warnings appear and clear with their cause: an item past its deadline and not 已销号 warns its owner
(seen by the level above and the organiser, not by another target); report + 销号 clears it; a return past due
reopens it. A report waiting too long for verification warns the organiser; verifying it clears that warning. The
to-do lists follow: the owner sees items to report, the organiser and the team reports to verify."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import build_tree, module_transaction
from tests.lists.factories_inspections import T0, make_world, record
from zongheng.core import warnings
from zongheng.core.models import EarlyWarning
from zongheng.core.todo import todos_for
from zongheng.lists import actions_inspections as actions
from zongheng.lists.choices_inspections import VERIFY_DAYS, RectMove
from zongheng.lists.warnings_inspections import RECT_OVERDUE, RECT_UNVERIFIED

CODES = [RECT_OVERDUE, RECT_UNVERIFIED]


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            yield make_world(build_tree())


def _open(rule: str, key: str) -> bool:
    return EarlyWarning.objects.open().filter(rule=rule, key=key).exists()


def _seen(user, rule: str, key: str) -> bool:  # type: ignore[no-untyped-def]
    return EarlyWarning.objects.open().filter(warnings.visible_q(user), rule=rule, key=key).exists()


def test_an_overdue_item_warns_its_owner_and_clears_when_reported_and_closed(w, db):
    rect = record(w, 0, due=dt.date(2018, 5, 10))[0]
    key = str(rect.pk)
    before_due = dt.datetime(2018, 5, 10, 8, tzinfo=dt.UTC)
    after_due = dt.datetime(2018, 5, 11, 8, tzinfo=dt.UTC)
    warnings.sweep(before_due, codes=CODES)
    assert not _open(RECT_OVERDUE, key)
    warnings.sweep(after_due, codes=CODES)
    assert _open(RECT_OVERDUE, key)
    assert _seen(w.sec[0], RECT_OVERDUE, key) and _seen(w.street, RECT_OVERDUE, key)
    assert _seen(w.dept, RECT_OVERDUE, key)
    assert not _seen(w.sec[1], RECT_OVERDUE, key)  # another target
    warnings.sweep(after_due, codes=CODES)  # idempotent
    assert EarlyWarning.objects.filter(rule=RECT_OVERDUE, key=key).count() == 1
    actions.do_report(w.sec[0], rect, {"text": "已整改"}, now=after_due)
    warnings.sweep(after_due, codes=CODES)
    assert _open(RECT_OVERDUE, key)  # reported is not closed
    actions.do_verify(w.dept, rect, RectMove.ACCEPT, now=after_due)
    warnings.sweep(after_due + dt.timedelta(hours=1), codes=CODES)
    assert not _open(RECT_OVERDUE, key)
    assert EarlyWarning.objects.get(rule=RECT_OVERDUE, key=key).cleared_at is not None


def test_a_return_past_due_reopens_the_warning(w, db):
    rect = record(w, 1, due=dt.date(2018, 5, 20))[0]
    key = str(rect.pk)
    early = dt.datetime(2018, 5, 15, 8, tzinfo=dt.UTC)
    actions.do_report(w.sec[1], rect, {"text": "已整改"}, now=early)
    late = dt.datetime(2018, 5, 25, 8, tzinfo=dt.UTC)
    actions.do_verify(w.leader, rect, RectMove.RETURN, "材料不全", now=late)
    warnings.sweep(late, codes=CODES)
    assert _open(RECT_OVERDUE, key)
    actions.do_report(w.sec[1], rect, {"text": "已补充"}, now=late)
    actions.do_verify(w.leader, rect, RectMove.ACCEPT, now=late)
    warnings.sweep(late, codes=CODES)
    assert not _open(RECT_OVERDUE, key)


def test_a_report_waiting_too_long_warns_the_organiser_and_clears_when_verified(w, db):
    rect = record(w, 2, due=dt.date(2018, 12, 31))[0]
    filed = dt.datetime(2018, 6, 1, 2, tzinfo=dt.UTC)
    actions.do_report(w.sec[2], rect, {"text": "已整改"}, now=filed)
    key = f"{rect.pk}:{filed:%Y%m%d%H%M%S}"
    warnings.sweep(filed + dt.timedelta(days=VERIFY_DAYS - 1), codes=CODES)
    assert not _open(RECT_UNVERIFIED, key)
    later = filed + dt.timedelta(days=VERIFY_DAYS + 1)
    warnings.sweep(later, codes=CODES)
    assert _open(RECT_UNVERIFIED, key)
    assert _seen(w.dept, RECT_UNVERIFIED, key) and _seen(w.leader, RECT_UNVERIFIED, key)
    assert not _seen(w.sec[2], RECT_UNVERIFIED, key)
    actions.do_verify(w.dept, rect, RectMove.ACCEPT, now=later)
    warnings.sweep(later, codes=CODES)
    assert not _open(RECT_UNVERIFIED, key)


def test_the_owner_sees_items_to_report_and_the_organiser_reports_to_verify(w, db):
    rect = record(w, 0, due=dt.date(2018, 9, 30))[0]
    url = f"/lists/inspections/items/{rect.pk}/"
    assert url in {t.url for t in todos_for(w.sec[0], T0) if t.kind == "整改待报告"}
    assert url not in {t.url for t in todos_for(w.sec[1], T0)}
    actions.do_report(w.sec[0], rect, {"text": "已整改"}, now=T0)
    assert url not in {t.url for t in todos_for(w.sec[0], T0)}
    assert url in {t.url for t in todos_for(w.dept, T0) if t.kind == "整改待核验"}
    assert url in {t.url for t in todos_for(w.leader, T0) if t.kind == "整改待核验"}
    assert url not in {t.url for t in todos_for(w.member, T0)}
