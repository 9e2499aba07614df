"""Factories of the task list's tests (任务清单): a district's list with two top-level tasks, each led by a lead
cadre who holds no post; task 1 split to a street and on to a community, through the real actions; the users
around them (task force, street, community, another community, a grid leader, a stranger)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tests.factories import Tree, make_person, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.lists import actions_tasks as actions
from zongheng.lists.models import Task, TaskList
from zongheng.orgs.models import Org

DAY = dt.date(2026, 6, 15)
_seq = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_list(org: Org, year: int = 2026) -> TaskList:
    return TaskList.objects.create(org=org, org_path=org.path, year=year, title=f"{year}年城市基层党建工作重点任务清单")


def make_task(task_list: TaskList, org: Org, *, lead: Any = None, code: str | None = None, weight: int = 1,
              category: str = "组织体系", year: int = 2026) -> Task:
    task = Task.objects.create(task_list=task_list, org=org, org_path=org.path, lead=lead,
                               code=code or f"T{next(_seq)}", title=f"任务{next(_seq)}", category=category,
                               weight=weight, starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31))
    Task.objects.filter(pk=task.pk).update(root=task)
    task.refresh_from_db()
    return task


@dataclass
class World:
    tree: Tree
    task_list: TaskList
    task1: Task  # district, led by lead
    task2: Task  # district, led by lead2
    street_piece: Task  # task1 → streets[0]
    community_piece: Task  # street_piece → communities[0]
    force: Any  # district secretary (工作专班): list.review on the district
    street: Any  # streets[0] secretary
    community: Any  # communities[0] secretary
    other_community: Any  # communities[2] secretary
    lead: Any  # leads task1, no post
    lead2: Any  # leads task2, no post
    grid_leader: Any  # grids[0]: no list right
    stranger: Any  # no person, no post


def make_world(tree: Tree) -> World:
    tl = make_list(tree.district)
    lead_person = make_person(tree.district, name="领衔干部甲")
    lead2_person = make_person(tree.district, name="领衔干部乙")
    task1 = make_task(tl, tree.district, lead=lead_person, code="1", weight=2, category="组织体系")
    task2 = make_task(tl, tree.district, lead=lead2_person, code="2", weight=1, category="服务群众")
    force = user_with_post(tree.district, Role.SECRETARY)
    street = user_with_post(tree.streets[0], Role.SECRETARY)
    street_piece = actions.do_split_task(force, task1, {"org": tree.streets[0], "weight": 1})
    community_piece = actions.do_split_task(street, street_piece, {"org": tree.communities[0], "weight": 1})
    return World(
        tree=tree, task_list=tl, task1=task1, task2=task2, street_piece=street_piece,
        community_piece=community_piece, force=force, street=street,
        community=user_with_post(tree.communities[0], Role.SECRETARY),
        other_community=user_with_post(tree.communities[2], Role.SECRETARY),
        lead=make_user(lead_person), lead2=make_user(lead2_person),
        grid_leader=user_with_post(tree.grids[0], Role.GRID_LEADER), stranger=make_user(None))


def milestone(user: Any, task: Task, due: dt.date, title: str = "节点", weight: int = 1) -> Any:
    return actions.do_add_milestone(user, task, {"title": title, "due_on": due, "weight": weight})


def report(user: Any, task: Task, month: dt.date, *, now: dt.datetime | None = None, **kw: Any) -> Any:
    data = {"month": month, "done": "完成了本月工作", **kw}
    return actions.do_file_report(user, task, data, now=now or at(DAY))
