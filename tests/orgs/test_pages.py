"""Pages of the organisation tree and posts: scope, rights, counts, forms, exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_person, make_post, refresh, user_with_post
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, LinkedHousehold, Org, Person, Post

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _org_urls(org: Org, post: Post) -> list[tuple[str, str]]:
    """(method, url) of every org/post page that takes an id."""
    return [
        ("get", reverse("orgs:org", args=[org.pk])),
        ("get", reverse("orgs:org_export", args=[org.pk])),
        ("get", reverse("orgs:org_create", args=[org.pk])),
        ("get", reverse("orgs:org_edit", args=[org.pk])),
        ("get", reverse("orgs:org_move", args=[org.pk])),
        ("get", reverse("orgs:post_create", args=[org.pk])),
        ("post", reverse("orgs:post_end", args=[post.pk])),
    ]


def _grid_with_post(tree, i=0):
    grid = tree.grids[i]
    leader = make_person(grid)
    return grid, make_post(leader, grid, Role.GRID_LEADER)


# ---------------------------------------------------------------- the permission matrix


def test_anonymous_visitors_are_sent_to_the_login_page(client, tree):
    grid, post = _grid_with_post(tree)
    for method, url in [("get", reverse("orgs:tree")), *_org_urls(grid, post)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url
    assert Post.objects.get(pk=post.pk).ends_on is None


def test_a_community_secretary_opens_every_page_of_a_grid_in_their_community(client, tree):
    grid, post = _grid_with_post(tree)
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    for method, url in [("get", reverse("orgs:tree")), *_org_urls(grid, post)]:
        response = getattr(client, method)(url)
        expected = 302 if method == "post" else 200  # ending a post redirects back to the org
        assert response.status_code == expected, url


def test_a_community_secretary_gets_404_for_a_grid_of_another_community(client, tree):
    grid, post = _grid_with_post(tree, i=2)  # grid of communities[1]
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    for method, url in _org_urls(grid, post):
        assert getattr(client, method)(url).status_code == 404, url
    assert Post.objects.get(pk=post.pk).ends_on is None


def test_a_user_without_the_right_gets_403(client, tree):
    grid, post = _grid_with_post(tree)
    _login(client, user_with_post(tree.households[0], Role.HOUSEHOLD_HEAD))
    for method, url in _org_urls(grid, post)[2:]:  # create, edit, move, posts: no right for a household head
        assert getattr(client, method)(url).status_code == 403, url
    auditor_client = client.__class__()
    _login(auditor_client, user_with_post(tree.district, Role.AUDITOR))
    assert auditor_client.get(reverse("orgs:tree")).status_code == 403
    assert auditor_client.get(reverse("orgs:org", args=[grid.pk])).status_code == 403


def test_a_deputy_secretary_may_edit_but_not_move(client, tree):
    _login(client, user_with_post(tree.communities[0], Role.DEPUTY_SECRETARY))
    assert client.get(reverse("orgs:org_edit", args=[tree.grids[0].pk])).status_code == 200
    assert client.get(reverse("orgs:org_move", args=[tree.grids[0].pk])).status_code == 403


# ---------------------------------------------------------------- tree and detail


def test_the_tree_page_shows_the_top_of_the_users_scope(client, tree):
    _login(client, user_with_post(tree.streets[1], Role.SECRETARY))
    body = client.get(reverse("orgs:tree")).content.decode()
    assert tree.streets[1].name in body
    assert tree.streets[0].name not in body


def test_every_count_in_the_children_table_equals_a_direct_count(client, tree):
    for i, household in enumerate(tree.households):
        for _ in range(i % 3 + 1):
            make_person(household)
    make_person(tree.communities[0], is_party_member=False, member_type="")
    Org.objects.add_child(tree.communities[0], instance=Org(
        name="防汛临时党支部", level=tree.levels["grid"], kind=OrgKind.TEMP_BRANCH, purpose="flood",
        opened_on=dt.date(2018, 6, 1)))
    _login(client, user_with_post(tree.district, Role.ORG_DEPT))

    response = client.get(reverse("orgs:org", args=[tree.district.pk]))

    table = response.context["table"]
    assert table.labels == ["社区", "网格", "党员中心户", "临时党组织", "功能型党组织", "党员数"]
    assert [child.pk for child, _ in table.rows] == [s.pk for s in tree.streets]
    for street, values in table.rows:
        below = Org.objects.filter(path__startswith=street.path).exclude(pk=street.pk)
        assert values == [
            below.filter(level__code="community", kind=OrgKind.REGULAR).count(),
            below.filter(level__code="grid", kind=OrgKind.REGULAR).count(),
            below.filter(level__code="household", kind=OrgKind.REGULAR).count(),
            below.filter(kind__in=[OrgKind.TEMP_BRANCH, OrgKind.TEMP_GROUP]).count(),
            below.filter(kind=OrgKind.FUNCTIONAL).count(),
            Person.objects.filter(org_path__startswith=street.path, is_party_member=True).count(),
        ]
    assert "防汛临时党支部" not in response.content.decode()  # a grandchild, not listed at district level


def test_the_detail_page_lists_temporary_and_functional_children_with_their_teams(client, tree):
    community = tree.communities[0]
    temp = Org.objects.add_child(community, instance=Org(
        name="征迁临时党支部", level=tree.levels["grid"], kind=OrgKind.TEMP_BRANCH, purpose="demolition",
        opened_on=dt.date(2018, 3, 1), closed_on=dt.date(2018, 12, 31)))
    functional = Org.objects.add_child(community, instance=Org(
        name="书画党支部", level=tree.levels["grid"], kind=OrgKind.FUNCTIONAL, bond="interest"))
    team = ActivityTeam.objects.create(org=functional, name="书画社", activity="书法")
    residents = [make_person(community, is_party_member=False, member_type="") for _ in range(3)]
    team.participants.set(residents)
    make_person(temp)
    _login(client, user_with_post(community, Role.SECRETARY))

    response = client.get(reverse("orgs:org", args=[community.pk]))

    body = response.content.decode()
    assert [c.pk for c, _ in response.context["table"].rows] == [g.pk for g in tree.grids[:2]]
    assert "征迁临时党支部" in body and "征迁一线" in body and "2018-12-31" in body
    assert "书画党支部" in body and "趣缘" in body
    assert f"书画社：参与居民 {team.participants.count()} 人" in body
    assert [n for _, n, _ in response.context["temporary"]] == [
        Person.objects.filter(org_path__startswith=temp.path, is_party_member=True).count()]


def test_the_detail_page_shows_posts_members_and_linked_households(client, tree):
    household = tree.households[0]
    head = make_person(household, name="户主甲")
    make_post(head, household, Role.HOUSEHOLD_HEAD, starts_on=dt.date(2018, 2, 1))
    ended = make_person(household, name="前任乙")
    make_post(ended, household, Role.HOUSEHOLD_HEAD, ends_on=dt.date(2018, 1, 31))
    for i in range(25):
        make_person(household, name=f"成员{i:02d}")
    for i in range(12):
        LinkedHousehold.objects.create(central=household, address=f"幸福里{i}号", contact_name=f"住户{i}")
    _login(client, user_with_post(tree.grids[0], Role.GRID_LEADER))

    response = client.get(reverse("orgs:org", args=[household.pk]))

    body = response.content.decode()
    assert [p.person.name for p in response.context["posts"]] == ["户主甲"]
    assert "2018-02-01" in body
    assert response.context["members_total"] == Person.objects.filter(org=household).count()
    assert len(response.context["members"]) == 20
    assert f"{reverse('orgs:people')}?org={household.pk}" in body
    assert f"联系户（{LinkedHousehold.objects.filter(central=household).count()} 户）" in body
    assert "幸福里11号" in body
    assert "结束任职" not in body  # a grid leader may not end posts


def test_breadcrumbs_stop_at_the_top_of_the_users_scope(client, tree):
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    response = client.get(reverse("orgs:org", args=[tree.households[0].pk]))
    assert [o.pk for o in response.context["crumbs"]] == [tree.communities[0].pk, tree.grids[0].pk]


def _detail_queries(client, org: Org) -> int:
    client.get(reverse("orgs:org", args=[org.pk]))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orgs:org", args=[org.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _community(tree, name: str, grids: int, people_per_grid: int) -> Org:
    community = Org.objects.add_child(refresh(tree.streets[0]), instance=Org(name=name, level=tree.levels["community"]))
    functional = Org.objects.add_child(community, instance=Org(
        name=f"{name}功能型党组织", level=tree.levels["grid"], kind=OrgKind.FUNCTIONAL, bond="geo"))
    ActivityTeam.objects.create(org=functional, name=f"{name}队伍")
    for g in range(grids):
        grid = Org.objects.add_child(community, instance=Org(name=f"{name}网格{g}", level=tree.levels["grid"]))
        household = Org.objects.add_child(grid, instance=Org(name=f"{name}中心户{g}", level=tree.levels["household"]))
        for _ in range(people_per_grid):
            make_person(household)
        make_person(community)
        make_post(make_person(grid), grid, Role.GRID_LEADER)
    make_post(make_person(community), community, Role.SECRETARY)
    make_post(make_person(community), community, Role.COMMITTEE_MEMBER)
    return refresh(community)


def test_the_detail_page_runs_the_same_number_of_queries_for_one_grid_and_for_many(client, tree):
    small = _community(tree, "小社区", grids=1, people_per_grid=1)
    large = _community(tree, "大社区", grids=12, people_per_grid=5)
    _login(client, user_with_post(tree.district, Role.ORG_DEPT))
    assert _detail_queries(client, small) == _detail_queries(client, large)


def test_the_children_table_exports_to_excel_with_the_same_counts(client, tree):
    for household in tree.households:
        make_person(household)
    _login(client, user_with_post(tree.streets[0], Role.SECRETARY))

    page = client.get(reverse("orgs:org", args=[tree.streets[0].pk]))
    response = client.get(reverse("orgs:org_export", args=[tree.streets[0].pk]))

    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0][3:]) == page.context["table"].labels
    regular_children = Org.objects.filter(
        path__startswith=tree.streets[0].path, depth=tree.streets[0].depth + 1, kind=OrgKind.REGULAR).count()
    assert len(rows) - 1 == regular_children
    assert [list(r[3:]) for r in rows[1:]] == [values for _, values in page.context["table"].rows]


# ---------------------------------------------------------------- create, edit, move


def test_a_secretary_creates_a_functional_org_under_their_community(client, tree):
    community = tree.communities[0]
    _login(client, user_with_post(community, Role.SECRETARY))
    response = client.post(reverse("orgs:org_create", args=[community.pk]), {
        "name": "老兵志愿党小组", "level": tree.levels["grid"].pk, "kind": OrgKind.FUNCTIONAL, "bond": "geo"})
    org = Org.objects.get(name="老兵志愿党小组")
    assert response.status_code == 302 and response.url == reverse("orgs:org", args=[org.pk])
    assert org.path.startswith(community.path) and org.depth == community.depth + 1
    assert org.bond == "geo"
    assert AuditLog.objects.filter(action="org.create", object_id=str(org.pk)).exists()


def test_a_temporary_branch_without_purpose_shows_a_chinese_error_and_writes_nothing(client, tree):
    community = tree.communities[0]
    _login(client, user_with_post(community, Role.SECRETARY))
    orgs_before, logs_before = Org.objects.count(), AuditLog.objects.count()
    response = client.post(reverse("orgs:org_create", args=[community.pk]), {
        "name": "项目临时党支部", "level": tree.levels["grid"].pk, "kind": OrgKind.TEMP_BRANCH,
        "opened_on": "2018-05-01"})
    assert response.status_code == 200
    assert "临时党组织须填写设立用途" in response.content.decode()
    assert (Org.objects.count(), AuditLog.objects.count()) == (orgs_before, logs_before)


def test_a_level_above_the_parent_cannot_be_chosen(client, tree):
    community = tree.communities[0]
    _login(client, user_with_post(community, Role.SECRETARY))
    before = Org.objects.count()
    response = client.post(reverse("orgs:org_create", args=[community.pk]), {
        "name": "假街道", "level": tree.levels["street"].pk, "kind": OrgKind.REGULAR})
    assert "请选择有效的层级" in response.content.decode()
    assert Org.objects.count() == before


def test_editing_an_org_saves_it_and_a_closing_date_before_opening_is_refused(client, tree):
    community = tree.communities[0]
    temp = Org.objects.add_child(community, instance=Org(
        name="防汛临时党小组", level=tree.levels["grid"], kind=OrgKind.TEMP_GROUP, purpose="flood",
        opened_on=dt.date(2018, 6, 1)))
    _login(client, user_with_post(community, Role.SECRETARY))
    url = reverse("orgs:org_edit", args=[temp.pk])

    logs_before = AuditLog.objects.count()
    bad = client.post(url, {"name": "防汛临时党小组", "purpose": "flood", "opened_on": "2018-06-01",
                            "closed_on": "2018-05-01"})
    assert "撤销日期不能早于成立日期" in bad.content.decode()
    assert refresh(temp).closed_on is None and AuditLog.objects.count() == logs_before

    good = client.post(url, {"name": "江堤防汛临时党小组", "purpose": "flood", "opened_on": "2018-06-01",
                             "closed_on": "2018-09-30", "address": "长江大堤"})
    assert good.status_code == 302
    temp = refresh(temp)
    assert (temp.name, temp.closed_on, temp.address) == ("江堤防汛临时党小组", dt.date(2018, 9, 30), "长江大堤")
    assert AuditLog.objects.filter(action="org.update", object_id=str(temp.pk)).count() == 1


def test_a_duplicate_code_is_refused_in_chinese(client, tree):
    Org.objects.filter(pk=tree.grids[1].pk).update(code="340802001")
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    response = client.post(reverse("orgs:org_edit", args=[tree.grids[0].pk]),
                           {"name": tree.grids[0].name, "code": "340802001"})
    assert "该代码已被其他组织使用" in response.content.decode()
    assert refresh(tree.grids[0]).code == tree.grids[0].code  # unchanged (every org has a code: issue 15)


def test_a_street_secretary_moves_a_grid_to_another_community_with_its_members(client, tree):
    grid, target = tree.grids[0], tree.communities[1]
    member = make_person(tree.households[0])
    _login(client, user_with_post(tree.streets[0], Role.SECRETARY))

    page = client.get(reverse("orgs:org_move", args=[grid.pk]))
    choices = list(page.context["form"].fields["new_parent"].queryset)
    assert target in choices and tree.communities[0] not in choices and tree.communities[2] not in choices

    response = client.post(reverse("orgs:org_move", args=[grid.pk]), {"new_parent": target.pk})
    assert response.status_code == 302
    grid = refresh(grid)
    assert grid.path.startswith(refresh(target).path)
    assert Person.objects.get(pk=member.pk).org_path.startswith(grid.path)
    assert AuditLog.objects.filter(action="org.move", object_id=str(grid.pk)).count() == 1


def test_moving_under_a_community_outside_the_move_scope_is_refused(client, tree):
    grid = tree.grids[0]
    _login(client, user_with_post(tree.streets[0], Role.SECRETARY))
    response = client.post(reverse("orgs:org_move", args=[grid.pk]), {"new_parent": tree.communities[2].pk})
    assert response.status_code == 200
    assert "所选组织不存在或不在您的管辖范围内" in response.content.decode()
    assert refresh(grid).path == grid.path
    assert not AuditLog.objects.filter(action="org.move").exists()


# ---------------------------------------------------------------- posts


def test_a_secretary_appoints_a_grid_leader(client, tree):
    grid = tree.grids[0]
    person = make_person(tree.households[0], name="王网格")
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))

    page = client.get(reverse("orgs:post_create", args=[grid.pk]))
    assert "王网格" in page.content.decode()
    response = client.post(reverse("orgs:post_create", args=[grid.pk]), {
        "person": person.pk, "role": Role.GRID_LEADER, "starts_on": "2018-03-01"})

    assert response.status_code == 302
    post = Post.objects.get(person=person, org=grid)
    assert (post.role, post.starts_on, post.ends_on) == (Role.GRID_LEADER, dt.date(2018, 3, 1), None)
    assert AuditLog.objects.filter(action="post.create", object_id=str(post.pk)).exists()
    assert "王网格" in client.get(reverse("orgs:org", args=[grid.pk])).content.decode()


def test_a_secretary_assistant_needs_the_street_that_sent_them(client, tree):
    community, street = tree.communities[0], tree.streets[0]
    assistant = make_person(street, name="李助理")
    _login(client, user_with_post(street, Role.SECRETARY))
    url = reverse("orgs:post_create", args=[community.pk]) + "?q=李助理"

    posts_before, logs_before = Post.objects.count(), AuditLog.objects.count()
    bad = client.post(url, {"person": assistant.pk, "role": Role.SECRETARY_ASSISTANT, "starts_on": "2018-03-01"})
    assert "书记助理须填写派出单位" in bad.content.decode()
    assert (Post.objects.count(), AuditLog.objects.count()) == (posts_before, logs_before)

    good = client.post(url, {"person": assistant.pk, "role": Role.SECRETARY_ASSISTANT, "starts_on": "2018-03-01",
                             "sent_from": street.pk})
    assert good.status_code == 302
    assert Post.objects.get(person=assistant, org=community).sent_from_id == street.pk


def test_a_person_out_of_scope_cannot_be_appointed(client, tree):
    outsider = make_person(tree.communities[2])
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    posts_before = Post.objects.count()
    response = client.post(reverse("orgs:post_create", args=[tree.grids[0].pk]), {
        "person": outsider.pk, "role": Role.GRID_LEADER, "starts_on": "2018-03-01"})
    assert "所选人员不存在或不在您的管辖范围内" in response.content.decode()
    assert Post.objects.count() == posts_before


def test_a_duplicate_open_post_shows_the_actions_chinese_error(client, tree):
    grid, post = _grid_with_post(tree)
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    posts_before = Post.objects.count()
    response = client.post(reverse("orgs:post_create", args=[grid.pk]), {
        "person": post.person_id, "role": Role.GRID_LEADER, "starts_on": "2018-05-01"})
    assert "此人已在该组织担任该职务" in response.content.decode()
    assert Post.objects.count() == posts_before


def test_ending_a_post_from_the_detail_page(client, tree):
    grid, post = _grid_with_post(tree)
    _login(client, user_with_post(tree.communities[0], Role.SECRETARY))
    assert "结束任职" in client.get(reverse("orgs:org", args=[grid.pk])).content.decode()

    response = client.post(reverse("orgs:post_end", args=[post.pk]), follow=True)

    assert Post.objects.get(pk=post.pk).ends_on is not None
    assert "职务已结束" in response.content.decode()
    assert AuditLog.objects.filter(action="post.end", object_id=str(post.pk)).count() == 1
    again = client.post(reverse("orgs:post_end", args=[post.pk]), follow=True)
    assert "该职务已经结束" in again.content.decode()
    assert AuditLog.objects.filter(action="post.end").count() == 1
    assert client.get(reverse("orgs:post_end", args=[post.pk])).status_code == 405
