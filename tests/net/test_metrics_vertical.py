"""一张网's vertical linkage panel (纵向联动): the meetings' and notices' figures give the modules' own numbers —
the meetings' compliance (``selectors.compliance``, what ``indicators.on_time`` reads) and the notices'
通知回执率 (``indicators.ack_rate``) — and direct counts, for several scopes, periods and moments; each opens
exactly the rows it counts; each source reads in one query whatever the data size.

The records (one module-wide transaction, rolled back at the end) are made through the modules' actions:

- 2026-Q1 joint meetings: community 0 on time; community 1 once below quorum, then on time; community 2 late
  (补开 in April); community 3 not held (its Q2 one held in May); street 0 twice on time (counts once); street 1
  on time at 23:30 on the quarter's last day; the district January on time, February late, March missed,
  April on time.
- 支委会 switched on (opt-in, monthly) for grid 0 from February and grid 1 from January; grid 2 held one and
  was then switched off (its meeting counts as held, never as due or on cadence).
- Notices: the district's of January (回执: community 0 in January, community 1 in April), street 0's of
  February (no 回执), street 1's of March (withdrawn), the district's of May (回执 by street 1's people).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import Tree, build_tree, make_person, make_post, module_transaction
from tests.meetings.conftest import staff
from tests.notices.helpers import send
from zongheng.core import metrics as mx
from zongheng.core.indicators import OrgRef, Quarter
from zongheng.core.periods import Period
from zongheng.core.permissions import Role
from zongheng.meetings import actions as meeting_actions
from zongheng.meetings import indicators as meeting_indicators
from zongheng.meetings.choices import Compliance
from zongheng.meetings.defaults import JOINT_TYPES
from zongheng.meetings.models import Meeting, MeetingType, MeetingTypeOrg
from zongheng.meetings.periods import periods_of_year
from zongheng.meetings.selectors import applicable_orgs, compliance
from zongheng.notices import indicators as notice_indicators
from zongheng.notices.actions import do_withdraw_notice
from zongheng.notices.models import Notice, NoticeRecipient
from zongheng.orgs.models import Org

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=TZ)
MID_MARCH = dt.datetime(2026, 3, 15, 12, 0, tzinfo=TZ)  # a replay: Q1 not over, January and February are
PERIODS = ["2026-Q1", "2026-Q2", "2026-02", "2026-03", "2026", "2025-Q4"]
# (moment, period): the periods read now, and, replayed in mid-March, those still running then.
MOMENTS = [(NOW, p) for p in PERIODS] + [(MID_MARCH, p) for p in ("2026-Q1", "2026-02", "2026-03", "2026")]
MEETING_CODES = ["vertical.meetings_held", "vertical.joint_meetings", "vertical.meetings_due",
                 "vertical.meetings_on_cadence", "vertical.meetings_on_cadence_rate"]
NOTICE_CODES = ["vertical.notices_sent", "vertical.receipts_due", "vertical.receipts_acked", "vertical.ack_rate"]
CODES = MEETING_CODES + NOTICE_CODES
VERTICAL_SOURCES = {"meetings.held", "meetings.due", "meetings.on_cadence", "notices.sent", "notices.receipt"}


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=TZ)


@dataclass
class World:
    tree: Tree
    users: dict[int, Any]
    meetings: dict[str, Meeting]
    notices: dict[str, Notice]


def hold(user: Any, code: str, org: Org, key: str, held_at: dt.datetime, share: float = 1.0) -> Meeting:
    """Schedules a meeting the day before and records it held at ``held_at`` with ``share`` present."""
    mtype = MeetingType.objects.get(code=code)
    m = meeting_actions.do_schedule(user, {"type": mtype, "org": org, "period": key, "scheduled_at": held_at,
                                           "place": "党群服务中心", "agenda": "通报工作"},
                                    now=held_at - dt.timedelta(days=1))
    rows = list(m.attendances.order_by("pk"))
    present = round(len(rows) * share)
    statuses = {a.person_id: "present" if i < present else "absent" for i, a in enumerate(rows)}
    return meeting_actions.do_record(user, m, {"held_at": held_at, "minutes": "会议研究了下阶段工作。",
                                               "attendance": statuses}, now=held_at + dt.timedelta(hours=1))


def build() -> World:
    tree = build_tree()
    users = staff(tree)
    d, s, c, g = tree.district, tree.streets, tree.communities, tree.grids
    du = users[d.pk]
    MeetingType.objects.filter(code="branch_committee").update(enabled=True, opt_in=True, since=None)
    committee = MeetingType.objects.get(code="branch_committee")
    MeetingTypeOrg.objects.create(type=committee, org=g[0], since=dt.date(2026, 2, 1))
    MeetingTypeOrg.objects.create(type=committee, org=g[1], since=dt.date(2026, 1, 1))
    switched_off = MeetingTypeOrg.objects.create(type=committee, org=g[2], since=dt.date(2026, 1, 1))
    m = {
        "c0": hold(users[c[0].pk], "community_joint", c[0], "2026-Q1", at(2026, 2, 10)),
        "c1_low": hold(users[c[1].pk], "community_joint", c[1], "2026-Q1", at(2026, 2, 12), share=0.25),
        "c1": hold(users[c[1].pk], "community_joint", c[1], "2026-Q1", at(2026, 3, 5)),
        "c2_late": hold(users[c[2].pk], "community_joint", c[2], "2026-Q1", at(2026, 4, 10)),
        "c3_q2": hold(users[c[3].pk], "community_joint", c[3], "2026-Q2", at(2026, 5, 1)),
        "s0": hold(users[s[0].pk], "street_joint", s[0], "2026-Q1", at(2026, 1, 20)),
        "s0_again": hold(users[s[0].pk], "street_joint", s[0], "2026-Q1", at(2026, 3, 20)),
        "s1": hold(users[s[1].pk], "street_joint", s[1], "2026-Q1", at(2026, 3, 31, 23, 30)),
        "d_jan": hold(du, "district_joint", d, "2026-01", at(2026, 1, 15)),
        "d_feb_late": hold(du, "district_joint", d, "2026-02", at(2026, 3, 2)),
        "d_apr": hold(du, "district_joint", d, "2026-04", at(2026, 4, 20)),
        "g0_feb": hold(du, "branch_committee", g[0], "2026-02", at(2026, 2, 10)),
        "g1_jan": hold(du, "branch_committee", g[1], "2026-01", at(2026, 1, 25)),
        "g2_jan": hold(du, "branch_committee", g[2], "2026-01", at(2026, 1, 20)),
    }
    switched_off.delete()
    n = {
        "jan": send(du, d, now=at(2026, 1, 15), title="关于开展年度组织生活会的通知"),
        "feb": send(users[s[0].pk], s[0], now=at(2026, 2, 10), needs_ack=False, title="街道工作简报"),
        "mar": send(users[s[1].pk], s[1], now=at(2026, 3, 3), title="撤回的通知"),
        "may": send(du, d, now=at(2026, 5, 5), title="关于防汛工作的通知"),
    }
    do_withdraw_notice(users[s[1].pk], n["mar"], now=at(2026, 3, 4))
    NoticeRecipient.objects.filter(notice=n["jan"], org_path__startswith=c[0].path).update(acked_at=at(2026, 1, 16))
    NoticeRecipient.objects.filter(notice=n["jan"], org_path__startswith=c[1].path).update(acked_at=at(2026, 4, 2))
    NoticeRecipient.objects.filter(notice=n["may"], org_path__startswith=s[1].path).update(acked_at=at(2026, 5, 6))
    return World(tree, users, m, n)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = build()
        yield built  # each test still asks for ``db``: it runs in a savepoint inside the module's transaction


def scopes(w: World) -> list[Org]:
    t = w.tree
    return [t.district, t.streets[1], t.communities[1], t.grids[0]]


def values(path: str, period: Period, now: dt.datetime, codes: list[str] = CODES) -> dict[str, Any]:
    groups = mx.grouped(codes, path, len(path), period, now)
    return {code: groups.get(code, {}).get(path) for code in codes}


# ---------------------------------------------------------------- the modules' own readings


def module_cells(path: str, period: Period, now: dt.datetime) -> list[tuple[int, Any]]:
    """Every (organisation, cell) the meetings module requires inside ``path`` for the terms ending in the
    period and over at ``now``: its compliance page's reading, one call per type and term."""
    under = Org.objects.filter(path__startswith=path)
    out = []
    for mtype in MeetingType.objects.filter(enabled=True):
        for term in periods_of_year(mtype.cadence, period.year):
            if not (period.start_date < term.end <= period.end_date and term.ends_at <= now):
                continue
            if mtype.since and mtype.since > term.start:
                continue
            required = list(applicable_orgs(mtype, under, term))
            out += [(org_id, cell) for org_id, cell in compliance(mtype, term, required, now).items()]
    return out


def indicator_sums(paths: list[str], quarter: Quarter, now: dt.datetime) -> dict[str, tuple[int, int]]:
    """The module's 会议按期召开率 of every organisation, added up inside each of ``paths``: (held on time, due)."""
    orgs = list(Org.objects.select_related("level"))
    readings = meeting_indicators.on_time([OrgRef(o.pk, o.path, o.name, o.level.code) for o in orgs], quarter, now)
    out = {}
    for path in paths:
        held = due = 0
        for o in orgs:
            reading = readings[o.pk]
            if o.path.startswith(path) and reading.attainment is not None:
                part, whole = reading.value.split("/")
                held, due = held + int(part), due + int(whole)
        out[path] = (held, due)
    return out


# ---------------------------------------------------------------- tests


def test_the_district_s_first_quarter_reads_as_the_records_say(world: World, db) -> None:
    v = values(world.tree.district.path, Period.parse("2026-Q1"), NOW)
    # Due: 4 communities + 2 streets + the district's 3 months + 支委会 (grid 0: Feb, Mar; grid 1: Jan–Mar).
    # On cadence: communities 0 and 1, streets 0 (once) and 1, the district's January, grids 0 and 1.
    assert (v["vertical.meetings_due"], v["vertical.meetings_on_cadence"]) == (14, 7)
    assert str(v["vertical.meetings_on_cadence_rate"]) == "50.0"
    # Held in the quarter: every meeting recorded held with a time inside it, below quorum or late included.
    assert (v["vertical.meetings_held"], v["vertical.joint_meetings"]) == (11, 8)
    on_cadence = set(mx.rows("vertical.meetings_on_cadence", world.tree.district.path, Period.parse("2026-Q1"), NOW))
    m = world.meetings
    assert {m[k] for k in ("c0", "c1", "s0", "s1", "d_jan", "g0_feb", "g1_jan")} == on_cadence
    # The rate opens its part's rows.
    rate_rows = set(mx.rows("vertical.meetings_on_cadence_rate", world.tree.district.path, Period.parse("2026-Q1"),
                            NOW))
    assert rate_rows == on_cadence


def test_meeting_figures_equal_the_module_s_compliance_for_every_scope_period_and_moment(world: World, db) -> None:
    for now, text in MOMENTS:
        period = Period.parse(text)
        for scope in scopes(world):
            cells = module_cells(scope.path, period, now)
            due = [c for _, c in cells if c.status in (Compliance.ON_TIME, Compliance.LATE, Compliance.NOT_HELD)]
            on_time = {c.meeting_id for c in due if c.status == Compliance.ON_TIME}
            v = values(scope.path, period, now, MEETING_CODES)
            where = (scope.name, text, now)
            assert (v["vertical.meetings_due"] or 0) == len(due), where
            assert (v["vertical.meetings_on_cadence"] or 0) == len(on_time), where
            rows = mx.rows("vertical.meetings_on_cadence", scope.path, period, now)
            assert set(rows.values_list("pk", flat=True)) == on_time, where
            owed: dict[int, int] = {}
            for org_id, c in cells:
                if c in due:
                    owed[org_id] = owed.get(org_id, 0) + 1
            due_rows = mx.rows("vertical.meetings_due", scope.path, period, now)
            assert {o.pk: o.meetings_due for o in due_rows} == owed, where
            held = [x for x in Meeting.objects.all() if x.status == "held" and x.org_path.startswith(scope.path)
                    and period.start <= x.held_at < period.end and x.held_at <= now]
            joint = {x.pk for x in held if x.type.code in JOINT_TYPES}
            assert (v["vertical.meetings_held"] or 0) == len(held), where
            assert (v["vertical.joint_meetings"] or 0) == len(joint), where
            assert set(mx.rows("vertical.meetings_held", scope.path, period, now).values_list("pk", flat=True)) == {
                x.pk for x in held}
            assert set(mx.rows("vertical.joint_meetings", scope.path, period, now).values_list("pk", flat=True)
                       ) == joint


def test_meeting_figures_equal_the_standardisation_indicator_summed_over_the_subtree(world: World, db) -> None:
    paths = [scope.path for scope in scopes(world)]
    for now in (NOW, MID_MARCH):
        for key in ("2026-Q1", "2026-Q2", "2025-Q4"):
            module = indicator_sums(paths, Quarter.parse(key), now)
            for path in paths:
                v = values(path, Period.parse(key), now, MEETING_CODES)
                assert ((v["vertical.meetings_on_cadence"] or 0), (v["vertical.meetings_due"] or 0)) == module[path]


def test_a_type_s_start_date_and_a_switched_off_branch_owe_nothing_before_it(world: World, db) -> None:
    district = world.tree.district
    MeetingType.objects.filter(code="district_joint").update(since=dt.date(2026, 2, 1))
    q1 = Period.parse("2026-Q1")
    v = values(district.path, q1, NOW, MEETING_CODES)
    assert (v["vertical.meetings_due"], v["vertical.meetings_on_cadence"]) == (13, 6)  # January no longer due
    assert indicator_sums([district.path], Quarter.parse("2026-Q1"), NOW)[district.path] == (6, 13)
    grid2 = world.tree.grids[2]
    assert values(grid2.path, q1, NOW, MEETING_CODES)["vertical.meetings_held"] == 1
    assert not mx.rows("vertical.meetings_due", grid2.path, q1, NOW).exists()


def test_notice_figures_equal_the_module_s_ack_rate_and_direct_counts(world: World, db) -> None:
    for now, text in MOMENTS:
        period = Period.parse(text)
        for scope in scopes(world):
            v = values(scope.path, period, now, NOTICE_CODES)
            until = period.until(now)
            sent = [n for n in Notice.objects.all() if n.status == "sent" and n.org_path.startswith(scope.path)
                    and period.start <= n.sent_at < until]
            assert (v["vertical.notices_sent"] or 0) == len(sent), (scope.name, text)
            counted = [r for r in NoticeRecipient.objects.select_related("notice")
                       if r.org_path.startswith(scope.path) and r.notice.status == "sent" and r.notice.needs_ack
                       and period.start <= r.notice.sent_at < until]
            acked = {r.pk for r in counted if r.acked_at is not None and r.acked_at <= until}
            assert (v["vertical.receipts_due"] or 0) == len(counted), (scope.name, text)
            assert (v["vertical.receipts_acked"] or 0) == len(acked), (scope.name, text)
            rows = mx.rows("vertical.receipts_acked", scope.path, period, now)
            assert set(rows.values_list("pk", flat=True)) == acked
            due_rows = mx.rows("vertical.receipts_due", scope.path, period, now)
            assert set(due_rows.values_list("pk", flat=True)) == {r.pk for r in counted}
            sent_rows = mx.rows("vertical.notices_sent", scope.path, period, now)
            assert set(sent_rows.values_list("pk", flat=True)) == {n.pk for n in sent}
            if period.kind == "quarter":
                ref = OrgRef(scope.pk, scope.path, scope.name, scope.level.code)
                reading = notice_indicators.ack_rate([ref], Quarter(period.year, period.number), now)[scope.pk]
                expected = "—" if not counted else f"{len(acked)}/{len(counted)}"
                assert reading.value == expected, (scope.name, text)


def test_a_receipt_after_the_quarter_counts_for_the_year_but_not_for_the_quarter(world: World, db) -> None:
    community = world.tree.communities[1]
    q1 = values(community.path, Period.parse("2026-Q1"), NOW, NOTICE_CODES)
    year = values(community.path, Period.parse("2026"), NOW, NOTICE_CODES)
    reached = NoticeRecipient.objects.filter(notice=world.notices["jan"], org_path__startswith=community.path).count()
    assert reached > 0
    assert (q1["vertical.receipts_due"], q1["vertical.receipts_acked"]) == (reached, None)
    assert str(q1["vertical.ack_rate"]) == "0.0"
    may = NoticeRecipient.objects.filter(notice=world.notices["may"], org_path__startswith=community.path).count()
    assert (year["vertical.receipts_due"], year["vertical.receipts_acked"]) == (reached + may, reached)
    # The withdrawn notice and the one without 回执 are no receipts; the withdrawn one is not counted as sent.
    street1 = world.tree.streets[1]
    assert values(street1.path, Period.parse("2026-03"), NOW, NOTICE_CODES)["vertical.notices_sent"] is None


def test_the_vertical_figures_read_in_one_query_per_source_whatever_the_data_size(world: World, db) -> None:
    t = world.tree
    period = Period.parse("2026")
    kids = [s.path for s in t.streets]
    with CaptureQueriesContext(connection) as small:
        mx.grouped(CODES, t.district.path, len(t.district.path) + 4, period, NOW)
    assert len(small) == len(VERTICAL_SOURCES) + 1  # and the enabled meeting types, read once for meetings.due
    for i, community in enumerate(t.communities):
        hold(world.users[community.pk], "community_joint", community, "2026-Q3", at(2026, 8, 3 + i))
        make_post(make_person(community), community, Role.COMMITTEE_MEMBER)
    send(world.users[t.district.pk], t.district, now=at(2026, 9, 1), title="又一份通知")
    with CaptureQueriesContext(connection) as large:
        readings = mx.read(CODES, t.district.path, kids, period, NOW, previous=False)
    assert len(large) == len(small)
    assert readings["vertical.notices_sent"].value == 4


def test_the_dashboard_shows_the_vertical_panel_and_each_figure_opens_its_rows(client, world: World, db) -> None:
    t = world.tree
    client.force_login(world.users[t.district.pk])
    page = client.get(reverse("net:dashboard", args=[t.district.pk]), {"period": "2026-Q1"})
    assert page.status_code == 200
    panel = next(p for p in page.context["panels"] if p["key"] == "vertical")
    cards = {c["code"]: c for c in panel["figures"]}
    assert cards["vertical.meetings_on_cadence_rate"]["value"] == "50.0%"
    assert cards["vertical.meetings_due"]["value"] == "14"
    rows = client.get(cards["vertical.meetings_on_cadence"]["url"])
    titles = [r.title for r in rows.context["items"]]
    assert len(titles) == 7 and all(("会议" in x or "支委会" in x) for x in titles)
    assert {r.url for r in rows.context["items"]} == {
        reverse("meetings:detail", args=[world.meetings[k].pk])
        for k in ("c0", "c1", "s0", "s1", "d_jan", "g0_feb", "g1_jan")}
    due = client.get(cards["vertical.meetings_due"]["url"])
    assert sum(int(r.detail.split("应召开 ")[1].split(" 次")[0]) for r in due.context["items"]) == 14
    acked = client.get(cards["vertical.receipts_acked"]["url"])
    assert acked.status_code == 200 and all("回执" in r.detail for r in acked.context["items"])
    # A community secretary: the vertical rows of another community answer 404.
    client.force_login(world.users[t.communities[0].pk])
    other = client.get(reverse("net:rows", args=[t.communities[1].pk, "vertical.meetings_held"]), {"period": "2026"})
    assert other.status_code == 404
