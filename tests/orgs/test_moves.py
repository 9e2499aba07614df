"""Moving a grid keeps every descendant path and every copied org_path consistent."""

import pytest

from tests.factories import make_person, refresh, user_with_post
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs.actions import do_move_org
from zongheng.orgs.models import Org, Person


def test_moving_a_grid_to_another_community_carries_its_household_and_members(tree):
    grid, target = tree.grids[0], tree.communities[1]
    household = tree.households[0]
    member = make_person(household)
    registered = make_person(tree.communities[3], registered_org=grid)
    cadre = user_with_post(tree.district, Role.ORG_DEPT)

    do_move_org(cadre, grid, target)

    grid, household, target = refresh(grid), refresh(household), refresh(target)
    assert grid.path.startswith(target.path) and grid.depth == target.depth + 1
    assert household.path.startswith(grid.path)
    assert Person.objects.get(pk=member.pk).org_path == household.path
    assert Person.objects.get(pk=registered.pk).registered_path == grid.path
    assert all(not problems for problems in Org.objects.find_problems())
    log = AuditLog.objects.get(action="org.move")
    assert log.after["parent"] == target.pk and log.before["parent"] == tree.communities[0].pk


def test_a_grid_cannot_move_under_its_own_household(tree):
    cadre = user_with_post(tree.district, Role.ORG_DEPT)
    with pytest.raises(ActionError):
        do_move_org(cadre, tree.grids[0], tree.households[0])
    assert refresh(tree.grids[0]).path == tree.grids[0].path


def test_a_street_secretary_cannot_move_a_grid_into_another_street(tree):
    secretary = user_with_post(tree.streets[0], Role.SECRETARY)
    with pytest.raises(ActionError, match="管辖范围"):
        do_move_org(secretary, tree.grids[0], tree.communities[2])
    assert not AuditLog.objects.filter(action="org.move").exists()


def test_moving_a_grid_carries_the_paths_every_module_copied_from_it(tree):
    """A demand in the grid, a meeting of the grid and a stationed unit sitting in it follow the grid: the
    new community's cadres see them and the old community's no longer do."""
    import datetime as dt

    from zongheng.cobuild.choices import UnitLevel, UnitType
    from zongheng.cobuild.models import Unit
    from zongheng.demands.actions import do_submit_demand
    from zongheng.demands.models import Category, Demand
    from zongheng.meetings.defaults import ensure_installed
    from zongheng.meetings.models import Meeting, MeetingType
    from zongheng.orgs.models import Level

    ensure_installed()  # the meeting types (a transactional test elsewhere may have flushed them)

    grid, source, target = tree.grids[0], tree.communities[0], tree.communities[1]
    demand, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                        "urgency": "normal", "description": "路灯不亮", "address": "幸福里",
                                        "grid": grid})
    meeting = Meeting.objects.create(type=MeetingType.objects.order_by("id").first(), org=grid, org_path=grid.path,
                                     period="2018-Q1", period_start=dt.date(2018, 1, 1),
                                     period_end=dt.date(2018, 4, 1), place="网格活动室",
                                     scheduled_at=dt.datetime(2018, 3, 1, 9, tzinfo=dt.UTC))
    node = Org.objects.add_child(grid, instance=Org(name="振发锻件公司", level=Level.objects.get(code="unit")))
    unit = Unit.objects.create(org=node, org_path=node.path, name="振发锻件公司", type=UnitType.PRIVATE_ENTERPRISE,
                               level=UnitLevel.LOCAL, place=grid)

    do_move_org(user_with_post(tree.district, Role.ORG_DEPT), grid, target)

    grid = refresh(grid)
    demand = Demand.objects.get(pk=demand.pk)
    assert demand.grid_path == grid.path and demand.org_path.startswith(grid.path)
    assert Meeting.objects.get(pk=meeting.pk).org_path == grid.path
    assert Unit.objects.get(pk=unit.pk).org_path == refresh(node).path
    target_cadre = user_with_post(refresh(target), Role.SECRETARY)
    source_cadre = user_with_post(refresh(source), Role.SECRETARY)
    assert Unit.objects.restrict(target_cadre).filter(pk=unit.pk).exists()
    assert not Unit.objects.restrict(source_cadre).filter(pk=unit.pk).exists()
    assert not Demand.objects.restrict(source_cadre).filter(pk=demand.pk).exists()
