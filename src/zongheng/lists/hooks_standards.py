"""What 标准化建设 registers with the ground (called by ``lists.hooks.register``): the task list's computed
indicator (任务清单推进进度), the path copy of the assessed scores, audit labels and links, and the hub's section —
the viewer's own organisation's latest card, and its rank inside the parent's subtree only when the viewer may
read the parent (no leaderboard for a lower viewer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from zongheng.core.audit_display import register_actions, register_object_url
from zongheng.core.permissions import Perm

AUDIT_ACTIONS = {"lists.standard_assess": "标准化建设人工评分"}


def _assessment_url(pk: Any) -> str | None:
    from .models_standards import Assessment

    row = Assessment.objects.filter(pk=pk).values_list("org_id", "period").first() if str(pk).isdigit() else None
    return f"{reverse('lists:standard_card', args=[row[0]])}?period={row[1]}" if row else None


def home_section(user: Any, year: int | None, today: dt.date) -> Any:
    from django.utils import timezone

    from zongheng.core.access import in_scope
    from zongheng.core.indicators import Quarter

    from . import selectors_standards as sel
    from . import standards
    from .views_home import HomeSection
    from .views_standards import card_url, ranking_url

    org = sel.home_org(user)
    if org is None:
        return None
    quarter = Quarter.of(today).previous()
    now = timezone.now()
    parent = sel.parent_of(org)
    card = None
    rank_url = ""
    if parent is not None and in_scope(user, Perm.LIST_VIEW, parent.path):
        card = next((c for c in standards.ranking(parent, org.level.code, quarter, now) if c.org.id == org.pk), None)
        rank_url = ranking_url(parent.pk, org.level.code, quarter)
    if card is None:
        card = standards.card_for(org, quarter, now)
    levels = sel.levels_below(org)
    return HomeSection("lists/standards/_home.html", {
        "org": org, "card": card, "quarter": quarter, "card_url": card_url(org.pk, quarter),
        "current_url": card_url(org.pk, Quarter.of(today)), "rank_url": rank_url, "parent": parent,
        "below_url": ranking_url(org.pk, levels[0].code, quarter) if levels else "",
    })


def register() -> None:
    from zongheng.core.paths import register_path_copy

    from . import indicators
    from .models_standards import Assessment
    from .views_home import register_home_section

    indicators.register()
    register_path_copy(Assessment, "org_path")
    register_actions(AUDIT_ACTIONS)
    register_object_url("lists.assessment", _assessment_url, Perm.LIST_VIEW)
    register_home_section(60, "standards", home_section, "标准化建设")
