"""What the task list's files (import and exports) register with the ground (called by ``lists.hooks.register``):
the audit label of the import. The import page and the exports are linked from the task list's pages."""

from __future__ import annotations

from zongheng.core.audit_display import register_actions

AUDIT_ACTIONS = {"lists.task_list_import": "导入任务清单"}


def register() -> None:
    register_actions(AUDIT_ACTIONS)
