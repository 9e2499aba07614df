"""Deadlines in working time: Monday–Friday, WORKDAY_START–WORKDAY_END, holidays and 调休 as data.

``due_at`` is computed once, when a demand is received (or escalated / reopened), and stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from zongheng.core import rows

from .choices import Clock
from .models import CalendarDay

TZ = ZoneInfo("Asia/Shanghai")


def _bounds() -> tuple[dt.time, dt.time]:
    start = dt.time.fromisoformat(getattr(settings, "WORKDAY_START", "08:30"))
    end = dt.time.fromisoformat(getattr(settings, "WORKDAY_END", "17:30"))
    return start, end


class WorkCalendar:
    """Working-day rules for a window of dates, read in one query."""

    def __init__(self, first: dt.date, days: int = 120):
        last = first + dt.timedelta(days=days)
        self.first, self.last = first, last
        # Written as SQL: every new demand with a working-time rule reads it (see ``core.rows``).
        qn, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
        found = rows.fetch(f"SELECT c.date, c.is_workday FROM {qn(CalendarDay._meta.db_table)} c "  # noqa: S608
                           "WHERE c.date >= %s AND c.date <= %s", [adapt(first), adapt(last)])
        self.exceptions: dict[dt.date, bool] = dict(
            rows.convert(CalendarDay, ("date", "is_workday"), row) for row in found  # type: ignore[misc]
        )

    def is_workday(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add_working_minutes(self, start: dt.datetime, minutes: int, *, last: dt.date | None = None) -> dt.datetime:
        """The moment ``minutes`` of working time after ``start`` (aware datetime, returned in Asia/Shanghai).

        ``last``: the last day the answer may fall on (default the end of the loaded window).
        """
        open_t, close_t = _bounds()
        now = start.astimezone(TZ)
        remaining = dt.timedelta(minutes=minutes)
        day = now.date()
        last = min(last, self.last) if last is not None else self.last
        while True:
            if day > last:
                raise ValueError("办理时限超出工作日历范围")
            if self.is_workday(day):
                day_open = dt.datetime.combine(day, open_t, TZ)
                day_close = dt.datetime.combine(day, close_t, TZ)
                begin = max(now, day_open)
                if begin < day_close:
                    available = day_close - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)
            now = dt.datetime.combine(day, open_t, TZ)


def _window(minutes: int) -> int:
    """Days of calendar read after the start: a working day holds 9 hours; room for the longest
    holiday (春节, 9 days) and weekends."""
    return 30 + minutes // (9 * 60) * 2


def add_time(start: dt.datetime, minutes: int, clock: str) -> dt.datetime:
    """``minutes`` after ``start`` in natural time, or in working time."""
    if clock == Clock.NATURAL:
        return (start + dt.timedelta(minutes=minutes)).astimezone(TZ)
    return WorkCalendar(start.astimezone(TZ).date(), days=_window(minutes)).add_working_minutes(start, minutes)


def add_times(items: Sequence[tuple[dt.datetime, int, str]]) -> list[dt.datetime]:
    """``add_time`` over many (start, minutes, clock) at once: the calendar is read once (one query
    for the whole window, none when every clock is natural) and equal inputs are computed once.

    Equal to ``[add_time(*item) for item in items]``, errors included: each answer may fall no
    later than the window ``add_time`` would have read for it.
    """
    working = [(start.astimezone(TZ).date(), minutes) for start, minutes, clock in items if clock != Clock.NATURAL]
    calendar = None
    if working:
        first = min(day for day, _ in working)
        last = max(day + dt.timedelta(days=_window(minutes)) for day, minutes in working)
        calendar = WorkCalendar(first, days=(last - first).days)
    done: dict[tuple[dt.datetime, int, str], dt.datetime] = {}
    out = []
    for start, minutes, clock in items:
        key = (start, minutes, clock)
        if key not in done:
            if clock == Clock.NATURAL or calendar is None:
                done[key] = (start + dt.timedelta(minutes=minutes)).astimezone(TZ)
            else:
                own_last = start.astimezone(TZ).date() + dt.timedelta(days=_window(minutes))
                done[key] = calendar.add_working_minutes(start, minutes, last=own_last)
        out.append(done[key])
    return out
