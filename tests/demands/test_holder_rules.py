"""Who may act on a demand, and who is credited (issue 13, item 5).

After escalation the holder is the upper organisation: only the holder (and those above it)
may act, so the grid leader can no longer accept an escalated demand — in the actions, on the
detail page and through the API. The resident's timeline names the organisation of the person
who acted: a community that whistles and answers a demand its grid holds is credited, not the grid.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from zongheng.core.errors import ActionError
from zongheng.demands import actions
from zongheng.demands.choices import Status
from zongheng.demands.models import Demand, DemandEvent
from zongheng.demands.views import allowed_actions


def refresh(d):
    return Demand.objects.get(pk=d.pk)


def test_after_escalation_the_grid_leader_can_no_longer_accept_or_answer(world):
    demand, _ = world.submit()
    actions.do_escalate(world.grid_leader, demand, reason="需要社区协调")
    demand = refresh(demand)
    assert demand.org == world.tree.communities[0] and demand.status == Status.ASSIGNED
    for act in (lambda: actions.do_accept(world.grid_leader, demand),
                lambda: actions.do_escalate(world.grid_leader, demand),
                lambda: actions.do_return(world.grid_leader, demand, "退回")):
        with pytest.raises(ActionError, match="当前承办组织"):
            act()
    assert refresh(demand).version == demand.version
    # The grid still sees it (it was raised there) but is offered no action on it.
    assert Demand.objects.restrict(world.grid_leader).filter(pk=demand.pk).exists()
    assert allowed_actions(world.grid_leader, refresh(demand)) == []
    # The holder (the community) and the street above it may act.
    assert "accept" in allowed_actions(world.street_secretary, refresh(demand))
    actions.do_accept(world.community_secretary, demand)
    assert refresh(demand).status == Status.ACCEPTED


def test_the_detail_page_and_the_api_refuse_the_grid_leader_after_escalation(client, world):
    demand, _ = world.submit()
    actions.do_escalate(world.grid_leader, demand, reason="需要社区协调")
    client.force_login(world.grid_leader)
    page = client.get(reverse("demands:detail", args=[demand.pk]))
    assert page.status_code == 200 and "接单</button>" not in page.content.decode()
    posted = client.post(reverse("demands:act", args=[demand.pk, "accept"]),
                         {"accept-version": refresh(demand).version})
    assert posted.status_code == 403
    api = client.post(f"/api/v1/demands/{demand.pk}/transitions", {"action": "accept"},
                      content_type="application/json")
    assert api.status_code == 403
    assert refresh(demand).status == Status.ASSIGNED


def test_a_demand_assigned_across_leaves_its_grid_out_of_the_handling(world):
    demand, _ = world.submit()
    actions.do_assign(world.community_secretary, demand, world.tree.grids[1])
    with pytest.raises(ActionError):
        actions.do_accept(world.grid_leader, demand)
    assert allowed_actions(world.grid_leader, refresh(demand)) == []


def test_the_community_that_whistles_and_answers_is_credited_not_the_grid(client, world):
    demand, code = world.submit()
    community, grid = world.tree.communities[0], world.tree.grids[0]
    actions.do_whistle(world.community_secretary, demand, [world.tree.grids[1]], note="联合处置")
    actions.do_accept(world.community_secretary, demand)
    actions.do_answer(world.community_secretary, demand, "社区已协调物业清理")
    events = {e.action: e for e in DemandEvent.objects.filter(demand=demand)}
    assert refresh(demand).org == grid  # the grid still holds it
    for action in ("whistle", "accept", "answer"):
        assert events[action].by_org == community, action
    assert events["assign"].by_org == grid  # the system's automatic assignment: the holder
    page = client.post(reverse("demands:track"), {"code": code}).content.decode()
    assert f"{community.name}召集相关单位共同办理" in page
    assert f"{community.name}接单" in page and f"{community.name}答复" in page
    actions.do_reopen(code, "还是没清理")  # back to the grid's queue: the status line names the holder again
    page = client.post(reverse("demands:track"), {"code": code}).content.decode()
    assert f"已交给{grid.name}，等待接单" in page
    assert f"{grid.name}接单" not in page and f"{grid.name}答复" not in page


def test_the_status_line_names_the_community_that_accepted_for_its_grid(client, world):
    demand, code = world.submit()
    actions.do_accept(world.community_secretary, demand)
    page = client.post(reverse("demands:track"), {"code": code}).content.decode()
    assert f"{world.tree.communities[0].name}已接单" in page and f"{world.tree.grids[0].name}已接单" not in page


def test_the_grid_leader_accepting_its_own_demand_is_credited_to_the_grid(client, world):
    demand, code = world.submit()
    actions.do_accept(world.grid_leader, demand)
    actions.do_escalate(world.street_secretary, demand, reason="需要社区协调")  # the street escalates the grid's
    events = {e.action: e for e in DemandEvent.objects.filter(demand=demand)}
    assert events["accept"].by_org == world.tree.grids[0]
    assert events["escalate"].by_org == world.tree.streets[0]  # who acted
    assert events["escalate"].org == world.tree.communities[0]  # where it went: the holder's parent
    page = client.post(reverse("demands:track"), {"code": code}).content.decode()
    assert f"{world.tree.grids[0].name}接单" in page and f"上报{world.tree.communities[0].name}协调办理" in page


def test_a_summoned_unit_reporting_is_credited_to_that_unit(world):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    demand, _ = world.submit()
    unit = world.tree.communities[2]
    summons = actions.do_whistle(world.street_secretary, demand, [unit])
    actions.do_report(user_with_post(unit, Role.SECRETARY, "unit2"), summons[0], "已到场")
    event = DemandEvent.objects.get(demand=demand, action="report")
    assert event.by_org == unit
    assert DemandEvent.objects.get(demand=demand, action="whistle").by_org == world.tree.streets[0]
