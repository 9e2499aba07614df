"""Factories of the lists' tests: a stationed unit (its tree node and its row), a liaison, needs, resources
and services made through the real actions."""

from __future__ import annotations

import itertools
from typing import Any

from tests.factories import make_person, make_post, make_user
from zongheng.cobuild import actions_lists as actions
from zongheng.cobuild.choices import UnitLevel, UnitType
from zongheng.cobuild.models import UNIT_LEVEL, Need, Resource, Service, Unit
from zongheng.core.permissions import Role
from zongheng.orgs.models import Level, Org

_seq = itertools.count(1)


def unit_level() -> Level:
    level, _ = Level.objects.get_or_create(code=UNIT_LEVEL, defaults={"name": "驻区单位", "rank": 45})
    return level


def make_unit(place: Org, name: str | None = None, **kw: Any) -> Unit:
    """A stationed unit sitting in ``place`` (a street or community): its node (level unit) and its row."""
    name = name or f"{place.name}共建单位{next(_seq)}"
    node = Org.objects.add_child(Org.objects.get(pk=place.pk), instance=Org(name=name, level=unit_level()))
    data: dict[str, Any] = {"type": UnitType.STATE_ENTERPRISE, "level": UnitLevel.CITY}
    data.update(kw)
    return Unit.objects.create(org=node, org_path=node.path, name=name, place=place, **data)


def make_liaison(unit: Unit, username: str | None = None) -> Any:
    """A 驻区单位联络员: a post (role liaison) on the unit's node."""
    person = make_person(unit.org)
    make_post(person, unit.org, Role.LIAISON)
    return make_user(person, username)


def make_need(user: Any, community: Org, kind: str = "venue", quantity: int = 100, title: str | None = None,
              **kw: Any) -> Need:
    data = {"org": community, "kind": kind, "quantity": quantity, "title": title or f"需求{next(_seq)}"}
    data.update(kw)
    return actions.do_create_need(user, data)


def make_resource(user: Any, unit: Unit, kind: str = "venue", capacity: int = 100, title: str | None = None,
                  **kw: Any) -> Resource:
    data = {"unit": unit, "kind": kind, "capacity": capacity, "title": title or f"资源{next(_seq)}"}
    data.update(kw)
    return actions.do_create_resource(user, data)


def make_service(user: Any, community: Org, title: str | None = None, **kw: Any) -> Service:
    data = {"org": community, "kind": "other", "title": title or f"服务{next(_seq)}"}
    data.update(kw)
    return actions.do_create_service(user, data)
