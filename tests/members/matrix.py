"""Permission-matrix rows of 党员带头 (loaded by tests/test_permission_matrix.py): the rows of each part
(``matrix_registration``, ``matrix_visits`` …), concatenated."""

from __future__ import annotations

from tests.matrix_parts import Parts

NAMES = ("matrix_home", "matrix_registration", "matrix_visits", "matrix_activities", "matrix_points",
         "matrix_campaigns")
_PARTS = Parts(__package__ or "tests.members", NAMES)
BODIES = _PARTS.bodies
SHARED_PATH = _PARTS.shared_path
objects = _PARTS.objects
routes = _PARTS.routes
