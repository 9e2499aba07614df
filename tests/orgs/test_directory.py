"""挂牌亮相: a resident, without logging in, finds their grid's party organisation,
grid leader and central households, with masked phone numbers only."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_person, make_post, valid_id_number
from zongheng.core.masking import mask_phone
from zongheng.core.permissions import Role
from zongheng.orgs.models import LinkedHousehold, Org

pytestmark = pytest.mark.django_db


def page(client, org: Org):  # type: ignore[no-untyped-def]
    return client.get(reverse("orgs:directory_org", args=[org.pk]))


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def add_household(tree, grid: Org, name: str, linked: int) -> Org:  # type: ignore[no-untyped-def]
    parent = Org.objects.get(pk=grid.pk)  # fresh numchild after earlier additions
    household = Org.objects.add_child(parent, instance=Org(name=name, level=tree.levels["household"]))
    head = make_person(household)
    make_post(head, household, Role.HOUSEHOLD_HEAD)
    LinkedHousehold.objects.bulk_create(
        LinkedHousehold(central=household, address=f"{name}周边{i + 1}号") for i in range(linked)
    )
    return household


def test_an_anonymous_resident_can_open_the_directory_a_street_a_community_and_a_grid(client, tree):
    response = client.get(reverse("orgs:directory"))
    assert response.status_code == 200
    body = text(response)
    assert all(street.name in body for street in tree.streets)
    for org in (tree.streets[0], tree.communities[0], tree.grids[0]):
        assert page(client, org).status_code == 200


def test_a_street_lists_its_communities_and_a_community_lists_its_grids(client, tree):
    street, community = tree.streets[0], tree.communities[0]
    street_page = text(page(client, street))
    assert tree.communities[0].name in street_page and tree.communities[1].name in street_page
    assert tree.communities[2].name not in street_page  # another street's community
    community_page = text(page(client, community))
    assert tree.grids[0].name in community_page and tree.grids[1].name in community_page
    assert tree.grids[2].name not in community_page


def test_the_grid_page_shows_the_grid_leader_with_a_masked_phone_and_never_the_full_number_or_id(client, tree):
    grid = tree.grids[0]
    id_number = valid_id_number()
    leader = make_person(grid, name="王网格", phone="13912345678", id_number=id_number)
    make_post(leader, grid, Role.GRID_LEADER)

    body = text(page(client, grid))

    assert "王网格" in body
    assert mask_phone("13912345678") in body
    assert "13912345678" not in body
    assert id_number not in body and leader.id_masked not in body


def test_a_grid_without_a_secretary_shows_its_grid_leader_as_secretary(client, tree):
    grid = tree.grids[0]
    leader = make_person(grid, name="王网格")
    make_post(leader, grid, Role.GRID_LEADER)

    body = text(page(client, grid))

    assert body.count("王网格") == 2  # the 书记 row and the 网格长 row


def test_a_grid_with_a_secretary_shows_the_secretary_and_not_people_whose_post_ended(client, tree):
    grid = tree.grids[0]
    secretary = make_person(grid, name="李书记", phone="13700001111")
    make_post(secretary, grid, Role.SECRETARY)
    former = make_person(grid, name="赵前任")
    make_post(former, grid, Role.GRID_LEADER, starts_on=dt.date(2015, 1, 1), ends_on=dt.date(2017, 12, 31))
    plain_member = make_person(grid, name="钱党员")

    body = text(page(client, grid))

    assert "李书记" in body and mask_phone("13700001111") in body and "13700001111" not in body
    assert "赵前任" not in body
    assert plain_member.name not in body  # no member lists in public


def test_each_central_household_shows_its_head_masked_and_the_number_of_households_it_links(client, tree):
    grid = tree.grids[1]
    add_household(tree, grid, "张家中心户", linked=12)
    add_household(tree, grid, "刘家中心户", linked=3)
    head = make_person(tree.households[1], name="陈户主", phone="13655556666")
    make_post(head, tree.households[1], Role.HOUSEHOLD_HEAD)

    response = page(client, grid)
    body = text(response)

    assert "陈户主" in body and mask_phone("13655556666") in body and "13655556666" not in body
    shown = {h["name"]: h["linked"] for h in response.context["households"]}
    households = Org.objects.filter(path__startswith=grid.path, level__code="household")
    assert shown == {h.name: LinkedHousehold.objects.filter(central=h).count() for h in households}
    assert set(shown) == {"张家中心户", "刘家中心户", tree.households[1].name}


@pytest.mark.parametrize("which", ["community", "grid"])
def test_searching_by_community_or_grid_name_finds_it_with_its_path(client, tree, which):
    target = tree.communities[3] if which == "community" else tree.grids[5]
    response = client.get(reverse("orgs:directory"), {"q": target.name})
    assert response.status_code == 200
    body = text(response)
    assert reverse("orgs:directory_org", args=[target.pk]) in body
    street = next(s for s in tree.streets if target.path.startswith(s.path))
    assert street.name in body  # the path: street › community › grid


def test_search_results_come_fifty_to_a_page(client, tree):
    community = tree.communities[0]
    for i in range(51):
        Org.objects.add_child(Org.objects.get(pk=community.pk),
                              instance=Org(name=f"翻页{i + 1:02d}网格", level=tree.levels["grid"]))

    first = client.get(reverse("orgs:directory"), {"q": "翻页"})
    second = client.get(reverse("orgs:directory"), {"q": "翻页", "page": 2})

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 1
    assert "翻页51网格" in text(second) and "下一页" in text(first)


@pytest.mark.parametrize("q", ["x" * 5000, "%", "_", "'; DROP TABLE orgs_org; --", "<script>alert(1)</script>",
                               "社区\x00网格", "\u200b\t\n", "第1网格 街道1"])
def test_odd_search_text_never_breaks_the_page(client, tree, q):
    response = client.get(reverse("orgs:directory"), {"q": q})
    assert response.status_code == 200
    assert b"<script>alert" not in response.content


def test_a_search_for_a_percent_sign_finds_nothing_rather_than_everything(client, tree):
    response = client.get(reverse("orgs:directory"), {"q": "%"})
    assert response.context["page"].paginator.count == 0


def test_a_search_with_two_words_finds_names_containing_both(client, tree):
    response = client.get(reverse("orgs:directory"), {"q": "街道2 第1网格"})
    names = {row["org"].name for row in response.context["rows"]}
    assert names == {g.name for g in tree.grids if "街道2" in g.name and g.name.endswith("第1网格")}


def test_households_districts_temporary_and_functional_orgs_are_not_public(client, tree):
    community = tree.communities[0]
    temporary = Org.objects.add_child(community, instance=Org(
        name="防汛临时党支部", level=tree.levels["grid"], kind="temp_branch", purpose="flood",
        opened_on=dt.date(2018, 6, 1)))
    functional = Org.objects.add_child(Org.objects.get(pk=community.pk), instance=Org(
        name="广场舞党小组", level=tree.levels["grid"], kind="functional", bond="interest"))
    for org in (tree.households[0], tree.district, temporary, functional):
        assert page(client, org).status_code == 404
    assert client.get(reverse("orgs:directory_org", args=[999999])).status_code == 404
    assert "防汛临时党支部" not in text(page(client, Org.objects.get(pk=community.pk)))
    assert client.get(reverse("orgs:directory"), {"q": "防汛"}).context["page"].paginator.count == 0


def test_the_directory_is_read_only(client, tree):
    assert client.post(reverse("orgs:directory")).status_code == 405
    assert client.post(reverse("orgs:directory_org", args=[tree.grids[0].pk])).status_code == 405


def test_breadcrumbs_lead_back_to_the_district_and_the_street(client, tree):
    grid = tree.grids[0]
    body = text(page(client, grid))
    assert tree.district.name in body
    assert reverse("orgs:directory_org", args=[tree.streets[0].pk]) in body
    assert reverse("orgs:directory_org", args=[tree.communities[0].pk]) in body


def test_a_grid_page_runs_as_many_queries_for_ten_households_as_for_one(client, tree):
    small, large = tree.grids[0], tree.grids[1]
    for grid in (small, large):
        leader = make_person(grid)
        make_post(leader, grid, Role.GRID_LEADER)
        make_post(make_person(grid), grid, Role.SECRETARY)
    make_post(make_person(tree.households[0]), tree.households[0], Role.HOUSEHOLD_HEAD)
    for i in range(9):
        add_household(tree, large, f"第{i + 2}中心户", linked=i + 5)

    with CaptureQueriesContext(connection) as one:
        assert page(client, small).status_code == 200
    with CaptureQueriesContext(connection) as ten:
        response = page(client, large)
    assert len(response.context["households"]) == 10
    assert len(one.captured_queries) == len(ten.captured_queries)


def test_street_and_search_pages_run_a_constant_number_of_queries(client, tree):
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("orgs:directory_org", args=[tree.streets[0].pk]))
        client.get(reverse("orgs:directory"), {"q": "网格"})
    street = Org.objects.get(pk=tree.streets[0].pk)
    for i in range(5):
        community = Org.objects.add_child(street, instance=Org(name=f"新{i}社区", level=tree.levels["community"]))
        Org.objects.add_child(community, instance=Org(name=f"新{i}社区第1网格", level=tree.levels["grid"]))
        street = Org.objects.get(pk=street.pk)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("orgs:directory_org", args=[tree.streets[0].pk]))
        client.get(reverse("orgs:directory"), {"q": "网格"})
    assert len(before.captured_queries) == len(after.captured_queries)
