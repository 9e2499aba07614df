"""What the project list (项目清单) registers with the ground (called by ``lists.hooks.register``): its
navigation entry, audit labels and links, and the warning rule ``lists.project_stalled`` (党建项目停滞:
``selectors_projects.find_stalled``)."""

from __future__ import annotations

from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.nav import register_nav
from zongheng.core.permissions import Perm
from zongheng.core.warnings import register_rule

AUDIT_ACTIONS = {
    "lists.project_create": "申报党建项目", "lists.project_move": "党建项目流转",
    "lists.project_update": "修改党建项目", "lists.brand_create": "命名党建品牌",
    "lists.brand_update": "修改党建品牌",
}


def register() -> None:
    from .selectors_projects import RULE, find_stalled

    register_nav(62, "lists:projects", "项目清单", Perm.LIST_VIEW)
    register_actions(AUDIT_ACTIONS)
    register_object_url("lists.project", url_by_pk("lists:project"), Perm.LIST_VIEW)
    register_object_url("lists.brand", url_by_pk("lists:brand_edit"), Perm.LIST_CONFIGURE)
    register_rule(RULE, "党建项目停滞", Perm.LIST_VIEW, find_stalled)
