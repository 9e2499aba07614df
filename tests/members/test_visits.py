"""民情日记: who may record a visit to which household (one rule for the form, the picker, the API and the action),
recording on the form, the concern turned into a demand in the same step (with the link back from the demand's
page), raising it later (once), correcting a visit, and the points its visitor earns (once)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.members.factories_visits import add_households, make_world, record
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.demands.choices import Channel
from zongheng.demands.models import Category, Demand
from zongheng.demands.suggest import suggest_category
from zongheng.members import actions_visits as actions
from zongheng.members import points
from zongheng.members import selectors_visits as selectors
from zongheng.members.choices import Deed
from zongheng.members.deeds import confirmed_deeds
from zongheng.members.models import PointEntry, Visit


@pytest.fixture
def w(tree):
    return make_world(tree)


def _post(client, user, data):
    client.force_login(user)
    return client.post(reverse("members:visit_new"), data)


def _form(household, **kw):
    data = {"household": household.pk, "visited_on": timezone.localdate().isoformat(), "raised": "", "follow_up": ""}
    data.update(kw)
    return data


# ---------------------------------------------------------------- who may record


def test_the_household_head_is_offered_their_own_households_in_a_plain_select(client, w):
    client.force_login(w.head)
    response = client.get(reverse("members:visit_new"))
    assert response.status_code == 200
    html = response.content.decode()
    for h in w.households:
        assert f'<option value="{h.pk}">{h.address}（{h.contact_name}）</option>' in html
    for h in w.households2 + w.far_households:
        assert h.address not in html
    assert 'name="pick_q"' not in html  # a few households: no search picker
    assert f'value="{timezone.localdate().isoformat()}"' in html  # the date defaults to today


def test_the_one_rule_says_who_may_visit_which_household(w):
    own, neighbour, far = w.households[0], w.households2[0], w.far_households[0]
    allowed = {
        "head": (w.head, {own}),
        "grid leader": (w.grid_leader, {own}),  # grids[0] holds only central
        "secretary": (w.secretary, {own, neighbour}),
        "registered with the community": (w.registered, {own, neighbour}),
        "registered elsewhere": (w.registered_elsewhere, {far}),
        "plain member": (w.plain, set()),
        "head of the other central household": (w.head2, {neighbour}),
    }
    for name, (user, expected) in allowed.items():
        got = set(selectors.visit_households(user)) & {own, neighbour, far}
        assert got == expected, name
        for h in (own, neighbour, far):
            if h in expected:
                assert selectors.resolve_household(user, h.pk) == h
            else:
                with pytest.raises(ActionError, match="联系户不存在，或您不能为该户记民情日记"):
                    selectors.resolve_household(user, h.pk)


def test_a_registered_member_of_the_community_records_a_visit_on_the_form(client, w):
    h = w.households2[1]
    response = _post(client, w.registered, _form(h, raised="", follow_up="身体健康"))
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("members:visit", args=[visit.pk])
    assert (visit.household, visit.central, visit.org_path) == (h, w.central2, w.central2.path)
    assert visit.visitor_id == w.registered.person_id and visit.created_by == w.registered
    assert visit.follow_up == "身体健康" and visit.demand is None


def test_those_who_may_not_record_are_refused_and_nothing_is_written(client, w):
    # No right and no registration: the form is refused outright.
    client.force_login(w.plain)
    assert client.get(reverse("members:visit_new")).status_code == 403
    assert client.post(reverse("members:visit_new"), _form(w.households[0])).status_code == 403
    # The head of another central household, a member registered with another community, forged ids.
    cases = [(w.head2, w.households[0].pk), (w.registered_elsewhere, w.households[0].pk),
             (w.head, w.far_households[0].pk), (w.head, 99_999_999), (w.head, "abc"), (w.head, "-1")]
    for user, household in cases:
        response = _post(client, user, {**_form(w.households[0]), "household": household})
        assert response.status_code == 200
        assert "联系户不存在，或您不能为该户记民情日记" in response.content.decode() or \
            "请选择" in response.content.decode(), (user.username, household)
    assert Visit.objects.count() == 0
    with pytest.raises(ActionError):
        record(w.head2, w.households[0])
    assert Visit.objects.count() == 0


def test_a_visit_of_another_central_household_answers_404_to_its_neighbours_head(client, w):
    visit, _ = record(w.head, w.households[0], raised="下水道堵了")
    client.force_login(w.head2)
    for name in ("members:visit", "members:visit_edit"):
        assert client.get(reverse(name, args=[visit.pk])).status_code == 404
    assert client.post(reverse("members:visit_raise", args=[visit.pk])).status_code == 404
    client.force_login(w.head)
    assert client.get(reverse("members:visit", args=[visit.pk])).status_code == 200
    assert Demand.objects.count() == 0


def test_dates_in_the_future_or_more_than_a_year_ago_are_refused(client, w):
    today = timezone.localdate()
    for day, message in ((today + dt.timedelta(days=1), "走访日期不能晚于今天"),
                         (today - dt.timedelta(days=400), "只能补记一年以内的走访")):
        response = _post(client, w.head, _form(w.households[0], visited_on=day.isoformat()))
        assert message in response.content.decode()
    assert Visit.objects.count() == 0


# ---------------------------------------------------------------- the concern becomes a demand


def test_ticking_the_box_turns_the_concern_into_a_demand_in_the_same_step(client, w):
    h = w.households[1]
    text = "小区路灯坏了，晚上出行不便"
    response = _post(client, w.head, _form(h, raised=text, raise_demand="on"))
    assert response.status_code == 200  # the tracking code is shown once, on this page
    visit = Visit.objects.get()
    demand = visit.demand
    assert demand is not None and Demand.objects.count() == 1
    expected_category = suggest_category(text) or Category.objects.get(code="other")
    assert (demand.channel, demand.grid_id, demand.address, demand.description, demand.category) == (
        Channel.VISIT, w.grid.pk, h.address, text, expected_category)
    assert demand.contact_name == h.contact_name and demand.created_by == w.head
    html = response.content.decode()
    assert demand.ref in html and "查询码只显示这一次" in html
    # The grid leader (who may see demands and the visit) finds the visit linked on the demand's page.
    client.force_login(w.grid_leader)
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert f"来自民情日记：{visit.visited_on:%Y-%m-%d} 走访 {h.address}" in page
    assert reverse("members:visit", args=[visit.pk]) in page
    # The head (no demand.view) sees its number and state on the visit, not a link to a page they cannot open.
    client.force_login(w.head)
    detail = client.get(reverse("members:visit", args=[visit.pk])).content.decode()
    assert demand.ref in detail and reverse("demands:detail", args=[demand.pk]) not in detail
    assert "转为居民诉求</button>" not in detail  # once


def test_the_link_back_is_shown_only_to_who_may_see_the_visit(w):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role
    from zongheng.demands.related import demand_links
    from zongheng.members.hooks_visits import demand_visit_link

    visit, _ = record(w.head, w.households[0], raised="楼道杂物堆积", raise_demand=True)
    stranger = user_with_post(w.tree.communities[1], Role.SECRETARY)
    assert demand_visit_link(stranger, visit.demand) is None
    assert any("来自民情日记" in label for label, _ in demand_links(w.secretary, visit.demand))


def test_a_demand_needs_a_concern_and_a_refused_demand_writes_no_visit(client, w):
    response = _post(client, w.head, _form(w.households[0], raise_demand="on"))
    assert "转为居民诉求时，请填写群众反映的情况" in response.content.decode()
    with pytest.raises(ActionError, match="请填写群众反映的情况"):
        record(w.head, w.households[0], raise_demand=True)
    assert (Visit.objects.count(), Demand.objects.count(), PointEntry.objects.count()) == (0, 0, 0)


def test_a_concern_can_be_turned_into_a_demand_later_once(client, w):
    visit, code = record(w.head, w.households[0], raised="邻居家漏水到楼下")
    assert code == "" and visit.demand is None
    # The grid leader (who may record visits to the household) raises it from the visit's page.
    client.force_login(w.grid_leader)
    page = client.get(reverse("members:visit", args=[visit.pk])).content.decode()
    assert "转为居民诉求</button>" in page
    response = client.post(reverse("members:visit_raise", args=[visit.pk]))
    assert response.status_code == 200 and "查询码只显示这一次" in response.content.decode()
    visit.refresh_from_db()
    assert visit.demand is not None and visit.demand.channel == Channel.VISIT
    # A second time is refused, through the page and the action alike.
    response = client.post(reverse("members:visit_raise", args=[visit.pk]), follow=True)
    assert "已转为居民诉求" in response.content.decode()
    with pytest.raises(ActionError, match="不能重复转"):
        actions.do_raise_demand(w.head, visit)
    assert Demand.objects.count() == 1
    # A visit without a concern has nothing to raise.
    quiet, _ = record(w.head, w.households[1])
    with pytest.raises(ActionError, match="没有记录群众反映的情况"):
        actions.do_raise_demand(w.head, quiet)
    assert Demand.objects.count() == 1
    assert set(AuditLog.objects.filter(action__startswith="members.visit").values_list("action", flat=True)) == {
        "members.visit_create", "members.visit_demand"}


# ---------------------------------------------------------------- correcting


def test_the_recorder_adds_the_follow_up_and_nobody_else_may(client, w):
    visit, _ = record(w.head, w.households[0], raised="希望增设健身器材")
    client.force_login(w.grid_leader)  # may see it, did not record it
    assert client.get(reverse("members:visit_edit", args=[visit.pk])).status_code == 404
    client.force_login(w.head)
    response = client.post(reverse("members:visit_edit", args=[visit.pk]),
                           {"raised": "希望小区增设健身器材", "follow_up": "已向社区反映，列入明年计划"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.raised, visit.follow_up) == ("希望小区增设健身器材", "已向社区反映，列入明年计划")
    with pytest.raises(ActionError, match="只有记录人"):
        actions.do_update_visit(w.secretary, visit, {"follow_up": "改一改"})
    assert AuditLog.objects.filter(action="members.visit_update").count() == 1


def test_once_a_demand_the_concern_text_stays_but_the_follow_up_may_be_added(w):
    visit, _ = record(w.head, w.households[0], raised="电梯停运", raise_demand=True)
    with pytest.raises(ActionError, match="不能再修改"):
        actions.do_update_visit(w.head, visit, {"raised": "电梯常停运"})
    actions.do_update_visit(w.head, visit, {"raised": "电梯停运", "follow_up": "物业已维修"})
    visit.refresh_from_db()
    assert (visit.raised, visit.follow_up) == ("电梯停运", "物业已维修")


# ---------------------------------------------------------------- points


def test_a_recorded_visit_earns_its_visitor_points_once(w):
    visit, _ = record(w.head, w.households[0])
    source = f"visit:{visit.pk}"
    entries = PointEntry.objects.filter(person_id=w.head.person_id, source=source)
    rule = points.rule_for(w.head.person, Deed.VISIT)
    assert rule is not None and [(e.deed, e.points) for e in entries] == [(Deed.VISIT, rule.points)]
    assert points.award(w.head.person_id, Deed.VISIT, source, visit.visited_on) is None  # twice awards once
    actions.do_update_visit(w.head, visit, {"follow_up": "好"})
    assert PointEntry.objects.filter(person_id=w.head.person_id).count() == 1


def test_the_deed_source_yields_every_visit_of_the_range(w):
    today = timezone.localdate()
    visits = [record(w.head, w.households[0], visited_on=today - dt.timedelta(days=d))[0] for d in (0, 10, 40)]
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=1)
    found = {r.source: r for r in confirmed_deeds(start, end) if r.deed == Deed.VISIT}
    expected = {f"visit:{v.pk}" for v in visits if start <= v.visited_on < end}
    assert set(found) == expected and len(expected) == 2
    assert all(r.person_id == w.head.person_id for r in found.values())


def test_a_user_without_a_person_record_cannot_record(w):
    from tests.factories import make_user

    nobody = make_user(None)
    assert not selectors.may_record(nobody)
    with pytest.raises(ActionError, match="没有关联人员信息"):
        record(nobody, w.households[0])


def test_a_grid_leader_with_many_households_gets_the_search_picker(client, w):
    add_households(w.central, 40, "长街")
    client.force_login(w.grid_leader)
    html = client.get(reverse("members:visit_new")).content.decode()
    assert 'name="pick_q"' in html and "请选择联系户" not in html
    assert html.count("长街") == 0  # nothing listed until asked
    response = client.get(reverse("members:visit_pick"), {"pick_q": "长街"})
    body = response.content.decode()
    assert response.status_code == 200 and body.count('type="radio"') == selectors.PICK_LIMIT
    assert "还有 20 户" in body
    outside = client.get(reverse("members:visit_pick"), {"pick_q": "和平路"}).content.decode()
    assert 'type="radio"' not in outside and "没有地址、户主或中心户名称包含“和平路”的联系户" in outside
    # A household chosen before stays on top, ticked; a forged one shows nothing.
    chosen = w.households[0]
    ticked = client.get(reverse("members:visit_pick"), {"pick_q": "", "household": chosen.pk}).content.decode()
    assert f'value="{chosen.pk}" checked' in ticked
    forged = client.get(reverse("members:visit_pick"), {"household": w.far_households[0].pk}).content.decode()
    assert f'value="{w.far_households[0].pk}"' not in forged


def test_the_demos_one_statement_insert_writes_the_visits_the_model_reads(w):
    """The demo writes its history as plain rows (COPY on PostgreSQL, executemany elsewhere)."""
    import random

    from zongheng.members import demo_visits

    world = demo_visits._World(w.tree.district)
    rng = random.Random(5)
    day = dt.date(2018, 3, 9)
    rows = [demo_visits._row(world, rng, w.central.pk, h.pk, w.head.person_id, day, concern_one_in=1)
            for h in w.households]
    demo_visits._insert(rows)
    visits = list(Visit.objects.filter(central=w.central).order_by("household_id"))
    assert [(v.household_id, v.org_path, v.visitor_id, v.visited_on) for v in visits] == [
        (h.pk, w.central.path, w.head.person_id, day) for h in w.households]
    assert all(v.raised in demo_visits.CONCERNS and v.created_at.date() == day and v.demand is None for v in visits)
