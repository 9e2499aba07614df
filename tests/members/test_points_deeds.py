"""Where points come from: the deed registry. A demand closed earns its handler — who answered it, not who
dispatched it; an approved claim earns its member. Every point in a ledger traces to a confirmed deed or an
approved claim; the periodic job awards what is missing, twice without a double; the hub, the member's own
page and the reviewers' to-do show what is there."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from tests.factories import user_with_post
from tests.members.factories_points import claim, install_source, make_world, member
from zongheng.core.permissions import Role
from zongheng.core.todo import todos_for
from zongheng.demands import actions as demand_actions
from zongheng.demands.models import Category
from zongheng.members import actions_points as actions
from zongheng.members import hub, points
from zongheng.members.choices import Deed
from zongheng.members.deeds import confirmed_deeds
from zongheng.members.hooks_points import demand_deeds
from zongheng.members.models import PointEntry

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2018, 3, 5, 9, 0, tzinfo=TZ)


@pytest.fixture
def w(tree):
    from zongheng.demands.defaults import ensure_installed

    ensure_installed()
    return make_world(tree)


@pytest.fixture
def deed_source(monkeypatch):
    return install_source(monkeypatch)


def submit(grid):
    return demand_actions.do_submit_demand(None, {
        "channel": "web", "category": Category.objects.get(code="sanitation"), "urgency": "normal",
        "description": "楼道垃圾堆积", "address": "测试路 1 号", "grid": grid}, now=MONDAY)


def test_a_closed_demand_earns_whoever_answered_it_last_not_the_dispatcher(w, tree):
    first = user_with_post(tree.grids[0], Role.GRID_LEADER)
    second = user_with_post(tree.grids[0], Role.GRID_LEADER)
    demand, code = submit(tree.grids[0])
    demand_actions.do_assign(w.secretary, demand, tree.grids[0])  # the community dispatches
    demand_actions.do_accept(first, demand, now=MONDAY + dt.timedelta(hours=1))
    demand_actions.do_answer(first, demand, "已处理", now=MONDAY + dt.timedelta(hours=2))
    demand_actions.do_rate(code, 1, "没有清理", now=MONDAY + dt.timedelta(hours=3))
    demand_actions.do_reopen(code, "垃圾还在", now=MONDAY + dt.timedelta(days=1))
    demand_actions.do_accept(second, demand, now=MONDAY + dt.timedelta(days=1, hours=1))
    demand_actions.do_answer(second, demand, "已清运", now=MONDAY + dt.timedelta(days=2))
    assert not list(demand_deeds(dt.date(2018, 1, 1), dt.date(2019, 1, 1)))  # answered, not closed yet
    demand_actions.do_rate(code, 5, "满意", now=MONDAY + dt.timedelta(days=2, hours=2))
    found = list(demand_deeds(dt.date(2018, 3, 1), dt.date(2018, 4, 1)))
    assert [(d.person_id, d.source, d.occurred_on, d.deed) for d in found] == [
        (second.person_id, f"demand:{demand.pk}", dt.date(2018, 3, 7), Deed.DEMAND)]
    assert not list(demand_deeds(dt.date(2018, 4, 1), dt.date(2018, 5, 1)))
    points.reconcile(dt.date(2018, 3, 1), dt.date(2018, 4, 1))
    assert list(PointEntry.objects.values_list("person_id", "source")) == [(second.person_id, f"demand:{demand.pk}")]


def test_a_handler_who_is_not_a_party_member_earns_nothing(w, tree):
    helper = user_with_post(tree.grids[1], Role.GRID_LEADER)
    type(helper.person).objects.filter(pk=helper.person_id).update(is_party_member=False, member_type="")
    demand, code = submit(tree.grids[1])
    demand_actions.do_accept(helper, demand, now=MONDAY)
    demand_actions.do_answer(helper, demand, "已处理", now=MONDAY + dt.timedelta(hours=1))
    demand_actions.do_rate(code, 5, now=MONDAY + dt.timedelta(hours=2))
    assert not list(demand_deeds(dt.date(2018, 1, 1), dt.date(2019, 1, 1)))


def test_the_ledger_links_each_entry_to_its_deed_where_the_viewer_may_open_it(client, w, tree):
    handler = user_with_post(tree.grids[0], Role.GRID_LEADER)
    demand, code = submit(tree.grids[0])
    demand_actions.do_accept(handler, demand, now=MONDAY)
    demand_actions.do_answer(handler, demand, "已处理", now=MONDAY + dt.timedelta(hours=1))
    demand_actions.do_rate(code, 5, now=MONDAY + dt.timedelta(hours=2))
    points.reconcile(dt.date(2018, 1, 1), dt.date(2019, 1, 1))
    client.force_login(handler)
    html = client.get(reverse("members:my_points") + "?year=2018").content.decode()
    assert reverse("demands:detail", args=[demand.pk]) in html and "办理群众诉求" in html
    client.force_login(w.street)  # the street sees the member's ledger; it may open the demand as well
    html = client.get(reverse("members:points_person", args=[handler.person_id]) + "?year=2018").content.decode()
    assert reverse("demands:detail", args=[demand.pk]) in html
    registered_viewer = user_with_post(tree.communities[2], Role.SECRETARY)  # no demand.view over that grid
    from tests.members.factories_points import register

    register(handler.person, tree.communities[2])
    client.force_login(registered_viewer)
    html = client.get(reverse("members:points_person", args=[handler.person_id]) + "?year=2018").content.decode()
    assert "办理群众诉求" in html and reverse("demands:detail", args=[demand.pk]) not in html


def test_every_point_traces_to_a_confirmed_deed_or_an_approved_claim(w, tree, deed_source):
    today = timezone.localdate()
    people = [w.member.person, *(member(tree.grids[i]) for i in range(3))]
    for p in people:
        for k in range(4):
            record = deed_source.add(p, [Deed.ACTIVITY, Deed.VISIT, Deed.DUTY][k % 3], today - dt.timedelta(days=k))
            if k == 0:  # the part awards at once; the reconciliation finds the rest
                points.award(record.person_id, record.deed, record.source, record.occurred_on)
    approved, declined = claim(w.member), claim(w.member, "law")
    actions.do_review_claim(w.secretary, approved, "approve")
    actions.do_review_claim(w.secretary, declined, "decline", "无法核实")
    dropped = deed_source.records.pop()  # an attendance taken back: its part revokes the points
    points.award(dropped.person_id, dropped.deed, dropped.source, dropped.occurred_on)
    points.revoke(dropped.person_id, dropped.source, note="出勤更正为缺勤")
    actions.reconcile_recent(timezone.now())
    start, end = dt.date(today.year - 1, 1, 1), today + dt.timedelta(days=1)
    confirmed = {(d.person_id, d.source) for d in confirmed_deeds(start, end)}
    counted = (PointEntry.objects.values("person_id", "source").annotate(s=Sum("points")).filter(s__gt=0)
               .values_list("person_id", "source"))
    assert set(counted) <= confirmed
    assert (w.member.person_id, f"claim:{approved.pk}") in set(counted)
    assert (w.member.person_id, f"claim:{declined.pk}") not in confirmed
    assert len(set(counted)) == len(deed_source.records) + 1
    assert points.untraced(start, end) == []
    stray = points.award(w.member.person, Deed.VISIT, "visit:999999", today)  # no source confirms it
    assert points.untraced(start, end) == [(w.member.person_id, "visit:999999", stray.points)]
    assert actions.reconcile_recent(timezone.now()).untraced == 1


def test_the_periodic_job_awards_the_last_forty_days_and_runs_twice_without_a_double(w, deed_source):
    from zongheng.core.periodic import jobs

    job = dict(jobs())["members.points"]
    today = timezone.localdate()
    p = w.member.person
    recent = deed_source.add(p, Deed.ACTIVITY, today - dt.timedelta(days=39))
    deed_source.add(p, Deed.ACTIVITY, today - dt.timedelta(days=45))  # older: left to the yearly reconciliation
    first = job(timezone.now())
    assert (first.deeds, first.awarded) == (1, 1) and "补记积分 1 条" in str(first)
    assert job(timezone.now()).awarded == 0
    assert list(PointEntry.objects.values_list("source", flat=True)) == [recent.source]


def test_the_hub_the_members_page_and_the_reviewers_to_do(client, w, tree):
    today = timezone.localdate()
    points.award(w.member.person, Deed.DEMAND, "demand:1", today)
    pending = claim(w.member, "law")
    sections = {s.title: s for s in hub.sections(w.secretary, today)}
    figures = {f.label: f for f in sections["积分"].figures}
    assert figures["待审核积分申报"].display == "1"
    assert figures[f"{today.year}年积分"].display.startswith(str(
        PointEntry.objects.filter(year=today.year).aggregate(s=Sum("points"))["s"]))
    assert hub.sections(w.member, today) == [] or "积分" not in {s.title for s in hub.sections(w.member, today)}
    mine = {s.title: s for s in hub.mine(w.member, w.member.person, today)}["我的积分"]
    shown = {f.label: f.display for f in mine.figures}
    assert shown["带头服务群众"] == f"{PointEntry.objects.get().points} 分" and "带头遵纪守法" not in shown
    assert ("申报积分", reverse("members:points_claim_new")) in mine.links
    todo = [t for t in todos_for(w.secretary, timezone.now()) if t.kind == "积分申报待审核"]
    assert [t.url for t in todo] == [reverse("members:points_claim", args=[pending.pk])]
    assert not [t for t in todos_for(w.street, timezone.now()) if t.kind == "积分申报待审核"]  # street: the list
    assert not [t for t in todos_for(w.other_secretary, timezone.now()) if t.kind == "积分申报待审核"]
    client.force_login(w.member)
    assert "我的积分" in client.get(reverse("members:me")).content.decode()
