"""The tree's figures for 一张网 (组织覆盖): registered with ``core.metrics`` from ``hooks.register``.

An organisation counts in a period when it stood at some time during it: opened before the period's end
(or with no opening date) and not closed before its start.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from zongheng.core.metrics import Row, register_metric, register_source
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm

from .choices import OrgKind
from .models import Org


def standing_orgs(period: Period, now: dt.datetime) -> QuerySet[Org]:
    """Organisations that stood at some time during the period."""
    return (Org.objects.filter(Q(opened_on__isnull=True) | Q(opened_on__lt=period.end_date))
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start_date)).select_related("level"))


def _show_org(org: Any) -> Row:
    opened = f"，{org.opened_on:%Y-%m-%d} 成立" if org.opened_on else ""
    closed = f"，{org.closed_on:%Y-%m-%d} 撤销" if org.closed_on else ""
    return Row(org.name, reverse("orgs:org", args=[org.pk]), f"{org.level.name}{opened}{closed}")


def register() -> None:
    register_source("orgs.org", standing_orgs, path="path", perm=Perm.ORG_VIEW, show=_show_org, label="个组织")
    regular = Q(kind=OrgKind.REGULAR)
    register_metric("tree.grids", "tree", "网格", source="orgs.org", where=regular & Q(level__code="grid"),
                    order=10, headline=True, help="期间内存在的网格党支部（网格）")
    register_metric("tree.households", "tree", "党员中心户", source="orgs.org", unit="户",
                    where=regular & Q(level__code="household"), order=20, help="期间内存在的党员中心户")
