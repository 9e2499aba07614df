"""Permission-matrix rows of 一清单 (loaded by tests/test_permission_matrix.py): the rows of each part
(``matrix_tasks``, ``matrix_files``, ``matrix_projects``), concatenated."""

from __future__ import annotations

from tests.matrix_parts import Parts

NAMES = (
    "matrix_tasks",
    "matrix_files",
    "matrix_projects",
    "matrix_funds",
    "matrix_inspections",
    "matrix_evaluations",
    "matrix_cadres",
    "matrix_standards",
)
_PARTS = Parts(__package__ or "tests.lists", NAMES)
BODIES = _PARTS.bodies
SHARED_PATH = _PARTS.shared_path
objects = _PARTS.objects
routes = _PARTS.routes
