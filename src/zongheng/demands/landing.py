"""Landing of the demands module: whoever handles demands (and maintains no organisation)
lands on the workbench queue (registered with ``core.landing`` in ``DemandsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from zongheng.core.access import has_perm
from zongheng.core.landing import register_landing
from zongheng.core.permissions import Perm


def _workbench(user: Any) -> str | None:
    return reverse("demands:queue") if has_perm(user, Perm.DEMAND_HANDLE) else None


def register() -> None:
    register_landing(20, "demands.workbench", _workbench)
