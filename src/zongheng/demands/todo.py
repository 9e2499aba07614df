"""What the demands module adds to 我的待办 and to the early-warning engine.

- Warning rule ``demand.overdue`` (诉求超时): every open demand past the deadline that applies
  to its status — the same ``actions.overdue_q`` the escalation sweep and the queue's 已超时
  filter use, so the inbox, the escalation and the warnings agree. The responsible organisation
  is the holder (``Demand.org``); the key names the demand and which deadline (response or
  resolution), so a demand accepted late and then late again opens a second warning.
- To-do items (待接单 / 待派单): demands held by an organisation where the user holds a post
  themselves, waiting for them, the most overdue first.
- Figures: open demands in scope, overdue ones, and this month's 满意率 — each linking to its rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from zongheng.core.access import has_perm, own_paths, scope_paths
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Figure, Todo
from zongheng.core.warnings import Due

from .actions import overdue_q
from .choices import OPEN_STATUSES, Status
from .models import Demand

RULE = "demand.overdue"
_WAITING = (Status.RECEIVED, Status.ASSIGNED)  # the response deadline applies until accepted


def overdue_demands(now: dt.datetime) -> Iterator[Due]:
    """诉求超时: one query over every overdue demand."""
    rows = (Demand.objects.filter(overdue_q(now))
            .values_list("id", "ref", "status", "response_due_at", "resolution_due_at", "org_path", "org__name")
            .order_by("id"))
    for pk, ref, status, response_due, resolution_due, org_path, org_name in rows.iterator(chunk_size=2000):
        waiting = status in _WAITING
        yield Due(
            key=f"{pk}:{'response' if waiting else 'resolution'}",
            org_path=org_path, org_name=org_name,
            title=f"诉求 {ref} 超过{'响应时限未接单' if waiting else '办结时限未办结'}",
            url=reverse("demands:detail", args=[pk]),
            due_at=response_due if waiting else resolution_due,
        )


def waiting_for(user: Any, now: dt.datetime) -> list[Todo]:
    """待接单 (assigned to an org of the user's) and 待派单 (received there, for a dispatcher): one query."""
    if not (user and user.is_authenticated and user.person_id and has_perm(user, Perm.DEMAND_HANDLE)):
        return []
    # Held at an organisation where the user holds a post that lets them handle demands (the holder's path is
    # copied onto the demand): a list of paths, no scope subqueries.
    mine = own_paths(user, Perm.DEMAND_HANDLE)
    if not mine:
        return []
    statuses = [Status.ASSIGNED] + ([Status.RECEIVED] if has_perm(user, Perm.DEMAND_DISPATCH) else [])
    rows = (Demand.objects.filter(status__in=statuses, org_path__in=mine)
            .order_by("response_due_at", "id")
            .values_list("id", "ref", "status", "description", "response_due_at", "category__name")[:TODO_LIMIT])
    return [Todo(kind="待接单诉求" if status == Status.ASSIGNED else "待派单诉求",
                 title=f"{ref} {category}：{description[:30]}", url=reverse("demands:detail", args=[pk]),
                 due_at=due)
            for pk, ref, status, description, due, category in rows]


def scope_figures(user: Any, now: dt.datetime) -> list[Figure]:
    """Open and overdue demands in the user's scope (one query), and this month's 满意率 of their
    top organisation (two queries)."""
    if not has_perm(user, Perm.DEMAND_VIEW) or not scope_paths(user, Perm.DEMAND_VIEW):
        return []
    from zongheng.orgs.models import Org

    from . import figures

    # Overdue demands are open ones: the open statuses' index reads only them, not the closed years.
    counts = Demand.objects.restrict(user, Perm.DEMAND_VIEW).filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("id"), overdue=Count("id", filter=overdue_q(now)))
    queue = reverse("demands:queue")
    out = [
        Figure("办理中的诉求", counts["open"], f"{queue}?{urlencode({'status': 'open'})}", "管辖范围内尚未答复"),
        Figure("已超时的诉求", counts["overdue"], f"{queue}?{urlencode({'overdue': '1'})}", "已过当前时限"),
    ]
    org = Org.objects.filter(path=scope_paths(user, Perm.DEMAND_VIEW)[0]).only("pk", "path", "name").first()
    if org is not None:
        period = figures.Period.current("month", now)
        month = figures.org_figures(org, period, now)
        query = urlencode({"org": org.pk, "period": str(period), "figure": "rated"})
        link = f"{reverse('demands:figures_list')}?{query}"
        out.append(Figure("本月满意率", figures.percent(month.satisfaction_rate), link,
                          f"{org.name} {period.label}，已评价 {month.rated} 件"))
    return out
