"""The matching engine of the three lists (需求清单 × 资源清单): proposals, with their reason, never beyond
what is left.

A proposal pairs a need with a resource of the SAME kind that still has capacity left, for
``min(need remaining, resource remaining)``; proposals are ordered by place — the same community first,
then the same street, then elsewhere in the district — and, within a tier, by what is left (more first).
Each carries its reason in Chinese ("同类资源·同一社区·剩余 120 平方米").

Everything is set-based: a need's proposals cost two queries whatever the number of resources (the need's
met quantity, then the ranked resources); a resource's proposals two (the ranked needs with their met
quantities annotated). ``units_for_demand`` proposes, for a resident's demand, the stationed units whose
active resources fit the demand's category and place (used by the demand's whistle picker).

Accepting a proposal is ``actions_lists.do_accept_match`` (row locks, re-checks, the agreement item).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from zongheng.core.access import steplen

from .choices import KIND_UNITS, NeedState, ResourceKind
from .models import Match, Need, Resource
from .resolve import COMMUNITY_LEVELS

PROPOSAL_LIMIT = 20
TIER_WORDS = {0: "同一社区", 1: "同一街道", 2: "同在本区"}

# Which kinds of resource may help with a demand of each category (demands.defaults.CATEGORIES); words in
# the description add kinds ("场地" → venue …). A category not listed suggests from its words only.
CATEGORY_KINDS: dict[str, tuple[str, ...]] = {
    "sanitation": (ResourceKind.VOLUNTEERS, ResourceKind.GOODS),
    "property": (ResourceKind.SKILLS,),
    "municipal": (ResourceKind.SKILLS, ResourceKind.FUNDS),
    "neighbour": (ResourceKind.SKILLS, ResourceKind.VOLUNTEERS),
    "elderly": (ResourceKind.VOLUNTEERS, ResourceKind.VENUE, ResourceKind.SKILLS),
    "parking": (ResourceKind.VENUE,),
    "safety": (ResourceKind.SKILLS, ResourceKind.FUNDS),
    "employment": (ResourceKind.SKILLS,),
}
KIND_WORDS: dict[str, tuple[str, ...]] = {
    ResourceKind.VENUE: ("场地", "活动室", "房子", "用房", "会议室", "礼堂", "场所", "停车"),
    ResourceKind.VOLUNTEERS: ("志愿", "帮忙", "人手", "陪护", "探访"),
    ResourceKind.FUNDS: ("资金", "经费", "捐", "费用", "补贴"),
    ResourceKind.SKILLS: ("维修", "培训", "法律", "医疗", "义诊", "咨询", "技术"),
    ResourceKind.GOODS: ("物资", "设备", "桌椅", "器材", "书籍"),
}


@dataclass(frozen=True)
class Proposal:
    """One proposed pairing: ``quantity`` is what accepting it would take (never beyond either remainder)."""

    need: Need
    resource: Resource
    quantity: int
    tier: int  # 0 same community, 1 same street, 2 elsewhere in the district
    reason: str


def kind_unit(kind: str) -> str:
    return KIND_UNITS.get(kind, "项")


def reason_text(kind: str, tier: int, left: int, *, idle: bool = False) -> str:
    """ "同类资源·同一社区·剩余 120 平方米" (and "·闲置资源" for an idle one)."""
    text = f"同类资源·{TIER_WORDS[tier]}·剩余 {left} {kind_unit(kind)}"
    return text + "·闲置资源" if idle else text


def met_quantity(need: Need) -> int:
    """How much of the need accepted matches have met (one query)."""
    return int(Match.objects.filter(need=need).aggregate(n=Coalesce(Sum("quantity"), 0))["n"])


def need_remaining(need: Need) -> int:
    return max(need.quantity - met_quantity(need), 0)


def with_met(qs: QuerySet[Need]) -> QuerySet[Need]:
    """Needs annotated with ``met`` (the matched quantity) and ``left`` (what remains), in the same query."""
    met = Match.objects.filter(need=OuterRef("pk")).order_by().values("need").annotate(s=Sum("quantity")).values("s")
    return qs.annotate(met=Coalesce(Subquery(met, output_field=IntegerField()), 0)).annotate(
        left=F("quantity") - F("met"))


def need_places(need: Need) -> tuple[str, str, str]:
    """(community, street, district) paths of a need (a need sits on a community)."""
    step = steplen()
    community = need.org_path
    street = community[:-step] if len(community) > step else community
    district = street[:-step] if len(street) > step else street
    return community, street, district


def resource_places(resource: Resource) -> tuple[str, str, str]:
    """(community or "", street, district) paths of where a resource is offered (a street or a community)."""
    step = steplen()
    place_path = resource.place_path
    is_community = resource.place.level.code in COMMUNITY_LEVELS if resource.place_id else False
    community = place_path if is_community else ""
    street = place_path[:-step] if is_community and len(place_path) > step else place_path
    district = street[:-step] if len(street) > step else street
    return community, street, district


def resources_for_need(need: Need) -> QuerySet[Resource]:
    """The candidate resources of a need (before the limit): same kind, active, capacity left, in the need's
    district, not already matched with this need; ranked by place tier then by what is left."""
    community, street, district = need_places(need)
    already = Match.objects.filter(need=need, resource=OuterRef("pk"))
    return (Resource.objects.filter(kind=need.kind, active=True, used__lt=F("capacity"),
                                    place_path__startswith=district)
            .exclude(Exists(already))
            .annotate(tier=Case(When(place_path__startswith=community, then=Value(0)),
                                When(place_path__startswith=street, then=Value(1)),
                                default=Value(2), output_field=IntegerField()),
                      left=F("capacity") - F("used"))
            .select_related("unit", "place")
            .order_by("tier", "-left", "id"))


def proposals_for_need(need: Need, *, limit: int = PROPOSAL_LIMIT) -> list[Proposal]:
    """Up to ``limit`` proposals for an open need (none for a matched or closed one). Two queries."""
    if need.state != NeedState.OPEN:
        return []
    remaining = need_remaining(need)
    if remaining <= 0:
        return []
    out = []
    for r in resources_for_need(need)[:limit]:
        left = r.left  # type: ignore[attr-defined]
        out.append(Proposal(need, r, min(remaining, left), r.tier,  # type: ignore[attr-defined]
                            reason_text(r.kind, r.tier, left, idle=r.idle)))  # type: ignore[attr-defined]
    return out


def needs_for_resource(resource: Resource) -> QuerySet[Need]:
    """The candidate needs of a resource: same kind, open, something left, in the resource's district, not
    already matched with it; ranked by place tier then by what is left (more first)."""
    community, street, district = resource_places(resource)
    already = Match.objects.filter(need=OuterRef("pk"), resource=resource)
    tiers = [When(org_path__startswith=community, then=Value(0))] if community else []
    tiers.append(When(org_path__startswith=street, then=Value(1)))
    return (with_met(Need.objects.filter(kind=resource.kind, state=NeedState.OPEN, org_path__startswith=district))
            .exclude(Exists(already)).filter(left__gt=0)  # type: ignore[misc]
            .annotate(tier=Case(*tiers, default=Value(2), output_field=IntegerField()))
            .select_related("org")
            .order_by("tier", "-left", "id"))


def proposals_for_resource(resource: Resource, *, limit: int = PROPOSAL_LIMIT) -> list[Proposal]:
    """Up to ``limit`` proposals for an active resource with capacity left. One query."""
    left = resource.capacity - resource.used
    if not resource.active or left <= 0:
        return []
    return [Proposal(n, resource, min(n.left, left), n.tier,  # type: ignore[attr-defined]
                     reason_text(resource.kind, n.tier, left, idle=resource.idle))  # type: ignore[attr-defined]
            for n in needs_for_resource(resource)[:limit]]


# ---------------------------------------------------------------- demands meet units


@dataclass(frozen=True)
class UnitSuggestion:
    unit_id: int
    org_id: int  # the unit's node in the tree (what a whistle summons)
    org_path: str
    name: str
    tier: int
    reason: str


def kinds_for_demand(category_code: str, text: str) -> list[str]:
    """Kinds of resource that may help with a demand: those of its category, and those its words name."""
    kinds = list(CATEGORY_KINDS.get(category_code, ()))
    for kind, words in KIND_WORDS.items():
        if kind not in kinds and any(w in text for w in words):
            kinds.append(kind)
    return kinds


def units_for_demand(demand: Any, *, limit: int = 5) -> list[UnitSuggestion]:
    """The stationed units whose active resources (with capacity left) fit the demand's category and place:
    the demand's community first, then its street, then elsewhere in the district; one per unit, with the
    reason ("可提供志愿者·同一社区·剩余 40 人次"). Two queries (the category, the ranked resources)."""
    from zongheng.demands.models import Category

    code = Category.objects.filter(pk=demand.category_id).values_list("code", flat=True).first() or ""
    kinds = kinds_for_demand(code, demand.description or "")
    if not kinds:
        return []
    step = steplen()
    grid_path = demand.grid_path
    # The grid's ancestors: community (grid minus one step), street, district.
    community = grid_path[:-step] if len(grid_path) > 2 * step else grid_path
    street = community[:-step] if len(community) > step else community
    district = street[:-step] if len(street) > step else street
    rows = (Resource.objects.filter(kind__in=kinds, active=True, used__lt=F("capacity"),
                                    place_path__startswith=district)
            .annotate(tier=Case(When(Q(place_path__startswith=community) | Q(unit_path__startswith=community),
                                     then=Value(0)),
                                When(place_path__startswith=street, then=Value(1)),
                                default=Value(2), output_field=IntegerField()),
                      left=F("capacity") - F("used"))
            .order_by("tier", "-left", "id")
            .values("unit_id", "unit__org_id", "unit_path", "unit__name", "kind", "tier", "left")[:limit * 10])
    out: list[UnitSuggestion] = []
    seen: set[int] = set()
    labels = dict(ResourceKind.choices)
    for r in rows:
        if r["unit_id"] in seen:
            continue
        seen.add(r["unit_id"])
        reason = f"可提供{labels.get(r['kind'], '')}·{TIER_WORDS[r['tier']]}·剩余 {r['left']} {kind_unit(r['kind'])}"
        out.append(UnitSuggestion(r["unit_id"], r["unit__org_id"], r["unit_path"], r["unit__name"], r["tier"],
                                  reason))
        if len(out) >= limit:
            break
    return out
