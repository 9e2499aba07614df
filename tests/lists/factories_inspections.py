"""A small world for the inspections (巡查): the district's 组织部 organises a round; a team (a leader and a member,
people of the district) inspects two communities of the first street (its secretary sees them from above) and a
community of the other street; each community has its secretary (who reports) and a committee member (a lower
role: list.view only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.factories import Tree, make_person, make_post, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.lists import actions_inspections as actions
from zongheng.lists.models_inspections import InspectionRound, InspectionTarget, Rectification

T0 = dt.datetime(2018, 4, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai


@dataclass
class World:
    tree: Tree
    dept: Any  # 组织部 at the district: inspection.run — the organiser
    street: Any  # the first street's secretary: list.view above the targets, inspection.run on the street
    sec: list[Any]  # the secretaries of the three target communities (list.report)
    member: Any  # a committee member of the first community (list.view, nothing else)
    leader: Any  # the team leader (a person of the district without a post: by assignment only)
    rnd: InspectionRound
    targets: list[InspectionTarget]


def make_world(tree: Tree, *, now: dt.datetime = T0) -> World:
    dept = user_with_post(tree.district, Role.ORG_DEPT)
    leader_person = make_person(tree.district, "巡查组长")
    leader = make_user(leader_person)
    member_person = make_person(tree.district, "巡查组员")
    communities = [tree.communities[0], tree.communities[1], tree.communities[2]]
    sec = [user_with_post(c, Role.SECRETARY) for c in communities]
    committee = make_person(communities[0])
    make_post(committee, communities[0], Role.COMMITTEE_MEMBER)
    rnd = actions.do_create_round(dept, {
        "org": tree.district, "year": 2018, "period": "上半年", "title": "2018年上半年党建巡查",
        "focus": "书记落实全面从严治党主体责任", "starts_on": dt.date(2018, 4, 2), "ends_on": dt.date(2018, 5, 31)},
        now=now)
    team = actions.do_add_team(dept, rnd, {"name": "第一巡查组", "leader": leader_person.pk,
                                           "members": [member_person.pk]})
    targets = [actions.do_add_target(dept, team, {"org": c}, today=now.date()) for c in communities]
    rnd = actions.do_move_round(dept, rnd, "start", now=now)
    return World(tree=tree, dept=dept, street=user_with_post(tree.streets[0], Role.SECRETARY), sec=sec,
                 member=make_user(committee), leader=leader, rnd=rnd, targets=targets)


def record(w: World, i: int, *, due: dt.date = dt.date(2018, 6, 30), by: Any = None, items: int = 1,
           now: dt.datetime = T0) -> list[Rectification]:
    """A finding at target ``i`` with ``items`` rectification items owned by the target, its secretary
    responsible."""
    target = w.targets[i]
    person = w.sec[i].person
    finding = actions.do_record_finding(by or w.dept, target, {
        "text": "“三会一课”记录不全", "items": [
            {"title": f"补齐台账{n}", "org": target.org, "responsible": person.pk, "due_on": due}
            for n in range(items)]}, now=now)
    return list(finding.rectifications.order_by("id"))
