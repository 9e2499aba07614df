"""Factories of the visits part's tests (民情日记): a small world of central households, their linked households
and the people who may (and may not) record visits to them; visits through the real action or in bulk."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tests.factories import Tree, make_person, make_post, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.members import actions_visits as actions
from zongheng.members.models import Visit
from zongheng.orgs.models import LinkedHousehold, Org, Person

_seq = itertools.count(1)


def add_households(central: Org, n: int, street: str = "幸福里") -> list[LinkedHousehold]:
    return [LinkedHousehold.objects.create(central=central, address=f"{street}{next(_seq)}号",
                                           contact_name=f"户主{next(_seq)}") for _ in range(n)]


def register(person: Person, community: Org) -> Person:
    """双联双管: the member confirmed as registered with ``community`` (what the registration part sets)."""
    Person.objects.filter(pk=person.pk).update(registered_org=community, registered_path=community.path)
    person.refresh_from_db()
    return person


@dataclass
class World:
    tree: Tree
    community: Org  # communities[0]
    grid: Org  # grids[0], in community
    central: Org  # the central household under grid
    central2: Org  # the central household under grids[1] (same community)
    far_central: Org  # a central household of communities[1]
    households: list[LinkedHousehold]  # of central
    households2: list[LinkedHousehold]  # of central2
    far_households: list[LinkedHousehold]  # of far_central
    head: Any  # 中心户户主 of central
    head2: Any  # 中心户户主 of central2
    grid_leader: Any  # 网格长 of grid
    secretary: Any  # 社区书记 of community
    registered: Any  # a member managed elsewhere, registered (双联双管) with community
    registered_elsewhere: Any  # a member registered with communities[1]
    plain: Any  # a party member with no post and no registration


def make_world(tree: Tree) -> World:
    from zongheng.members.defaults import ensure_installed

    ensure_installed()
    community, grid = tree.communities[0], tree.grids[0]
    central, central2, far_central = tree.households[0], tree.households[1], tree.households[2]
    head_person = make_person(central, name="中心户户主甲")
    make_post(head_person, central, Role.HOUSEHOLD_HEAD)
    head = make_user(head_person, f"head{next(_seq)}")
    registered_person = register(make_person(tree.communities[3], name="报到党员乙"), community)
    elsewhere_person = register(make_person(tree.communities[3], name="报到党员丙"), tree.communities[1])
    return World(
        tree=tree, community=community, grid=grid, central=central, central2=central2, far_central=far_central,
        households=add_households(central, 3), households2=add_households(central2, 2, "和平路"),
        far_households=add_households(far_central, 2, "远方街"),
        head=head, head2=user_with_post(central2, Role.HOUSEHOLD_HEAD),
        grid_leader=user_with_post(grid, Role.GRID_LEADER),
        secretary=user_with_post(community, Role.SECRETARY),
        registered=make_user(registered_person, f"reg{next(_seq)}"),
        registered_elsewhere=make_user(elsewhere_person, f"regx{next(_seq)}"),
        plain=make_user(make_person(community, name="普通党员丁"), f"plain{next(_seq)}"),
    )


def record(user: Any, household: LinkedHousehold, *, raised: str = "", follow_up: str = "",
           raise_demand: bool = False, visited_on: dt.date | None = None) -> tuple[Visit, str]:
    return actions.do_record_visit(user, {
        "household": household, "visited_on": visited_on or timezone.localdate(), "raised": raised,
        "follow_up": follow_up, "raise_demand": raise_demand})


def bulk_visits(households: list[LinkedHousehold], visitor: Person, days: list[dt.date], *, rng: Any,
                raised_share: float = 0.2) -> list[Visit]:
    """Visits in bulk (no points, no audit): for figures and query budgets."""
    paths = dict(Org.objects.filter(pk__in={h.central_id for h in households}).values_list("pk", "path"))
    rows = []
    for day in days:
        h = rng.choice(households)
        rows.append(Visit(household=h, central_id=h.central_id, org_path=paths[h.central_id], visitor=visitor,
                          visited_on=day, raised="楼道灯不亮" if rng.random() < raised_share else ""))
    return Visit.objects.bulk_create(rows)
