"""Factories of the activities part's tests: a world of organisers (a community secretary, a functional
organisation's secretary and another community's), members (plain party members holding no post), a resident
with an account, and activities made through the real actions."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tests.factories import Tree, make_person, make_post, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.members import actions_activities as actions
from zongheng.members.defaults import ensure_installed
from zongheng.members.models import Activity
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, Org

_seq = itertools.count(1)


def soon(days: int = 3, hour: int = 9) -> dt.datetime:
    """A local time ``days`` from now at ``hour`` o'clock (in the future for any positive ``days``)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def make_functional(parent: Org, name: str | None = None, residents: int = 3) -> tuple[Org, ActivityTeam]:
    """A functional organisation below ``parent`` with one team of ``residents`` residents."""
    n = next(_seq)
    level_code = "grid" if parent.level.code in ("community", "village") else "community"
    from zongheng.orgs.models import Level

    org = Org.objects.add_child(Org.objects.get(pk=parent.pk), instance=Org(
        name=name or f"{parent.name}书画党支部{n}", level=Level.objects.get(code=level_code),
        kind=OrgKind.FUNCTIONAL, bond="interest"))
    team = ActivityTeam.objects.create(org=org, name=f"书画社{n}", activity="书画")
    for _ in range(residents):
        team.participants.add(make_person(parent, is_party_member=False, member_type=""))
    return org, team


def make_activity(user: Any, org: Org, *, publish: bool = True, starts_at: dt.datetime | None = None,
                  hours: int = 2, **kw: Any) -> Activity:
    starts = starts_at or soon()
    data: dict[str, Any] = {"org": org, "title": kw.pop("title", f"志愿服务{next(_seq)}"), "place": "社区活动室",
                            "starts_at": starts, "ends_at": starts + dt.timedelta(hours=hours),
                            "kind": "volunteer", "publish": publish}
    data.update(kw)
    return actions.do_create_activity(user, data)


def after(a: Activity, hours: int = 3) -> dt.datetime:
    """A moment after the activity started (for the attendance)."""
    return a.starts_at + dt.timedelta(hours=hours)


@dataclass
class World:
    tree: Tree
    community: Org
    other_community: Org
    secretary: Any  # community secretary of communities[0]: organises there
    other_secretary: Any  # of communities[2]
    functional: Org
    team: ActivityTeam
    functional_secretary: Any
    member: Any  # a plain member of communities[0] (grid), no post
    member2: Any
    outsider: Any  # a plain member of communities[2]
    resident: Any  # a resident (not a member) of communities[0], with an account


def plain_member(org: Org, username: str | None = None, **kw: Any) -> Any:
    return make_user(make_person(org, **kw), username)


def make_world(tree: Tree) -> World:
    ensure_installed()
    community, other = tree.communities[0], tree.communities[2]
    functional, team = make_functional(community)
    f_secretary = make_user(make_person(community))
    make_post(f_secretary.person, functional, Role.SECRETARY)
    return World(
        tree=tree, community=community, other_community=other,
        secretary=user_with_post(community, Role.SECRETARY), other_secretary=user_with_post(other, Role.SECRETARY),
        functional=functional, team=team, functional_secretary=f_secretary,
        member=plain_member(tree.grids[0]), member2=plain_member(tree.grids[1]), outsider=plain_member(tree.grids[4]),
        resident=plain_member(community, is_party_member=False, member_type=""))
