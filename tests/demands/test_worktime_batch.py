"""The deadline of many demands at once (``worktime.add_times``) equals the deadline of each alone.

Hypothesis draws a calendar (holidays on weekdays, 调休 working days on weekends, over the shipped
official calendar), then a batch of starts at any minute of any day — nights, weekends, holidays,
the eve of 春节 — with limits from minutes to weeks in working or natural time, and compares the
batch with ``add_time`` one by one, errors included.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.demands.conftest import TZ
from zongheng.demands.choices import Clock
from zongheng.demands.models import CalendarDay
from zongheng.demands.worktime import add_time, add_times

BASE = dt.date(2018, 1, 1)  # the shipped calendar holds 2018 (春节 15–21 Feb, 调休 11 and 24 Feb, …)
DAYS = 400

day_offsets = st.integers(0, DAYS)
calendar = st.dictionaries(day_offsets, st.booleans(), max_size=60)  # offset → is_workday (上班 / 休息)
start = st.builds(lambda d, m: dt.datetime.combine(BASE + dt.timedelta(days=d), dt.time(), TZ)
                  + dt.timedelta(minutes=m), st.integers(0, DAYS - 30), st.integers(0, 24 * 60 - 1))
minutes = st.one_of(st.integers(1, 600), st.integers(1, 20 * 9 * 60), st.sampled_from([60, 240, 540, 1440, 3780]))
clock = st.sampled_from([Clock.WORKING, Clock.WORKING, Clock.WORKING, Clock.NATURAL])
batch = st.lists(st.tuples(start, minutes, clock), min_size=1, max_size=40)


def one_by_one(items: list[tuple[dt.datetime, int, str]]) -> list[dt.datetime] | type[ValueError]:
    try:
        return [add_time(*item) for item in items]
    except ValueError:
        return ValueError


def at_once(items: list[tuple[dt.datetime, int, str]]) -> list[dt.datetime] | type[ValueError]:
    try:
        return add_times(items)
    except ValueError:
        return ValueError


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=calendar, items=batch)
def test_the_batch_deadline_equals_each_demands_own_deadline_under_any_calendar(demand_defaults, days, items):
    with transaction.atomic():
        for offset, is_workday in days.items():
            CalendarDay.objects.update_or_create(date=BASE + dt.timedelta(days=offset),
                                                 defaults={"is_workday": is_workday})
        expected = one_by_one(items)
        assert at_once(items) == expected
        transaction.set_rollback(True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(st.tuples(start, minutes, clock), min_size=1, max_size=200))
def test_the_batch_deadline_equals_each_demands_own_deadline_on_the_official_calendar(demand_defaults, items):
    assert at_once(items) == one_by_one(items)


def test_a_long_run_of_holidays_fails_the_batch_as_it_fails_the_single_deadline(demand_defaults):
    first = dt.date(2018, 3, 5)
    with transaction.atomic():
        for i in range(60):
            CalendarDay.objects.update_or_create(date=first + dt.timedelta(days=i), defaults={"is_workday": False})
        late = dt.datetime(2018, 3, 5, 9, 0, tzinfo=TZ)
        early = dt.datetime(2018, 1, 8, 9, 0, tzinfo=TZ)  # the batch reads its window too, up to mid-March
        items = [(early, 60 * 9 * 20, Clock.WORKING), (late, 60, Clock.WORKING)]
        with pytest.raises(ValueError):
            add_time(late, 60, Clock.WORKING)
        assert add_time(early, 60 * 9 * 20, Clock.WORKING)
        with pytest.raises(ValueError):
            add_times(items)
        transaction.set_rollback(True)


def test_the_batch_reads_the_calendar_once_whatever_its_size(demand_defaults):
    from django.db import connection

    items = [(dt.datetime(2018, 2, 1, 9, 0, tzinfo=TZ) + dt.timedelta(hours=7 * i), 240 + i, Clock.WORKING)
             for i in range(500)]
    with CaptureQueriesContext(connection) as ctx:
        result = add_times(items)
    assert len(ctx.captured_queries) == 1
    assert result == [add_time(*item) for item in items]
    with CaptureQueriesContext(connection) as ctx:
        assert add_times([(items[0][0], 60, Clock.NATURAL)]) == [add_time(items[0][0], 60, Clock.NATURAL)]
    assert len(ctx.captured_queries) == 0
