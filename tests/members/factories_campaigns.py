"""Duty campaigns for tests, made through the real actions (``actions_campaigns``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tests.factories import Tree, make_person, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.members import actions_campaigns as actions
from zongheng.members.choices import CampaignState
from zongheng.members.models import Campaign, Shift


@dataclass
class World:
    tree: Tree
    cadre: Any  # secretary of communities[0]
    street: Any  # secretary of streets[0] (above communities[0] and [1])
    other_cadre: Any  # secretary of communities[2] (another street)
    grid_leader: Any  # grid leader in communities[0]: member.view, no member.change
    members: list[Any] = field(default_factory=list)  # party members of communities[0]'s grids, with accounts
    outsider: Any = None  # a party member of communities[2]
    resident: Any = None  # an account of a person who is not a party member


def member_user(org: Any, **kw: Any) -> Any:
    return make_user(make_person(org, **kw))


def make_world(tree: Tree, members: int = 4) -> World:
    w = World(tree, user_with_post(tree.communities[0], Role.SECRETARY),
              user_with_post(tree.streets[0], Role.SECRETARY), user_with_post(tree.communities[2], Role.SECRETARY),
              user_with_post(tree.grids[0], Role.GRID_LEADER))
    w.members = [member_user(tree.grids[i % 2]) for i in range(members)]
    w.outsider = member_user(tree.grids[4])
    w.resident = member_user(tree.grids[0], is_party_member=False, member_type="")
    return w


def make_campaign(user: Any, org: Any, *, title: str = "2018年防汛值守", starts_on: dt.date | None = None,
                  days: int = 3, state: str = CampaignState.OPEN, segments: int = 2,
                  slots: str = "08:00-20:00\n20:00-08:00", capacity: int = 2, kind: str = "flood") -> Campaign:
    """A campaign of ``org`` with ``segments`` numbered posts and ``slots`` each day, opened unless ``state``
    says otherwise. Starts tomorrow by default (its shifts lie ahead)."""
    starts_on = starts_on or timezone.localdate() + dt.timedelta(days=1)
    ends_on = starts_on + dt.timedelta(days=days - 1)
    c = actions.do_create_campaign(user, {"org": org, "kind": kind, "title": title, "starts_on": starts_on,
                                          "ends_on": ends_on})
    if segments:
        actions.do_generate(user, c, {"segment_mode": "numbered", "count": segments, "pattern": "第{n}岗",
                                      "shifts_from": starts_on, "shifts_to": ends_on, "slots": slots,
                                      "capacity": capacity})
    if state in (CampaignState.OPEN, CampaignState.CLOSED):
        c = actions.do_transition_campaign(user, c, CampaignState.OPEN)
    if state == CampaignState.CLOSED:
        c = actions.do_transition_campaign(user, c, CampaignState.CLOSED)
    return c


def shifts_of(c: Campaign) -> list[Shift]:
    return list(Shift.objects.filter(campaign=c).select_related("segment").order_by("starts_at", "segment__order"))


def at(shift: Shift, minutes: int = 0) -> dt.datetime:
    """A moment ``minutes`` after the shift starts."""
    return shift.starts_at + dt.timedelta(minutes=minutes)
