"""我的待办: what a person must do now, gathered from the modules (the ground imports none of them).

A module registers, in its ``hooks.py``:

- ``register_todo(order, name, fn)``: ``fn(user, now) -> list[Todo]`` — the actions waiting for this
  user (demands to accept, a notice to acknowledge, a meeting to hold …), at most ``TODO_LIMIT``
  items, in a constant number of queries whatever the data size;
- ``register_figure(order, name, fn)``: ``fn(user, now) -> list[Figure]`` — the handful of figures
  of the user's scope that matter today, each linking to the rows it counts.

Open warnings (``core.warnings``) addressed to the user join the to-do list on the home page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TODO_LIMIT = 50


@dataclass(frozen=True)
class Todo:
    kind: str  # short Chinese label: "待接单诉求", "待回执通知", "本季度会议待召开"
    title: str
    url: str  # where it is done
    due_at: dt.datetime | None = None

    def late(self, now: dt.datetime) -> bool:
        return self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | str
    url: str | None = None  # the rows the figure counts
    note: str = ""


TodoSource = Callable[[Any, dt.datetime], list[Todo]]
FigureSource = Callable[[Any, dt.datetime], list[Figure]]
_TODOS: dict[str, tuple[int, TodoSource]] = {}
_FIGURES: dict[str, tuple[int, FigureSource]] = {}


def span(delta: dt.timedelta) -> str:
    """A duration as people say it: "3 天", "5 小时", "20 分钟" (at least one minute)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 24 * 60:
        return f"{minutes // (24 * 60)} 天"
    if minutes >= 60:
        return f"{minutes // 60} 小时"
    return f"{max(minutes, 1)} 分钟"


def register_todo(order: int, name: str, fn: TodoSource) -> None:
    _TODOS[name] = (order, fn)


def register_figure(order: int, name: str, fn: FigureSource) -> None:
    _FIGURES[name] = (order, fn)


def todos_for(user: Any, now: dt.datetime) -> list[Todo]:
    """Every registered source's items, the nearest (and most overdue) deadline first, undated last."""
    items: list[Todo] = []
    for _, fn in sorted(_TODOS.values(), key=lambda entry: entry[0]):
        items.extend(fn(user, now)[:TODO_LIMIT])
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda item: item.due_at or far)


def figures_for(user: Any, now: dt.datetime) -> list[Figure]:
    out: list[Figure] = []
    for _, fn in sorted(_FIGURES.values(), key=lambda entry: entry[0]):
        out.extend(fn(user, now))
    return out
