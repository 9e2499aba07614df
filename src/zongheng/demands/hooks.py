"""What the demands module registers with the ground (``DemandsConfig.ready``): its navigation
entries, the unread-notification badge, and its landing — whoever handles demands (and
maintains no organisation) lands on the workbench queue."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from zongheng.core.access import has_perm
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.landing import register_landing
from zongheng.core.nav import register_badge, register_nav
from zongheng.core.permissions import Perm


def _workbench(user: Any) -> str | None:
    return reverse("demands:queue") if has_perm(user, Perm.DEMAND_HANDLE) else None


def _unread(user: Any) -> int:
    from zongheng.core import sqlcache

    from .selectors import notifications_for  # only notices of demands the user may open

    return sqlcache.count("demands.unread", user, lambda: notifications_for(user).filter(read_at__isnull=True))


AUDIT_ACTIONS = {
    "demand.follow": "居民关注同一诉求", "demand.follower_rate": "关注居民评价", "demand.photos": "上传照片",
    "demand.station_create": "新建民心驿站", "demand.listening_create": "登记每月一听",
    "demand.category_create": "新增诉求类别", "demand.category_update": "修改诉求类别",
    "demand.rule_update": "修改办理时限", "demand.calendar_create": "新增节假日或调休",
    "demand.calendar_update": "修改节假日或调休", "demand.calendar_delete": "删除节假日或调休",
    "demand.reveal_phone": "查看居民完整电话（回访）",
}


def register() -> None:
    from .workflow import TRANSITIONS

    register_actions({f"demand.{action}": f"诉求{label}" for action, (_, _, label) in TRANSITIONS.items()})
    register_actions(AUDIT_ACTIONS)
    register_object_url("demands.demand", url_by_pk("demands:detail"), Perm.DEMAND_VIEW)
    register_nav(30, "demands:queue", "居民诉求", Perm.DEMAND_VIEW)
    register_nav(40, "demands:config", "诉求配置", Perm.DEMAND_CONFIGURE)
    register_badge(10, "demands:notifications", "诉求提醒", _unread)
    register_landing(20, "demands.workbench", _workbench)
    from zongheng.core.paths import register_path_copy

    from .models import Demand

    register_path_copy(Demand, "grid_path", "org_path")
    register_linkage()
    from zongheng.orgs.places import register_report_url

    register_report_url(lambda grid_pk: f"{reverse('demands:submit')}?grid={int(grid_pk)}")
    from . import metrics

    metrics.register()  # 一张网's panel "demands"


def register_linkage() -> None:
    """The escalation sweep as a periodic job, the 诉求超时 warning rule, to-do items and figures."""
    from zongheng.core.periodic import register_periodic
    from zongheng.core.todo import register_figure, register_todo
    from zongheng.core.warnings import register_rule

    from . import indicators, tasks, todo

    register_periodic("demands.sweep", lambda now: tasks.sweep(now))
    register_rule(todo.RULE, "诉求超时", Perm.DEMAND_VIEW, todo.overdue_demands)
    register_todo(20, "demands.waiting", todo.waiting_for)
    register_figure(20, "demands.scope", todo.scope_figures)
    indicators.register()
