"""What the cadre records (月度干部之星, 提拔重用) register with the ground (called by ``lists.hooks.register``): the
path copies a move rewrites, audit labels, and the hub's section (this month's stars, the latest promotions).

Not a ``core.todo`` figure: the home page's figures are what matters today for the user's own work; the cadre
records are read on the hub and their own pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from zongheng.core.audit_display import register_actions

AUDIT_ACTIONS = {
    "lists.star_select": "评选月度干部之星", "lists.star_withdraw": "撤销月度干部之星",
    "lists.promotion_record": "记录提拔重用", "lists.promotion_withdraw": "撤销提拔重用记录",
}
HOME_STARS = 12
HOME_PROMOTIONS = 5


def home_section(user: Any, year: int | None, today: dt.date) -> Any:
    """The hub's section: this month's stars (else the latest month's) and the latest promotions, in scope."""
    from zongheng.core.access import has_perm
    from zongheng.core.permissions import Perm

    from . import selectors_cadres as sel
    from .views_home import HomeSection

    if not has_perm(user, Perm.LIST_VIEW):
        return None
    this_month = today.replace(day=1)
    latest = sel.stars(user).filter(month__lte=this_month).order_by("-month").values_list("month", flat=True).first()
    month = latest or this_month
    stars = list(sel.stars(user).filter(month=month).order_by("org_path", "id")[:HOME_STARS + 1])
    promotions = list(sel.promotions(user).filter(promoted_on__lte=today).order_by("-promoted_on", "-id")
                      [:HOME_PROMOTIONS])
    return HomeSection("lists/cadres/_home.html", {
        "month": month, "is_current": month == this_month, "stars": stars[:HOME_STARS],
        "more": len(stars) > HOME_STARS, "promotions": promotions,
        "stars_url": f"{reverse('lists:cadre_stars')}?month={month:%Y-%m}",
        "can_record": sel.may_record(user)})


def register() -> None:
    from zongheng.core.paths import register_path_copy

    from .models_cadres import CadreStar, Promotion
    from .views_home import register_home_section

    for model in (CadreStar, Promotion):
        register_path_copy(model, "org_path")
    register_home_section(70, "cadres", home_section, "干部使用在一线")
    register_actions(AUDIT_ACTIONS)
