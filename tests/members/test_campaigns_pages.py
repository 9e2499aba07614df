"""The pages of duty campaigns (认领): a cadre builds and runs a campaign and watches coverage and gaps live; a
member claims from a phone-friendly paged list, checks in and out and records residents brought along; the
roster and coverage export; the hub, the member's page and the to-do list. Figures equal direct counts;
lists run a constant number of queries; rows out of reach answer 404."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.members.factories_campaigns import make_campaign, make_world, member_user, shifts_of
from zongheng.core.todo import todos_for
from zongheng.members import actions_campaigns as actions
from zongheng.members.choices import CampaignState, DutyState
from zongheng.members.models import Campaign, Companion, DutyClaim, Segment, Shift


@pytest.fixture
def w(tree):
    return make_world(tree, members=6)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _running_shift(w, capacity=2):
    """An open campaign with one shift on now (started 10 minutes ago, ends in two hours)."""
    now = timezone.now()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    c = actions.do_create_campaign(w.cadre, {"org": w.tree.communities[0], "title": "冬季安全巡查",
                                             "starts_on": yesterday, "ends_on": yesterday + dt.timedelta(days=3)})
    seg = actions.do_add_segment(w.cadre, c, {"name": "东门岗"})
    shift = actions.do_add_shift(w.cadre, seg, {"starts_at": now - dt.timedelta(minutes=10),
                                                "ends_at": now + dt.timedelta(hours=2), "capacity": capacity})
    actions.do_transition_campaign(w.cadre, c, CampaignState.OPEN)
    return c, shift


# ---------------------------------------------------------------- a cadre runs a campaign


def test_a_cadre_creates_a_campaign_then_generates_the_levee_and_opens_it(client, w):
    client.force_login(w.street)
    url = reverse("members:campaign_new")
    assert client.get(url).status_code == 200
    data = {"org": w.tree.streets[0].pk, "kind": "flood", "title": "2018年防汛值守", "starts_on": "2030-06-26",
            "ends_on": "2030-07-09"}
    forged = client.post(url, data | {"org": w.tree.streets[1].pk})
    assert "发起组织不存在或不在您的管辖范围内" in forged.content.decode()
    assert not Campaign.objects.exists()
    response = client.post(url, data)
    c = Campaign.objects.get()
    assert response["Location"] == reverse("members:campaign_generate", args=[c.pk])
    assert c.state == CampaignState.DRAFT and c.org_path == w.tree.streets[0].path
    gen = reverse("members:campaign_generate", args=[c.pk])
    assert client.get(gen).status_code == 200
    response = client.post(gen, {"segment_mode": "chainage", "start_km": "0", "total_km": "55", "step_km": "0.5",
                                 "shifts_from": "2030-06-26", "shifts_to": "2030-07-09",
                                 "slots": "08:00-20:00\r\n20:00-08:00", "capacity": "2", "shift_segments": "all"})
    assert response.status_code == 302
    assert Segment.objects.filter(campaign=c).count() == 110
    assert Shift.objects.filter(campaign=c).count() == 110 * 14 * 2
    stale = client.post(reverse("members:campaign_transition", args=[c.pk]), {"state": "open", "from": "open"},
                        follow=True)
    assert "已被他人更新" in stale.content.decode() and Campaign.objects.get().state == CampaignState.DRAFT
    client.post(reverse("members:campaign_transition", args=[c.pk]), {"state": "open", "from": "draft"})
    assert Campaign.objects.get().state == CampaignState.OPEN
    clone = client.post(reverse("members:campaign_clone", args=[c.pk]), {"title": "", "starts_on": ""})
    copy = Campaign.objects.exclude(pk=c.pk).get()
    assert clone["Location"] == reverse("members:campaign", args=[copy.pk])
    assert (copy.title, copy.starts_on, copy.state) == ("2018年防汛值守（复制）", dt.date(2031, 6, 26),
                                                        CampaignState.DRAFT)
    assert Shift.objects.filter(campaign=copy).count() == 110 * 14 * 2


def test_another_orgs_cadre_gets_404_and_a_grid_leader_cannot_run_it(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    client.force_login(w.other_cadre)
    for name in ("members:campaign", "members:campaign_edit", "members:campaign_segments",
                 "members:campaign_coverage_export"):
        assert client.get(reverse(name, args=[c.pk])).status_code == 404, name
    assert client.post(reverse("members:campaign_transition", args=[c.pk]), {"state": "closed"}).status_code == 404
    client.force_login(w.grid_leader)  # member.view over the community, no member.change
    assert client.get(reverse("members:campaign", args=[c.pk])).status_code == 200
    assert client.get(reverse("members:campaign_edit", args=[c.pk])).status_code == 403
    assert Campaign.objects.get(pk=c.pk).state == CampaignState.OPEN


# ---------------------------------------------------------------- coverage and gaps, live


def test_the_campaign_page_shows_coverage_gaps_on_duty_and_participation_from_the_records(client, w):
    c, running = _running_shift(w, capacity=3)
    seg2 = actions.do_add_segment(w.cadre, c, {"name": "西门岗"})
    later = actions.do_add_shift(w.cadre, seg2, {"starts_at": running.ends_at, "ends_at": running.ends_at
                                                 + dt.timedelta(hours=4), "capacity": 2})
    claims = [actions.do_claim(m, running) for m in w.members[:2]]
    actions.do_claim(w.members[2], later)
    actions.do_check_in(w.members[0], claims[0])
    actions.do_set_companions(w.members[0], claims[0], "王大妈\n李四")
    client.force_login(w.cadre)
    response = client.get(reverse("members:campaign", args=[c.pk]))
    cov = response.context["cov"]
    assert (cov.capacity, cov.claimed, cov.shifts) == (5, 3, 2)
    assert (cov.members, cov.claims, cov.on_duty, cov.due_now, cov.due_now_in, cov.companions) == (3, 3, 1, 2, 1, 2)
    assert [s.pk for s in cov.gaps] == [running.pk, later.pk] and cov.short == 2 and cov.missing == 2
    assert [(s.name, s.claimed_sum, s.capacity_sum) for s in cov.segments] == [("东门岗", 2, 3), ("西门岗", 1, 2)]
    assert [p.label for p in cov.participation] == [w.tree.grids[0].name, w.tree.grids[1].name]
    assert sum(p.members for p in cov.participation) == 3 and sum(p.companions for p in cov.participation) == 2
    body = response.content.decode()
    assert 'hx-trigger="every 30s"' in body and w.members[0].person.name in body  # on duty, named for cadres
    live = client.get(reverse("members:campaign_live", args=[c.pk]))
    assert live.status_code == 200 and live.context["cov"].claimed == 3 and "<html" not in live.content.decode()
    # A member sees the figures, not who is on duty.
    client.force_login(w.members[3])
    body = client.get(reverse("members:campaign", args=[c.pk])).content.decode()
    assert "认领班次" in body and w.members[0].person.name not in body


def test_the_campaign_page_and_its_live_part_run_constant_queries(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0], segments=2, days=1, capacity=5)
    actions.do_claim(member_user(w.tree.grids[0]), shifts_of(c)[-1])
    client.force_login(w.cadre)
    detail, live = reverse("members:campaign", args=[c.pk]), reverse("members:campaign_live", args=[c.pk])
    before = (_queries(client, detail), _queries(client, live))
    actions.do_generate(w.cadre, c, {"segment_mode": "numbered", "count": 12, "pattern": "{n}号岗",
                                     "shifts_from": c.starts_on, "shifts_to": c.ends_on,
                                     "slots": "08:00-12:00\n12:00-16:00", "capacity": 3})
    for i, m in enumerate([*w.members, member_user(w.tree.grids[1]), member_user(w.tree.grids[0])]):
        actions.do_claim(m, shifts_of(c)[i])
    assert (_queries(client, detail), _queries(client, live)) == before


# ---------------------------------------------------------------- a member claims from a phone


def test_a_member_sees_open_campaigns_open_to_them_but_no_draft_and_nothing_of_another_org(client, w):
    open_ = make_campaign(w.cadre, w.tree.communities[0], title="先锋防汛")
    draft = make_campaign(w.cadre, w.tree.communities[0], title="筹备中的创城", state=CampaignState.DRAFT)
    elsewhere = make_campaign(w.other_cadre, w.tree.communities[2], title="别处防汛")
    client.force_login(w.members[0])
    page = client.get(reverse("members:campaigns"))
    assert [c.pk for c in page.context["page"]] == [open_.pk]
    for c in (draft, elsewhere):
        assert client.get(reverse("members:campaign", args=[c.pk])).status_code == 404
    shift = shifts_of(elsewhere)[0]
    assert client.post(reverse("members:campaign_shift_claim", args=[shift.pk])).status_code == 404
    assert not DutyClaim.objects.exists()
    client.force_login(w.resident)  # not a party member, no post
    assert client.get(reverse("members:campaigns")).status_code == 403


def test_a_member_claims_with_one_button_and_a_full_shift_is_refused_in_chinese(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0], capacity=1)
    shift = shifts_of(c)[0]
    url = reverse("members:campaign_shifts") + f"?campaign={c.pk}"
    client.force_login(w.members[0])
    page = client.get(url)
    assert page.context["rows"][0]["may_claim"] and "认领</button>" in page.content.decode()
    response = client.post(reverse("members:campaign_shift_claim", args=[shift.pk]), {"next": url}, follow=True)
    assert "认领成功" in response.content.decode() and response.redirect_chain[-1][0] == url
    assert Shift.objects.get(pk=shift.pk).claimed == 1
    rows = {r["s"].pk: r for r in client.get(url).context["rows"]}
    same_time = next(s for s in shifts_of(c) if s.starts_at == shift.starts_at and s.pk != shift.pk)
    assert rows[shift.pk]["claim"] is not None  # 我已认领
    assert rows[same_time.pk]["busy"] and not rows[same_time.pk]["may_claim"]  # 时间冲突: no button
    client.force_login(w.members[1])
    response = client.post(reverse("members:campaign_shift_claim", args=[shift.pk]), {"next": url}, follow=True)
    assert "该班次已认满（1 人）" in response.content.decode()
    assert DutyClaim.objects.filter(shift=shift).count() == 1
    # An outside "next" is not followed.
    response = client.post(reverse("members:campaign_shift_claim", args=[shift.pk]),
                           {"next": "https://evil.example/"})
    assert response["Location"].startswith("/members/campaigns/shifts/")


def test_the_shift_list_is_paged_filtered_and_runs_constant_queries(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0], segments=4, days=5)
    client.force_login(w.members[0])
    url = reverse("members:campaign_shifts") + f"?campaign={c.pk}"
    page = client.get(url)
    total = Shift.objects.filter(campaign=c).count()
    assert page.context["page"].paginator.count == total == 4 * 5 * 2 and len(page.context["rows"]) == 30
    seg = Segment.objects.filter(campaign=c).order_by("order").first()
    day = c.starts_on + dt.timedelta(days=1)
    filtered = client.get(f"{url}&segment={seg.pk}&day={day:%Y-%m-%d}")
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    expected = Shift.objects.filter(segment=seg, starts_at__lt=start + dt.timedelta(days=1), ends_at__gt=start)
    assert {r["s"].pk for r in filtered.context["rows"]} == set(expected.values_list("pk", flat=True))
    before = _queries(client, url)
    for i, m in enumerate(w.members):
        actions.do_claim(m, shifts_of(c)[i])
    assert _queries(client, url) == before


def test_my_claims_page_checks_in_records_residents_and_checks_out(client, w):
    _c, shift = _running_shift(w)
    claim = actions.do_claim(w.members[0], shift)
    client.force_login(w.members[0])
    page = client.get(reverse("members:duty_claims"))
    row = page.context["rows"][0]
    assert row["may_check_in"] and not row["may_release"] and not row["may_check_out"]
    client.post(reverse("members:duty_claim_checkin", args=[claim.pk]))
    names = "王大妈，邻居\r\n李四\r\n"
    response = client.post(reverse("members:duty_claim_companions", args=[claim.pk]), {"names": names}, follow=True)
    assert "已登记带动群众 2 人" in response.content.decode()
    assert list(Companion.objects.filter(claim=claim).values_list("name", "note")) == [("王大妈", "邻居"), ("李四", "")]
    page = client.get(reverse("members:duty_claims"))
    assert page.context["rows"][0]["may_check_out"]
    client.post(reverse("members:duty_claim_checkout", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.checked_in_at is not None and claim.checked_out_at is not None
    # Another member reaches none of it.
    client.force_login(w.members[1])
    assert client.post(reverse("members:duty_claim_release", args=[claim.pk])).status_code == 404
    assert client.get(reverse("members:duty_claim_companions", args=[claim.pk])).status_code == 404


def test_a_member_releases_an_upcoming_shift_from_their_page(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    claim = actions.do_claim(w.members[0], shifts_of(c)[0])
    client.force_login(w.members[0])
    assert client.get(reverse("members:duty_claims")).context["rows"][0]["may_release"]
    response = client.post(reverse("members:duty_claim_release", args=[claim.pk]), follow=True)
    assert "已退领" in response.content.decode()
    assert DutyClaim.objects.get(pk=claim.pk).state == DutyState.RELEASED
    assert Shift.objects.get(pk=claim.shift_id).claimed == 0


# ---------------------------------------------------------------- roster and exports


def test_the_roster_and_the_exports_hold_what_the_records_say(client, w):
    c, shift = _running_shift(w, capacity=3)
    claims = [actions.do_claim(m, shift) for m in w.members[:3]]
    actions.do_check_in(w.members[0], claims[0])
    actions.do_set_companions(w.members[0], claims[0], "甲\n乙\n丙")
    client.force_login(w.cadre)
    roster = client.get(reverse("members:campaign_roster") + f"?campaign={c.pk}")
    assert {d.pk for d in roster.context["page"]} == {x.pk for x in claims}
    on_duty = client.get(reverse("members:campaign_roster") + f"?campaign={c.pk}&state=on_duty")
    assert [d.pk for d in on_duty.context["page"]] == [claims[0].pk]
    xlsx = client.get(reverse("members:campaign_roster_export") + f"?campaign={c.pk}&state=all")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][4] == "党员" and len(rows) == 1 + len(claims)
    by_name = {r[4]: r for r in rows[1:]}
    assert by_name[w.members[0].person.name][10] == 3 and by_name[w.members[0].person.name][8]
    assert by_name[w.members[1].person.name][10] == 0
    cov = client.get(reverse("members:campaign_coverage_export", args=[c.pk]))
    rows = list(load_workbook(io.BytesIO(cov.content)).active.iter_rows(values_only=True))
    assert (rows[1][1], *rows[1][3:6]) == ("东门岗", 1, 3, 3)
    listing = client.get(reverse("members:campaigns_export"))
    rows = list(load_workbook(io.BytesIO(listing.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["冬季安全巡查"] and rows[1][8] == 3
    client.force_login(w.other_cadre)
    assert client.get(reverse("members:campaign_roster") + f"?campaign={c.pk}").context["page"].paginator.count == 0
    assert client.get(reverse("members:campaign_roster_export") + f"?campaign={c.pk}").status_code == 200


def test_roster_runs_constant_queries(client, w):
    c = make_campaign(w.cadre, w.tree.communities[0], segments=3, days=2)
    client.force_login(w.cadre)
    url = reverse("members:campaign_roster") + f"?campaign={c.pk}"
    actions.do_claim(w.members[0], shifts_of(c)[0])
    before = _queries(client, url)
    for i, m in enumerate(w.members[1:], start=1):
        actions.do_claim(m, shifts_of(c)[i])
    assert _queries(client, url) == before


# ---------------------------------------------------------------- hub, own page, to-do


def test_the_hub_the_members_page_and_the_todo_list_show_campaign_work(client, w):
    c, running = _running_shift(w, capacity=2)
    soon = actions.do_add_shift(w.cadre, Segment.objects.get(campaign=c), {
        "starts_at": running.ends_at + dt.timedelta(hours=3), "ends_at": running.ends_at + dt.timedelta(hours=6),
        "capacity": 2})
    actions.do_claim(w.members[0], running)
    actions.do_claim(w.members[1], soon)
    client.force_login(w.cadre)
    hub = client.get(reverse("members:home"))
    section = next(s for s in hub.context["sections"] if s.title == "认领")
    figures = {f.label: f.display for f in section.figures}
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    on_today = DutyClaim.objects.filter(starts_at__lt=start + dt.timedelta(days=1), ends_at__gt=start).count()
    assert figures["认领中的活动"] == "1" and figures["尚缺人的班次"] == "2"
    assert figures["今日值守"] == f"{on_today} 人次"
    todos = [t for t in todos_for(w.cadre, timezone.now()) if t.kind == "认领班次缺人"]
    assert len(todos) == 1 and "1 个班次未认满" in todos[0].title  # the one still ahead (the other is on now)
    client.force_login(w.members[1])
    me = client.get(reverse("members:me"))
    mine = next(s for s in me.context["sections"] if s.title == "认领值守")
    assert {f.label: f.display for f in mine.figures} == {"可认领的活动": "1", "我认领的班次": "1"}
    assert "东门岗" in mine.text
    kinds = [t.kind for t in todos_for(w.members[1], timezone.now())]
    assert "值守待签到" in kinds
    kinds = [t.kind for t in todos_for(w.members[0], timezone.now())]
    assert "值守待签到" in kinds  # on now, not checked in yet


def test_a_shift_on_now_still_short_is_a_warning_of_the_campaigns_organisation_until_filled(w):
    from zongheng.core.models import EarlyWarning
    from zongheng.core.warnings import rules, sweep_rule

    rule = next(r for r in rules() if r.code == "members.campaign_gap")
    c, running = _running_shift(w, capacity=1)
    sweep_rule(rule, timezone.now())
    warning = EarlyWarning.objects.get(rule=rule.code, cleared_at__isnull=True)
    assert (warning.org_path, warning.due_at) == (c.org_path, running.starts_at) and "冬季安全巡查" in warning.title
    assert EarlyWarning.objects.restrict(w.street).filter(pk=warning.pk).exists()
    assert not EarlyWarning.objects.restrict(w.other_cadre).filter(pk=warning.pk).exists()
    actions.do_claim(w.members[0], running)  # filled: the cause is gone
    sweep_rule(rule, timezone.now())
    assert not EarlyWarning.objects.filter(rule=rule.code, cleared_at__isnull=True).exists()


def test_the_hub_and_the_members_page_run_constant_queries(client, w):
    from zongheng.members.hooks_campaigns import hub_section, mine_section

    c = make_campaign(w.cadre, w.tree.communities[0], segments=2, days=2)
    actions.do_claim(w.members[0], shifts_of(c)[0])
    today = timezone.localdate()

    def counted(fn, *args):
        with CaptureQueriesContext(connection) as ctx:
            section = fn(*args)
        return len(ctx.captured_queries), section

    cadre, member = w.cadre, w.members[0]
    before = (counted(hub_section, cadre, today)[0], counted(mine_section, member, member.person, today)[0])
    make_campaign(w.cadre, w.tree.communities[0], title="第二次", segments=3, days=2)
    for i, m in enumerate(w.members[1:]):
        actions.do_claim(m, shifts_of(c)[i + 1])
    n_hub, hub = counted(hub_section, cadre, today)
    n_mine, mine = counted(mine_section, member, member.person, today)
    assert (n_hub, n_mine) == before
    assert {f.label: f.display for f in mine.figures}["可认领的活动"] == "2"
    assert {f.label: f.display for f in hub.figures}["认领中的活动"] == "2"
