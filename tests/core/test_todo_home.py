"""我的待办 for every role: 200 in Chinese with their items, 下级预警 counted per child organisation,
a constant number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.factories import make_person, make_user, user_with_post
from zongheng.core import warnings
from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Perm, Role
from zongheng.core.todo import figures_for
from zongheng.demands import actions
from zongheng.demands.models import Category, Demand
from zongheng.demands.todo import RULE


def submit(grid, *, days_ago: float = 3) -> Demand:
    demand, _ = actions.do_submit_demand(None, {
        "channel": "web", "category": Category.objects.get(code="sanitation"), "urgency": "normal",
        "description": "楼道垃圾堆积，无人清理", "address": "测试路 1 号", "grid": grid},
        now=timezone.now() - dt.timedelta(days=days_ago))
    return demand


def personal_warning(person_id: int, org, title: str) -> EarlyWarning:
    now = timezone.now()
    return EarlyWarning.objects.create(rule="test.personal", key=f"p{person_id}:{title}", perm=Perm.MEETING_VIEW,
                                       org_path=org.path, org_name=org.name, person_id=person_id, title=title,
                                       url="/accounts/me/", due_at=now - dt.timedelta(days=2), opened_at=now)


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("core:todo"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="zh-CN"' in body and "<h1>我的待办</h1>" in body
    return body


def test_a_grid_leader_sees_the_demands_waiting_in_their_grid_and_their_grids_warnings_marked_late(client, tree):
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    demand = submit(tree.grids[0])
    other = submit(tree.grids[2])
    warnings.sweep(timezone.now(), codes=[RULE])
    body = page(client, leader)
    assert demand.ref in body and other.ref not in body
    assert "待接单诉求" in body  # the action; its 诉求超时 warning is that same item, late: listed once
    assert EarlyWarning.objects.open().filter(rule=RULE, key__startswith=f"{demand.pk}:").exists()
    demand.refresh_from_db()
    due = timezone.localtime(demand.response_due_at).strftime("%Y-%m-%d %H:%M")
    assert f"期限 {due}，已逾期 " in body  # how late, from the demand's own deadline
    assert body.count(f'href="{reverse("demands:detail", args=[demand.pk])}"') == 1


def test_a_community_secretary_sees_the_warnings_below_counted_per_grid(client, tree):
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    for grid, n in ((tree.grids[0], 2), (tree.grids[1], 1), (tree.grids[2], 4)):
        for _ in range(n):
            submit(grid)
    warnings.sweep(timezone.now(), codes=[RULE])
    body = page(client, secretary)
    assert "下级预警（共 3 条未解除）" in body
    for grid in tree.grids[:2]:
        count = EarlyWarning.objects.open().filter(org_path__startswith=grid.path).count()
        link = reverse("core:warnings") + f"?org={grid.path}"
        assert f'<a href="{link}">{grid.name}</a></td><td class="num"><a href="{link}">{count}</a>' in body
    assert tree.grids[2].name not in body  # a sibling community's grid


@pytest.mark.parametrize("level", ["street", "district"])
def test_the_levels_above_see_the_same_warnings_counted_per_child(client, tree, level):
    org, child = {"street": (tree.streets[0], tree.communities[0]), "district": (tree.district, tree.streets[0])}[level]
    user = user_with_post(org, Role.SECRETARY if level == "street" else Role.ORG_DEPT)
    submit(tree.grids[0])
    submit(tree.grids[1])
    warnings.sweep(timezone.now(), codes=[RULE])
    body = page(client, user)
    expected = EarlyWarning.objects.open().filter(org_path__startswith=child.path).count()
    assert expected == 2 and f"{child.name}</a></td><td class=\"num\"><a " in body
    assert f">{expected}</a>" in body


def test_a_household_head_and_a_member_without_a_post_see_what_is_addressed_to_them(client, tree):
    head = user_with_post(tree.households[0], Role.HOUSEHOLD_HEAD)
    member_person = make_person(tree.communities[0])
    member = make_user(member_person)
    personal_warning(head.person_id, tree.households[0], "中心户通知未回执")
    personal_warning(member_person.pk, tree.communities[0], "党员通知未回执")
    body = page(client, head)
    assert "中心户通知未回执" in body and "党员通知未回执" not in body and "已逾期 2 天" in body
    body = page(client, member)
    assert "党员通知未回执" in body and "中心户通知未回执" not in body
    assert reverse("members:me") in body  # their workbench: their own page (我是党员)


def test_the_auditor_and_an_account_without_a_person_get_an_empty_list_not_an_error(client, tree):
    submit(tree.grids[0])
    warnings.sweep(timezone.now(), codes=[RULE])
    auditor = user_with_post(tree.district, Role.AUDITOR)
    body = page(client, auditor)
    assert "目前没有需要您办理的事项" in body and reverse("core:audit") in body
    body = page(client, make_user(None))
    assert "目前没有需要您办理的事项" in body and "下级预警" not in body


def test_a_warning_on_the_users_own_organisation_is_theirs_only_with_its_rules_permission(client, tree):
    """An auditor posted at a grid holds no demand rights there: the grid's 诉求超时 warning is not on their
    list (nor in the badge), while the grid leader of the same grid has it."""
    demand = submit(tree.grids[0])
    warnings.sweep(timezone.now(), codes=[RULE])
    assert EarlyWarning.objects.open().filter(rule=RULE, org_path=tree.grids[0].path).exists()
    auditor = user_with_post(tree.grids[0], Role.AUDITOR)
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    body = page(client, auditor)
    assert demand.ref not in body and "目前没有需要您办理的事项" in body
    assert f'href="{reverse("core:todo")}">逾期 <span class="badge">' not in body
    assert demand.ref in page(client, leader)


def test_the_badge_counts_the_late_items_on_the_user_and_only_what_they_can_open(client, tree):
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    submit(tree.grids[0])
    submit(tree.grids[2])  # another community's: neither on their list nor counted
    warnings.sweep(timezone.now(), codes=[RULE])
    client.force_login(leader)
    body = client.get(reverse("accounts:profile")).content.decode()
    assert '逾期 <span class="badge">1</span>' in body  # the warning on their grid, not the other community's


def test_the_badge_on_my_todo_itself_counts_the_same_late_items(client, tree):
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    submit(tree.grids[0])
    submit(tree.grids[2])
    personal_warning(leader.person_id, tree.grids[0], "网格通知未回执")
    warnings.sweep(timezone.now(), codes=[RULE])
    body = page(client, leader)  # the list read the warnings: the badge reuses them, and says the same
    assert '逾期 <span class="badge">2</span>' in body


def test_todays_figures_load_on_their_own_request_and_show_what_the_modules_count(client, tree):
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    submit(tree.grids[0])
    body = page(client, secretary)
    figures_url = reverse("core:todo_figures")
    # The home carries a placeholder htmx fills when it scrolls into view, with a plain link (no script).
    assert f'hx-get="{figures_url}" hx-trigger="intersect once"' in body and f'<a href="{figures_url}">' in body
    assert "<script>" not in body and "onclick" not in body
    expected = figures_for(secretary, timezone.now())
    assert any(f.label == "办理中的诉求" for f in expected)
    fragment = client.get(figures_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'id="todo-figures"' in fragment
    for figure in expected:
        assert figure.label in fragment
        if figure.url:
            assert f'<a href="{escape(figure.url)}">{figure.value}</a>' in fragment
    whole = client.get(figures_url)  # without htmx: a page of its own, with the same figures
    assert whole.status_code == 200 and "<h1>今日数据</h1>" in whole.content.decode()
    assert [f.label for f in whole.context["figures"]] == [f.label for f in expected]


def test_todays_figures_answer_nothing_to_an_account_with_none_and_ask_anonymous_to_log_in(client, tree):
    client.force_login(make_user(None))
    assert client.get(reverse("core:todo_figures"), headers={"HX-Request": "true"}).content.decode().strip() == ""
    client.logout()
    assert client.get(reverse("core:todo_figures")).status_code == 302


def _queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("core:todo")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.GRID_LEADER, Role.AUDITOR])
def test_the_home_runs_a_constant_number_of_queries_whatever_the_data_size(client, tree, role,
                                                                          django_assert_max_num_queries):
    org = {Role.GRID_LEADER: tree.grids[0], Role.SECRETARY: tree.communities[0]}.get(role, tree.district)
    user = user_with_post(org, role)
    submit(tree.grids[0])
    warnings.sweep(timezone.now(), codes=[RULE])
    small = _queries(client, user)
    for i in range(12):
        submit(tree.grids[i % 2])
        personal_warning(user.person_id, org, f"事项{i}")
    warnings.sweep(timezone.now(), codes=[RULE])
    user.refresh_from_db()
    assert _queries(client, user) == small
    with django_assert_max_num_queries(40):  # the ground's ~10; the rest are the modules' sources (one or two each)
        client.get(reverse("core:todo"))


def test_an_item_s_words_are_escaped_on_the_list(client, tree):
    leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    personal_warning(leader.person_id, tree.grids[0], '<b onclick="x()">网格通知</b>未回执')
    warnings.sweep(timezone.now(), codes=[RULE])
    body = page(client, leader)
    assert "&lt;b onclick=&quot;x()&quot;&gt;网格通知&lt;/b&gt;未回执" in body
    assert '<b onclick="x()">' not in body


def test_the_organisations_of_a_cadres_posts_are_read_with_the_posts_not_again_on_the_home(client, tree):
    """The workbench link, the meeting and the points to-dos ask what the organisation of a post is (its id, name,
    level, kind): it comes with the posts (``access.post_org``), so the home does not read it once per source."""
    from zongheng.core.access import post_org, post_paths
    from zongheng.core.landing import workbench_url
    from zongheng.meetings.rules import _own_orgs

    community = tree.communities[0]
    user = user_with_post(community, Role.SECRETARY)
    assert post_paths(user) == (community.path,)  # the posts' one query
    with CaptureQueriesContext(connection) as ctx:
        org = post_org(user, community.path)
        url = workbench_url(user)
        own = _own_orgs(user)
    assert org is not None and (org.pk, org.name, org.level) == (community.pk, community.name, "community")
    assert post_org(user, tree.district.path) is None  # no post there
    assert url == reverse("orgs:org", args=[community.pk])  # the post's organisation, as before
    assert [(o.pk, o.name, o.level_id) for o in own] == [(community.pk, community.name, community.level_id)]
    assert ctx.captured_queries == []
    body = page(client, user)
    assert f'href="{url}"' in body
