"""Duty campaigns (认领): a cadre builds a campaign (55 km of levee into 110 segments, shifts per day), moves it
along one transition table and clones it for next year; a party member claims and releases shifts, checks in
and out, and records the residents brought along. Every refusal is in Chinese and changes nothing; the
counters always equal the live claims."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Count
from django.utils import timezone

from tests.members.factories_campaigns import at, make_campaign, make_world, member_user, shifts_of
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.members import actions_campaigns as actions
from zongheng.members import defaults as member_defaults
from zongheng.members.choices import CampaignState, Deed, DutyState
from zongheng.members.deeds import confirmed_deeds
from zongheng.members.forms_campaigns import resolve_campaign_org
from zongheng.members.models import Campaign, Companion, DutyClaim, PointEntry, Segment, Shift


@pytest.fixture
def w(tree):
    return make_world(tree)


def counters_equal_live_claims() -> bool:
    live = dict(DutyClaim.objects.filter(state=DutyState.CLAIMED).values("shift_id").annotate(n=Count("id"))
                .values_list("shift_id", "n"))
    return all(s.claimed == live.get(s.pk, 0) <= s.capacity for s in Shift.objects.all())


# ---------------------------------------------------------------- building a campaign


def test_a_levee_of_55_km_becomes_110_segments_named_by_chainage_with_two_shifts_a_day(w):
    start = dt.date(2018, 6, 26)
    c = actions.do_create_campaign(w.street, {"org": w.tree.streets[0], "kind": "flood", "title": "2018年防汛值守",
                                              "starts_on": start, "ends_on": start + dt.timedelta(days=6)})
    segments, shifts = actions.do_generate(w.street, c, {
        "segment_mode": "chainage", "start_km": "0", "total_km": "55", "step_km": "0.5", "place": "长江大堤",
        "shifts_from": start, "shifts_to": start + dt.timedelta(days=6), "slots": "08:00-20:00\n20:00-08:00",
        "capacity": 2})
    names = list(Segment.objects.filter(campaign=c).order_by("order").values_list("name", flat=True))
    assert segments == len(names) == 110
    assert names[0] == "K0+000–K0+500" and names[1] == "K0+500–K1+000" and names[-1] == "K54+500–K55+000"
    assert shifts == Shift.objects.filter(campaign=c).count() == 110 * 7 * 2
    night = Shift.objects.filter(campaign=c).order_by("starts_at", "id").last()
    a, b = timezone.localtime(night.starts_at), timezone.localtime(night.ends_at)
    assert (a.hour, b.hour, (b.date() - a.date()).days) == (20, 8, 1)
    assert set(Shift.objects.filter(campaign=c).values_list("capacity", flat=True)) == {2}
    assert Segment.objects.get(campaign=c, name="K12+000–K12+500").place == "长江大堤 K12+000–K12+500"
    # Running it again adds nothing: same names, same times.
    with pytest.raises(ActionError, match="没有新增的段或班次"):
        actions.do_generate(w.street, c, {"segment_mode": "chainage", "total_km": "55", "step_km": "0.5",
                                          "shifts_from": start, "shifts_to": start, "slots": "08:00-20:00",
                                          "capacity": 2})
    assert AuditLog.objects.filter(action="members.campaign_generate", object_id=str(c.pk)).count() == 1


@pytest.mark.parametrize("data,message", [
    ({"segment_mode": "chainage", "total_km": "55", "step_km": "0.1"}, "最多 500 段"),
    ({"segment_mode": "numbered", "count": "0"}, "段（岗）数应在"),
    ({"segment_mode": "numbered", "count": "2", "slots": "8点到20点", "shifts_from": "2018-06-26",
      "shifts_to": "2018-06-26", "capacity": 2}, "格式不正确"),
    ({"segment_mode": "numbered", "count": "2", "slots": "08:00-20:00", "shifts_from": "2018-06-20",
      "shifts_to": "2018-06-26", "capacity": 2}, "起止日期"),
    ({"segment_mode": "numbered", "count": "2", "slots": "08:00-20:00", "shifts_from": "2018-06-26",
      "shifts_to": "2018-06-26", "capacity": 0}, "每班人数"),
    ({"segment_mode": "chainage", "total_km": "abc", "step_km": "1"}, "应为数字"),
])
def test_bad_generation_input_is_refused_in_chinese_and_writes_nothing(w, data, message):
    c = actions.do_create_campaign(w.cadre, {"org": w.tree.communities[0], "title": "创城值守",
                                             "starts_on": dt.date(2018, 6, 26), "ends_on": dt.date(2018, 7, 2)})
    with pytest.raises(ActionError, match=message):
        actions.do_generate(w.cadre, c, data)
    assert not Segment.objects.filter(campaign=c).exists() and not Shift.objects.filter(campaign=c).exists()


def test_a_campaign_is_run_by_an_organisation_in_the_cadres_scope_and_forged_ids_get_one_message(w):
    with pytest.raises(ActionError) as out_of_scope:
        resolve_campaign_org(w.cadre, w.tree.communities[2].pk)
    with pytest.raises(ActionError) as missing:
        resolve_campaign_org(w.cadre, 10**12)
    assert out_of_scope.value.message == missing.value.message
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        actions.do_create_campaign(w.cadre, {"org": w.tree.communities[2], "title": "x",
                                             "starts_on": dt.date(2018, 1, 1), "ends_on": dt.date(2018, 1, 2)})
    with pytest.raises(ActionError, match="结束日期不能早于开始日期"):
        actions.do_create_campaign(w.cadre, {"org": w.tree.communities[0], "title": "x",
                                             "starts_on": dt.date(2018, 1, 2), "ends_on": dt.date(2018, 1, 1)})
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("start", list(CampaignState.values))
def test_transitions_follow_the_table_and_stale_ones_are_refused_in_chinese(w, start):
    c = make_campaign(w.cadre, w.tree.communities[0], state=CampaignState.DRAFT)
    Campaign.objects.filter(pk=c.pk).update(state=start)
    for target in CampaignState.values:
        c.refresh_from_db()
        if target in actions.CAMPAIGN_TRANSITIONS[start]:
            with pytest.raises(ActionError, match="已被他人更新"):  # the page showed another state
                actions.do_transition_campaign(w.cadre, c, target, from_state=target)
            assert actions.do_transition_campaign(w.cadre, c, target, from_state=start).state == target
            Campaign.objects.filter(pk=c.pk).update(state=start)
        else:
            with pytest.raises(ActionError, match="不能改为"):
                actions.do_transition_campaign(w.cadre, c, target, from_state=start)
            c.refresh_from_db()
            assert c.state == start


def test_a_campaign_without_shifts_cannot_open_and_another_orgs_cadre_cannot_touch_it(w):
    c = make_campaign(w.cadre, w.tree.communities[0], state=CampaignState.DRAFT, segments=0)
    with pytest.raises(ActionError, match="还没有班次"):
        actions.do_transition_campaign(w.cadre, c, CampaignState.OPEN)
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        actions.do_generate(w.other_cadre, c, {"segment_mode": "numbered", "count": 3})
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        actions.do_update_campaign(w.grid_leader, c, {"title": "改名"})  # member.view only
    assert Campaign.objects.get(pk=c.pk).state == CampaignState.DRAFT
    # The street above the community may act on it.
    actions.do_generate(w.street, c, {"segment_mode": "numbered", "count": 1, "slots": "08:00-12:00",
                                      "shifts_from": c.starts_on, "shifts_to": c.starts_on, "capacity": 1})
    assert actions.do_transition_campaign(w.street, c, CampaignState.OPEN).state == CampaignState.OPEN


def test_campaign_dates_must_keep_its_shifts_inside_and_a_closed_one_is_not_edited(w):
    c = make_campaign(w.cadre, w.tree.communities[0], days=3)
    with pytest.raises(ActionError, match="起止日期须包含这些班次"):
        actions.do_update_campaign(w.cadre, c, {"ends_on": c.starts_on})
    actions.do_update_campaign(w.cadre, c, {"title": "2018年汛期值守", "ends_on": c.ends_on + dt.timedelta(days=5)})
    assert Campaign.objects.get(pk=c.pk).title == "2018年汛期值守"
    actions.do_transition_campaign(w.cadre, c, CampaignState.CLOSED)
    with pytest.raises(ActionError, match="已结束"):
        actions.do_update_campaign(w.cadre, c, {"title": "再改"})
    with pytest.raises(ActionError, match="已结束"):
        actions.do_add_segment(w.cadre, c, {"name": "新岗"})


def test_a_campaign_is_cloned_for_next_year_with_its_segments_and_shifts_and_no_claims(w):
    c = make_campaign(w.cadre, w.tree.communities[0], title="2018年防汛值守", starts_on=dt.date(2028, 6, 26),
                      days=2, segments=3)
    shift = shifts_of(c)[0]
    actions.do_claim(w.members[0], shift, now=at(shift, -600))
    copy = actions.do_clone_campaign(w.cadre, c)
    assert (copy.state, copy.cloned_from_id, copy.title) == (CampaignState.DRAFT, c.pk, "2018年防汛值守（复制）")
    assert (copy.starts_on, copy.ends_on) == (dt.date(2029, 6, 26), dt.date(2029, 6, 27))
    old = {(s.segment.name, timezone.localtime(s.starts_at).replace(year=2029), s.capacity) for s in shifts_of(c)}
    new = {(s.segment.name, timezone.localtime(s.starts_at), s.capacity) for s in shifts_of(copy)}
    assert old == new and len(new) == 3 * 2 * 2
    assert set(Shift.objects.filter(campaign=copy).values_list("claimed", flat=True)) == {0}
    assert not DutyClaim.objects.filter(campaign=copy).exists()
    # Or to a chosen start: every date moves by the same number of days.
    moved = actions.do_clone_campaign(w.cadre, c, starts_on=dt.date(2029, 7, 1), title="2029年主汛期值守")
    assert (moved.starts_on, moved.ends_on) == (dt.date(2029, 7, 1), dt.date(2029, 7, 2))
    assert moved.title == "2029年主汛期值守"
    first = Shift.objects.filter(campaign=moved).order_by("starts_at").first()
    assert timezone.localtime(first.starts_at).date() == dt.date(2029, 7, 1)
    with pytest.raises(ActionError):
        actions.do_clone_campaign(w.other_cadre, c)


def test_a_year_titled_campaign_gets_next_years_title(w):
    c = make_campaign(w.cadre, w.tree.communities[0], title="2028年防汛值守", starts_on=dt.date(2028, 6, 26), days=1,
                      segments=1)
    assert actions.do_clone_campaign(w.cadre, c).title == "2029年防汛值守"


# ---------------------------------------------------------------- claiming


def test_a_member_claims_a_shift_and_the_counter_follows(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    claim = actions.do_claim(w.members[0], shift)
    assert (claim.person_id, claim.shift_id, claim.campaign_id) == (w.members[0].person_id, shift.pk, c.pk)
    assert (claim.starts_at, claim.ends_at) == (shift.starts_at, shift.ends_at)
    assert Shift.objects.get(pk=shift.pk).claimed == 1
    assert AuditLog.objects.filter(action="members.duty_claim", object_id=str(claim.pk),
                                   org_path=c.org_path).exists()


def test_a_full_shift_is_refused_in_chinese(w):
    c = make_campaign(w.cadre, w.tree.communities[0], capacity=1)
    shift = shifts_of(c)[0]
    actions.do_claim(w.members[0], shift)
    with pytest.raises(ActionError, match=r"该班次已认满（1 人）"):
        actions.do_claim(w.members[1], shift)
    assert Shift.objects.get(pk=shift.pk).claimed == 1
    assert DutyClaim.objects.filter(shift=shift).count() == 1


def test_an_overlapping_shift_is_refused_even_in_another_campaign(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    other = make_campaign(w.street, w.tree.streets[0], title="创城值守", slots="10:00-14:00", segments=1)
    first, same_time = shifts_of(c)[0], shifts_of(c)[1]
    assert first.starts_at == same_time.starts_at and first.segment_id != same_time.segment_id
    actions.do_claim(w.members[0], first)
    with pytest.raises(ActionError, match="您已认领该班次"):
        actions.do_claim(w.members[0], first)
    with pytest.raises(ActionError, match="时间重叠"):
        actions.do_claim(w.members[0], same_time)
    inside = shifts_of(other)[0]  # 10:00–14:00 inside 08:00–20:00 of the same day
    with pytest.raises(ActionError, match="时间重叠"):
        actions.do_claim(w.members[0], inside)
    # A shift that starts when the other ends does not overlap.
    night = next(s for s in shifts_of(c) if s.starts_at == first.ends_at)
    actions.do_claim(w.members[0], night)
    assert DutyClaim.objects.filter(person_id=w.members[0].person_id, state=DutyState.CLAIMED).count() == 2
    assert counters_equal_live_claims()


@pytest.mark.parametrize("state,message", [(CampaignState.DRAFT, "尚未开放"), (CampaignState.CLOSED, "已结束")])
def test_a_campaign_that_is_not_open_refuses_claims(w, state, message):
    c = make_campaign(w.cadre, w.tree.communities[0], state=state)
    with pytest.raises(ActionError, match=message):
        actions.do_claim(w.members[0], shifts_of(c)[0])
    assert not DutyClaim.objects.exists()


def test_an_ended_shift_is_refused_and_a_running_one_may_still_be_claimed(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    with pytest.raises(ActionError, match="该班次已结束"):
        actions.do_claim(w.members[0], shift, now=shift.ends_at)
    actions.do_claim(w.members[0], shift, now=at(shift, 60))
    assert Shift.objects.get(pk=shift.pk).claimed == 1


def test_only_party_members_the_campaign_is_open_to_may_claim(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    with pytest.raises(ActionError, match="不面向您所在的组织"):
        actions.do_claim(w.outsider, shift)
    with pytest.raises(ActionError, match="只有党员"):
        actions.do_claim(w.resident, shift)
    # A member registered with the community (双联双管) is reached through their registration.
    registered = member_user(w.tree.grids[6])
    registered.person.registered_org = w.tree.communities[0]
    registered.person.registered_path = w.tree.communities[0].path
    registered.person.save()
    actions.do_claim(registered, shift)
    assert DutyClaim.objects.filter(shift=shift).count() == 1


def test_release_before_the_start_frees_the_place_and_the_shift_may_be_claimed_again(w):
    c = make_campaign(w.cadre, w.tree.communities[0], capacity=1)
    shift = shifts_of(c)[0]
    claim = actions.do_claim(w.members[0], shift)
    with pytest.raises(ActionError, match="已认满"):
        actions.do_claim(w.members[1], shift)
    released = actions.do_release(w.members[0], claim)
    assert (released.state, Shift.objects.get(pk=shift.pk).claimed) == (DutyState.RELEASED, 0)
    with pytest.raises(ActionError, match="已退领"):
        actions.do_release(w.members[0], claim)
    actions.do_claim(w.members[1], shift)
    with pytest.raises(ActionError, match="已认满"):
        actions.do_claim(w.members[0], shift)
    assert counters_equal_live_claims()


def test_release_after_the_start_is_refused(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    claim = actions.do_claim(w.members[0], shift)
    with pytest.raises(ActionError, match="班次已开始，不能退领"):
        actions.do_release(w.members[0], claim, now=at(shift, 1))
    assert Shift.objects.get(pk=shift.pk).claimed == 1


def test_a_member_cannot_act_on_anothers_claim(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    claim = actions.do_claim(w.members[0], shift)
    for do in (actions.do_release, actions.do_check_in, actions.do_check_out):
        with pytest.raises(ActionError, match="认领记录不存在"):
            do(w.members[1], claim, now=at(shift, 5))
    with pytest.raises(ActionError, match="认领记录不存在"):
        actions.do_set_companions(w.cadre, claim, "张三", now=at(shift, 5))
    claim.refresh_from_db()
    assert (claim.state, claim.checked_in_at) == (DutyState.CLAIMED, None)


# ---------------------------------------------------------------- on duty


def test_check_in_only_within_the_shift_window_with_30_minutes_of_slack(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    claim = actions.do_claim(w.members[0], shift)
    with pytest.raises(ActionError, match="签到时间为班次开始前 30 分钟至班次结束"):
        actions.do_check_in(w.members[0], claim, now=at(shift, -31))
    with pytest.raises(ActionError, match="签到时间为"):
        actions.do_check_in(w.members[0], claim, now=shift.ends_at + dt.timedelta(minutes=1))
    with pytest.raises(ActionError, match="请先签到"):
        actions.do_check_out(w.members[0], claim, now=at(shift, 60))
    done = actions.do_check_in(w.members[0], claim, now=at(shift, -20))
    assert done.checked_in_at == at(shift, -20)
    with pytest.raises(ActionError, match="您已签到"):
        actions.do_check_in(w.members[0], claim, now=at(shift, -10))


def test_check_out_awards_the_duty_points_once_and_yields_a_confirmed_deed(w):
    member_defaults.ensure_installed()
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    claim = actions.do_claim(w.members[0], shift)
    actions.do_check_in(w.members[0], claim, now=at(shift, 0))
    with pytest.raises(ActionError, match="已超过签退时限"):
        actions.do_check_out(w.members[0], claim, now=shift.ends_at + dt.timedelta(hours=2, minutes=1))
    actions.do_check_out(w.members[0], claim, now=shift.ends_at + dt.timedelta(minutes=5))
    entries = PointEntry.objects.filter(person_id=w.members[0].person_id, source=f"duty.claim:{claim.pk}")
    assert entries.count() == 1 and entries.get().deed == Deed.DUTY and entries.get().points > 0
    assert entries.get().occurred_on == timezone.localtime(shift.starts_at).date()
    with pytest.raises(ActionError, match="您已签退"):
        actions.do_check_out(w.members[0], claim, now=shift.ends_at + dt.timedelta(minutes=6))
    day = timezone.localtime(shift.starts_at).date()
    deeds = [d for d in confirmed_deeds(day, day + dt.timedelta(days=1)) if d.source.startswith("duty.claim:")]
    assert [(d.person_id, d.source, d.occurred_on) for d in deeds] == [
        (w.members[0].person_id, f"duty.claim:{claim.pk}", day)]


def test_residents_brought_along_are_recorded_one_a_line_after_check_in(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    claim = actions.do_claim(w.members[0], shift)
    with pytest.raises(ActionError, match="签到后才能登记"):
        actions.do_set_companions(w.members[0], claim, "张三", now=at(shift, 1))
    actions.do_check_in(w.members[0], claim, now=at(shift, 1))
    rows = actions.do_set_companions(w.members[0], claim, "王大妈，邻居\n\n李四\n  赵五、楼长 \n", now=at(shift, 2))
    assert [(r.name, r.note) for r in rows] == [("王大妈", "邻居"), ("李四", ""), ("赵五", "楼长")]
    actions.do_set_companions(w.members[0], claim, "李四", now=at(shift, 3))  # replaces the list
    assert list(Companion.objects.filter(claim=claim).values_list("name", flat=True)) == ["李四"]
    with pytest.raises(ActionError, match="最多登记 30 名"):
        actions.do_set_companions(w.members[0], claim, "\n".join(f"居民{i}" for i in range(31)), now=at(shift, 4))
    with pytest.raises(ActionError, match="超过 3 天"):
        actions.do_set_companions(w.members[0], claim, "张三", now=shift.ends_at + dt.timedelta(days=3, minutes=1))
    assert Companion.objects.filter(claim=claim).count() == 1


def test_checking_in_is_refused_once_the_campaign_is_closed(w):
    c = make_campaign(w.cadre, w.tree.communities[0])
    shift = shifts_of(c)[0]
    claim = actions.do_claim(w.members[0], shift)
    actions.do_transition_campaign(w.cadre, c, CampaignState.CLOSED)
    with pytest.raises(ActionError, match="已结束"):
        actions.do_check_in(w.members[0], claim, now=at(shift, 1))
    with pytest.raises(ActionError, match="已结束"):
        actions.do_release(w.members[0], claim, now=at(shift, -100))


# ---------------------------------------------------------------- single segments and shifts


def test_a_shifts_capacity_never_drops_below_its_claims_and_its_time_is_fixed_once_claimed(w):
    c = make_campaign(w.cadre, w.tree.communities[0], capacity=3)
    shift = shifts_of(c)[0]
    actions.do_claim(w.members[0], shift)
    actions.do_claim(w.members[1], shift)
    with pytest.raises(ActionError, match="人数不能少于 2"):
        actions.do_update_shift(w.cadre, shift, {"capacity": 1})
    with pytest.raises(ActionError, match="不能修改时间"):
        actions.do_update_shift(w.cadre, shift, {"starts_at": shift.starts_at + dt.timedelta(hours=1)})
    assert actions.do_update_shift(w.cadre, shift, {"capacity": 2}).capacity == 2
    with pytest.raises(ActionError, match="已有认领记录"):
        actions.do_delete_shift(w.cadre, shift)
    with pytest.raises(ActionError, match="已有认领记录"):
        actions.do_delete_segment(w.cadre, shift.segment)
    free = shifts_of(c)[-1]
    moved = actions.do_update_shift(w.cadre, free, {"starts_at": free.starts_at + dt.timedelta(hours=1),
                                                    "ends_at": free.ends_at})
    assert moved.starts_at == free.starts_at + dt.timedelta(hours=1)
    actions.do_delete_shift(w.cadre, free)
    assert not Shift.objects.filter(pk=free.pk).exists()


def test_segments_are_added_renamed_and_deleted_with_unique_names(w):
    c = make_campaign(w.cadre, w.tree.communities[0], segments=1)
    s = actions.do_add_segment(w.cadre, c, {"name": "东门岗", "place": "小区东门"})
    with pytest.raises(ActionError, match="已有名为“东门岗”"):
        actions.do_add_segment(w.cadre, c, {"name": "东门岗"})
    with pytest.raises(ActionError, match="已有名为“第1岗”"):
        actions.do_update_segment(w.cadre, s, {"name": "第1岗"})
    actions.do_update_segment(w.cadre, s, {"name": "西门岗"})
    shift = actions.do_add_shift(w.cadre, s, {"starts_at": timezone.make_aware(
        dt.datetime.combine(c.starts_on, dt.time(7))), "ends_at": timezone.make_aware(
        dt.datetime.combine(c.starts_on, dt.time(9))), "capacity": 3})
    assert shift.campaign_id == c.pk and Segment.objects.get(pk=s.pk).name == "西门岗"
    actions.do_delete_segment(w.cadre, s)
    assert not Segment.objects.filter(pk=s.pk).exists() and not Shift.objects.filter(pk=shift.pk).exists()


def no_overlapping_live_claims() -> bool:
    by_person: dict[int, list[DutyClaim]] = {}
    for c in DutyClaim.objects.filter(state=DutyState.CLAIMED).order_by("person_id", "starts_at"):
        by_person.setdefault(c.person_id, []).append(c)
    return all(a.ends_at <= b.starts_at for claims in by_person.values() for a, b in itertools.pairwise(claims))


def test_claim_and_release_cycles_keep_every_counter_equal_to_the_live_claims(w):
    c = make_campaign(w.cadre, w.tree.communities[0], capacity=2, segments=3, days=2)
    shifts = shifts_of(c)
    users = {m.person_id: m for m in w.members}
    for round_ in range(3):
        for i, member in enumerate(w.members):
            for shift in shifts[i % 3::3]:
                try:
                    actions.do_claim(member, shift)
                except ActionError:
                    pass
        for claim in DutyClaim.objects.filter(state=DutyState.CLAIMED).order_by("id")[round_::2]:
            actions.do_release(users[claim.person_id], claim)
        assert counters_equal_live_claims()
        assert no_overlapping_live_claims()
