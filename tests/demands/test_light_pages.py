"""Light pages (issue 14, item 1): no page renders a list that grows with the tree or the data.

The queue's grid filter and bulk-assign target and a demand's dispatch and whistle targets are
pickers loaded on demand; a page carries only what is chosen now. Checked on the test tree and on
one ten times larger (ten times the grids, their households and temporary groups, and ten times the
demands): the page's size stays under a fixed bound, grows by less than a kilobyte, and runs the
same number of queries.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import user_with_post
from zongheng.core.permissions import Role
from zongheng.demands.models import Demand
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org

from .conftest import MONDAY

QUEUE_BOUND = 60_000  # bytes: a page of 50 rows, filters and pickers
DETAIL_BOUND = 40_000
GROWTH = 1_000  # what may differ between the two sizes: counts and ids, never a list


def grow_tree(world, factor: int = 10) -> list[Org]:
    """``factor`` times the test tree's grids (each with its household) and as many temporary groups."""
    tree = world.tree
    made = []
    for community in tree.communities:
        for g in range(2 * (factor - 1)):
            grid = Org.objects.add_child(community, instance=Org(
                name=f"{community.name}扩展第{g + 1}网格", level=tree.levels["grid"]))
            Org.objects.add_child(grid, instance=Org(name=f"{grid.name}中心户", level=tree.levels["household"]))
            made.append(grid)
        for t in range(factor):
            made.append(Org.objects.add_child(community, instance=Org(
                name=f"{community.name}防汛临时党小组{t + 1}", level=community.level, kind=OrgKind.TEMP_GROUP,
                purpose="project", opened_on=dt.date(2018, 1, 1))))
    return made


def more_demands(world, n: int) -> None:
    for i in range(n):
        world.submit(world.tree.grids[i % len(world.tree.grids)], now=MONDAY + dt.timedelta(minutes=i))


def measure(client, url: str) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return len(response.content), len(ctx.captured_queries), html


@pytest.fixture
def district_user(world):
    return user_with_post(world.tree.district, Role.ORG_DEPT, "orgdept")


def test_the_queue_stays_the_same_size_and_runs_the_same_queries_on_a_tree_ten_times_larger(
        client, world, district_user):
    more_demands(world, 6)
    client.force_login(district_user)
    url = reverse("demands:queue")
    _size, queries, _ = measure(client, url)
    grown = grow_tree(world)
    more_demands(world, 54)
    size10, queries10, html = measure(client, url)
    assert queries10 == queries
    assert size10 < QUEUE_BOUND  # more rows (6 → 50), the same filters and pickers
    assert not any(o.name in html for o in grown)
    assert "<select name=\"grid\"" not in html and 'name="grid" value="none"' in html


def test_the_queue_page_grows_only_with_its_own_fifty_rows(client, world, district_user):
    """With the same number of rows on both sizes, the queue's size differs by less than a kilobyte."""
    more_demands(world, 50)
    client.force_login(district_user)
    url = reverse("demands:queue")
    size, queries, _ = measure(client, url)
    grow_tree(world)
    more_demands(world, 50)
    size10, queries10, _ = measure(client, url)
    assert queries10 == queries and abs(size10 - size) < GROWTH and size10 < QUEUE_BOUND


def test_a_demands_page_stays_the_same_size_and_runs_the_same_queries_on_a_tree_ten_times_larger(
        client, world, district_user):
    demand, _ = world.submit()
    client.force_login(district_user)
    url = reverse("demands:detail", args=[demand.pk])
    size, queries, html = measure(client, url)
    assert 'data-action="whistle"' in html  # the district dispatches (its form loads when opened)
    grown = grow_tree(world)
    more_demands(world, 30)
    size10, queries10, html = measure(client, url)
    assert queries10 == queries and abs(size10 - size) < GROWTH and size10 < DETAIL_BOUND
    assert not any(o.name in html for o in grown)
    assert "<option" not in html


def test_a_demands_page_renders_only_the_forms_of_the_actions_the_viewer_can_take_now(client, world):
    demand, _ = world.submit()
    client.force_login(world.grid_leader)
    html = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    forms = set(re.findall(r'action="/demands/\d+/act/([a-z]+)/"', html))
    cards = set(re.findall(r'data-action="([a-z]+)"', html))
    assert forms == {"accept"}  # a form with nothing to fill in is its button; the others load when opened
    assert cards == {"return", "escalate"}
    assert reverse("demands:pick_for", args=[demand.pk, "assign"]) not in html  # no dispatch right, no picker
    assert "<textarea" not in html  # no form is rendered that the viewer has not opened
    client.force_login(world.other_community_secretary)  # outside the demand's scope: the page is not found
    assert client.get(reverse("demands:detail", args=[demand.pk])).status_code == 404


def offered(response) -> list[str]:
    return re.findall(r'<input type="radio" name="grid" value="([^"]*)"', response.content.decode())


def test_the_grid_picker_lists_only_the_grids_in_scope(client, world):
    grow_tree(world, 2)
    client.force_login(world.community_secretary)
    url = reverse("demands:pick")
    response = client.get(url, {"kind": "grid", "pick_q": "网格"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    values = offered(response)
    assert values[:2] == ["", "none"]  # 全部网格, 未定网格
    mine = set(Org.objects.filter(path__startswith=world.tree.communities[0].path, level__code="grid")
               .values_list("pk", flat=True))
    listed = {int(v) for v in values[2:]}
    assert listed and listed <= mine
    # Another community's grid, typed by name, is not listed.
    foreign = world.tree.grids[4]
    assert str(foreign.pk) not in offered(client.get(url, {"kind": "grid", "pick_q": foreign.name}))


def test_the_grid_picker_keeps_the_chosen_grid_on_top(client, world):
    client.force_login(world.community_secretary)
    chosen = world.tree.grids[1]
    response = client.get(reverse("demands:pick"), {"kind": "grid", "pick_q": "没有这个", "grid": chosen.pk})
    html = response.content.decode()
    assert offered(response)[2] == str(chosen.pk) and re.search(rf'value="{chosen.pk}" checked', html)


def test_the_queue_shows_the_chosen_grid_and_a_forged_grid_filters_nothing(client, world):
    demand, _ = world.submit(world.tree.grids[1])
    world.submit(world.tree.grids[0])
    client.force_login(world.community_secretary)
    url = reverse("demands:queue")
    html = client.get(url, {"grid": world.tree.grids[1].pk}).content.decode()
    assert re.search(rf'name="grid" value="{world.tree.grids[1].pk}" checked', html)
    assert world.tree.grids[1].name in html and demand.ref in html
    response = client.get(url, {"grid": world.tree.grids[4].pk})  # another community's grid
    html = response.content.decode()
    assert world.tree.grids[4].name not in html
    assert re.search(r'name="grid" value="" checked', html)  # shown as "全部网格" ...
    assert "没有符合条件的诉求" in html  # ... and it matches nothing


def test_the_grid_picker_needs_the_right_to_see_demands_and_the_bulk_picker_the_right_to_dispatch(client, world):
    client.force_login(world.grid_leader)  # sees demands, does not dispatch
    url = reverse("demands:pick")
    assert client.get(url, {"kind": "grid"}).status_code == 200
    assert client.get(url).status_code == 403


def test_a_forged_bulk_assign_target_is_refused_in_chinese(client, world):
    demand, _ = world.submit()
    client.force_login(world.community_secretary)
    outside = world.tree.communities[2]
    response = client.post(reverse("demands:bulk_assign"), {"ids": [demand.pk], "org": outside.pk}, follow=True)
    assert "只能派给您管辖范围内的组织" in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).org_id != outside.pk


def test_the_figures_page_carries_the_org_shown_now_not_the_scopes_organisations(client, world, district_user):
    client.force_login(district_user)
    url = reverse("demands:figures") + "?period=2018"
    size, queries, _ = measure(client, url)
    grown = grow_tree(world)
    size10, queries10, html = measure(client, url)
    assert queries10 == queries and abs(size10 - size) < GROWTH
    assert not any(o.name in html for o in grown) and "<select" not in html
    assert re.search(rf'name="org" value="{world.tree.district.pk}" checked', html)


def test_the_figures_org_picker_lists_only_standing_organisations_of_the_scope(client, world):
    grow_tree(world, 2)
    client.force_login(world.community_secretary)
    response = client.get(reverse("demands:pick"), {"kind": "figures", "pick_q": "社区"}, HTTP_HX_REQUEST="true")
    listed = {int(v) for v in re.findall(r'name="org" value="(\d+)"', response.content.decode())}
    mine = set(Org.objects.filter(path__startswith=world.tree.communities[0].path, kind=OrgKind.REGULAR)
               .exclude(level__code="household").values_list("pk", flat=True))
    assert listed and listed <= mine
    # Another community, opened with a forged id, is not found.
    forged = client.get(reverse("demands:figures"), {"org": world.tree.communities[2].pk})
    assert forged.status_code == 404


def test_the_queue_counts_exactly_below_the_cap(client, world, district_user):
    more_demands(world, 3)
    client.force_login(district_user)
    html = client.get(reverse("demands:queue")).content.decode()
    assert f"共 {Demand.objects.count()} 件" in html and "超过" not in html


def test_a_very_large_scope_counts_up_to_the_cap_and_says_so(client, world, district_user, monkeypatch):
    """Above the cap the queue does not count every row: it says "超过 N 件" and its pager "N+ 页", in the same
    number of queries as an exact count."""
    from zongheng.demands import selectors

    more_demands(world, 3)
    client.force_login(district_user)
    with CaptureQueriesContext(connection) as exact:
        client.get(reverse("demands:queue"))
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    with CaptureQueriesContext(connection) as capped:
        html = client.get(reverse("demands:queue")).content.decode()
    assert "超过 2 件" in html and "第 1 / 1+ 页" in html
    assert len(capped) == len(exact)


def test_the_staff_entry_form_picks_its_grid_on_demand_and_lists_only_recent_sessions(client, world):
    """登记诉求 never renders the scope's grids nor every past 每月一听 session; the picker offers the grids
    the user may enter demands for, and an old session named by its page (?session=) is still offered."""
    import datetime as dt

    from django.utils import timezone

    from zongheng.demands.models import ListeningSession

    secretary = world.community_secretary
    community = world.tree.communities[0]
    old = ListeningSession.objects.create(org=community, held_on=dt.date(2018, 3, 5), place="社区活动室",
                                          created_by=secretary)
    older = ListeningSession.objects.create(org=community, held_on=dt.date(2018, 2, 5), place="社区活动室",
                                            created_by=secretary)
    recent = ListeningSession.objects.create(org=community, held_on=timezone.localdate(), place="社区活动室",
                                             created_by=secretary)
    client.force_login(secretary)
    html = client.get(reverse("demands:staff_create")).content.decode()
    grids = [g for g in world.tree.grids if g.path.startswith(community.path)]
    assert not any(g.name in html for g in grids)
    sessions = html[html.index('name="listening_session"'):]
    sessions = sessions[:sessions.index("</select>")]
    assert f'value="{recent.pk}"' in sessions and f'value="{old.pk}"' not in sessions
    html = client.get(reverse("demands:staff_create"), {"session": old.pk}).content.decode()
    sessions = html[html.index('name="listening_session"'):]
    sessions = sessions[:sessions.index("</select>")]
    assert f'value="{old.pk}"' in sessions and f'value="{older.pk}"' not in sessions
    picked = client.get(reverse("demands:pick"), {"kind": "entry", "pick_q": grids[0].name}).content.decode()
    assert f'value="{grids[0].pk}"' in picked
    outside = next(g for g in world.tree.grids if not g.path.startswith(community.path))
    picked = client.get(reverse("demands:pick"), {"kind": "entry", "pick_q": outside.name}).content.decode()
    assert f'value="{outside.pk}"' not in picked


@pytest.mark.parametrize("page,kind", [("demands:stations", "station"), ("demands:listening", "session")])
def test_the_station_and_listening_forms_pick_their_organisation_on_demand(client, world, page, kind):
    secretary = world.community_secretary
    community = world.tree.communities[0]
    client.force_login(secretary)
    html = client.get(reverse(page)).content.decode()
    grids = [g for g in world.tree.grids if g.path.startswith(community.path)]
    assert f"kind={kind}" in html and not any(g.name in html for g in grids)
    picked = client.get(reverse("demands:pick"), {"kind": kind, "pick_q": grids[0].name}).content.decode()
    assert f'value="{grids[0].pk}"' in picked
    outside = next(g for g in world.tree.grids if not g.path.startswith(community.path))
    picked = client.get(reverse("demands:pick"), {"kind": kind, "pick_q": outside.name}).content.decode()
    assert f'value="{outside.pk}"' not in picked


def test_an_action_card_loads_its_form_and_a_stale_or_foreign_one_loads_a_notice_never_the_form(client, world):
    demand, _ = world.submit()
    client.force_login(world.grid_leader)
    url = reverse("demands:detail", args=[demand.pk])
    partial = client.get(url, {"form": "return"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    assert 'name="return-reason"' in partial.content.decode()
    assert 'action="' + reverse("demands:act", args=[demand.pk, "return"]) + '"' in partial.content.decode()
    # Without script the card's link shows the whole page with that form open.
    page = client.get(url, {"form": "return"}).content.decode()
    assert "<html" in page and 'name="return-reason"' in page and 'name="escalate-reason"' not in page
    # An action the grid leader may not take (dispatch), or one the demand has moved past: a notice, no form.
    for name in ("assign", "answer", "nonsense"):
        html = client.get(url, {"form": name}, HTTP_HX_REQUEST="true").content.decode()
        assert "此项办理现在不可用" in html and "<form" not in html
    client.force_login(world.other_community_secretary)  # outside the demand's scope: not found, as the page
    assert client.get(url, {"form": "return"}, HTTP_HX_REQUEST="true").status_code == 404
