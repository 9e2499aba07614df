"""The main navigation and its badges, filled by the modules (the ground imports none of them).

A module registers its entries (``register_nav``) and, if it has an inbox, a badge counter
(``register_badge``) in its ``AppConfig.ready``; ``core.context.platform`` renders them for
whoever is signed in, each entry only for a user who holds its permission somewhere (or, for an entry
registered with ``visible``, for whom that function says yes — e.g. a lead cadre reaching the tasks they lead
by assignment, without a right).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NavItem:
    order: int
    url_name: str
    label: str
    perm: str | None  # None: every signed-in user
    visible: Callable[[Any], bool] | None = None  # instead of ``perm``: who sees the entry, when a right cannot say


@dataclass(frozen=True)
class Badge:
    order: int
    url_name: str
    label: str  # the visible word; the count follows it
    count: Callable[[Any], int]


_NAV: dict[str, NavItem] = {}
_BADGES: dict[str, Badge] = {}


def register_nav(order: int, url_name: str, label: str, perm: str | None,
                 visible: Callable[[Any], bool] | None = None) -> None:
    _NAV[url_name] = NavItem(order, url_name, label, perm, visible)


def register_badge(order: int, url_name: str, label: str, count: Callable[[Any], int]) -> None:
    _BADGES[url_name] = Badge(order, url_name, label, count)


def nav_items() -> list[NavItem]:
    return sorted(_NAV.values(), key=lambda item: (item.order, item.url_name))


def badges() -> list[Badge]:
    return sorted(_BADGES.values(), key=lambda badge: (badge.order, badge.url_name))
