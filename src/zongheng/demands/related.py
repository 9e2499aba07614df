"""Links other modules add to a demand's page and to a 每月一听 session's page — e.g. 一横's 转为需求清单.

A module registers ``func(user, obj) -> (label, url) | None`` in its ``AppConfig.ready``; the page shows
the links that answer for the viewer. Demands imports no other module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Link = tuple[str, str]
_DEMAND: dict[str, Callable[[Any, Any], Link | None]] = {}
_SESSION: dict[str, Callable[[Any, Any], Link | None]] = {}


def register_demand_link(name: str, func: Callable[[Any, Any], Link | None]) -> None:
    _DEMAND[name] = func


def register_session_link(name: str, func: Callable[[Any, Any], Link | None]) -> None:
    _SESSION[name] = func


def demand_links(user: Any, demand: Any) -> list[Link]:
    return [link for name in sorted(_DEMAND) if (link := _DEMAND[name](user, demand))]


def session_links(user: Any, session: Any) -> list[Link]:
    return [link for name in sorted(_SESSION) if (link := _SESSION[name](user, session))]
