"""Factories of 双联双管报到 tests: members with accounts, community cadres, registrations through the real
actions (never rows written by hand)."""

from __future__ import annotations

from typing import Any

from tests.factories import make_person, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.members import actions_registration as actions
from zongheng.members.models import Registration
from zongheng.orgs.models import Org


def member_user(org: Org, username: str | None = None, **kw: Any) -> Any:
    """A party member managed in ``org`` who holds no post, with an account."""
    return make_user(make_person(org, **kw), username)


def cadre(org: Org, role: str = Role.SECRETARY, username: str | None = None) -> Any:
    return user_with_post(org, role, username)


def community_of(org: Org) -> Org:
    return Org.objects.select_related("level").get(pk=org.pk)


def apply(user: Any, community: Org, **data: Any) -> Registration:
    return actions.do_apply(user, user.person, community_of(community), data)


def registered(member: Any, community: Org, by: Any = None) -> Registration:
    """A member's confirmed registration (applied by them, confirmed by the community — or the system)."""
    reg = apply(member, community)
    return actions.do_transition(by, reg, "confirm")
