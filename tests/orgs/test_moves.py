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
