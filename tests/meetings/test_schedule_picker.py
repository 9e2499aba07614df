"""安排会议 picks its 召开组织 with the shared searchable picker: the page carries no list of
organisations (it stays the same size whatever the tree), the endpoint offers only the organisations
where the user holds meeting.change, and what is submitted still goes through ``resolve_meeting_org``."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import user_with_post
from tests.meetings.conftest import staff
from zongheng.core.permissions import Role
from zongheng.meetings.models import Meeting
from zongheng.orgs.models import Org


def offered(response) -> list[int]:
    return [int(v) for v in re.findall(r'<input type="radio" name="org" value="(\d+)"', response.content.decode())]


def _page(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("meetings:new"))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_the_schedule_page_carries_a_picker_not_a_list_and_does_not_grow_with_the_tree(client, tree, mtypes):
    users = staff(tree)
    client.force_login(users[tree.district.pk])
    html, queries = _page(client)
    assert f'hx-get="{reverse("meetings:pick")}"' in html and 'type="search"' in html
    assert '<select name="org"' not in html and tree.communities[3].name not in html
    for i in range(40):
        Org.objects.add_child(tree.communities[1], instance=Org(name=f"新建社区{i}", level=tree.levels["community"]))
    html2, queries2 = _page(client)
    assert queries2 == queries and "新建社区" not in html2
    assert abs(len(html2) - len(html)) < 200


def test_the_picker_offers_only_organisations_in_the_meeting_scope(client, tree, mtypes):
    users = staff(tree)
    community = tree.communities[0]
    client.force_login(users[community.pk])
    response = client.get(reverse("meetings:pick"), {"pick_q": "社区"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert offered(response) == [community.pk]
    response = client.get(reverse("meetings:pick"), {"pick_q": tree.communities[2].name})
    assert offered(response) == [] and "没有名称包含" in response.content.decode()
    client.force_login(users[tree.streets[1].pk])
    ids = offered(client.get(reverse("meetings:pick"), {"pick_q": "社区"}))
    assert set(ids) == {tree.communities[2].pk, tree.communities[3].pk}
    assert not set(ids) & {o.pk for o in tree.households}


def test_the_picker_needs_the_right_to_schedule(client, tree, mtypes):
    grid_leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    client.force_login(grid_leader)
    assert client.get(reverse("meetings:pick")).status_code == 403


def test_a_chosen_organisation_is_shown_ticked_and_scheduling_through_the_picker_works(client, tree, mtypes):
    users = staff(tree)
    street = tree.streets[0]
    client.force_login(users[street.pk])
    community = tree.communities[1]
    html = client.get(reverse("meetings:new"), {"org": community.pk}).content.decode()
    assert f'type="radio" name="org" value="{community.pk}" checked' in html
    foreign = tree.communities[2]  # outside the street: not shown even when named in the address
    html = client.get(reverse("meetings:new"), {"org": foreign.pk}).content.decode()
    assert foreign.name not in html
    response = client.post(reverse("meetings:new"), {
        "type": "community_joint", "org": community.pk, "period": "2026-Q4",
        "scheduled_at": "2026-12-02T09:00", "place": "会议室"})
    assert response.status_code == 302
    assert Meeting.objects.get().org == community


def test_a_forged_or_foreign_organisation_is_refused_in_chinese_and_nothing_is_created(client, tree, mtypes):
    users = staff(tree)
    client.force_login(users[tree.streets[0].pk])
    for value in (tree.communities[2].pk, "abc", tree.households[0].pk):
        response = client.post(reverse("meetings:new"), {
            "type": "community_joint", "org": value, "period": "2026-Q4",
            "scheduled_at": "2026-12-02T09:00", "place": "会议室"})
        assert response.status_code == 200
        assert "召开组织不存在或不在您的管辖范围内" in response.content.decode()
    response = client.post(reverse("meetings:new"), {
        "type": "community_joint", "period": "2026-Q4", "scheduled_at": "2026-12-02T09:00", "place": "会议室"})
    assert "请选择召开组织" in response.content.decode()
    assert not Meeting.objects.exists()
