"""Permission-matrix rows of 一横 (loaded by tests/test_permission_matrix.py): the rows of each part
(``matrix_units``, ``matrix_agreements``, ``matrix_lists``), concatenated."""

from __future__ import annotations

from tests.matrix_parts import Parts

NAMES = ("matrix_home", "matrix_units", "matrix_agreements", "matrix_lists")
_PARTS = Parts(__package__ or "tests.cobuild", NAMES)
BODIES = _PARTS.bodies
SHARED_PATH = _PARTS.shared_path
objects = _PARTS.objects
routes = _PARTS.routes
