"""Where each person lands after logging in: a page made for them, never an error.

The ground knows no module: each module registers a function ``user -> url | None`` with a
priority (lower first) in its ``AppConfig.ready``; ``landing_url`` returns the first answer.
The account page answers for everyone, so nobody lands on a 403.

Every signed-in person lands on 我的待办 (``core:todo``, priority 0); the next answer is their
workbench (``workbench_url``), which 我的待办 links to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from .access import has_perm
from .permissions import Perm

Landing = Callable[[Any], str | None]
_LANDINGS: list[tuple[int, str, Landing]] = []


def register_landing(priority: int, name: str, func: Landing) -> None:
    """Add (or replace, by name) a landing rule."""
    _LANDINGS[:] = [entry for entry in _LANDINGS if entry[1] != name]
    _LANDINGS.append((priority, name, func))
    _LANDINGS.sort(key=lambda entry: (entry[0], entry[1]))


def landing_url(user: Any) -> str:
    for _, _, func in _LANDINGS:
        url = func(user)
        if url:
            return url
    return reverse("accounts:profile")


def workbench_url(user: Any) -> str:
    """The page made for the user's role, after 我的待办: the first other landing that answers."""
    for _, name, func in _LANDINGS:
        if name == "core.todo":
            continue
        url = func(user)
        if url:
            return url
    return reverse("accounts:profile")


def _todo(user: Any) -> str | None:
    return reverse("core:todo") if user is not None and user.is_authenticated else None


def _auditor(user: Any) -> str | None:
    return reverse("core:audit") if has_perm(user, Perm.AUDIT_VIEW) else None


register_landing(0, "core.todo", _todo)
register_landing(90, "core.audit", _auditor)
