"""Reads of 标准化建设: which organisations' cards a user may see, who may assess, the quarter asked for.

- A card is read by whoever holds ``list.view`` on the organisation (its own people and every level above);
  an organisation out of that scope answers 404, like a missing one.
- A ranking compares the organisations of one level inside an organisation the viewer holds ``list.view`` on
  — only inside the viewer's own subtree: there is no district-wide or public leaderboard for a lower viewer.
- An assessed indicator is scored by someone holding ``standard.assess`` on an organisation STRICTLY above the
  one scored (no self-assessment): ``may_assess``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from zongheng.core.access import own_paths, require, scope_paths
from zongheng.core.indicators import Quarter
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Level, Org

FUTURE = "该季度尚未开始，不能查看或评分"


def require_view(user: Any) -> None:
    require(user, Perm.LIST_VIEW)


def visible_orgs(user: Any) -> QuerySet[Org]:
    return Org.objects.restrict(user, Perm.LIST_VIEW)


def org_for(user: Any, pk: Any) -> Org:
    """An organisation whose card the user may read; any other id (or not an id) → 404."""
    text = str(pk or "")
    if not text.isdigit() or len(text) > 18:
        raise Http404
    org = visible_orgs(user).select_related("level").filter(pk=int(text)).first()
    if org is None:
        raise Http404
    return org


def may_assess(user: Any, org_path: str) -> bool:
    """``standard.assess`` held on an organisation strictly above ``org_path``."""
    return any(org_path.startswith(p) and org_path != p for p in scope_paths(user, Perm.STANDARD_ASSESS))


def home_org(user: Any) -> Org | None:
    """The viewer's own organisation: the deepest one where they hold a post with ``list.view`` (a community
    secretary who also sits on the street's committee: the community)."""
    paths = own_paths(user, Perm.LIST_VIEW)
    if not paths:
        return None
    return Org.objects.select_related("level").filter(path=max(paths, key=lambda p: (len(p), p))).first()


def top_org(user: Any) -> Org | None:
    """The highest organisation the viewer holds ``list.view`` on (the default of the ranking)."""
    paths = scope_paths(user, Perm.LIST_VIEW)
    if not paths:
        return None
    return Org.objects.select_related("level").filter(path=min(paths, key=lambda p: (len(p), p))).first()


def parent_of(org: Org) -> Org | None:
    step = Org.steplen
    if len(org.path) <= step:
        return None
    return Org.objects.select_related("level").filter(path=org.path[:-step]).first()


def quarter_param(value: Any, today: dt.date) -> Quarter:
    """The quarter asked for (default: the current one); ValueError (Chinese) for a malformed or future one."""
    if not value:
        return Quarter.of(today)
    quarter = Quarter.parse(value)
    if quarter.start > today:
        raise ValueError(FUTURE)
    return quarter


def recent_quarters(today: dt.date, n: int = 8) -> list[Quarter]:
    out = [Quarter.of(today)]
    while len(out) < n:
        out.append(out[-1].previous())
    return out


def levels_below(org: Org) -> list[Level]:
    """The levels present strictly below ``org`` (one query), highest first."""
    ids = (Org.objects.filter(path__startswith=org.path, depth__gt=org.depth).values("level_id").distinct()
           .order_by())
    return list(Level.objects.filter(pk__in=ids).order_by("rank", "id"))
