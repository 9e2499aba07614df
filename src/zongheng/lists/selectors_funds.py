"""Every read of 财政保障 (funds, office space, workers' pay), from the user's scope.

Reading needs ``list.view`` (the 保障清单 is part of 一清单); a row or an organisation outside the user's scope
answers 404 like a missing one. Writing needs ``funds.manage`` on the organisation (its subtree); the yearly
budget is set only on a district (or city) organisation, so a street or a community can never set the
district's budget; the standard and the city's reference are platform configuration (``list.configure`` at the
root). References from a form or the API go through the scoped lookups here (``resolve_*``): one refusal for a
missing, an out-of-scope and a wrong-kind organisation alike.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from zongheng.core.access import at_root, has_perm, in_scope, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org
from zongheng.orgs.resolve import as_pk, org_choices, pick_one, refusal

from .models_funds import FundAllocation, FundSpending, OfficeSpace, WorkerPay

# The levels whose organisations hold a yearly budget of their own (the district; a city above it).
BUDGET_LEVELS = ("city", "district")
# Levels that may receive an allocation (standing organisations down to the villages and communities).
RECEIVER_LEVELS = ("district", "street", "township", "community", "village")
COMMUNITY = "community"


def may_view(user: Any) -> bool:
    return has_perm(user, Perm.LIST_VIEW)


def require_view(user: Any) -> None:
    if not may_view(user):
        raise PermissionDenied("您没有此项权限")


def may_manage(user: Any, org: Org) -> bool:
    """May allocate, spend and record space and pay for ``org`` (``funds.manage`` on it)."""
    return in_scope(user, Perm.FUNDS_MANAGE, org.path)


def may_budget(user: Any, org: Org) -> bool:
    """May set ``org``'s yearly budget: ``funds.manage`` on it, and it is a district (or city)."""
    return may_manage(user, org) and org.level.code in BUDGET_LEVELS


def may_configure(user: Any) -> bool:
    """May edit the office-space standard and the city's pay reference (platform configuration)."""
    return at_root(user, Perm.LIST_CONFIGURE)


def top_org(user: Any) -> Org | None:
    """The highest organisation of the user's ``list.view`` scope (the default of the overview)."""
    paths = sorted(scope_paths(user, Perm.LIST_VIEW), key=lambda p: (len(p), p))
    return Org.objects.select_related("level").filter(path=paths[0]).first() if paths else None


def orgs_in_scope(user: Any) -> QuerySet[Org]:
    return Org.objects.restrict(user, Perm.LIST_VIEW).select_related("level")


def org_for(user: Any, value: Any) -> Org:
    """An organisation the user may read (404 otherwise, also for a malformed id)."""
    pk = as_pk(value)
    org = orgs_in_scope(user).filter(pk=pk).first() if pk is not None else None
    if org is None:
        raise Http404
    return org


def community_for(user: Any, value: Any) -> Org:
    org = org_for(user, value)
    if org.level.code != COMMUNITY:
        raise Http404
    return org


def children_of(org: Org) -> QuerySet[Org]:
    """The standing organisations directly below ``org`` (the overview's table)."""
    return (Org.objects.filter(path__startswith=org.path, depth=org.depth + 1, kind="regular")
            .exclude(level__code__in=["grid", "household", "unit"]).select_related("level").order_by("path"))


# ---------------------------------------------------------------- scoped references


def manage_choices(user: Any) -> QuerySet[Org]:
    """Organisations whose funds the user manages (the giver / the spender)."""
    return org_choices(user, Perm.FUNDS_MANAGE, levels=RECEIVER_LEVELS, kinds=["regular"])


def resolve_manage_org(user: Any, value: Any) -> Org:
    return pick_one(manage_choices(user), value, refusal("单位"))


def receiver_choices(user: Any, giver: Org | None) -> QuerySet[Org]:
    """Where ``giver`` may allocate: inside its subtree, below it (never a sibling, never itself)."""
    qs = manage_choices(user)
    if giver is None:
        return qs.none()
    return qs.filter(path__startswith=giver.path, depth__gt=giver.depth)


def resolve_receiver(user: Any, giver: Org, value: Any) -> Org:
    return pick_one(receiver_choices(user, giver), value, refusal("接收单位") + "（须为下拨单位的下级组织）")


def budget_choices(user: Any) -> QuerySet[Org]:
    return org_choices(user, Perm.FUNDS_MANAGE, levels=BUDGET_LEVELS)


def resolve_budget_org(user: Any, value: Any) -> Org:
    return pick_one(budget_choices(user), value, refusal("预算单位", levels=BUDGET_LEVELS))


def community_choices(user: Any) -> QuerySet[Org]:
    return org_choices(user, Perm.FUNDS_MANAGE, levels=[COMMUNITY], kinds=["regular"])


def resolve_community(user: Any, value: Any) -> Org:
    return pick_one(community_choices(user), value, refusal("社区", levels=[COMMUNITY]))


# ---------------------------------------------------------------- rows


def allocations(user: Any) -> QuerySet[FundAllocation]:
    return FundAllocation.objects.restrict(user).select_related("giver", "receiver")


def spendings(user: Any) -> QuerySet[FundSpending]:
    return FundSpending.objects.restrict(user).select_related("org")


def allocation_for(user: Any, pk: Any) -> FundAllocation:
    row = allocations(user).select_related("reverses").filter(pk=as_pk(pk) or 0).first()
    if row is None:
        raise Http404
    return row


def spending_for(user: Any, pk: Any) -> FundSpending:
    row = spendings(user).select_related("reverses").filter(pk=as_pk(pk) or 0).first()
    if row is None:
        raise Http404
    return row


def space_for(user: Any, pk: Any) -> OfficeSpace:
    row = OfficeSpace.objects.restrict(user).select_related("org").filter(pk=as_pk(pk) or 0).first()
    if row is None:
        raise Http404
    return row


def pay_for(user: Any, pk: Any) -> WorkerPay:
    row = WorkerPay.objects.restrict(user).select_related("org").filter(pk=as_pk(pk) or 0).first()
    if row is None:
        raise Http404
    return row


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: a worker's name as it shows to those who do not manage the funds."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def worker_name(user: Any, row: WorkerPay) -> str:
    return row.worker_name if in_scope(user, Perm.FUNDS_MANAGE, row.org_path) else mask_name(row.worker_name)
