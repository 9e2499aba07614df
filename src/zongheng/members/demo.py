"""我是党员我带头's part of the demo district: each part's 2018 shape, then the slice around today.

Order matters: registrations, visits, activities and campaigns make the deeds; the points part runs last and
reconciles the year's ledger with them (``demo_points``), so every demo point traces to a confirmed deed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

PARTS = ("registration", "visits", "activities", "campaigns", "points")


def _parts() -> list[Any]:
    return [importlib.import_module(f"{__package__}.demo_{name}") for name in PARTS]


def build(district: Any, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> None:
    for part in _parts():
        part.build(district, seed=seed, year=year, log=log)


def build_live(district: Any, seed: int = 2018, log: Callable[[str], None] | None = None) -> None:
    for part in _parts():
        if hasattr(part, "build_live"):
            part.build_live(district, seed=seed, log=log)
