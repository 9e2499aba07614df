"""The lists' figures, computed from rows through the same selectors as the list pages they open, so each
figure equals the count (or sum) of the rows its link shows:

- 需求对接率: needs fully met (state 已对接) among all needs — opens the matched needs;
- 盘活闲置资源: idle resources with at least one accepted match (the article's "有效整合闲置资源 30 多处") —
  opens those resources;
- 争取扶持资金: the sum of accepted quantities on funds resources, in yuan — opens those matches;
- 共享场地面积: the sum of accepted quantities on venue resources, in m² — opens those matches;
- 清单条目: needs, resources and services (the article's "建立服务清单、需求清单 200 多个").

Constant queries (six), whatever the data size. ``org`` narrows every figure to a subtree in scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse

from zongheng.core.access import has_perm
from zongheng.core.permissions import Perm
from zongheng.core.todo import Figure

from . import selectors_lists as sel
from .choices import NeedState, ResourceKind


@dataclass(frozen=True)
class ListFigure:
    key: str
    label: str
    value: int
    display: str
    url: str
    note: str = ""


def _url(name: str, params: dict[str, str]) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse(name) + (f"?{query}" if query else "")


def figures(user: Any, org: str = "") -> list[ListFigure]:
    base = {"org": org} if org else {}
    needs_all = sel.need_list(user, base).count()
    matched_params = base | {"state": NeedState.MATCHED}
    matched = sel.need_list(user, matched_params).count()
    idle_params = base | {"idle": "1", "used": "1"}
    idle_used = sel.resource_list(user, idle_params).count()
    funds_params = base | {"kind": ResourceKind.FUNDS}
    funds = sel.match_list(user, funds_params).aggregate(s=Sum("quantity"))["s"] or 0
    venue_params = base | {"kind": ResourceKind.VENUE}
    venue = sel.match_list(user, venue_params).aggregate(s=Sum("quantity"))["s"] or 0
    resources = sel.resource_list(user, base).count()
    services = sel.service_list(user, base).count()
    share = f"{matched * 100 / needs_all:.0f}%" if needs_all else "—"
    return [
        ListFigure("matched", "需求对接率", matched, share, _url("cobuild:need_list", matched_params),
                   note=f"已对接 {matched} 项，共 {needs_all} 项需求"),
        ListFigure("idle_used", "盘活闲置资源", idle_used, f"{idle_used} 处",
                   _url("cobuild:resource_list", idle_params),
                   note="原本闲置、已有对接的资源"),
        ListFigure("funds", "争取扶持资金", funds, f"{funds:,} 元", _url("cobuild:match_list", funds_params),
                   note="资金类资源已确认对接的金额"),
        ListFigure("venue", "共享场地面积", venue, f"{venue:,} 平方米", _url("cobuild:match_list", venue_params),
                   note="场地类资源已确认对接的面积"),
        ListFigure("needs", "需求清单", needs_all, f"{needs_all} 项", _url("cobuild:need_list", base)),
        ListFigure("resources", "资源清单", resources, f"{resources} 项", _url("cobuild:resource_list", base)),
        ListFigure("services", "服务清单", services, f"{services} 项", _url("cobuild:service_list", base)),
    ]


def home_figures(user: Any, now: dt.datetime) -> list[Figure]:
    """The two figures of the lists on the home page (core.todo.register_figure), for cobuild.view holders
    whose scope has needs or resources. Two queries (none without the right)."""
    if not has_perm(user, Perm.COBUILD_VIEW):
        return []
    counts = sel.needs_in_scope(user).aggregate(n=Count("pk"), m=Count("pk", filter=Q(state=NeedState.MATCHED)))
    idle_params = {"idle": "1", "used": "1"}
    idle_used = sel.resource_list(user, idle_params).count()
    if not (counts["n"] or idle_used):
        return []
    share = f"{counts['m'] * 100 / counts['n']:.0f}%" if counts["n"] else "—"
    return [Figure("需求对接率", share, _url("cobuild:need_list", {"state": NeedState.MATCHED}),
                   note=f"已对接 {counts['m']} 项，共 {counts['n']} 项需求"),
            Figure("盘活闲置资源", f"{idle_used} 处", _url("cobuild:resource_list", idle_params),
                   note="原本闲置、已有对接的资源")]
