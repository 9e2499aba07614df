"""Statistical periods — a month ("2018-03"), a quarter ("2018-Q1") or a year ("2018") — in Asia/Shanghai.

One type for every figure of the platform: the demands' figures page, the dashboard (一张网) and the
annual report all read a ``Period``. (Meeting cadences, which also know half-years, keep their own
``meetings.periods``.)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

TZ = ZoneInfo("Asia/Shanghai")
KINDS = (("month", "月"), ("quarter", "季度"), ("year", "年"))
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
FORMAT_ERROR = "统计期间格式应为 2018-03（月）、2018-Q1（季度）或 2018（年）"


@dataclass(frozen=True)
class Period:
    """A month ("2018-03"), quarter ("2018-Q1") or year ("2018") in Asia/Shanghai."""

    kind: str  # month | quarter | year
    year: int
    number: int = 0  # month 1–12 or quarter 1–4; 0 for a year

    @classmethod
    def parse(cls, text: str) -> Period:
        """The period named by ``text``; ValueError with a Chinese message when it names none."""
        text = (text or "").strip()
        if len(text) > 10:
            raise ValueError(FORMAT_ERROR)
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            if 1 <= month <= 12 and 1900 <= year <= 2999:
                return cls("month", year, month)
        elif m := _QUARTER.match(text):
            if 1900 <= int(m[1]) <= 2999:
                return cls("quarter", int(m[1]), int(m[2]))
        elif m := _YEAR.match(text):
            if 1900 <= int(m[1]) <= 2999:
                return cls("year", int(m[1]))
        raise ValueError(FORMAT_ERROR)

    @classmethod
    def of(cls, kind: str, day: dt.date) -> Period:
        """The period of ``kind`` holding ``day``."""
        if kind == "month":
            return cls("month", day.year, day.month)
        if kind == "quarter":
            return cls("quarter", day.year, (day.month - 1) // 3 + 1)
        return cls("year", day.year)

    @classmethod
    def current(cls, kind: str = "year", now: dt.datetime | None = None) -> Period:
        return cls.of(kind, (now or timezone.now()).astimezone(TZ).date())

    def _months(self) -> tuple[int, int]:
        """(first month, month count)."""
        if self.kind == "month":
            return self.number, 1
        if self.kind == "quarter":
            return 3 * (self.number - 1) + 1, 3
        return 1, 12

    @property
    def start_date(self) -> dt.date:
        return dt.date(self.year, self._months()[0], 1)

    @property
    def end_date(self) -> dt.date:
        """The first day after the period."""
        first, n = self._months()
        month0 = first - 1 + n
        return dt.date(self.year + month0 // 12, month0 % 12 + 1, 1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.start_date, dt.time.min, tzinfo=TZ)

    @property
    def end(self) -> dt.datetime:
        """Exclusive end."""
        return dt.datetime.combine(self.end_date, dt.time.min, tzinfo=TZ)

    def previous(self) -> Period:
        return Period.of(self.kind, self.start_date - dt.timedelta(days=1))

    def next(self) -> Period:
        return Period.of(self.kind, self.end_date)

    def until(self, now: dt.datetime) -> dt.datetime:
        """The moment the period is read at: its end once over, ``now`` while it runs."""
        return min(self.end, now)

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    @property
    def key(self) -> str:
        return str(self)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度"
        return f"{self.year}年"

    def q(self, field: str) -> Q:
        """Rows whose datetime ``field`` falls in the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def q_dates(self, field: str) -> Q:
        """Rows whose date ``field`` falls in the period."""
        return Q(**{f"{field}__gte": self.start_date, f"{field}__lt": self.end_date})
