"""A module's permission-matrix rows made of parts (``tests/<module>/matrix_<part>.py``), concatenated: what each
``tests/<module>/matrix.py`` exposes to tests/test_permission_matrix.py (``objects``, ``routes``, ``BODIES``,
``SHARED_PATH``)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any


class Parts:
    def __init__(self, package: str, names: tuple[str, ...]) -> None:
        folder = Path(__file__).parent / package.split(".")[-1]
        self.parts = [importlib.import_module(f"{package}.{name}") for name in names
                      if (folder / f"{name}.py").exists()]
        self.bodies: dict[str, Any] = {}
        self.shared_path: dict[str, Any] = {}
        for part in self.parts:
            self.bodies.update(getattr(part, "BODIES", {}))
            self.shared_path.update(getattr(part, "SHARED_PATH", {}))

    def objects(self, community: Any, grid: Any, owner: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for part in self.parts:
            out.update(part.objects(community, grid, owner))
        return out

    def routes(self, Route: Any) -> list[Any]:
        return [route for part in self.parts for route in part.routes(Route)]
