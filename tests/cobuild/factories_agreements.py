"""Factories of the agreements part's tests: a world of a community secretary, a street secretary, a unit
with its liaison (and another unit with its own), agreements, items and pairings made through the real
actions. Units come from the units part's factory when it is there (``factories_units.make_unit``: the
unit's node of level 驻区单位 under its place, and the row), else from the small helper below."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tests.factories import Tree, make_person, make_post, make_user, user_with_post
from zongheng.cobuild import actions_agreements as actions
from zongheng.cobuild.choices import AgreementState, ItemKind
from zongheng.cobuild.models import UNIT_LEVEL, Agreement, AgreementItem, Pairing, Unit
from zongheng.core.permissions import Role
from zongheng.orgs.models import Level, Org

_seq = itertools.count(1)

try:  # the units part's factory: the real do_create_unit
    from tests.cobuild.factories_units import make_unit as _make_unit
except ImportError:  # pragma: no cover - only while the units part is not there
    _make_unit = None


def make_unit(place: Org, name: str | None = None) -> Unit:
    if _make_unit is not None:
        return _make_unit(place, name)
    level, _ = Level.objects.get_or_create(code=UNIT_LEVEL, defaults={"name": "驻区单位", "rank": 45})
    name = name or f"{place.name}共建单位{next(_seq)}"
    node = Org.objects.add_child(Org.objects.get(pk=place.pk), instance=Org(name=name, level=level))
    return Unit.objects.create(org=node, org_path=node.path, name=name, place=place, type="state_enterprise",
                               level="city")


def make_liaison(unit: Unit, username: str | None = None) -> Any:
    """驻区单位联络员: a post (role liaison) on the unit's node."""
    person = make_person(unit.org)
    make_post(person, unit.org, Role.LIAISON)
    return make_user(person, username)


@dataclass
class World:
    tree: Tree
    community: Org  # communities[0], street 1
    other_community: Org  # communities[2], street 2
    secretary: Any  # of community
    other_secretary: Any  # of other_community
    street: Any  # secretary of streets[0]
    unit: Unit  # sits in community
    liaison: Any
    other_unit: Unit  # sits in other_community
    other_liaison: Any
    resident: Any  # a person with a user and no post


def make_world(tree: Tree) -> World:
    community, other = tree.communities[0], tree.communities[2]
    unit = make_unit(community, f"振发锻件公司{next(_seq)}")
    other_unit = make_unit(other, f"绿地置业{next(_seq)}")
    return World(
        tree=tree, community=community, other_community=other,
        secretary=user_with_post(community, Role.SECRETARY, f"sec{next(_seq)}"),
        other_secretary=user_with_post(other, Role.SECRETARY, f"osec{next(_seq)}"),
        street=user_with_post(tree.streets[0], Role.SECRETARY, f"street{next(_seq)}"),
        unit=unit, liaison=make_liaison(unit, f"liaison{next(_seq)}"),
        other_unit=other_unit, other_liaison=make_liaison(other_unit, f"oliaison{next(_seq)}"),
        resident=make_user(make_person(tree.grids[0]), f"resident{next(_seq)}"))


def make_agreement(user: Any, org: Org, unit: Unit, *, state: str = AgreementState.ACTIVE,
                   signed_on: dt.date = dt.date(2018, 3, 1), **kw: Any) -> Agreement:
    data: dict[str, Any] = {"org": org, "unit": unit, "title": f"2018年度项目认领书{next(_seq)}",
                            "signed_on": signed_on, "starts_on": signed_on,
                            "ends_on": signed_on.replace(month=12, day=31), "state": state}
    data.update(kw)
    return actions.do_create_agreement(user, data)


def make_item(user: Any, agreement: Agreement, due_on: dt.date, kind: str = ItemKind.JOINT_AFFAIRS,
              **kw: Any) -> AgreementItem:
    data: dict[str, Any] = {"kind": kind, "title": f"项目{next(_seq)}", "target": "解决老旧小区停车难",
                            "org_owner": "张书记", "unit_owner": "李主任", "due_on": due_on}
    data.update(kw)
    return actions.do_add_item(user, agreement, data)


def make_pairing(user: Any, community: Org, unit: Unit | None = None, *, starts_on: dt.date = dt.date(2017, 1, 1),
                 **kw: Any) -> Pairing:
    data: dict[str, Any] = {"org": community, "unit": unit, "starts_on": starts_on}
    if unit is None:
        data.update(partner_kind="outside", partner_name=f"先进社区{next(_seq)}", partner_region="江苏")
    data.update(kw)
    return actions.do_create_pairing(user, data)


def log(user: Any, pairing: Pairing, held_on: dt.date, now: dt.datetime | None = None, **kw: Any) -> Any:
    data: dict[str, Any] = {"held_on": held_on, "kind": "volunteer", "content": "志愿服务进社区",
                            "participants": 12, "residents_reached": 40}
    data.update(kw)
    return actions.do_log_activity(user, pairing, data, now=now or aware(held_on))


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
