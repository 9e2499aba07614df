"""The scoped lookups of the demand workbench's references (see ``zongheng.orgs.resolve``).

The staff form, the API and any later import accept a 民心驿站, a 每月一听 session, a grid,
a dispatch target or a whistle target only through these, with one Chinese message for a
missing row and a row out of scope alike. Each picks from the same queryset the page lists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org
from zongheng.orgs.resolve import as_pk, pick_one

from . import selectors
from .models import Demand, ListeningSession, Station


def resolve_station(user: Any, value: Any) -> Station:
    """A 民心驿站 of an organisation where the user enters demands."""
    return pick_one(selectors.stations_in_scope(user, Perm.DEMAND_ENTER), value, "民心驿站不存在或不在您的管辖范围内")


def resolve_listening_session(user: Any, value: Any) -> ListeningSession:
    """A 每月一听 session of an organisation where the user enters demands."""
    return pick_one(selectors.sessions_in_scope(user, Perm.DEMAND_ENTER), value,
                    "每月一听记录不存在或不在您的管辖范围内")


def resolve_entry_grid(user: Any, value: Any) -> Org:
    """The grid a demand is entered for: a grid of the user's entry scope (or the grid above a central household)."""
    return pick_one(selectors.entry_grids(user).select_related("level"), value, "网格不存在或不在您的登记范围内")


def resolve_dispatch_target(user: Any, value: Any) -> Org:
    """Where a demand may be assigned: an org of the user's dispatch scope, not a central household."""
    return pick_one(selectors.dispatch_targets(user), value, "只能派给您管辖范围内的组织（党员中心户除外）")


WHISTLE_REFUSED = "所选单位不能吹哨报到（须为本区的街道、社区及以下组织，党员中心户除外）"


def pick_whistle_targets(targets: QuerySet[Org], values: list[Any]) -> list[Org]:
    """Each submitted id must be one of ``targets`` (``selectors.whistle_targets(demand)``).

    One message for any other id, missing or not."""
    pks = [as_pk(v) for v in values]
    if not pks or any(pk is None for pk in pks):
        raise ActionError(WHISTLE_REFUSED)
    wanted = list(dict.fromkeys(pk for pk in pks if pk is not None))
    found = {o.pk: o for o in targets.filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise ActionError(WHISTLE_REFUSED)
    return [found[pk] for pk in wanted]


def resolve_whistle_targets(demand: Demand, values: list[Any]) -> list[Org]:
    """Units summoned by 街道吹哨: street level or below in the demand's district, never a central household
    nor the district itself (``selectors.whistle_targets``)."""
    return pick_whistle_targets(selectors.whistle_targets(demand), values)
