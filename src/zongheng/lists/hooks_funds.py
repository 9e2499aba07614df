"""What 财政保障 registers with the ground (called by ``lists.hooks.register``): the path copies a move rewrites,
audit labels and links, the hub's section (this year's budget, its growth, the share spent) and a home-page
figure for those who manage the funds (the share of this year's money spent in their subtree)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm

AUDIT_ACTIONS = {
    "lists.budget_set": "编制党建经费预算", "lists.fund_allocate": "下拨党建经费",
    "lists.fund_allocation_reverse": "冲销经费下拨", "lists.fund_spend": "登记经费支出",
    "lists.fund_spending_reverse": "冲销经费支出", "lists.space_record": "登记社区办公用房",
    "lists.pay_record": "登记社区工作者报酬", "lists.pay_remove": "删除社区工作者报酬",
    "lists.space_standard": "配置办公用房标准", "lists.pay_reference": "配置全市报酬参考",
}


def home_section(user: Any, year: int | None, today: dt.date) -> Any:
    """The hub's 财政保障 section: the year's budget of the viewer's top organisation, its growth over last year,
    and the share of the subtree's money spent (a constant number of queries)."""
    from . import funds
    from . import selectors_funds as sel
    from .views_home import HomeSection

    if not sel.may_view(user):
        return None
    org = sel.top_org(user)
    if org is None:
        return None
    year = year or today.year
    series = funds.budget_series(org.path, [year - 1, year])
    sub = funds.subtree(org.path, year)
    q = urlencode({"org": org.pk, "year": year})
    return HomeSection("lists/funds/_home.html", {
        "org": org, "year": year, "budget": series[year], "growth": funds.growth(series[year], series[year - 1]),
        "sub": sub, "url": f"{reverse('lists:funds')}?{q}", "budget_url": f"{reverse('lists:funds_budget')}?{q}",
        "spent_url": f"{reverse('lists:funds_spendings')}?{q}&all=1",
        "received_url": f"{reverse('lists:funds_allocations')}?{q}&dir=inflow",
        "space_url": f"{reverse('lists:funds_space')}?{q}", "pay_url": f"{reverse('lists:funds_pay')}?{q}"})


def home_figures(user: Any, now: dt.datetime) -> list[Any]:
    """For ``funds.manage`` holders: the share of this year's money spent in the subtree they manage."""
    from django.utils import timezone

    from zongheng.core.access import scope_paths
    from zongheng.core.todo import Figure

    from . import funds

    paths = sorted(scope_paths(user, Perm.FUNDS_MANAGE), key=lambda p: (len(p), p))
    if not paths:
        return []
    year = timezone.localtime(now).year
    share = funds.subtree(paths[0], year).spent_share  # three queries
    return [Figure(f"{year}年党建经费支出进度", f"{share}%" if share is not None else funds.NO_RECORDS,
                   f"{reverse('lists:funds')}?{urlencode({'year': year})}", "含下级，占经费总额")]


def register() -> None:
    from zongheng.core.paths import register_path_copy
    from zongheng.core.todo import register_figure

    from . import models_funds as m
    from .views_home import register_home_section

    for model in (m.FundAccount, m.BudgetLine, m.FundSpending, m.OfficeSpace, m.WorkerPay):
        register_path_copy(model, "org_path")
    register_path_copy(m.FundAllocation, "giver_path", "receiver_path")
    register_home_section(50, "funds", home_section, "财政保障")
    register_actions(AUDIT_ACTIONS)
    register_object_url("lists.fundallocation", url_by_pk("lists:funds_allocation"), Perm.LIST_VIEW)
    register_object_url("lists.fundspending", url_by_pk("lists:funds_spending"), Perm.LIST_VIEW)
    register_figure(70, "lists.funds", home_figures)
