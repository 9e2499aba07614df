"""Dispatch pickers at district scale (issue 13, item 10).

The bulk-assign and whistle targets are no longer dropdowns of every organisation: the page
carries a search box, and an htmx endpoint returns the matching targets (sensible ones first,
each with its path so that same-named temporary groups can be told apart). The submitted value
still goes through ``demands/resolve.py``; the queue page's query count does not grow with the
number of organisations.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zongheng.demands import actions
from zongheng.demands.models import Demand, Summons
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org


def temp_groups(parent: Org, n: int, name: str = "临时党小组") -> list[Org]:
    return [Org.objects.add_child(parent, instance=Org(name=name, level=parent.level, kind=OrgKind.TEMP_GROUP,
                                                       purpose="project", opened_on=dt.date(2018, 1, 1)))
            for _ in range(n)]


def pick(client, url, **params):
    response = client.get(url, params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response


def offered(response) -> list[int]:
    return [int(v) for v in re.findall(r'<input type="(?:radio|checkbox)" name="[^"]+" value="(\d+)"',
                                       response.content.decode())]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_page_lists_no_organisations_and_its_queries_do_not_grow_with_them(client, world):
    world.submit()
    client.force_login(world.street_secretary)
    url = reverse("demands:queue")
    before = _queries(client, url)
    groups = temp_groups(world.tree.communities[0], 25, "防汛临时党小组")
    assert _queries(client, url) == before
    html = client.get(url).content.decode()
    assert "防汛临时党小组" not in html and "<select name=\"org\"" not in html
    assert f'hx-get="{reverse("demands:pick")}"' in html and 'type="search"' in html
    assert groups


def test_typing_filters_and_the_path_tells_same_names_apart(client, world):
    temp_groups(world.tree.communities[0], 1, "防汛临时党小组")
    temp_groups(world.tree.communities[1], 1, "防汛临时党小组")
    client.force_login(world.street_secretary)
    response = pick(client, reverse("demands:pick"), pick_q="防汛")
    html = response.content.decode()
    assert len(offered(response)) == 2
    assert world.tree.communities[0].name in html and world.tree.communities[1].name in html
    assert "临时党小组" in html  # the kind is shown
    assert offered(pick(client, reverse("demands:pick"), pick_q="没有这个单位")) == []


def test_the_demands_community_and_street_come_first_then_functional_units(client, world):
    demand, _ = world.submit()
    functional = Org.objects.add_child(world.tree.communities[1], instance=Org(
        name="驻区单位联合党支部", level=world.tree.levels["grid"], kind=OrgKind.FUNCTIONAL, bond="unit"))
    temp_groups(world.tree.communities[0], 3)
    client.force_login(world.street_secretary)
    for kind in ("assign", "whistle"):
        ids = offered(pick(client, reverse("demands:pick_for", args=[demand.pk, kind])))
        community, street = world.tree.communities[0].pk, world.tree.streets[0].pk
        assert ids[:2] == [community, street], kind
        assert ids[2] == functional.pk, kind


def test_the_page_shows_at_most_a_screenful_and_says_how_many_more(client, world):
    temp_groups(world.tree.communities[0], 30, "志愿服务临时党小组")
    client.force_login(world.street_secretary)
    response = pick(client, reverse("demands:pick"), pick_q="志愿")
    assert len(offered(response)) == 20 and "还有 10 个" in response.content.decode()


def test_ticked_targets_stay_ticked_when_the_search_changes(client, world):
    demand, _ = world.submit()
    unit = world.tree.communities[2]
    client.force_login(world.street_secretary)
    url = reverse("demands:pick_for", args=[demand.pk, "whistle"])
    response = pick(client, url, pick_q="网格", **{"whistle-orgs": [unit.pk]})
    html = response.content.decode()
    assert offered(response)[0] == unit.pk
    assert re.search(rf'value="{unit.pk}" checked', html)


def test_the_detail_page_carries_pickers_not_lists(client, world):
    demand, _ = world.submit()
    temp_groups(world.tree.communities[0], 5, "拆迁临时党小组")
    client.force_login(world.community_secretary)
    url = reverse("demands:detail", args=[demand.pk])
    for name in ("assign", "whistle"):  # each form as its card loads it, and the page with that form open
        for html in (client.get(url, {"form": name}, HTTP_HX_REQUEST="true").content.decode(),
                     client.get(url, {"form": name}).content.decode()):
            actions_part = html.split("办理记录")[0].split("<h2>办理</h2>")[-1]
            assert "拆迁临时党小组" not in html and "<select" not in actions_part
            assert reverse("demands:pick_for", args=[demand.pk, name]) in html


def test_what_the_picker_submits_still_goes_through_the_scoped_lookup(client, world):
    demand, _ = world.submit()
    client.force_login(world.community_secretary)
    outside = world.tree.grids[4]
    response = client.post(reverse("demands:act", args=[demand.pk, "assign"]),
                           {"assign-org": outside.pk, "assign-version": demand.version}, follow=True)
    assert "只能派给您管辖范围内的组织" in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).org == world.tree.grids[0]
    response = client.post(reverse("demands:bulk_assign"), {"ids": [demand.pk], "org": "abc"}, follow=True)
    assert "只能派给您管辖范围内的组织" in response.content.decode()
    response = client.post(reverse("demands:act", args=[demand.pk, "whistle"]),
                           {"whistle-orgs": [world.tree.households[0].pk], "whistle-version": demand.version},
                           follow=True)
    assert "所选单位不能吹哨报到" in response.content.decode() and not Summons.objects.exists()
    response = client.post(reverse("demands:act", args=[demand.pk, "assign"]),
                           {"assign-org": world.tree.grids[1].pk, "assign-version": demand.version})
    assert Demand.objects.get(pk=demand.pk).org == world.tree.grids[1]


def test_who_may_not_dispatch_gets_no_picker(client, world):
    demand, _ = world.submit()
    client.force_login(world.grid_leader)
    assert client.get(reverse("demands:pick")).status_code == 403
    assert client.get(reverse("demands:pick_for", args=[demand.pk, "assign"])).status_code == 403
    client.force_login(world.other_community_secretary)
    assert client.get(reverse("demands:pick_for", args=[demand.pk, "whistle"])).status_code == 404
    actions.do_escalate(world.community_secretary, demand)  # the community takes it over …
    actions.do_escalate(world.community_secretary, demand)  # … and sends it up: now held by the street
    client.force_login(world.community_secretary)
    assert client.get(reverse("demands:pick_for", args=[demand.pk, "assign"])).status_code == 403
