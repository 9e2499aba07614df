"""Permission-matrix rows of 共驻共建's hub (concatenated by tests/cobuild/matrix.py)."""

from __future__ import annotations

from typing import Any


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    return {}


def routes(Route: Any) -> list[Any]:
    return [Route("cobuild:home")]
