"""Standardisation indicators (标准化建设指标): modules register them, the score cards iterate them.

An indicator is computed from the records of the module that owns them, the way a warning rule is
(``core.warnings.register_rule``): the module calls ``register_indicator`` from its ``hooks``/``ready``
with a code, a Chinese label, the kinds of organisation it applies to (level codes of the tree, e.g.
"community"; empty: every kind) and a compute function

    compute(orgs: Sequence[OrgRef], period: Quarter, now: datetime) -> {org id: Reading}

evaluated SET-BASED: a constant number of queries for all the organisations at once (GROUP BY a path
prefix, one query per distinct depth — ``prefix_groups``), never one per organisation. A ``Reading``
carries the value shown (e.g. "7/8"), the attainment 0–1 that the score card turns into a score (None:
nothing to count, the indicator does not apply this period), and the URL of the rows it counts.

Core imports no module: the meetings, notices, demands, co-building, members and lists modules register
theirs (their ``indicators.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter in Asia/Shanghai (the platform's time zone): key "2026-Q4"."""

    year: int
    number: int  # 1–4

    @classmethod
    def parse(cls, text: Any) -> Quarter:
        """The quarter named by ``text``; ValueError (Chinese) when it names none."""
        m = _QUARTER.match(str(text or "").strip()[:10])
        if not m or not 2000 <= int(m[1]) <= 2100:
            raise ValueError("期间格式应为 2026-Q4（年份-季度），年份在 2000 到 2100 之间")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the quarter."""
        return dt.date(self.year + 1, 1, 1) if self.number == 4 else dt.date(self.year, 3 * self.number + 1, 1)

    @property
    def starts_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def ends_at(self) -> dt.datetime:
        return local_midnight(self.end)

    def months(self) -> list[dt.date]:
        return [dt.date(self.year, 3 * self.number - 2 + i, 1) for i in range(3)]

    def reading_day(self, now: dt.datetime) -> dt.date:
        """The day the quarter is read on: its last day once over, today while it runs."""
        return min(self.end - dt.timedelta(days=1), timezone.localtime(now).date())

    def until(self, now: dt.datetime) -> dt.datetime:
        """The moment the quarter is read at: its end once over, ``now`` while it runs."""
        return min(self.ends_at, now)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class OrgRef:
    """The organisation an indicator is computed for (plain values, so core needs no model)."""

    id: int
    path: str
    name: str
    level: str  # the level's code: street, community, grid, household, unit …


@dataclass(frozen=True)
class Reading:
    """One organisation's value of one indicator in one period."""

    value: str  # shown, e.g. "7/8" or "85.0%"
    attainment: float | None  # 0–1; None: nothing to count this period (the indicator does not apply)
    url: str = ""  # the rows it counts

    @staticmethod
    def ratio(part: int, whole: int, url: str = "") -> Reading:
        """part of whole, e.g. meetings held on time of those due; nothing due → not applicable."""
        if not whole:
            return Reading("—", None, url)
        return Reading(f"{part}/{whole}", min(max(part / whole, 0.0), 1.0), url)


Compute = Callable[[Sequence[OrgRef], Quarter, dt.datetime], dict[int, Reading]]


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str  # Chinese, e.g. "会议按期召开率"
    levels: tuple[str, ...]  # the level codes it applies to; empty: every level
    compute: Compute
    method: str = ""  # Chinese: how it is computed (shown on the framework page)

    def applies(self, level: str) -> bool:
        return not self.levels or level in self.levels


_INDICATORS: dict[str, Indicator] = {}


def register_indicator(code: str, label: str, levels: Iterable[str], compute: Compute, method: str = "") -> None:
    """Add (or replace, by code) a computed indicator."""
    _INDICATORS[code] = Indicator(code, label, tuple(levels), compute, method)


def indicators() -> list[Indicator]:
    return sorted(_INDICATORS.values(), key=lambda i: i.code)


def indicator(code: str) -> Indicator | None:
    return _INDICATORS.get(code)


def compute(code: str, orgs: Sequence[OrgRef], period: Quarter, now: dt.datetime) -> dict[int, Reading]:
    """One indicator's readings for the organisations it applies to (unknown code: none)."""
    ind = _INDICATORS.get(code)
    if ind is None:
        return {}
    wanted = [o for o in orgs if ind.applies(o.level)]
    return ind.compute(wanted, period, now) if wanted else {}


def prefix_groups(qs: QuerySet[Any], field: str, orgs: Sequence[OrgRef],
                  **aggregates: Any) -> dict[int, dict[str, Any]]:
    """Aggregates of ``qs`` over each organisation's subtree (rows whose ``field`` starts with its path):
    one GROUP BY ``substr(field, 1, depth)`` per distinct depth among ``orgs``, restricted to the smallest
    subtree holding them all. Returns {org id: {aggregate: value}} (orgs without rows are absent)."""
    by_len: dict[int, dict[str, int]] = {}
    for o in orgs:
        by_len.setdefault(len(o.path), {})[o.path] = o.id
    out: dict[int, dict[str, Any]] = {}
    for length, paths in sorted(by_len.items()):
        common = common_prefix(paths)
        rows = (qs.filter(**{f"{field}__startswith": common}).annotate(_node=Substr(field, 1, length))
                .values("_node").annotate(**aggregates).order_by())
        for row in rows:
            org_id = paths.get(row["_node"])
            if org_id is not None:
                out[org_id] = {k: v for k, v in row.items() if k != "_node"}
    return out


def common_prefix(paths: Iterable[str]) -> str:
    """The longest prefix shared by the paths ("" for none): the smallest subtree filter holding them all."""
    items = sorted(paths)
    if not items:
        return ""
    first, last = items[0], items[-1]
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]
