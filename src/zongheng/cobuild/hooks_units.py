"""What 一横's units part registers with the ground (called by ``cobuild.hooks.register``): navigation, the
liaison's landing page (their unit's page), audit labels and links."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.landing import register_landing
from zongheng.core.permissions import Perm

AUDIT_ACTIONS = {
    "cobuild.unit_create": "登记驻区单位", "cobuild.unit_update": "修改驻区单位", "cobuild.unit_import": "导入驻区单位",
    "cobuild.council_create": "新建大工委/大党委", "cobuild.council_update": "修改大工委/大党委",
    "cobuild.member_add": "增补大工委/大党委委员", "cobuild.member_end": "大工委/大党委委员离任",
}


def liaison_landing(user: Any) -> str | None:
    """A user whose only cobuild scope is one stationed unit's node (its liaison) lands on the unit's page;
    everyone else keeps 我的待办."""
    from .selectors_units import only_unit_of

    if user is None or not user.is_authenticated:
        return None
    unit = only_unit_of(user)
    return reverse("cobuild:unit_detail", args=[unit.pk]) if unit is not None else None


def register() -> None:
    register_actions(AUDIT_ACTIONS)
    register_object_url("cobuild.unit", url_by_pk("cobuild:unit_detail"), Perm.COBUILD_VIEW)
    register_object_url("cobuild.council", url_by_pk("cobuild:council_detail"), Perm.COBUILD_VIEW)
    register_landing(-10, "cobuild.liaison", liaison_landing)
