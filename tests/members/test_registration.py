"""双联双管报到, the workflow: a member applies, the community confirms or declines, the member withdraws or
ends; confirming makes the member seen by both sides and ending undoes it; stale and forged transitions are
refused in Chinese and write nothing; a community cadre enters a registration for a member found by name and
full ID number, and a miss tells nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from tests.factories import make_person, make_user, valid_id_number
from tests.members.factories_registration import apply, cadre, community_of, member_user, registered
from zongheng.core.access import path_q
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.members import actions_registration as actions
from zongheng.members import selectors_registration as selectors
from zongheng.members.models import Registration, RegistrationEvent
from zongheng.orgs.models import Person


@pytest.fixture
def w(tree):
    """A member managed by street 2's organ who lives in community 0; community 0's and 1's secretaries; the
    street 2 secretary (the managing side)."""
    class W:
        pass

    x = W()
    x.tree = tree
    x.home = community_of(tree.communities[0])
    x.member = member_user(tree.streets[1], "member")
    x.secretary = cadre(tree.communities[0], username="sec0")
    x.assistant = cadre(tree.communities[0], Role.SECRETARY_ASSISTANT, "assistant0")
    x.other = cadre(tree.communities[1], username="sec1")
    x.managing = cadre(tree.streets[1], username="street2")
    x.grid_leader = cadre(tree.grids[0], Role.GRID_LEADER, "grid0")
    return x


def _written() -> tuple[int, int, int]:
    return Registration.objects.count(), RegistrationEvent.objects.count(), AuditLog.objects.count()


def test_a_member_applies_and_the_community_confirms_then_both_sides_see_them(w):
    reg = apply(w.member, w.home, skills="法律咨询", note="住幸福里 3 栋")
    assert reg.state == "applied" and reg.skills == "法律咨询"
    assert reg.member_path == w.member.person.org_path and reg.org_path == w.home.path
    assert not Person.objects.restrict(w.secretary).filter(pk=w.member.person_id).exists()
    actions.do_transition(w.secretary, reg, "confirm")
    person = Person.objects.get(pk=w.member.person_id)
    assert person.registered_org_id == w.home.pk and person.registered_path == w.home.path
    assert Person.objects.restrict(w.secretary).filter(pk=person.pk).exists()  # 双联双管: the community sees them
    reg.refresh_from_db()
    assert reg.state == "confirmed" and reg.confirmed_on is not None
    assert list(reg.events.values_list("state", flat=True)) == ["applied", "confirmed"]
    assert list(AuditLog.objects.filter(object_id=str(reg.pk), object_type="members.registration")
                .order_by("id").values_list("action", flat=True)) == ["members.registration_apply",
                                                                       "members.registration_confirm"]


def test_decline_and_end_need_a_reason_and_end_clears_the_registered_community(w):
    reg = apply(w.member, w.home)
    before = _written()
    with pytest.raises(ActionError, match="须说明原因"):
        actions.do_transition(w.secretary, reg, "decline", reason="  ")
    assert _written() == before
    actions.do_transition(w.secretary, reg, "decline", reason="经核实不在本社区居住")
    reg.refresh_from_db()
    assert reg.state == "declined" and reg.reason == "经核实不在本社区居住"
    assert Person.objects.get(pk=w.member.person_id).registered_org_id is None

    again = registered(w.member, w.home, by=w.secretary)
    with pytest.raises(ActionError, match="须说明原因"):
        actions.do_transition(w.member, again, "end")
    actions.do_transition(w.member, again, "end", reason="已搬离本社区")
    person = Person.objects.get(pk=w.member.person_id)
    assert person.registered_org_id is None and person.registered_path == ""
    again.refresh_from_db()
    assert again.state == "ended" and again.ended_on is not None


def test_ending_leaves_a_registered_community_that_is_no_longer_this_one(w):
    reg = registered(w.member, w.home, by=w.secretary)
    other = community_of(w.tree.communities[1])
    Person.objects.filter(pk=w.member.person_id).update(registered_org=other, registered_path=other.path)
    actions.do_transition(w.managing, reg, "end", reason="组织关系调整")
    person = Person.objects.get(pk=w.member.person_id)
    assert person.registered_org_id == other.pk  # set elsewhere since: not this registration's to clear


def test_who_may_take_each_transition(w):
    reg = apply(w.member, w.home)
    assert set(actions.allowed_actions(w.member, reg)) == {"withdraw"}
    assert set(actions.allowed_actions(w.secretary, reg)) == {"confirm", "decline"}
    assert set(actions.allowed_actions(w.assistant, reg)) == {"confirm", "decline"}
    assert actions.allowed_actions(w.managing, reg) == []  # the managing side does not confirm
    assert actions.allowed_actions(w.grid_leader, reg) == []  # member.view only, and not over the community
    before = _written()
    with pytest.raises(ActionError, match="所报到社区的干部确认"):
        actions.do_transition(w.member, reg, "confirm")
    with pytest.raises(ActionError, match="报到须由所报到社区"):
        actions.do_transition(w.managing, reg, "confirm")
    with pytest.raises(ActionError, match="只有党员本人可以撤回"):
        actions.do_transition(w.secretary, reg, "withdraw")
    with pytest.raises(ActionError, match="所报到社区的干部确认"):
        actions.do_transition(w.other, reg, "confirm")
    assert _written() == before
    actions.do_transition(w.secretary, reg, "confirm")
    reg.refresh_from_db()
    for user in (w.member, w.secretary, w.managing):
        assert actions.allowed_actions(user, reg) == ["end"]
    assert actions.allowed_actions(w.other, reg) == []


def test_stale_and_forged_transitions_are_refused_and_write_nothing(w):
    reg = apply(w.member, w.home)
    actions.do_transition(w.member, reg, "withdraw")
    before = _written()
    with pytest.raises(ActionError, match="页面已过时"):  # the cadre's page still showed 待社区确认
        actions.do_transition(w.secretary, reg, "confirm", expected_state="applied")
    with pytest.raises(ActionError, match="当前状态为“本人已撤回”，不能确认报到"):
        actions.do_transition(w.secretary, reg, "confirm")
    with pytest.raises(ActionError, match="不能结束报到"):
        actions.do_transition(w.member, reg, "end", reason="x")
    with pytest.raises(ActionError, match="未知的报到操作"):
        actions.do_transition(w.secretary, reg, "delete")
    assert _written() == before
    reg.refresh_from_db()
    assert reg.state == "withdrawn"


def test_another_communitys_cadre_and_another_member_cannot_reach_it(w):
    reg = apply(w.member, w.home)
    stranger = member_user(w.tree.streets[1], "neighbour")  # managed by the same organ, no post
    for user in (w.other, stranger):
        with pytest.raises(Http404):
            selectors.registration_for(user, reg.pk)
    assert selectors.registration_for(w.member, reg.pk) == reg
    assert selectors.registration_for(w.managing, reg.pk) == reg  # the managing side sees it
    assert selectors.registration_for(w.secretary, reg.pk) == reg


def test_one_open_registration_per_member(w):
    reg = apply(w.member, w.home)
    other = community_of(w.tree.communities[1])
    with pytest.raises(ActionError, match=r"您已有一条报到（.*待社区确认）"):
        apply(w.member, other)
    actions.do_transition(w.member, reg, "withdraw")
    second = apply(w.member, other)
    actions.do_transition(w.other, second, "confirm")
    with pytest.raises(ActionError, match="已报到"):
        apply(w.member, community_of(w.tree.communities[3]))
    assert Registration.objects.filter(person=w.member.person, state__in=["applied", "confirmed"]).count() == 1


def test_a_member_may_not_register_where_they_are_managed_nor_with_a_grid_nor_for_someone_else(w):
    local = member_user(w.tree.grids[0], "local")  # managed by a grid of community 0
    with pytest.raises(ActionError, match="无需到该社区报到"):
        apply(local, w.home)
    with pytest.raises(ActionError, match="须为社区或村"):
        apply(w.member, w.tree.grids[2])
    with pytest.raises(ActionError, match="只能为本人申请"):
        actions.do_apply(w.member, local.person, w.home)
    resident = make_user(make_person(w.tree.streets[1], is_party_member=False, member_type=""), "resident")
    with pytest.raises(ActionError, match="只有党员"):
        actions.do_apply(resident, resident.person, w.home)
    with pytest.raises(ActionError, match="不存在"):  # the member's picker lists their district only
        selectors.resolve_apply_community(w.member.person, w.tree.grids[0].pk)
    assert Registration.objects.count() == 0


# ---------------------------------------------------------------- entering on a member's behalf


def test_the_community_enters_a_registration_for_a_member_found_by_name_and_id_number(w):
    number = valid_id_number(901)
    person = make_person(w.tree.streets[1], name="王建国", id_number=number)
    found = actions.lookup_member(w.secretary, w.home, " 王建国 ", number.lower())
    assert found == person
    reg = actions.do_enter(w.secretary, found, w.home, {"applied_on": dt.date(2018, 3, 1), "skills": "义诊"})
    assert reg.state == "confirmed" and reg.applied_on == dt.date(2018, 3, 1)
    assert list(reg.events.values_list("state", flat=True)) == ["applied", "confirmed"]
    assert Person.objects.get(pk=person.pk).registered_org_id == w.home.pk
    log = AuditLog.objects.get(action="members.registration_lookup")
    assert log.after["matched"] is True and number not in str(log.after) and log.org_path == w.home.path
    pending = actions.do_enter(w.secretary, make_person(w.tree.streets[1]), w.home, {"confirm": False})
    assert pending.state == "applied" and list(pending.events.values_list("state", flat=True)) == ["applied"]


def test_a_lookup_that_does_not_match_says_the_same_whoever_exists_and_is_audited(w):
    number = valid_id_number(902)
    make_person(w.tree.streets[1], name="李秀英", id_number=number)
    make_person(w.tree.streets[1], name="张三", id_number=valid_id_number(903), is_party_member=False,
                member_type="")
    attempts = [("李秀兰", number), ("李秀英", valid_id_number(904)), ("张三", valid_id_number(903)),
                ("无此人", valid_id_number(905))]
    messages = set()
    for name, id_number in attempts:
        with pytest.raises(ActionError) as exc:
            actions.lookup_member(w.secretary, w.home, name, id_number)
        messages.add(exc.value.message)
    assert messages == {actions.NO_MATCH}
    logs = AuditLog.objects.filter(action="members.registration_lookup")
    assert logs.count() == len(attempts) and all(log.after["matched"] is False for log in logs)
    assert all(log.object_id == "" for log in logs)  # a miss names nobody
    with pytest.raises(ActionError, match="校验位"):
        actions.lookup_member(w.secretary, w.home, "李秀英", number[:-1] + ("0" if number[-1] != "0" else "1"))


def test_lookups_are_refused_outside_the_scope_and_after_too_many_misses(w):
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        actions.lookup_member(w.other, w.home, "某人", valid_id_number(906))
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        actions.do_enter(w.other, make_person(w.tree.streets[1]), w.home)
    for i in range(actions.LOOKUP_MISSES_PER_HOUR):
        with pytest.raises(ActionError, match="未找到"):
            actions.lookup_member(w.secretary, w.home, "某人", valid_id_number(910 + i))
    number = valid_id_number(950)
    make_person(w.tree.streets[1], name="赵六", id_number=number)
    with pytest.raises(ActionError, match="过多"):
        actions.lookup_member(w.secretary, w.home, "赵六", number)
    assert actions.lookup_member(w.assistant, w.home, "赵六", number).name == "赵六"  # per user


def test_entering_refuses_a_member_who_already_has_an_open_registration(w):
    reg = apply(w.member, community_of(w.tree.communities[1]))
    before = _written()
    with pytest.raises(ActionError, match="已有一条待确认或已生效的报到") as exc:
        actions.do_enter(w.secretary, w.member.person, w.home)
    assert w.tree.communities[1].name not in exc.value.message  # where they applied is not told
    assert _written() == before
    assert reg.state == "applied"


def test_a_member_moved_to_another_organisation_is_followed_by_the_managing_side(w):
    reg = registered(w.member, w.home, by=w.secretary)
    Person.objects.filter(pk=w.member.person_id).update(org=w.tree.streets[0], org_path=w.tree.streets[0].path)
    assert actions.sync_member_paths() == 1
    assert actions.sync_member_paths() == 0  # idempotent
    reg.refresh_from_db()
    assert reg.member_path == w.tree.streets[0].path
    seen = Registration.objects.filter(path_q("member_path", [w.tree.streets[1].path]))
    assert not seen.exists()


def test_a_stationed_units_member_registers_with_the_community_it_sits_in_and_is_not_counted_as_managed(w):
    from zongheng.orgs.models import Org

    unit = Org.objects.add_child(w.home, instance=Org(name="振发锻件公司", level=w.tree.levels["unit"]))
    worker = member_user(unit, "worker")
    local = member_user(w.tree.grids[0], "local")
    assert w.home.pk in set(selectors.apply_choices(Person.objects.select_related("org__level").get(
        pk=worker.person_id)).values_list("pk", flat=True))
    assert w.home.pk not in set(selectors.apply_choices(Person.objects.select_related("org__level").get(
        pk=local.person_id)).values_list("pk", flat=True))
    reg = apply(worker, w.home)
    actions.do_transition(w.secretary, reg, "confirm")
    (counts,) = selectors.community_counts([w.home])
    assert counts.registered == 1
    assert counts.managed == Person.objects.filter(is_party_member=True, org_path__startswith=w.home.path).exclude(
        org=unit).count()
    assert worker.person_id not in set(selectors.managed_people(w.home).values_list("pk", flat=True))
