"""The hub of 我是党员我带头 (``members:home``) and a member's own page (``members:me``) are filled by the parts.

Each part registers, from its ``hooks_*`` module:

- ``register_section(order, name, fn)``: ``fn(user, today) -> Section | None`` — the part's figures over the
  user's scope (None when the user holds no right to it), each figure a link to the rows it counts;
- ``register_mine(order, name, fn)``: ``fn(user, person, today) -> Section | None`` — what the signed-in
  member has and may do (their registration, the activities and campaigns open to them, their points …).

Every ``fn`` runs a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HubFigure:
    label: str
    display: str
    url: str
    note: str = ""


@dataclass
class Section:
    title: str
    figures: list[HubFigure] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url): the part's actions
    text: str = ""  # one plain sentence under the title


SectionSource = Callable[[Any, dt.date], Section | None]
MineSource = Callable[[Any, Any, dt.date], Section | None]
_SECTIONS: dict[str, tuple[int, SectionSource]] = {}
_MINE: dict[str, tuple[int, MineSource]] = {}


def register_section(order: int, name: str, fn: SectionSource) -> None:
    _SECTIONS[name] = (order, fn)


def register_mine(order: int, name: str, fn: MineSource) -> None:
    _MINE[name] = (order, fn)


def sections(user: Any, today: dt.date) -> list[Section]:
    return [s for _, fn in sorted(_SECTIONS.values(), key=lambda e: e[0]) if (s := fn(user, today))]


def mine(user: Any, person: Any, today: dt.date) -> list[Section]:
    return [s for _, fn in sorted(_MINE.values(), key=lambda e: e[0]) if (s := fn(user, person, today))]
