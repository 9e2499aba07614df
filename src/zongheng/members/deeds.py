"""Confirmed deeds (已确认的事项): where points come from. Each part registers its source of deeds.

``register_deed_source(name, fn)``: ``fn(start, end)`` yields a ``DeedRecord`` for every deed of that kind
that is confirmed and happened in [start, end) — an attended sign-up, a checked-out duty shift, a visit
logged, a demand handled to its close, an approved claim. The points part reconciles the ledger with them
(``members.points`` awards what is missing, idempotently) and checks that every entry traces to one.

A part also calls ``points.award`` itself the moment it confirms a deed, so a member sees the points at once;
the reconciliation only catches what a crash or an import left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class DeedRecord:
    person_id: int
    deed: str  # choices.Deed
    source: str  # "activity.signup:12", "duty.claim:7", "visit:5", "demand:88", "claim:3"
    occurred_on: dt.date
    note: str = ""
    item_id: int | None = None  # the 八带头 item when the deed names its own (a claim)


DeedSource = Callable[[dt.date, dt.date], Iterable[DeedRecord]]
_SOURCES: dict[str, DeedSource] = {}


def register_deed_source(name: str, fn: DeedSource) -> None:
    _SOURCES[name] = fn


def deed_sources() -> list[tuple[str, DeedSource]]:
    return sorted(_SOURCES.items())


def confirmed_deeds(start: dt.date, end: dt.date) -> Iterator[DeedRecord]:
    for _, fn in deed_sources():
        yield from fn(start, end)
