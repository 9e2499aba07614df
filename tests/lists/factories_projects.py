"""A small world for the project list: a community's secretary (who claims and applies), the street's
secretary above it (who reviews), the district's organisation department (special projects, brands) and a
standing committee member of the district (who leads a special project)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.factories import Tree, make_person, make_post, user_with_post
from zongheng.core.permissions import Role
from zongheng.lists import actions_projects as actions
from zongheng.lists.choices import ProjectKind, ProjectMove
from zongheng.lists.models import Project

T0 = dt.datetime(2018, 3, 1, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai

# The path of moves from 已提交 to each state.
PATH = {
    "submitted": [],
    "reviewing": [ProjectMove.REVIEW],
    "approved": [ProjectMove.REVIEW, ProjectMove.APPROVE],
    "returned": [ProjectMove.REVIEW, ProjectMove.RETURN],
    "in_progress": [ProjectMove.REVIEW, ProjectMove.APPROVE, ProjectMove.START],
    "completed": [ProjectMove.REVIEW, ProjectMove.APPROVE, ProjectMove.START, ProjectMove.COMPLETE],
    "evaluated": [ProjectMove.REVIEW, ProjectMove.APPROVE, ProjectMove.START, ProjectMove.COMPLETE,
                  ProjectMove.EVALUATE],
}


@dataclass
class World:
    tree: Tree
    community: Any
    secretary: Any  # the community's secretary: list.report / list.review on the community
    street_secretary: Any  # the street above it: reviews the community's projects
    dept: Any  # 组织部 at the district: list.configure
    standing: Any  # a standing committee member of the district (a Person)
    other_secretary: Any  # a community in the other street


def make_world(tree: Tree) -> World:
    community = tree.communities[0]
    standing = make_person(tree.district, "常委甲")
    make_post(standing, tree.district, Role.COMMITTEE_MEMBER)
    return World(tree=tree, community=community,
                 secretary=user_with_post(community, Role.SECRETARY),
                 street_secretary=user_with_post(tree.streets[0], Role.SECRETARY),
                 dept=user_with_post(tree.district, Role.ORG_DEPT), standing=standing,
                 other_secretary=user_with_post(tree.communities[2], Role.SECRETARY))


def create(user: Any, org: Any, *, kind: str = ProjectKind.APPLIED, title: str = "楼宇党建示范点",
           now: dt.datetime = T0, **data: Any) -> Project:
    return actions.do_create_project(user, {"kind": kind, "org": org, "title": title,
                                            "summary": "在商务楼宇建立党群服务站", "budget": "12.5", "year": 2018,
                                            **data}, now=now)


def reviewer_for(w: World, move: str) -> Any:
    from zongheng.lists.choices import REVIEW_MOVES

    return w.street_secretary if move in REVIEW_MOVES else w.secretary


def advance(w: World, project: Project, state: str, *, now: dt.datetime = T0) -> Project:
    """Move a community project along the table to ``state`` (each move by who may make it)."""
    for move in PATH[state]:
        note = "材料不全" if move == ProjectMove.RETURN else ("成效明显" if move == ProjectMove.EVALUATE else "")
        project = actions.do_move(reviewer_for(w, move), project, move, note, now=now)
    return project
