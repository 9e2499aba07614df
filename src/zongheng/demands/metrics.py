"""民心零距离's figures for 一张网 (panel "demands"): registered with ``core.metrics`` from ``hooks.register``.

The definitions are those of ``figures.py`` — not copied: the source's rows are ``counted_q`` (received in the
period, not rejected or merged) and each figure's rows are that set filtered by ``figure_q`` of the same name,
read at the dashboard's ``now`` (a figure whose rows depend on the moment — 应响应, 应办结, 超时 — is a flag
annotated on the rows, so a metric's filter stays a constant ``Q``). The three rates are ratios of their parts
(响应率 = 按时响应 ÷ 应响应, 解决率 = 已办结 ÷ 应办结, 满意率 = 满意 ÷ 已评价), so the dashboard and the
demands' figures page (``views_figures``) never disagree. An organisation's demands are those of the grids in
its subtree (``grid_path``), as on the figures page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from zongheng.core.metrics import Row, register_metric, register_source
from zongheng.core.metrics import flag as as_flag
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from .figures import FIGURE_LABELS, RATE_HELP, counted_q, figure_q
from .models import Demand

PANEL = "demands"
SOURCE = "demands.demand"
FLAGGED = ("response_due", "responded", "resolution_due", "resolved", "rated", "satisfied", "overdue")
EVERYWHERE = Org(path="")  # counted_q's subtree filter for the whole tree (the metric adds the scope's)


def flag(figure: str) -> str:
    """The annotation that marks a row counted by ``figure``."""
    return f"is_{figure}"


def counted_demands(period: Period, now: dt.datetime) -> QuerySet[Demand]:
    """The counted demands of the period (``counted_q``), each flagged with the figures (``figure_q`` at
    ``now``) that count it."""
    flags = {flag(name): as_flag(figure_q(name, now)) for name in FLAGGED}
    return (Demand.objects.filter(counted_q(EVERYWHERE, period)).annotate(**flags)
            .select_related("category", "grid"))


def _show(d: Any) -> Row:
    received = timezone.localtime(d.received_at)
    rating = f"，评价 {d.rating} 星" if d.rating is not None else ""
    return Row(f"{d.ref} {d.category.name}", reverse("demands:detail", args=[d.pk]),
               f"{d.grid.name}，{received:%Y-%m-%d} 受理，{d.get_status_display()}{rating}")


def _rate_help(name: str) -> str:
    text = dict(RATE_HELP)[name]
    return text.format(satisfied=settings.DEMAND_SATISFIED_RATING) if "{satisfied}" in text else text


def register() -> None:
    register_source(SOURCE, counted_demands, path="grid_path", perm=Perm.DEMAND_VIEW, show=_show,
                    dated="received_at", label="件诉求")

    def part(code: str, figure: str, order: int, help: str, *, headline: bool = False) -> None:
        where = Q() if figure == "counted" else Q(**{flag(figure): True})
        register_metric(f"demands.{code}", PANEL, FIGURE_LABELS[figure], source=SOURCE, where=where, unit="件",
                        order=order, help=help, headline=headline)

    part("received", "counted", 10, "期间内受理的诉求（所属网格在本辖区），不含不予受理和已合并的", headline=True)
    part("response_due", "response_due", 20, "首次响应时限已过，或已经接单的诉求")
    part("responded", "responded", 21, "首次接单时间不晚于首次响应时限的诉求")
    register_metric("demands.response_rate", PANEL, "响应率", ratio=("demands.responded", "demands.response_due"),
                    order=22, help=_rate_help("响应率"))
    part("resolution_due", "resolution_due", 30, "办结时限已过，或已经办结的诉求")
    part("resolved", "resolved", 31, "已办结的诉求")
    register_metric("demands.resolution_rate", PANEL, "解决率", ratio=("demands.resolved", "demands.resolution_due"),
                    order=32, help=_rate_help("解决率"))
    part("rated", "rated", 40, "提出诉求的居民已评价的诉求")
    part("satisfied", "satisfied", 41, f"评分不低于 {settings.DEMAND_SATISFIED_RATING} 星的诉求")
    register_metric("demands.satisfaction_rate", PANEL, "满意率", ratio=("demands.satisfied", "demands.rated"),
                    order=42, help=_rate_help("满意率"))
    part("overdue", "overdue", 50, "此刻仍未办结、已超过当前时限（未接单看响应时限，已接单看办结时限）的诉求")
