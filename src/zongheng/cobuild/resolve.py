"""The scoped lookups of 一横: every reference arriving from a page, the API or an import row goes through
one of these (a forged id gets the same Chinese message as a missing one, and nothing is written).

Each ``*_choices(user, perm)`` is the queryset a reference may name; ``resolve_*`` picks one id from it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org
from zongheng.orgs.resolve import org_choices, pick_one, refusal, resolve_org

from .models import Agreement, AgreementItem, Council, Need, Pairing, Resource, Service, Unit

# Where councils, agreements, pairings and needs sit: a street (街道大工委) or a community (社区大党委).
SIDE_LEVELS = ("street", "township", "community", "village")
COMMUNITY_LEVELS = ("community", "village")


def side_org_choices(user: Any, perm: str = Perm.COBUILD_CHANGE, levels: tuple[str, ...] = SIDE_LEVELS
                     ) -> QuerySet[Org]:
    return org_choices(user, perm, levels=levels, kinds=[OrgKind.REGULAR])


def resolve_side_org(user: Any, value: Any, *, perm: str = Perm.COBUILD_CHANGE,
                     levels: tuple[str, ...] = SIDE_LEVELS, label: str = "街道或社区") -> Org:
    """A street or community in the user's scope for ``perm``."""
    return resolve_org(user, perm, value, levels=levels, kinds=[OrgKind.REGULAR], label=label)


def resolve_community(user: Any, value: Any, *, perm: str = Perm.COBUILD_CHANGE) -> Org:
    return resolve_side_org(user, value, perm=perm, levels=COMMUNITY_LEVELS, label="社区")


def unit_choices(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Unit]:
    return Unit.objects.restrict(user, perm)


def resolve_unit(user: Any, value: Any, *, perm: str = Perm.COBUILD_VIEW) -> Unit:
    return pick_one(unit_choices(user, perm).select_related("org", "place"), value, refusal("驻区单位"))


def resolve_any_unit(value: Any) -> Unit:
    """A member unit for an agreement or pairing made by a street or community: a unit of the district need
    not sit in the cadre's own subtree (a city unit sits in one street and serves another), so any unit —
    the scope check is on the street/community side."""
    return pick_one(Unit.objects.select_related("org", "place"), value, refusal("驻区单位", scoped=False))


def resolve_council(user: Any, value: Any, *, perm: str = Perm.COBUILD_VIEW) -> Council:
    return pick_one(Council.objects.restrict(user, perm).select_related("org"), value, refusal("大工委/大党委"))


def resolve_agreement(user: Any, value: Any, *, perm: str = Perm.COBUILD_VIEW) -> Agreement:
    return pick_one(Agreement.objects.restrict(user, perm).select_related("org", "unit"), value, refusal("认领书"))


def resolve_item(user: Any, value: Any, *, perm: str = Perm.COBUILD_VIEW) -> AgreementItem:
    return pick_one(AgreementItem.objects.restrict(user, perm).select_related("agreement", "agreement__unit",
                                                                              "agreement__org"),
                    value, refusal("认领项目"))


def resolve_pairing(user: Any, value: Any, *, perm: str = Perm.COBUILD_VIEW) -> Pairing:
    return pick_one(Pairing.objects.restrict(user, perm).select_related("org", "unit"), value, refusal("结对"))


def resolve_need(user: Any, value: Any, *, perm: str = Perm.COBUILD_VIEW) -> Need:
    return pick_one(Need.objects.restrict(user, perm).select_related("org"), value, refusal("需求"))


def resolve_resource(user: Any, value: Any, *, perm: str = Perm.COBUILD_VIEW) -> Resource:
    return pick_one(Resource.objects.restrict(user, perm).select_related("unit", "place"), value, refusal("资源"))


def resolve_service(user: Any, value: Any, *, perm: str = Perm.COBUILD_VIEW) -> Service:
    return pick_one(Service.objects.restrict(user, perm).select_related("org"), value, refusal("服务"))
