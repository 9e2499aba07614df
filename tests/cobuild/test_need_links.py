"""A demand's page and a 每月一听 session's page carry the one step into 需求清单, for who may list needs there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import user_with_post
from zongheng.cobuild.models import Need
from zongheng.core.permissions import Role
from zongheng.demands.actions import do_submit_demand
from zongheng.demands.models import Category, ListeningSession

pytestmark = pytest.mark.django_db


def _demand(tree):
    demand, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                        "urgency": "normal", "description": "老年人没有活动场地", "address": "幸福里",
                                        "grid": tree.grids[0]})
    return demand


def test_the_demand_page_offers_to_turn_it_into_a_need_then_links_the_need(client, tree):
    demand = _demand(tree)
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    client.force_login(secretary)
    new = f'{reverse("cobuild:need_new")}?demand={demand.pk}'

    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert f'href="{new}"' in page and "转为需求清单" in page
    client.post(reverse("cobuild:need_new"), {"org": tree.communities[0].pk, "kind": "venue", "title": "活动场地",
                                              "quantity": 50, "demand": demand.pk})
    need = Need.objects.get(demand=demand)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert f'href="{reverse("cobuild:need_detail", args=[need.pk])}"' in page and "转为需求清单" not in page


def test_who_may_not_list_needs_there_sees_no_link(client, tree):
    demand = _demand(tree)
    grid_leader = user_with_post(tree.grids[0], Role.GRID_LEADER)  # sees the demand, holds no cobuild.change
    client.force_login(grid_leader)
    page = client.get(reverse("demands:detail", args=[demand.pk]))
    assert page.status_code == 200 and "转为需求清单" not in page.content.decode()


def test_the_session_page_offers_its_needs_to_the_list(client, tree):
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    session = ListeningSession.objects.create(org=tree.communities[0], held_on="2018-03-05", place="社区活动室",
                                              summary="居民希望开设四点半课堂", created_by=secretary)
    client.force_login(secretary)
    page = client.get(reverse("demands:listening_detail", args=[session.pk])).content.decode()
    assert f'href="{reverse("cobuild:need_new")}?session={session.pk}"' in page
