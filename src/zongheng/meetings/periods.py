"""Periods of a cadence, in Asia/Shanghai: keys like "2026-11", "2026-Q4", "2026-H2", "2026".

A period runs from ``start`` (a date, included) to ``end`` (a date, excluded); ``ends_at`` is the
local midnight that closes it — the deadline of a meeting of that period.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from .choices import Cadence

_MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6, Cadence.YEARLY: 12}
_PATTERNS = {
    Cadence.MONTHLY: re.compile(r"^(\d{4})-(\d{2})$"),
    Cadence.QUARTERLY: re.compile(r"^(\d{4})-Q([1-4])$"),
    Cadence.HALF_YEARLY: re.compile(r"^(\d{4})-H([12])$"),
    Cadence.YEARLY: re.compile(r"^(\d{4})$"),
}


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    cadence: str
    key: str

    @property
    def end(self) -> dt.date:
        return _add_months(self.start, _MONTHS[Cadence(self.cadence)])

    @property
    def starts_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def ends_at(self) -> dt.datetime:
        return local_midnight(self.end)

    @property
    def label(self) -> str:
        """Chinese name: 2026年11月, 2026年第四季度, 2026年下半年, 2026年度."""
        y = self.start.year
        c = Cadence(self.cadence)
        if c == Cadence.MONTHLY:
            return f"{y}年{self.start.month}月"
        if c == Cadence.QUARTERLY:
            return f"{y}年第{'一二三四'[(self.start.month - 1) // 3]}季度"
        if c == Cadence.HALF_YEARLY:
            return f"{y}年{'上' if self.start.month == 1 else '下'}半年"
        return f"{y}年度"

    @property
    def word(self) -> str:
        """本月 / 本季度 / 本半年 / 本年度."""
        return {Cadence.MONTHLY: "本月", Cadence.QUARTERLY: "本季度", Cadence.HALF_YEARLY: "本半年",
                Cadence.YEARLY: "本年度"}[Cadence(self.cadence)]

    def next(self) -> Period:
        return period_of(self.cadence, self.end)

    def previous(self) -> Period:
        return period_of(self.cadence, self.start - dt.timedelta(days=1))

    def __str__(self) -> str:
        return self.key


def period_of(cadence: str, day: dt.date) -> Period:
    c = Cadence(cadence)
    y = day.year
    if c == Cadence.MONTHLY:
        return Period(dt.date(y, day.month, 1), c.value, f"{y}-{day.month:02d}")
    if c == Cadence.QUARTERLY:
        q = (day.month - 1) // 3 + 1
        return Period(dt.date(y, 3 * q - 2, 1), c.value, f"{y}-Q{q}")
    if c == Cadence.HALF_YEARLY:
        h = 1 if day.month <= 6 else 2
        return Period(dt.date(y, 6 * h - 5, 1), c.value, f"{y}-H{h}")
    return Period(dt.date(y, 1, 1), c.value, f"{y}")


def parse(cadence: str, key: str) -> Period:
    """The period named by ``key`` for the cadence; ValueError (Chinese) when it names none."""
    c = Cadence(cadence)
    m = _PATTERNS[c].match((key or "").strip())
    if not m:
        examples = {Cadence.MONTHLY: "2026-11", Cadence.QUARTERLY: "2026-Q4", Cadence.HALF_YEARLY: "2026-H2",
                    Cadence.YEARLY: "2026"}
        raise ValueError(f"期间“{key}”格式不对，{c.label}召开的会议应写作 {examples[c]}")
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        raise ValueError(f"期间“{key}”的年份超出范围")
    if c == Cadence.MONTHLY:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"期间“{key}”的月份不对")
        return period_of(c, dt.date(year, month, 1))
    if c == Cadence.QUARTERLY:
        return period_of(c, dt.date(year, 3 * int(m.group(2)) - 2, 1))
    if c == Cadence.HALF_YEARLY:
        return period_of(c, dt.date(year, 6 * int(m.group(2)) - 5, 1))
    return period_of(c, dt.date(year, 1, 1))


def periods_of_year(cadence: str, year: int) -> list[Period]:
    out = [period_of(cadence, dt.date(year, 1, 1))]
    while out[-1].end.year == year:
        out.append(out[-1].next())
    return out


def due_periods(cadence: str, now: dt.datetime) -> list[Period]:
    """The periods the warning rule checks at ``now``: every period of the current year whose end has
    passed, and the last period of the previous year."""
    today = timezone.localtime(now).date()
    last_year = periods_of_year(cadence, today.year - 1)[-1]
    return [last_year] + [p for p in periods_of_year(cadence, today.year) if p.ends_at <= now]
