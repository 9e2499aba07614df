"""Copied paths: rows below the tree carry the path of the organisation they belong to (``org_path``,
``grid_path`` …) so a subtree filter never walks the tree. Each module registers which of its fields are
such copies (``register_path_copy``); moving an organisation (``orgs.actions.do_move_org``) rewrites every
registered copy under it in the same transaction. The ground knows no module: modules register here.

Not registered, on purpose: snapshots of where something was at a moment — the audit log's ``org_path``
and a notice recipient's organisation at sending (its progress stays as it was sent) — and the warnings'
``org_path``, which the next sweep re-derives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_COPIES: list[tuple[Any, str]] = []
_ON_MOVE: dict[str, Callable[[Any, Any], None]] = {}


def register_path_copy(model: Any, *fields: str) -> None:
    """Declare ``model.<field>`` a copy of an organisation's path, to be rewritten when it moves."""
    for field in fields:
        if (model, field) not in _COPIES:
            _COPIES.append((model, field))


def path_copies() -> tuple[tuple[Any, str], ...]:
    return tuple(_COPIES)


def register_on_move(name: str, func: Callable[[Any, Any], None]) -> None:
    """``func(org, new_parent)`` runs in the move's transaction, after the paths are rewritten: for what a
    module keeps beside the paths (一横: a unit's 所在街道/社区 is its node's parent)."""
    _ON_MOVE[name] = func


def moved(org: Any, new_parent: Any) -> None:
    for name in sorted(_ON_MOVE):
        _ON_MOVE[name](org, new_parent)
