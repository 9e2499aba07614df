"""Permission-matrix rows of 党员带头's hub and a member's own page (concatenated by tests/members/matrix.py)."""

from __future__ import annotations

from typing import Any


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    return {}


def routes(Route: Any) -> list[Any]:
    # The hub sends a user without member.view to their own page (302), so every signed-in user may open both.
    return [Route("members:home", any_user=True), Route("members:me", any_user=True)]
