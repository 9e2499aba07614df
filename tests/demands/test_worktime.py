"""Deadlines count working time: weekends, official holidays and 调休 working days."""

import datetime as dt

from tests.demands.conftest import TZ
from zongheng.demands.choices import Clock
from zongheng.demands.models import CalendarDay
from zongheng.demands.worktime import add_time


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


def test_four_working_hours_from_friday_afternoon_end_on_monday_morning(demand_defaults):
    assert add_time(at(2018, 3, 9, 16, 0), 4 * 60, Clock.WORKING) == at(2018, 3, 12, 11, 0)


def test_a_demand_received_at_night_starts_counting_next_morning(demand_defaults):
    assert add_time(at(2018, 3, 5, 22, 0), 60, Clock.WORKING) == at(2018, 3, 6, 9, 30)


def test_the_spring_festival_week_does_not_count_and_its_saturday_make_up_day_does(demand_defaults):
    # 2018-02-14 (Wed) 16:30; 15–21 Feb are off; Thu 22 and Fri 23 work; Sat 24 is a 调休 working day.
    start = at(2018, 2, 14, 16, 30)
    assert add_time(start, 90, Clock.WORKING) == at(2018, 2, 22, 9, 0)
    three_days = 3 * 9 * 60
    assert add_time(start, three_days, Clock.WORKING) == at(2018, 2, 24, 16, 30)


def test_the_official_calendar_is_data_that_an_administrator_can_change(demand_defaults):
    assert CalendarDay.objects.get(date=dt.date(2018, 9, 29)).is_workday  # 国庆调休
    CalendarDay.objects.create(date=dt.date(2018, 3, 12), is_workday=False, note="临时停工")
    assert add_time(at(2018, 3, 9, 16, 0), 4 * 60, Clock.WORKING) == at(2018, 3, 13, 11, 0)


def test_urgent_limits_run_in_natural_time(demand_defaults):
    assert add_time(at(2018, 2, 16, 23, 0), 120, Clock.NATURAL) == at(2018, 2, 17, 1, 0)
