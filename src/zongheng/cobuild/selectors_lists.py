"""Scoped reads of the three lists and their matches, and the scoped lookups the lists' doors use beyond
``cobuild.resolve`` (a demand or a 每月一听 session becoming a need, a unit picked by its tree node, where a
resource is offered, a resource proposed for a need).

Reads start from ``restrict`` (out of scope → 404); filters take the page's or the API's parameters (a
malformed value is ignored, never an error page).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org
from zongheng.orgs.resolve import as_pk, org_choices, pick_one, refusal, resolve_org

from .choices import NeedState, ResourceKind
from .matching import need_places, with_met
from .models import UNIT_LEVEL, Match, Need, Resource, Service, Unit
from .resolve import SIDE_LEVELS, side_org_choices

MAX_Q = 50


def _q(params: Any) -> str:
    return str(params.get("q") or "").strip()[:MAX_Q]


def _under(qs: QuerySet[Any], user: Any, params: Any, field: str) -> QuerySet[Any]:
    """``org=<id>``: only rows under that organisation (one of the user's scope; else nothing)."""
    pk = as_pk(params.get("org") or "")
    if pk is None:
        return qs
    path = Org.objects.restrict(user, Perm.COBUILD_VIEW).filter(pk=pk).values_list("path", flat=True).first()
    return qs.filter(**{f"{field}__startswith": path}) if path else qs.none()


# ---------------------------------------------------------------- needs


def needs_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Need]:
    return Need.objects.restrict(user, perm).select_related("org")


def need_list(user: Any, params: Any) -> QuerySet[Need]:
    """需求清单: filters ``state`` (open/matched/closed), ``kind``, ``org`` (a subtree), ``q`` (words of the
    title), ``from`` (demand / session: made from a demand or a 每月一听 session)."""
    qs = with_met(needs_in_scope(user))
    if (state := params.get("state")) in NeedState.values:
        qs = qs.filter(state=state)
    if (kind := params.get("kind")) in ResourceKind.values:
        qs = qs.filter(kind=kind)
    if q := _q(params):
        qs = qs.filter(Q(title__icontains=q) | Q(detail__icontains=q))
    if params.get("from") == "demand":
        qs = qs.filter(demand__isnull=False)
    elif params.get("from") == "session":
        qs = qs.filter(listening_session__isnull=False)
    return _under(qs, user, params, "org_path").order_by("-created_at", "-id")


# ---------------------------------------------------------------- resources


def resources_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Resource]:
    return Resource.objects.restrict(user, perm).select_related("unit", "place")


def resource_list(user: Any, params: Any) -> QuerySet[Resource]:
    """资源清单: filters ``kind``, ``idle`` (1: idle resources only), ``used`` (1: with at least one match;
    0: none yet), ``left`` (1: capacity left), ``active`` (1/0), ``org`` (a subtree: the unit or the place
    under it), ``unit`` (a unit id), ``q``."""
    qs = resources_in_scope(user)
    if (kind := params.get("kind")) in ResourceKind.values:
        qs = qs.filter(kind=kind)
    if params.get("idle") == "1":
        qs = qs.filter(idle=True)
    if params.get("used") == "1":
        qs = qs.filter(used__gt=0)
    elif params.get("used") == "0":
        qs = qs.filter(used=0)
    if params.get("left") == "1":
        qs = qs.filter(used__lt=F("capacity"), active=True)
    if params.get("active") in ("0", "1"):
        qs = qs.filter(active=params.get("active") == "1")
    if (unit := as_pk(params.get("unit") or "")) is not None:
        qs = qs.filter(unit_id=unit)
    if q := _q(params):
        qs = qs.filter(Q(title__icontains=q) | Q(unit__name__icontains=q))
    pk = as_pk(params.get("org") or "")
    if pk is not None:
        path = Org.objects.restrict(user, Perm.COBUILD_VIEW).filter(pk=pk).values_list("path", flat=True).first()
        qs = qs.filter(Q(unit_path__startswith=path) | Q(place_path__startswith=path)) if path else qs.none()
    return qs.order_by("unit_path", "id")


# ---------------------------------------------------------------- services


def services_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Service]:
    return Service.objects.restrict(user, perm).select_related("org")


def service_list(user: Any, params: Any) -> QuerySet[Service]:
    """服务清单: filters ``kind``, ``active`` (1/0), ``org``, ``q``."""
    qs = services_in_scope(user)
    if (kind := params.get("kind")) in ResourceKind.values:
        qs = qs.filter(kind=kind)
    if params.get("active") in ("0", "1"):
        qs = qs.filter(active=params.get("active") == "1")
    if q := _q(params):
        qs = qs.filter(Q(title__icontains=q) | Q(detail__icontains=q))
    return _under(qs, user, params, "org_path").order_by("org_path", "id")


# ---------------------------------------------------------------- matches


def matches_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Match]:
    return Match.objects.restrict(user, perm).select_related(
        "need", "need__org", "resource", "resource__unit", "item", "item__agreement")


def match_list(user: Any, params: Any) -> QuerySet[Match]:
    """资源对接: filters ``kind`` (of the resource), ``idle`` (1: idle resources), ``need`` / ``resource``
    (ids), ``org`` (the need's community or the resource's unit under it)."""
    qs = matches_in_scope(user)
    if (kind := params.get("kind")) in ResourceKind.values:
        qs = qs.filter(resource__kind=kind)
    if params.get("idle") == "1":
        qs = qs.filter(resource__idle=True)
    if (need := as_pk(params.get("need") or "")) is not None:
        qs = qs.filter(need_id=need)
    if (resource := as_pk(params.get("resource") or "")) is not None:
        qs = qs.filter(resource_id=resource)
    pk = as_pk(params.get("org") or "")
    if pk is not None:
        path = Org.objects.restrict(user, Perm.COBUILD_VIEW).filter(pk=pk).values_list("path", flat=True).first()
        qs = (qs.filter(Q(need__org_path__startswith=path) | Q(resource__unit_path__startswith=path))
              if path else qs.none())
    return qs.order_by("-accepted_at", "-id")


# ---------------------------------------------------------------- scoped lookups of the lists' doors


def demand_choices(user: Any) -> QuerySet[Any]:
    """Demands that may become a need: those the user may view (demands' own scope)."""
    from zongheng.demands.models import Demand

    return Demand.objects.restrict(user, Perm.DEMAND_VIEW).select_related("grid", "category")


def resolve_demand_for_need(user: Any, value: Any) -> Any:
    return pick_one(demand_choices(user), value, refusal("诉求"))


def session_choices(user: Any) -> QuerySet[Any]:
    """每月一听 sessions that may become a need: those of organisations in the user's demand.view scope."""
    from zongheng.demands.selectors import sessions_in_scope

    return sessions_in_scope(user, Perm.DEMAND_VIEW)


def resolve_session_for_need(user: Any, value: Any) -> Any:
    return pick_one(session_choices(user), value, refusal("每月一听活动"))


def community_for_path(path: str) -> Org | None:
    """The community (or village) a grid or a community path lies in (one query)."""
    prefixes = [path[:i] for i in range(Org.steplen, len(path) + 1, Org.steplen)]
    return (Org.objects.filter(path__in=prefixes, level__code__in=("community", "village"), kind=OrgKind.REGULAR)
            .order_by("-depth").first())


def unit_node_choices(user: Any, perm: str = Perm.COBUILD_CHANGE) -> QuerySet[Org]:
    """The tree nodes of the units a user may list resources for (what the unit picker searches)."""
    return org_choices(user, perm, levels=[UNIT_LEVEL]).filter(unit__isnull=False)


def resolve_unit_for_resource(user: Any, value: Any, *, by_node: bool = False) -> Unit:
    """提供单位 of a resource: a unit in the user's cobuild.change scope, by its id (the API) or by its tree
    node's id (the page's picker)."""
    qs = Unit.objects.restrict(user, Perm.COBUILD_CHANGE).select_related("org", "place")
    if by_node:
        pk = as_pk(value)
        found = qs.filter(org_id=pk).first() if pk is not None else None
        if found is None:
            raise ActionError(refusal("驻区单位"))
        return found
    return pick_one(qs, value, refusal("驻区单位"))


def place_choices(user: Any) -> QuerySet[Org]:
    """Where a resource is offered: a street or community in the user's cobuild.change scope."""
    return side_org_choices(user, Perm.COBUILD_CHANGE)


def resolve_place(user: Any, value: Any, unit: Unit | None = None) -> Org:
    """A street or community in the user's cobuild.change scope, or the unit's own place."""
    if unit is not None and as_pk(value) == unit.place_id:
        return unit.place
    return resolve_org(user, Perm.COBUILD_CHANGE, value, levels=SIDE_LEVELS, kinds=[OrgKind.REGULAR],
                       label="所在街道或社区")


def proposable_resources(need: Need) -> QuerySet[Resource]:
    """The resources a need may be matched with: any in the need's district (a unit of the district offers to
    every community; the scope check is on the need's side)."""
    _, _, district = need_places(need)
    return Resource.objects.filter(place_path__startswith=district).select_related("unit", "place")


def resolve_proposed_resource(need: Need, value: Any) -> Resource:
    return pick_one(proposable_resources(need), value, "找不到该资源，或该资源不在本区")
