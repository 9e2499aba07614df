"""Meetings: scheduling, recording, quorum, compliance against a direct reading, warnings, to-dos."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.urls import reverse

from tests.factories import make_person, user_with_post
from tests.meetings.conftest import at, staff
from zongheng.core import warnings
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog, EarlyWarning
from zongheng.core.permissions import Role
from zongheng.meetings import actions, resolve, rules, selectors
from zongheng.meetings.choices import Compliance, MeetingStatus
from zongheng.meetings.models import Attendance, Meeting, Resolution
from zongheng.meetings.periods import parse, period_of

pytestmark = pytest.mark.django_db


def schedule(user, mtype, org, period, when, **kw):
    data = {"type": mtype, "org": org, "period": period, "scheduled_at": when, "place": "会议室", "agenda": "议程"}
    data.update(kw)
    return actions.do_schedule(user, data, now=kw.pop("now", when - dt.timedelta(days=1)))


def record(user, meeting, held_at, present_share=1.0, now=None, rng=None):
    rows = list(meeting.attendances.all())
    n = round(len(rows) * present_share)
    statuses = {a.person_id: ("present" if i < n else (rng or random).choice(["excused", "absent"]))
                for i, a in enumerate(rows)}
    return actions.do_record(user, meeting, {"held_at": held_at, "minutes": "会议研究了老旧小区改造。\n\n议定两件事。",
                                             "attendance": statuses}, now=now or held_at + dt.timedelta(hours=2))


# ---------------------------------------------------------------- periods


def test_periods_have_keys_bounds_and_chinese_labels():
    p = parse("quarterly", "2026-Q4")
    assert (p.start, p.end, p.label) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026年第四季度")
    assert period_of("monthly", dt.date(2026, 11, 28)).key == "2026-11"
    assert period_of("half_yearly", dt.date(2026, 11, 28)).key == "2026-H2"
    assert parse("yearly", "2026").end == dt.date(2027, 1, 1)
    with pytest.raises(ValueError, match="格式不对"):
        parse("quarterly", "2026-11")


# ---------------------------------------------------------------- schedule and record


def test_scheduling_invites_by_the_types_rule_and_records_audit(tree, mtypes):
    users = staff(tree)
    community = tree.communities[0]
    m = schedule(users[community.pk], mtypes["community_joint"], community, "2026-Q4", at(2026, 11, 20))
    invited = set(m.attendances.values_list("person_id", flat=True))
    from zongheng.orgs.models import Post
    council = set(Post.objects.filter(org=community).values_list("person_id", flat=True))
    grid_leaders = set(Post.objects.filter(org__path__startswith=community.path, org__level__code="grid",
                                           role=Role.GRID_LEADER).values_list("person_id", flat=True))
    assert invited == council | grid_leaders
    assert AuditLog.objects.filter(action="meeting.schedule", object_id=str(m.pk), org_path=community.path).exists()


def test_quorum_below_is_recorded_but_does_not_count_as_held(tree, mtypes):
    users = staff(tree)
    community = tree.communities[0]
    mtype = mtypes["community_joint"]
    m = schedule(users[community.pk], mtype, community, "2026-Q3", at(2026, 9, 10))
    record(users[community.pk], m, at(2026, 9, 10), present_share=0.25)
    m.refresh_from_db()
    assert m.status == MeetingStatus.HELD
    cell = selectors.compliance(mtype, parse(mtype.cadence, "2026-Q3"), [community], at(2026, 11, 1))[community.pk]
    assert cell.status == Compliance.NOT_HELD
    record_again = actions.do_record(users[community.pk], m, {
        "held_at": at(2026, 9, 10), "minutes": "补充出席。",
        "attendance": dict.fromkeys(m.attendances.values_list("person_id", flat=True), "present")},
        now=at(2026, 9, 11))
    assert record_again.version == m.version + 1
    cell = selectors.compliance(mtype, parse(mtype.cadence, "2026-Q3"), [community], at(2026, 11, 1))[community.pk]
    assert cell.status == Compliance.ON_TIME
    assert AuditLog.objects.filter(action="meeting.amend", object_id=str(m.pk)).count() == 1


def test_a_meeting_held_after_its_period_counts_as_held_late(tree, mtypes):
    users = staff(tree)
    street = tree.streets[0]
    mtype = mtypes["street_joint"]
    m = schedule(users[street.pk], mtype, street, "2026-Q2", at(2026, 7, 8), now=at(2026, 7, 7))
    record(users[street.pk], m, at(2026, 7, 8))
    cell = selectors.compliance(mtype, parse(mtype.cadence, "2026-Q2"), [street], at(2026, 8, 1))[street.pk]
    assert cell.status == Compliance.LATE and cell.meeting_id == m.pk


def _direct(mtype, org, period, now):
    """A direct reading of the records, written independently of selectors.compliance."""
    best = None
    for m in Meeting.objects.filter(type=mtype, org=org, period=period.key, status="held"):
        att = list(Attendance.objects.filter(meeting=m))
        present = len([a for a in att if a.status == "present"])
        if att and present * mtype.quorum_den >= mtype.quorum_num * len(att):
            late = m.held_at >= period.ends_at
            if best is None or (not late and best == "late"):
                best = "late" if late else "on_time"
    if best:
        return best
    applies = org.level in mtype.levels.all() and mtype.enabled
    if not applies:
        return "not_required"
    return "not_held" if period.ends_at <= now else "pending"


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_compliance_equals_a_direct_reading_of_the_records(tree, mtypes, seed):
    rng = random.Random(seed)
    users = staff(tree)
    now = at(2026, 11, 28)
    orgs = [tree.district, *tree.streets, *tree.communities]
    joint = {"district": mtypes["district_joint"], "street": mtypes["street_joint"],
             "community": mtypes["community_joint"]}
    for _ in range(14):
        org = rng.choice(orgs)
        mtype = joint[org.level.code]
        day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 320))
        period = period_of(mtype.cadence, day)
        when = at(day.year, day.month, day.day, 9) + dt.timedelta(days=rng.choice([0, 0, 40]))
        if when > now:
            continue
        m = schedule(users[org.pk], mtype, org, period.key, when, now=min(now, when))
        fate = rng.random()
        if fate < 0.6:
            record(users[org.pk], m, when, present_share=rng.choice([1.0, 0.75, 0.2]), now=now, rng=rng)
        elif fate < 0.8:
            actions.do_cancel(users[org.pk], m, "改期")
    for _ in range(40):
        org = rng.choice(orgs)
        mtype = rng.choice(list(joint.values()))
        period = period_of(mtype.cadence, dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 360)))
        cell = selectors.compliance(mtype, period, [org], now)[org.pk]
        assert cell.status == _direct(mtype, org, period, now), (org.name, mtype.code, period.key)


# ---------------------------------------------------------------- bad input changes nothing


def test_forged_org_past_period_and_stale_version_are_refused_in_chinese(tree, mtypes):
    users = staff(tree)
    mine, other = tree.communities[0], tree.communities[2]
    user = users[mine.pk]
    with pytest.raises(ActionError, match="不存在或不在您的管辖范围内"):
        resolve.resolve_meeting_org(user, other.pk)
    with pytest.raises(ActionError, match="会议管理范围"):
        schedule(user, mtypes["community_joint"], other, "2026-Q4", at(2026, 11, 20))
    with pytest.raises(ActionError, match="补开期限"):
        schedule(user, mtypes["community_joint"], mine, "2024-Q4", at(2026, 11, 20), now=at(2026, 11, 20))
    with pytest.raises(ActionError, match="尚未到来"):
        schedule(user, mtypes["community_joint"], mine, "2027-Q3", at(2027, 7, 20), now=at(2026, 11, 20))
    with pytest.raises(ActionError, match="不适用"):
        schedule(user, mtypes["street_joint"], mine, "2026-Q4", at(2026, 11, 20))
    assert not Meeting.objects.exists()
    m = schedule(user, mtypes["community_joint"], mine, "2026-Q4", at(2026, 12, 2), now=at(2026, 11, 20))
    actions.do_edit(user, m, {"place": "二楼"}, expected_version=0)
    with pytest.raises(ActionError, match="已被他人更新"):
        actions.do_cancel(user, m, "改期", expected_version=0)
    actions.do_cancel(user, m, "改期", expected_version=1)
    with pytest.raises(ActionError, match="不能记录"):
        record(user, Meeting.objects.get(pk=m.pk), at(2026, 12, 2), now=at(2026, 12, 3))
    m.refresh_from_db()
    assert (m.status, m.place, m.version) == ("cancelled", "二楼", 2)


def test_the_schedule_page_refuses_a_forged_org_and_creates_nothing(client, tree, mtypes):
    users = staff(tree)
    client.force_login(users[tree.communities[0].pk])
    response = client.post(reverse("meetings:new"), {
        "type": "community_joint", "org": tree.communities[2].pk, "period": "2026-Q4",
        "scheduled_at": "2026-12-02T09:00", "place": "会议室"})
    assert response.status_code == 200
    assert "不存在或不在您的管辖范围内" in response.content.decode()
    assert not Meeting.objects.exists()


# ---------------------------------------------------------------- warnings


def test_the_not_held_warning_appears_after_the_period_and_clears_when_recorded(tree, mtypes):
    users = staff(tree)
    community = tree.communities[0]
    mtype = mtypes["community_joint"]
    q1_end = parse(mtype.cadence, "2026-Q1").ends_at
    warnings.sweep(q1_end - dt.timedelta(minutes=1), codes=[rules.NOT_HELD])
    assert not EarlyWarning.objects.filter(rule=rules.NOT_HELD, key__startswith="community_joint:",
                                           key__endswith=":2026-Q1").exists()
    now = at(2026, 4, 2)
    warnings.sweep(now, codes=[rules.NOT_HELD])
    key = f"community_joint:{community.pk}:2026-Q1"
    w = EarlyWarning.objects.get(rule=rules.NOT_HELD, key=key)
    assert w.is_open and w.due_at == q1_end and w.org_path == community.path
    secretary = users[community.pk].person_id
    assert w.person_id == secretary
    opened = EarlyWarning.objects.open().filter(rule=rules.NOT_HELD).count()
    assert opened == EarlyWarning.objects.open().filter(rule=rules.NOT_HELD).values("key").distinct().count()
    warnings.sweep(now, codes=[rules.NOT_HELD])  # twice: nothing changes
    assert EarlyWarning.objects.open().filter(rule=rules.NOT_HELD).count() == opened
    m = schedule(users[community.pk], mtype, community, "2026-Q1", at(2026, 4, 3), now=at(2026, 4, 3))
    record(users[community.pk], m, at(2026, 4, 3))
    later = at(2026, 4, 4)
    warnings.sweep(later, codes=[rules.NOT_HELD])
    w.refresh_from_db()
    assert w.cleared_at == later
    assert EarlyWarning.objects.open().filter(rule=rules.NOT_HELD).count() == opened - 1
    assert EarlyWarning.objects.filter(rule=rules.NOT_HELD, key=key).count() == 1


def test_the_resolution_warning_appears_when_overdue_and_clears_when_done(tree, mtypes):
    users = staff(tree)
    street = tree.streets[0]
    community = tree.communities[0]
    user = users[street.pk]
    m = schedule(user, mtypes["street_joint"], street, "2026-Q3", at(2026, 8, 3))
    record(user, m, at(2026, 8, 3))
    owner = users[community.pk].person
    r = actions.do_add_resolution(user, m, {"text": "整治背街小巷", "owner_org": community, "owner_person": owner,
                                            "due_on": dt.date(2026, 9, 30)})
    warnings.sweep(at(2026, 9, 30, 23), codes=[rules.RESOLUTION_OVERDUE])
    assert not EarlyWarning.objects.filter(rule=rules.RESOLUTION_OVERDUE).exists()
    warnings.sweep(at(2026, 10, 1, 9), codes=[rules.RESOLUTION_OVERDUE])
    w = EarlyWarning.objects.get(rule=rules.RESOLUTION_OVERDUE, key=str(r.pk))
    assert (w.person_id, w.org_path) == (owner.pk, community.path)
    # the owner updates it themselves (no meeting.change needed on the street)
    actions.do_resolution_progress(users[community.pk], r, "已完成", done=True, now=at(2026, 10, 2))
    warnings.sweep(at(2026, 10, 3), codes=[rules.RESOLUTION_OVERDUE])
    w.refresh_from_db()
    assert w.cleared_at == at(2026, 10, 3)
    assert AuditLog.objects.filter(action="meeting.resolution_done", object_id=str(r.pk)).exists()
    with pytest.raises(ActionError, match="已办结"):
        actions.do_resolution_progress(user, r, "再次更新")


def test_todo_lists_the_pending_meeting_my_resolutions_and_invitations(tree, mtypes):
    users = staff(tree)
    community, street = tree.communities[0], tree.streets[0]
    now = at(2026, 11, 28)
    items = rules.todos(users[community.pk], now)
    assert any("本季度社区联席会议待召开" in t.title for t in items)
    m = schedule(users[street.pk], mtypes["street_joint"], street, "2026-Q4", at(2026, 12, 2), now=now)
    invited = rules.todos(users[community.pk], now)
    assert any(t.url == reverse("meetings:detail", args=[m.pk]) for t in invited)
    figs = rules.figures(users[street.pk], now)
    assert any("逾期议定事项" == f.label for f in figs)


# ---------------------------------------------------------------- pages, exports, scope


def test_pages_answer_in_scope_and_404_outside(client, tree, mtypes):
    users = staff(tree)
    mine, other = tree.communities[0], tree.communities[2]
    m_in = schedule(users[mine.pk], mtypes["community_joint"], mine, "2026-Q3", at(2026, 9, 3))
    m_out = schedule(users[other.pk], mtypes["community_joint"], other, "2026-Q3", at(2026, 9, 3))
    client.force_login(users[mine.pk])
    assert client.get(reverse("meetings:detail", args=[m_in.pk])).status_code == 200
    assert client.get(reverse("meetings:detail", args=[m_out.pk])).status_code == 404
    assert client.get(reverse("api:get_meeting", args=[m_out.pk])).status_code == 404
    assert client.get(reverse("api:get_meeting", args=[m_in.pk])).status_code == 200


def test_minutes_docx_and_xlsx_exports_open(client, tree, mtypes):
    from docx import Document
    from openpyxl import load_workbook

    users = staff(tree)
    community = tree.communities[0]
    user = users[community.pk]
    m = schedule(user, mtypes["community_joint"], community, "2026-Q3", at(2026, 9, 3))
    record(user, m, at(2026, 9, 3))
    actions.do_add_resolution(user, m, {"text": "修缮路灯", "owner_org": community, "due_on": dt.date(2026, 10, 1)})
    client.force_login(user)
    doc = Document(io.BytesIO(client.get(reverse("meetings:minutes_docx", args=[m.pk])).content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "会议研究了老旧小区改造。" in text and "修缮路灯" in text and "社区联席会议纪要" in text
    for name in ("meetings:export", "meetings:resolutions_export", "meetings:compliance_export"):
        wb = load_workbook(io.BytesIO(client.get(reverse(name)).content))
        assert wb.active.max_row >= 2, name


def test_attachments_are_checked_by_content(client, tree, mtypes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    users = staff(tree)
    community = tree.communities[0]
    m = schedule(users[community.pk], mtypes["community_joint"], community, "2026-Q3", at(2026, 9, 3))
    client.force_login(users[community.pk])
    fake = SimpleUploadedFile("纪要.pdf", b"<html>not a pdf</html>")
    client.post(reverse("meetings:attach", args=[m.pk]), {"file": fake})
    assert not m.attachments.exists()
    pdf = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n%test\n")
    client.post(reverse("meetings:attach", args=[m.pk]), {"file": pdf})
    att = m.attachments.get()
    assert att.name == "纪要.pdf"
    assert client.get(reverse("meetings:attachment", args=[m.pk, att.pk])).status_code == 200


def _grow(tree, users, mtypes, n):
    rng = random.Random(n)
    for i in range(n):
        org = tree.communities[i % 2]
        m = schedule(users[org.pk], mtypes["community_joint"], org, "2026-Q3", at(2026, 7, 1 + i % 28))
        record(users[org.pk], m, at(2026, 7, 1 + i % 28), rng=rng)
        actions.do_add_resolution(users[org.pk], m, {"text": f"事项{i}", "owner_org": org,
                                                     "due_on": dt.date(2026, 8, 1)})


@pytest.mark.parametrize("name", ["meetings:list", "meetings:resolutions", "meetings:compliance"])
def test_list_pages_run_a_constant_number_of_queries(client, tree, mtypes, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    users = staff(tree)
    user = user_with_post(tree.streets[0], Role.SECRETARY)
    client.force_login(user)
    client.get(reverse(name))  # the first request of a session pays once for it (session, caches)
    counts = []
    for n in (2, 12):
        _grow(tree, users, mtypes, n)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_configuration_is_for_the_root_only_and_opt_in_limits_the_orgs(client, tree, mtypes):
    dept = user_with_post(tree.district, Role.ORG_DEPT)
    street_dept = user_with_post(tree.streets[0], Role.ORG_DEPT)
    mtype = mtypes["theme_day"]
    client.force_login(street_dept)
    assert client.get(reverse("meetings:types")).status_code == 403
    client.force_login(dept)
    grid = tree.grids[0]
    url = reverse("meetings:type_edit", args=[mtype.pk])
    response = client.post(url, {"enabled": "on", "opt_in": "on", "quorum_num": 1, "quorum_den": 2,
                                 "add_orgs": [grid.pk, tree.grids[1].pk]})
    assert response.status_code == 302
    mtype.refresh_from_db()
    assert mtype.enabled and set(mtype.opted.values_list("org_id", flat=True)) == {grid.pk, tree.grids[1].pk}
    assert set(selectors.applicable_orgs(mtype).values_list("pk", flat=True)) == {grid.pk, tree.grids[1].pk}
    assert AuditLog.objects.filter(action="meeting.type_configure").count() == 1
    # The page lists the selected organisations, each with a 移出 box; ticking one removes only it.
    assert f'name="remove_orgs" value="{grid.pk}"' in client.get(url).content.decode()
    response = client.post(url, {"enabled": "on", "opt_in": "on", "quorum_num": 1, "quorum_den": 2,
                                 "remove_orgs": [grid.pk]})
    assert response.status_code == 302
    assert list(mtype.opted.values_list("org_id", flat=True)) == [tree.grids[1].pk]
    # A community is not of the type's levels: refused in Chinese, nothing added.
    response = client.post(url, {"enabled": "on", "opt_in": "on", "quorum_num": 1, "quorum_den": 2,
                                 "add_orgs": [tree.communities[0].pk]})
    assert response.status_code == 400 and "适用层级" in response.content.decode()
    assert list(mtype.opted.values_list("org_id", flat=True)) == [tree.grids[1].pk]
    # The picker offers organisations of the type's levels only.
    picked = client.get(reverse("meetings:pick"), {"kind": "opt", "type": mtype.pk, "pick_q": grid.name})
    assert f'value="{grid.pk}"' in picked.content.decode()
    picked = client.get(reverse("meetings:pick"), {"kind": "opt", "type": mtype.pk,
                                                   "pick_q": tree.communities[0].name})
    assert f'value="{tree.communities[0].pk}"' not in picked.content.decode()


def test_an_invited_person_without_a_post_sees_the_meeting(client, tree, mtypes):
    from tests.factories import make_user
    from zongheng.meetings.models import MeetingType

    users = staff(tree)
    grid = tree.grids[0]
    member = make_person(grid)
    user = make_user(member, "plain")
    mt = MeetingType.objects.get(code="branch_assembly")
    mt.enabled, mt.since = True, dt.date(2026, 1, 1)
    mt.save()
    leader = user_with_post(grid, Role.SECRETARY)
    m = schedule(leader, mt, grid, "2026-Q4", at(2026, 12, 1), now=at(2026, 11, 28))
    assert Attendance.objects.filter(meeting=m, person=member).exists()
    client.force_login(user)
    assert client.get(reverse("meetings:detail", args=[m.pk])).status_code == 200
    assert client.get(reverse("meetings:list")).status_code == 200
    other = schedule(users[tree.communities[0].pk], mtypes["community_joint"], tree.communities[0], "2026-Q4",
                     at(2026, 12, 1), now=at(2026, 11, 28))
    assert client.get(reverse("meetings:detail", args=[other.pk])).status_code == 404
    assert not Resolution.objects.exists()
