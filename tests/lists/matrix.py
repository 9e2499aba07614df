"""Permission-matrix rows of 一清单 (loaded by tests/test_permission_matrix.py): the rows of each part
(``matrix_tasks``, ``matrix_files``, ``matrix_projects``), concatenated."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

NAMES = ("matrix_tasks", "matrix_files", "matrix_projects")
PARTS = [importlib.import_module(f"tests.lists.{name}") for name in NAMES
         if (Path(__file__).parent / f"{name}.py").exists()]
BODIES: dict[str, Any] = {}
SHARED_PATH: dict[str, Any] = {}
for _part in PARTS:
    BODIES.update(getattr(_part, "BODIES", {}))
    SHARED_PATH.update(getattr(_part, "SHARED_PATH", {}))


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in PARTS:
        out.update(part.objects(community, grid, owner))
    return out


def routes(Route: Any) -> list[Any]:
    return [route for part in PARTS for route in part.routes(Route)]
