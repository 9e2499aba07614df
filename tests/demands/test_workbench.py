"""The staff workbench: queue, detail and actions through pages, staff entry, listening sessions,
stations, notifications and the Excel export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.demands.conftest import TZ
from zongheng.demands import actions
from zongheng.demands.choices import Channel, Status
from zongheng.demands.models import (
    Category,
    Demand,
    DemandPhoto,
    ListeningSession,
    Notification,
    Station,
    Summons,
    hash_code,
)

pytestmark = pytest.mark.django_db


def refresh(d: Demand) -> Demand:
    return Demand.objects.get(pk=d.pk)


def queue_refs(client, **params) -> list[str]:
    response = client.get(reverse("demands:queue"), params)
    assert response.status_code == 200
    return [d.ref for d, _, _ in response.context["rows"]]


def act(client, demand: Demand, action: str, version: int | None = None, **fields):
    data = {f"{action}-version": demand.version if version is None else version}
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    return client.post(reverse("demands:act", kwargs={"pk": demand.pk, "action": action}), data, follow=True)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context.get("messages", [])
    ]


@pytest.fixture
def spread(world):
    """Demands in two grids of community 1, one in the second community of street 1, one in street 2."""
    g = world.tree.grids
    return [world.submit(g[0])[0], world.submit(g[1])[0], world.submit(g[2])[0], world.submit(g[4])[0]]


# ---------------------------------------------------------------- queue and scope


def test_the_queue_shows_exactly_the_demands_in_the_users_scope(client, world, spread):
    for user, org in [(world.community_secretary, world.tree.communities[0]),
                      (world.street_secretary, world.tree.streets[0]),
                      (world.grid_leader, world.tree.grids[0])]:
        client.force_login(user)
        expected = set(Demand.objects.filter(grid_path__startswith=org.path).values_list("ref", flat=True))
        assert set(queue_refs(client)) == expected and expected


def test_the_queue_filters_by_status_overdue_and_period(client, world):
    march, _ = world.submit()
    april, _ = world.submit(now=dt.datetime(2018, 4, 10, 10, 0, tzinfo=TZ))
    fresh, _ = world.submit(now=timezone.now())
    actions.do_accept(world.grid_leader, april)
    client.force_login(world.community_secretary)
    assert queue_refs(client, period="2018-03") == [march.ref]
    assert queue_refs(client, period="2018-04") == [april.ref]
    assert set(queue_refs(client, period="2018-Q1")) == {march.ref}
    assert set(queue_refs(client, period="2018")) == {march.ref, april.ref}
    assert queue_refs(client, status=Status.ACCEPTED) == [april.ref]
    assert set(queue_refs(client, overdue="1")) == {march.ref, april.ref}  # the fresh one still has time
    assert fresh.ref in queue_refs(client)


def test_rows_show_a_countdown_and_a_masked_phone(client, world):
    world.submit(phone="13812345678")
    world.submit(now=timezone.now())
    client.force_login(world.grid_leader)
    body = client.get(reverse("demands:queue")).content.decode()
    assert "138****5678" in body and "13812345678" not in body
    assert "已超时" in body and "剩余" in body


def test_other_grids_and_my_holdings_filter_the_queue(client, world, spread):
    client.force_login(world.community_secretary)
    assert queue_refs(client, grid=world.tree.grids[1].pk) == [spread[1].ref]
    assert queue_refs(client, grid=world.tree.grids[4].pk) == []  # a grid outside the scope matches nothing
    assert queue_refs(client, holder="mine") == []  # everything is held by the grids
    actions.do_escalate(world.grid_leader, spread[0], reason="需社区协调")
    assert queue_refs(client, holder="mine") == [spread[0].ref]


def test_a_secretary_cannot_reach_another_communitys_demand_by_page_export_or_guessed_id(client, world, spread):
    foreign = spread[3]  # street 2
    DemandPhoto.objects.create(demand=foreign, image="demands/x.jpg")
    client.force_login(world.community_secretary)
    assert foreign.ref not in queue_refs(client)
    assert client.get(reverse("demands:detail", kwargs={"pk": foreign.pk})).status_code == 404
    photo = foreign.photos.get()
    assert client.get(reverse("demands:photo", kwargs={"pk": foreign.pk, "photo_pk": photo.pk})).status_code == 404
    response = client.post(reverse("demands:act", kwargs={"pk": foreign.pk, "action": "assign"}),
                           {"assign-version": foreign.version, "assign-org": world.tree.grids[0].pk})
    assert response.status_code == 404
    rows = _export_rows(client)
    assert foreign.ref not in [r[0] for r in rows]
    assert refresh(foreign).version == foreign.version


def test_staff_without_demand_rights_are_refused(client, world):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    head = user_with_post(world.tree.households[0], Role.HOUSEHOLD_HEAD, "head")
    client.force_login(head)
    assert client.get(reverse("demands:queue")).status_code == 403
    assert client.get(reverse("demands:staff_create")).status_code == 200  # heads may enter demands


# ---------------------------------------------------------------- detail and actions through pages


def test_a_grid_leader_accepts_and_answers_through_the_detail_page(client, world):
    demand, _ = world.submit()
    client.force_login(world.grid_leader)
    page = client.get(reverse("demands:detail", kwargs={"pk": demand.pk}))
    names = [f["name"] for f in page.context["forms"]]
    assert names == ["accept", "return", "escalate"]  # a grid leader does not dispatch
    assert "接单" in texts(act(client, demand, "accept"))[0]
    demand = refresh(demand)
    page = client.get(reverse("demands:detail", kwargs={"pk": demand.pk}))
    assert "answer" in [f["name"] for f in page.context["forms"]]
    act(client, demand, "answer", answer="已联系物业清理完毕")
    demand = refresh(demand)
    assert demand.status == Status.ANSWERED and demand.answer == "已联系物业清理完毕"
    page = client.get(reverse("demands:detail", kwargs={"pk": demand.pk}))
    assert page.context["forms"] == []
    labels = [label for _, label in page.context["events"]]
    assert labels == ["受理", "派单", "接单", "答复"]
    assert world.grid_leader.display_name() in page.content.decode()


def test_a_stale_form_is_refused_and_changes_nothing(client, world):
    demand, _ = world.submit()
    seen = demand.version
    client.force_login(world.grid_leader)
    act(client, demand, "accept", version=seen)
    response = act(client, demand, "return", version=seen, reason="不属于本网格")
    assert "该诉求已被他人更新，请刷新页面后再试" in texts(response)
    demand = refresh(demand)
    assert demand.status == Status.ACCEPTED and demand.org == world.tree.grids[0]


def test_a_refused_transition_shows_its_message(client, world):
    demand, _ = world.submit()
    client.force_login(world.grid_leader)
    response = act(client, demand, "answer", answer="提前答复")
    assert any("不能答复" in t for t in texts(response))
    assert refresh(demand).status == Status.ASSIGNED


def test_a_grid_leader_may_not_dispatch(client, world):
    demand, _ = world.submit()
    client.force_login(world.grid_leader)
    response = client.post(reverse("demands:act", kwargs={"pk": demand.pk, "action": "reject"}),
                           {"reject-version": demand.version, "reject-reason": "不归我管"})
    assert response.status_code == 403
    assert refresh(demand).status == Status.ASSIGNED


def test_a_secretary_rejects_and_merges_through_the_page(client, world):
    a, _ = world.submit()
    b, _ = world.submit(description="楼道垃圾很多")
    c, _ = world.submit()
    client.force_login(world.community_secretary)
    act(client, a, "reject", reason="属于司法诉讼事项，请通过法院解决")
    assert refresh(a).status == Status.REJECTED and refresh(a).reject_reason.startswith("属于司法")
    act(client, b, "merge", into=c.ref)
    assert refresh(b).status == Status.MERGED and refresh(b).merged_into == c
    assert c.followers.count() == 2
    response = act(client, c, "merge", into="MX-nope")
    assert "未找到该编号的诉求，或该诉求不在您的范围内" in texts(response)


def test_bulk_assignment_moves_all_ticked_demands_or_none(client, world):
    a, _ = world.submit()
    b, _ = world.submit()
    c, _ = world.submit()
    target = world.tree.grids[1]
    client.force_login(world.community_secretary)
    url = reverse("demands:bulk_assign")
    client.post(url, {"ids": [a.pk, b.pk], "org": target.pk})
    assert {refresh(a).org, refresh(b).org} == {target} and refresh(c).org == world.tree.grids[0]
    actions.do_accept(world.grid_leader, c)
    response = client.post(url, {"ids": [a.pk, c.pk], "org": world.tree.grids[0].pk}, follow=True)
    assert any(c.ref in t and "未作任何改动" in t for t in texts(response))
    assert refresh(a).org == target and refresh(a).version == 3
    response = client.post(url, {"ids": [a.pk], "org": world.tree.grids[4].pk}, follow=True)
    assert any("只能派给您管辖范围内的组织" in t for t in texts(response))  # resolve_dispatch_target


def test_a_street_whistle_summons_units_who_report_back(client, world, django_capture_on_commit_callbacks):
    demand, _ = world.submit()
    unit = world.tree.communities[2]  # another street's community, summoned to help
    client.force_login(world.street_secretary)
    page = client.get(reverse("demands:detail", kwargs={"pk": demand.pk}))
    assert any(f["name"] == "whistle" for f in page.context["forms"])
    # The targets are listed on demand by the whistle picker (the page carries none).
    listed = client.get(reverse("demands:pick_for", args=[demand.pk, "whistle"]), {"pick_q": unit.name}).content
    assert f'value="{unit.pk}"'.encode() in listed
    household = world.tree.households[0]
    listed = client.get(reverse("demands:pick_for", args=[demand.pk, "whistle"]), {"pick_q": household.name}).content
    assert f'value="{household.pk}"'.encode() not in listed
    with django_capture_on_commit_callbacks(execute=True):
        act(client, demand, "whistle", orgs=[unit.pk], note="协调停车位")
    summons = Summons.objects.get(demand=demand)
    assert Notification.objects.filter(user=world.other_community_secretary, demand=demand).exists()

    demand = refresh(demand)
    client.force_login(world.other_community_secretary)
    page = client.get(reverse("demands:detail", kwargs={"pk": demand.pk}))
    assert page.status_code == 200 and page.context["forms"] == []  # only the report form for the summoned unit
    assert [r["summons"] for r in page.context["reports"]] == [summons]
    act(client, demand, "report", summons=summons.pk, report="已派人到现场划定临时车位")
    summons.refresh_from_db()
    assert summons.reported_at and "临时车位" in summons.report
    assert refresh(demand).events.filter(action="report").exists()


# ---------------------------------------------------------------- staff entry, stations, listening sessions


def test_a_demand_received_at_a_station_is_entered_with_its_channel(client, world):
    client.force_login(world.community_secretary)
    client.post(reverse("demands:stations"), {"org": world.tree.communities[0].pk, "name": "幸福里民心驿站",
                                             "address": "幸福里 3 号"})
    station = Station.objects.get(name="幸福里民心驿站")
    response = client.post(reverse("demands:staff_create"), {
        "channel": Channel.STATION, "station": station.pk, "grid": world.tree.grids[1].pk,
        "category": Category.objects.get(code="sanitation").pk, "urgency": "normal",
        "description": "小区门口垃圾桶满溢", "address": "幸福里 5 号", "phone": "13900001234",
    })
    demand = Demand.objects.get(description="小区门口垃圾桶满溢")
    assert demand.channel == Channel.STATION and demand.station == station and demand.org == world.tree.grids[1]
    assert hash_code(response.context["code"]) == demand.followers.get().code_hash == demand.code_hash
    assert demand.created_by == world.community_secretary and demand.phone_masked == "139****1234"
    body = client.get(reverse("demands:stations")).content.decode()
    assert "幸福里民心驿站" in body


def test_a_station_entry_without_a_station_is_refused(client, world):
    client.force_login(world.grid_leader)
    count = Demand.objects.count()
    response = client.post(reverse("demands:staff_create"), {
        "channel": Channel.STATION, "grid": world.tree.grids[0].pk,
        "category": Category.objects.get(code="sanitation").pk, "urgency": "normal",
        "description": "路灯不亮", "address": "幸福里 5 号",
    })
    assert "来源为民心驿站时，请选择驿站" in response.content.decode()
    assert Demand.objects.count() == count
    # Grid leaders enter demands but may not set up stations.
    assert client.post(reverse("demands:stations"), {"org": world.tree.grids[0].pk, "name": "x"}).status_code == 403


def test_a_listening_session_lists_the_demands_raised_there(client, world):
    client.force_login(world.community_secretary)
    response = client.post(reverse("demands:listening"), {
        "org": world.tree.communities[0].pk, "held_on": "2018-03-05", "place": "社区活动室",
        "attendees": "居民代表 12 人", "summary": "听取停车难问题",
    })
    session = ListeningSession.objects.get()
    assert response.status_code == 302 and session.created_by == world.community_secretary
    form = client.get(reverse("demands:staff_create"), {"session": session.pk}).context["form"]
    assert form.initial["channel"] == Channel.LISTENING
    for text in ("夜间停车占道", "楼下广场舞噪音"):
        client.post(reverse("demands:staff_create"), {
            "channel": Channel.LISTENING, "listening_session": session.pk, "grid": world.tree.grids[0].pk,
            "category": Category.objects.get(code="sanitation").pk, "urgency": "normal",
            "description": text, "address": "幸福里",
        })
    page = client.get(reverse("demands:listening_detail", kwargs={"pk": session.pk}))
    assert [d.description for d in page.context["demands"]] == ["夜间停车占道", "楼下广场舞噪音"]
    assert all(d.channel == Channel.LISTENING for d in page.context["demands"])
    client.force_login(world.other_community_secretary)
    assert client.get(reverse("demands:listening_detail", kwargs={"pk": session.pk})).status_code == 404


# ---------------------------------------------------------------- notifications


def test_the_assignee_sees_a_notification_and_an_unread_badge(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand, _ = world.submit()
    client.force_login(world.grid_leader)
    page = client.get(reverse("demands:notifications"))
    notes = list(page.context["page"])
    assert [n.demand for n in notes] == [demand] and notes[0].read_at is None
    unread = Notification.objects.filter(user=world.grid_leader, read_at__isnull=True).count()
    inbox = reverse("demands:notifications")  # the 待办 badge of the ground counts other things
    assert [b["count"] for b in page.context["badges"] if b["url"] == inbox] == [unread] == [1]
    client.post(reverse("demands:notifications_read"), {"ids": [notes[0].pk]})
    assert [b for b in client.get(reverse("demands:queue")).context["badges"] if b["url"] == inbox] == []
    # The community secretary was not the assignee: nothing for them.
    client.force_login(world.community_secretary)
    assert list(client.get(reverse("demands:notifications")).context["page"]) == []


def test_a_notice_about_a_demand_that_left_the_users_scope_leaves_their_list_and_badge(
        client, world, django_capture_on_commit_callbacks):
    """Notices are kept, but only those about demands the user may still open are listed and counted."""
    with django_capture_on_commit_callbacks(execute=True):
        kept, _ = world.submit()
        moved, _ = world.submit()
    other = world.tree.grids[-1]
    assert not other.path.startswith(world.tree.grids[0].path)
    Demand.objects.filter(pk=moved.pk).update(org=other, org_path=other.path, grid=other, grid_path=other.path)
    assert Notification.objects.filter(user=world.grid_leader, read_at__isnull=True).count() == 2
    client.force_login(world.grid_leader)
    page = client.get(reverse("demands:notifications"))
    assert [n.demand for n in page.context["page"]] == [kept]
    inbox = reverse("demands:notifications")
    assert [b["count"] for b in page.context["badges"] if b["url"] == inbox] == [1]


def test_an_assignment_notifies_the_new_holder(client, world, django_capture_on_commit_callbacks):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    other_leader = user_with_post(world.tree.grids[1], Role.GRID_LEADER, "leader2")
    demand, _ = world.submit()
    client.force_login(world.community_secretary)
    with django_capture_on_commit_callbacks(execute=True):
        act(client, demand, "assign", org=world.tree.grids[1].pk)
    assert Notification.objects.filter(user=other_leader, demand=demand, read_at__isnull=True).exists()


# ---------------------------------------------------------------- export


def _export_rows(client, **params) -> list[tuple]:
    response = client.get(reverse("demands:export"), params)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_the_export_has_the_filtered_rows_with_masked_phones(client, world, spread):
    world.submit(phone="13812345678")
    world.submit(phone="13812345679", now=dt.datetime(2018, 4, 10, 10, 0, tzinfo=TZ))
    client.force_login(world.community_secretary)
    rows = _export_rows(client)
    assert len(rows) == Demand.objects.filter(grid_path__startswith=world.tree.communities[0].path).count()
    march = _export_rows(client, period="2018-03")
    expected = Demand.objects.filter(grid_path__startswith=world.tree.communities[0].path,
                                     received_at__lt=dt.datetime(2018, 4, 1, tzinfo=TZ)).count()
    assert len(march) == expected
    cells = [str(c) for r in rows for c in r if c]
    assert "138****5678" in cells and not any("13812345678" in c for c in cells)


# ---------------------------------------------------------------- query budgets


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_runs_a_constant_number_of_queries(client, world):
    client.force_login(world.street_secretary)
    url = reverse("demands:queue")
    for i in range(3):
        world.submit(world.tree.grids[i % 4])
    small = _queries(client, url)
    for i in range(12):
        world.submit(world.tree.grids[i % 4], phone=f"1380000{i:04d}")
    assert _queries(client, url) == small
    assert _queries(client, url + "?overdue=1&holder=mine&period=2018") <= small


def test_the_detail_page_runs_a_constant_number_of_queries(client, world):
    demand, _ = world.submit()
    client.force_login(world.street_secretary)
    url = reverse("demands:detail", kwargs={"pk": demand.pk})
    small = _queries(client, url)
    actions.do_whistle(world.street_secretary, demand, [world.tree.communities[1]])
    for code in range(5):
        actions.do_follow_demand(demand, "")
        assert code >= 0
    actions.do_whistle(world.street_secretary, demand, [world.tree.communities[2], world.tree.communities[3]])
    assert _queries(client, url) == small
