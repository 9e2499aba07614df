"""What the task list (任务清单) registers with the ground (called by ``lists.hooks.register``): the navigation
entry of 一清单's hub, a landing page for a lead cadre who holds no post, audit labels and links, and the to-do
item 月报待审核 (the monthly reports waiting for the user's review).

The navigation entry: ``core.nav`` shows an entry for one permission (or for everyone). The hub is for
``list.view`` holders *and* for lead cadres (领衔干部) without a post, whom no permission names; so the entry is
registered for every signed-in user (``None``) and the hub itself refuses everybody else with a clear Chinese
message (``selectors_tasks.NO_ACCESS``, 403).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm

AUDIT_ACTIONS = {
    "lists.task_split": "分解任务", "lists.task_plan": "修改计划书和责任状",
    "lists.milestone_add": "添加路线图节点", "lists.milestone_update": "修改路线图节点",
    "lists.milestone_remove": "删除路线图节点", "lists.milestone_meet": "完成路线图节点（提交佐证）",
    "lists.report_file": "报送月度进展", "lists.report_update": "修改月度进展",
    "lists.report_review": "审核月度进展", "lists.quarter_record": "记录季度调度会",
    "lists.annual_review": "年度述评", "lists.annual_update": "修改年度述评",
}


def lead_landing(user: Any) -> str | None:
    """A lead cadre who holds no post lands on the task list's hub (the tasks they lead)."""
    from zongheng.core.access import post_paths

    from .selectors_tasks import leads_tasks

    if user is None or not user.is_authenticated or post_paths(user):
        return None
    return reverse("lists:home") if leads_tasks(user) else None


def reports_waiting(user: Any, now: Any) -> list[Any]:
    """月报待审核: the monthly reports the user may review and nobody has reviewed yet."""
    from zongheng.core.todo import TODO_LIMIT, Todo

    from .selectors_tasks import reports_to_review

    if not (user and user.is_authenticated):
        return []
    return [Todo("月报待审核", f"{code} {title}：{month:%Y年%m月}进展", reverse("lists:report", args=[pk]))
            for pk, code, title, month in reports_to_review(user, TODO_LIMIT)]


def register() -> None:
    from zongheng.core.landing import register_landing
    from zongheng.core.nav import register_nav
    from zongheng.core.todo import register_todo

    from .selectors_tasks import may_view

    register_nav(55, "lists:home", "一清单", None, visible=may_view)  # list.view holders and lead cadres
    register_landing(45, "lists.lead", lead_landing)
    register_actions(AUDIT_ACTIONS)
    register_object_url("lists.task", url_by_pk("lists:task"), Perm.LIST_VIEW)
    register_object_url("lists.progressreport", url_by_pk("lists:report"), Perm.LIST_VIEW)
    register_object_url("lists.quarterreview", url_by_pk("lists:review_quarter"), Perm.LIST_VIEW)
    register_todo(55, "lists.reports_waiting", reports_waiting)
