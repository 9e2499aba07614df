"""Activities (活动): organisers create, edit drafts, publish and cancel within their scope; members sign up
for what is open to them, never twice, never beyond the capacity, and cancel before the start; residents are
signed up by the organiser; attendance after the event awards each attended member's points once and takes
them back when a mark changes to absent; held activities' attended members are the deed source."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from tests.members.factories_activities import after, make_activity, make_functional, make_world, plain_member
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.members import actions_activities as actions
from zongheng.members import deeds
from zongheng.members import selectors_activities as selectors
from zongheng.members.choices import ActivityState, SignUpState
from zongheng.members.models import Activity, PointEntry, SignUp


@pytest.fixture
def w(tree):
    return make_world(tree)


def _net(person, signup) -> int:
    return PointEntry.objects.filter(person=person, source=f"activity.signup:{signup.pk}").aggregate(
        s=Sum("points"))["s"] or 0


# ---------------------------------------------------------------- organising


def test_an_organiser_creates_a_draft_edits_it_and_publishes_it(w):
    a = make_activity(w.secretary, w.community, publish=False, capacity=20)
    assert (a.state, a.org_path, a.signed, a.capacity) == (ActivityState.DRAFT, w.community.path, 0, 20)
    a = actions.do_update_activity(w.secretary, a, {"title": "重阳敬老志愿服务", "capacity": None})
    assert (a.title, a.capacity) == ("重阳敬老志愿服务", None)
    a = actions.do_transition(w.secretary, a, ActivityState.PUBLISHED, from_state=ActivityState.DRAFT)
    assert Activity.objects.get(pk=a.pk).state == ActivityState.PUBLISHED
    with pytest.raises(ActionError, match="只能修改草稿"):
        actions.do_update_activity(w.secretary, a, {"title": "改名"})
    assert list(AuditLog.objects.filter(object_id=str(a.pk), object_type="members.activity")
                .order_by("id").values_list("action", flat=True)) == [
        "members.activity_create", "members.activity_update", "members.activity_publish"]


def test_an_organiser_works_only_on_organisations_in_scope(w):
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        make_activity(w.secretary, w.other_community)
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        make_activity(w.functional_secretary, w.community)  # a functional org's secretary: their org only
    a = make_activity(w.functional_secretary, w.functional, kind="team", team=w.team)
    assert (a.org, a.team, a.kind) == (w.functional, w.team, "team")
    with pytest.raises(ActionError, match="不属于"):
        make_activity(w.secretary, w.community, kind="team", team=w.team)  # the team is the functional org's
    with pytest.raises(ActionError, match="须由功能型党组织开展"):
        make_activity(w.secretary, w.community, kind="functional")
    with pytest.raises(ActionError, match="您不能组织该活动"):
        actions.do_transition(w.other_secretary, a, ActivityState.CANCELLED, reason="下雨")
    assert Activity.objects.count() == 1


def test_bad_times_and_capacities_are_refused_in_chinese(w):
    with pytest.raises(ActionError, match="结束时间不能早于开始时间"):
        make_activity(w.secretary, w.community, hours=-1)
    with pytest.raises(ActionError, match="人数上限"):
        make_activity(w.secretary, w.community, capacity=0)
    with pytest.raises(ActionError, match="请填写活动名称"):
        make_activity(w.secretary, w.community, title="  <b></b> ")
    assert not Activity.objects.exists()


def test_transitions_follow_the_table_and_a_stale_one_is_refused(w):
    a = make_activity(w.secretary, w.community, publish=False)
    with pytest.raises(ActionError, match="状态已变为"):
        actions.do_transition(w.secretary, a, ActivityState.CANCELLED, from_state=ActivityState.PUBLISHED,
                              reason="改期")
    with pytest.raises(ActionError, match="请填写取消原因"):
        actions.do_transition(w.secretary, a, ActivityState.CANCELLED, from_state=ActivityState.DRAFT)
    with pytest.raises(ActionError, match="不能改为“已确认出勤”"):
        actions.do_transition(w.secretary, a, ActivityState.HELD, from_state=ActivityState.DRAFT)
    with pytest.raises(ActionError, match="未知的活动状态"):
        actions.do_transition(w.secretary, a, "nonsense")
    actions.do_transition(w.secretary, a, ActivityState.PUBLISHED, from_state=ActivityState.DRAFT)
    with pytest.raises(ActionError, match="状态已变为“报名中”"):  # a second tab still showing the draft
        actions.do_transition(w.secretary, a, ActivityState.PUBLISHED, from_state=ActivityState.DRAFT)
    with pytest.raises(ActionError, match="出勤确认页面"):
        actions.do_transition(w.secretary, a, ActivityState.HELD, from_state=ActivityState.PUBLISHED)
    a = actions.do_transition(w.secretary, a, ActivityState.CANCELLED, from_state=ActivityState.PUBLISHED,
                              reason="台风预警，活动取消")
    assert (a.state, a.cancel_reason) == (ActivityState.CANCELLED, "台风预警，活动取消")
    with pytest.raises(ActionError, match="不能改为"):
        actions.do_transition(w.secretary, a, ActivityState.PUBLISHED, from_state=ActivityState.CANCELLED)
    assert set(actions.TRANSITIONS) == set(ActivityState.values)  # one table names every state


# ---------------------------------------------------------------- signing up


def test_a_member_signs_up_once_and_cancels_before_the_start(w):
    a = make_activity(w.secretary, w.community, capacity=5)
    s = actions.do_sign_up(w.member, a)
    assert (s.person, s.is_member, s.state) == (w.member.person, True, SignUpState.SIGNED)
    assert Activity.objects.get(pk=a.pk).signed == 1
    with pytest.raises(ActionError, match="您已报名该活动"):
        actions.do_sign_up(w.member, a)
    assert Activity.objects.get(pk=a.pk).signed == 1
    actions.do_cancel_sign_up(w.member, s)
    assert Activity.objects.get(pk=a.pk).signed == 0
    with pytest.raises(ActionError, match="已取消"):
        actions.do_cancel_sign_up(w.member, s)
    again = actions.do_sign_up(w.member, a)  # a cancelled sign-up does not stop a new one
    assert again.pk != s.pk and Activity.objects.get(pk=a.pk).signed == 1
    with pytest.raises(ActionError, match="活动已经开始"):
        actions.do_cancel_sign_up(w.member, again, now=after(a))
    with pytest.raises(ActionError, match="只能取消本人的报名"):
        actions.do_cancel_sign_up(w.member2, again)


def test_the_capacity_is_never_exceeded(w):
    a = make_activity(w.secretary, w.community, capacity=2)
    actions.do_sign_up(w.member, a)
    actions.do_sign_up(w.member2, a)
    third = plain_member(w.tree.grids[0])
    with pytest.raises(ActionError, match="报名人数已满"):
        actions.do_sign_up(third, a)
    with pytest.raises(ActionError, match="报名人数已满"):
        actions.do_add_resident(w.secretary, a, "王大妈", "")
    a.refresh_from_db()
    assert a.signed == 2 == SignUp.objects.filter(activity=a, state=SignUpState.SIGNED).count()


def test_sign_up_needs_a_published_activity_not_yet_started(w):
    draft = make_activity(w.secretary, w.community, publish=False)
    with pytest.raises(ActionError, match="尚未发布"):
        actions.do_sign_up(w.member, draft)
    a = make_activity(w.secretary, w.community)
    with pytest.raises(ActionError, match="活动已经开始"):
        actions.do_sign_up(w.member, a, now=after(a, 0))
    actions.do_transition(w.secretary, a, ActivityState.CANCELLED, reason="改期")
    with pytest.raises(ActionError, match="已取消"):
        actions.do_sign_up(w.member, a)
    assert not SignUp.objects.exists()


def test_what_is_open_to_a_member(w):
    """The organisations above them and the functional organisations right below those — not another
    community's, not a grid beside theirs."""
    street = w.tree.streets[0]
    mine = {make_activity(w.secretary, w.community).pk,
            make_activity(w.functional_secretary, w.functional).pk}
    district_sec = plain_member(w.tree.district)
    from tests.factories import make_post
    from zongheng.core.permissions import Role

    make_post(district_sec.person, w.tree.district, Role.SECRETARY)
    mine.add(make_activity(district_sec, street).pk)
    other = make_activity(w.other_secretary, w.other_community)
    beside = make_activity(w.secretary, w.tree.grids[1])  # the member's grid is grids[0]
    deep_org, _ = make_functional(w.functional)  # below a functional org, not directly below the community
    deep = make_activity(district_sec, deep_org)
    now = timezone.now()
    got = set(selectors.open_activities(w.member.person, now).values_list("pk", flat=True))
    assert got == mine
    for a in (other, beside, deep):
        with pytest.raises(ActionError, match="不面向您"):
            actions.do_sign_up(w.member, a)
    # A member registered (双联双管) with the other community sees its activities too.
    person = w.member.person
    person.registered_org, person.registered_path = w.other_community, w.other_community.path
    person.save()
    assert other.pk in set(selectors.open_activities(person, now).values_list("pk", flat=True))


def test_a_resident_signs_up_only_where_residents_are_taken(w):
    members_only = make_activity(w.secretary, w.community, open_to_residents=False)
    with pytest.raises(ActionError, match="只接受党员报名"):
        actions.do_sign_up(w.resident, members_only)
    a = make_activity(w.secretary, w.community)
    s = actions.do_sign_up(w.resident, a)
    assert (s.is_member, s.person) == (False, w.resident.person)
    assert members_only.pk not in set(selectors.open_activities(w.resident.person, timezone.now())
                                      .values_list("pk", flat=True))


def test_the_organiser_signs_up_a_resident_with_the_phone_encrypted(w):
    from zongheng.core import crypto

    a = make_activity(w.secretary, w.community)
    s = actions.do_add_resident(w.secretary, a, "李阿姨", "13912345678")
    assert (s.name, s.phone_masked, s.is_member, s.person) == ("李阿姨", "139****5678", False, None)
    assert "13912345678" not in s.phone_enc and crypto.decrypt(s.phone_enc) == "13912345678"
    with pytest.raises(ActionError, match="该电话已报名"):
        actions.do_add_resident(w.secretary, a, "李阿姨", "139 1234 5678")
    with pytest.raises(ActionError, match="手机号码格式不正确"):
        actions.do_add_resident(w.secretary, a, "张叔", "12345")
    with pytest.raises(ActionError, match="您不能组织该活动"):
        actions.do_add_resident(w.other_secretary, a, "张叔", "")
    assert Activity.objects.get(pk=a.pk).signed == 1
    log = AuditLog.objects.get(action="members.signup_resident")
    assert "13912345678" not in str(log.after) and log.org_path == a.org_path


# ---------------------------------------------------------------- attendance and points


def test_attendance_awards_each_attended_member_once_and_revokes_on_absent(w):
    a = make_activity(w.secretary, w.community)
    s1 = actions.do_sign_up(w.member, a)
    s2 = actions.do_sign_up(w.member2, a)
    r = actions.do_add_resident(w.secretary, a, "李阿姨", "13912345678")
    with pytest.raises(ActionError, match="还没有开始"):
        actions.do_confirm_attendance(w.secretary, a, {s1.pk: True, s2.pk: True, r.pk: True})
    with pytest.raises(ActionError, match="还有 1 人未确认"):
        actions.do_confirm_attendance(w.secretary, a, {s1.pk: True, s2.pk: False}, now=after(a))
    assert not PointEntry.objects.exists()
    a = actions.do_confirm_attendance(w.secretary, a, {s1.pk: True, s2.pk: False, r.pk: True}, now=after(a))
    assert (a.state, a.confirmed_at) == (ActivityState.HELD, after(a))
    earned = _net(w.member.person, s1)
    assert earned > 0 and _net(w.member2.person, s2) == 0
    assert PointEntry.objects.filter(source=f"activity.signup:{r.pk}").count() == 0  # residents earn none
    # Confirming again changes nothing: awarded once.
    actions.do_confirm_attendance(w.secretary, a, {s1.pk: True}, now=after(a, 5))
    assert PointEntry.objects.filter(person=w.member.person).count() == 1
    # A mark changed to absent takes the points back; changed again, restores them.
    actions.do_confirm_attendance(w.secretary, a, {s1.pk: False}, now=after(a, 6))
    assert _net(w.member.person, s1) == 0
    actions.do_confirm_attendance(w.secretary, a, {s1.pk: True, s2.pk: True}, now=after(a, 7))
    assert _net(w.member.person, s1) == earned and _net(w.member2.person, s2) > 0
    day = timezone.localtime(a.starts_at).date()
    assert set(PointEntry.objects.values_list("occurred_on", flat=True)) == {day}


def test_walk_ins_are_attended_residents_outside_the_capacity(w):
    a = make_activity(w.secretary, w.community, capacity=1)
    s = actions.do_sign_up(w.member, a)
    actions.do_confirm_attendance(w.secretary, a, {s.pk: True},
                                  [{"name": "路过的王伯", "phone": ""}, {"name": "赵姐", "phone": "13800001111"}],
                                  now=after(a))
    a.refresh_from_db()
    assert a.signed == 1  # the capacity held; walk-ins do not count against it
    walk = SignUp.objects.filter(activity=a, walk_in=True)
    assert walk.count() == 2 and set(walk.values_list("attended", "is_member")) == {(True, False)}
    assert walk.get(name="赵姐").phone_masked == "138****1111"


def test_attendance_needs_the_organiser_and_a_known_sign_up(w):
    a = make_activity(w.secretary, w.community)
    s = actions.do_sign_up(w.member, a)
    other = make_activity(w.secretary, w.community)
    foreign = actions.do_sign_up(w.member2, other)
    with pytest.raises(ActionError, match="您不能组织该活动"):
        actions.do_confirm_attendance(w.other_secretary, a, {s.pk: True}, now=after(a))
    with pytest.raises(ActionError, match="不存在或已取消"):
        actions.do_confirm_attendance(w.secretary, a, {s.pk: True, foreign.pk: True}, now=after(a))
    draft = make_activity(w.secretary, w.community, publish=False)
    with pytest.raises(ActionError, match="不能确认出勤"):
        actions.do_confirm_attendance(w.secretary, draft, {}, now=after(draft))
    assert not PointEntry.objects.exists() and Activity.objects.get(pk=a.pk).state == ActivityState.PUBLISHED


def test_the_deed_source_yields_the_attended_members_of_held_activities(w):
    a = make_activity(w.secretary, w.community)
    s1, s2 = actions.do_sign_up(w.member, a), actions.do_sign_up(w.member2, a)
    r = actions.do_add_resident(w.secretary, a, "李阿姨", "")
    pending = make_activity(w.secretary, w.community)
    actions.do_sign_up(w.member, pending)  # not held: no deed
    actions.do_confirm_attendance(w.secretary, a, {s1.pk: True, s2.pk: False, r.pk: True}, now=after(a))
    day = timezone.localtime(a.starts_at).date()
    found = list(dict(deeds.deed_sources())["activities"](day, day + dt.timedelta(days=1)))
    assert [(d.person_id, d.source, d.occurred_on) for d in found] == [
        (w.member.person.pk, f"activity.signup:{s1.pk}", day)]
    # Every ledger entry of an activity traces to a deed the source yields.
    sources = {d.source for d in found}
    assert set(PointEntry.objects.values_list("source", flat=True)) <= sources
    source = dict(deeds.deed_sources())["activities"]
    assert not list(source(day + dt.timedelta(days=1), day + dt.timedelta(days=2)))  # the day after: none


# ---------------------------------------------------------------- figures


def test_figures_equal_direct_counts_per_organisation(w):
    import random

    rng = random.Random(7)
    made = []
    for org, user in ((w.community, w.secretary), (w.functional, w.functional_secretary),
                      (w.tree.grids[0], w.secretary), (w.other_community, w.other_secretary)):
        for _ in range(2):
            a = make_activity(user, org)
            people = [plain_member(w.tree.grids[0]) for _ in range(rng.randint(1, 3))]
            ss = [actions.do_sign_up(p, a) for p in people if org != w.other_community]
            ss += [actions.do_add_resident(user, a, f"居民{i}", "") for i in range(rng.randint(0, 3))]
            marks = {s.pk: rng.random() < 0.7 for s in ss}
            actions.do_confirm_attendance(user, a, marks, [{"name": "现场居民"}] if rng.random() < 0.5 else [],
                                          now=after(a))
            made.append(a)
    make_activity(w.secretary, w.community)  # not held: counts nowhere
    year = timezone.localtime(made[0].starts_at).year
    total, rows = selectors.figures(w.secretary, year)
    attended = SignUp.objects.filter(attended=True, state=SignUpState.SIGNED, activity__state=ActivityState.HELD,
                                     activity__org_path__startswith=w.community.path)
    assert total.held == Activity.objects.filter(state=ActivityState.HELD,
                                                 org_path__startswith=w.community.path).count()
    assert total.residents == attended.filter(is_member=False).count()
    assert total.members == attended.filter(is_member=True).count()
    assert sum(r.held for r in rows) == total.held and sum(r.residents for r in rows) == total.residents
    by_name = {r.name: r for r in rows}
    own = by_name[f"{w.community.name}（本级）"]
    assert own.held == Activity.objects.filter(state=ActivityState.HELD, org_path=w.community.path).count()
    grid = by_name[w.tree.grids[0].name]
    assert grid.residents == attended.filter(is_member=False, activity__org_path=w.tree.grids[0].path).count()
    # The district sees both communities; the other community's figures are not the first's.
    district_total, _ = selectors.figures(_district(w), year)
    assert district_total.held == Activity.objects.filter(state=ActivityState.HELD).count()


def _district(w):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    return user_with_post(w.tree.district, Role.SECRETARY)
