"""A small world for the cadre records: cadres with front-line work of every kind in two communities, the district's
organisation department (cadre.record everywhere), a street's organisation department (cadre.record on its street
only), community secretaries (list.view on their community) and a member without a post.

- ``a`` (community 0, with an account): secretary of community 0 (a 2018 task of the list carried there), secretary
  of a temporary branch opened 2018-03-01, acted on a demand in June 2018, served in a flood duty campaign in July;
- ``b`` (community 0): secretary of a temporary group opened 2018-05-01;
- ``c`` (community 2, the other street): secretary of a temporary branch opened 2018-04-01.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tests.factories import Tree, make_person, make_post, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.lists.models import Task, TaskList
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org

T0 = dt.datetime(2018, 12, 20, 2, 0, tzinfo=dt.UTC)


@dataclass
class World:
    tree: Tree
    dept: Any
    street_dept: Any  # 组织部 role on street 0 only
    viewer: Any  # community 0's secretary: list.view there
    other_viewer: Any  # community 2's secretary
    member: Any  # a member of community 0 without a post (a user)
    a: Any
    b: Any
    c: Any
    a_user: Any
    work: dict[str, Any] = field(default_factory=dict)


def _temp(parent: Org, name: str, kind: str, opened: dt.date) -> Org:
    return Org.objects.add_child(parent, instance=Org(name=name, level=parent.level, kind=kind, purpose="project",
                                                     opened_on=opened))


def make_world(tree: Tree) -> World:
    from zongheng.demands.actions import do_submit_demand
    from zongheng.demands.models import Category, DemandEvent
    from zongheng.members.models import Campaign, DutyClaim, Segment, Shift

    c0, c2 = tree.communities[0], tree.communities[2]
    a, b, c = make_person(c0, "甲干部"), make_person(c0, "乙干部"), make_person(c2, "丙干部")
    a_user = make_user(a, "cadre_a")
    make_post(a, c0, Role.SECRETARY, starts_on=dt.date(2017, 1, 1))
    t1 = _temp(c0, "滨江项目临时党支部", OrgKind.TEMP_BRANCH, dt.date(2018, 3, 1))
    t2 = _temp(c0, "征迁临时党小组", OrgKind.TEMP_GROUP, dt.date(2018, 5, 1))
    t3 = _temp(c2, "防汛临时党支部", OrgKind.TEMP_BRANCH, dt.date(2018, 4, 1))
    make_post(a, t1, Role.SECRETARY, starts_on=dt.date(2018, 3, 1))
    make_post(b, t2, Role.SECRETARY, starts_on=dt.date(2018, 5, 1))
    make_post(c, t3, Role.SECRETARY, starts_on=dt.date(2018, 4, 1))
    tl = TaskList.objects.create(org=tree.district, org_path=tree.district.path, year=2018, title="2018年任务清单")
    task = Task.objects.create(task_list=tl, code="1", title="建强社区党组织", category="组织建设", org=c0,
                               org_path=c0.path, starts_on=dt.date(2018, 1, 1), ends_on=dt.date(2018, 12, 31))
    demand, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                        "urgency": "normal", "description": "楼道灯不亮", "address": "幸福里",
                                        "grid": tree.grids[0]})
    DemandEvent.objects.create(demand=demand, seq=90, at=dt.datetime(2018, 6, 10, 2, 0, tzinfo=dt.UTC),
                               action="close", to_status="closed", actor=a_user, actor_label=a.name, org=c0)
    campaign = Campaign.objects.create(org=c0, org_path=c0.path, kind="flood", title="2018年防汛值守",
                                       starts_on=dt.date(2018, 7, 1), ends_on=dt.date(2018, 7, 14), state="closed")
    segment = Segment.objects.create(campaign=campaign, name="K1")
    start = dt.datetime(2018, 7, 2, 0, 0, tzinfo=dt.UTC)
    shift = Shift.objects.create(segment=segment, campaign=campaign, starts_at=start,
                                 ends_at=start + dt.timedelta(hours=12), capacity=3, claimed=1)
    DutyClaim.objects.create(shift=shift, campaign=campaign, person=a, starts_at=shift.starts_at,
                             ends_at=shift.ends_at)
    member = make_person(c0, "普通党员")
    world = World(tree=tree, dept=user_with_post(tree.district, Role.ORG_DEPT),
                  street_dept=user_with_post(tree.streets[0], Role.ORG_DEPT),
                  viewer=user_with_post(c0, Role.SECRETARY), other_viewer=user_with_post(c2, Role.SECRETARY),
                  member=make_user(member, "plain_member"), a=a, b=b, c=c, a_user=a_user)
    world.work = {"t1": t1, "t2": t2, "t3": t3, "task": task, "demand": demand, "campaign": campaign}
    return world


def key(obj: Any) -> str:
    from zongheng.lists.models import Task as TaskModel

    if isinstance(obj, Org):
        return f"temp_org:{obj.pk}"
    if isinstance(obj, TaskModel):
        return f"task:{obj.pk}"
    return f"{obj._meta.model_name}:{obj.pk}"


def star(user: Any, person: Any, month: str, works: list[Any], now: dt.datetime = T0) -> Any:
    from zongheng.lists import actions_cadres

    return actions_cadres.do_select_star(user, {"person": person.pk, "month": month, "deeds": "坚守一线",
                                                "work": [key(w) for w in works]}, now=now)


def now() -> dt.datetime:
    return timezone.now()
