"""A demand's life: intake, handling, rating, escalation, whistle, reopening, merging."""

import datetime as dt

import pytest

from tests.demands.conftest import MONDAY
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.demands import actions
from zongheng.demands.choices import Status
from zongheng.demands.models import Demand, DemandEvent, Notification
from zongheng.demands.workflow import TransitionRefused


def refresh(d):
    return Demand.objects.get(pk=d.pk)


def test_a_submitted_demand_lands_in_its_grid_with_stored_deadlines(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand, code = world.submit()
    assert demand.status == Status.ASSIGNED and demand.org == world.tree.grids[0]
    assert demand.response_due_at == MONDAY + dt.timedelta(hours=4)  # 4 working hours, same morning
    assert demand.resolution_due_at.date() == dt.date(2018, 3, 14)  # 7 working days later
    assert len(code) == 14 and demand.ref.startswith("MX2018")  # K7MP-4XQ2-9HTR (issue 13)
    assert list(demand.events.values_list("action", flat=True)) == ["receive", "assign"]
    assert Notification.objects.filter(user=world.grid_leader, demand=demand).exists()


def test_the_whole_path_from_accepting_to_a_satisfied_rating_closes_the_demand(world):
    demand, code = world.submit(phone="13800001111")
    actions.do_accept(world.grid_leader, demand)
    actions.do_start(world.grid_leader, demand)
    actions.do_answer(world.grid_leader, demand, "已联系物业清理")
    actions.do_rate(code, 5, "很快")
    demand = refresh(demand)
    assert demand.status == Status.CLOSED and demand.rating == 5 and demand.closed_at
    actions_done = list(demand.events.order_by("seq").values_list("action", flat=True))
    assert actions_done == ["receive", "assign", "accept", "start", "answer", "rate", "close"]
    assert AuditLog.objects.filter(action="demand.answer", object_id=str(demand.pk)).exists()


def test_an_action_not_in_the_table_is_refused_in_chinese_and_changes_nothing(world):
    demand, code = world.submit()
    with pytest.raises(TransitionRefused, match="不能答复"):
        actions.do_answer(world.grid_leader, demand, "提前答复")
    with pytest.raises(TransitionRefused):
        actions.do_rate(code, 5)
    demand = refresh(demand)
    assert demand.status == Status.ASSIGNED and demand.answer == "" and demand.events.count() == 2


def test_a_stale_transition_is_refused(world):
    demand, _ = world.submit()
    seen = demand.version
    actions.do_accept(world.grid_leader, demand, expected_version=seen)
    with pytest.raises(TransitionRefused, match="刷新"):
        actions.do_start(world.grid_leader, demand, expected_version=seen)
    assert refresh(demand).status == Status.ACCEPTED


def test_staff_outside_the_demands_grid_cannot_touch_it(world):
    demand, _ = world.submit()
    with pytest.raises(ActionError, match="办理范围"):
        actions.do_accept(world.other_community_secretary, demand)
    assert refresh(demand).status == Status.ASSIGNED


def test_the_sweep_escalates_an_overdue_demand_to_the_community_then_the_street(
    world, django_capture_on_commit_callbacks
):
    demand, _ = world.submit()
    late = demand.response_due_at + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.escalate_overdue(late) == 1
    demand = refresh(demand)
    assert demand.org == world.tree.communities[0] and demand.escalations == 1
    assert demand.response_due_at > late
    assert Notification.objects.filter(user=world.community_secretary, demand=demand).exists()
    assert actions.escalate_overdue(late) == 0  # running again changes nothing
    assert actions.escalate_overdue(demand.response_due_at + dt.timedelta(minutes=1)) == 1
    assert refresh(demand).org == world.tree.streets[0]


def test_a_grid_returns_a_demand_with_a_reason_and_the_community_reassigns_it(world):
    demand, _ = world.submit()
    with pytest.raises(ActionError, match="理由"):
        actions.do_return(world.grid_leader, demand, " ")
    actions.do_return(world.grid_leader, demand, "不属于本网格")
    demand = refresh(demand)
    assert demand.status == Status.RECEIVED and demand.org == world.tree.communities[0]
    actions.do_assign(world.community_secretary, demand, world.tree.grids[1])
    assert refresh(demand).org == world.tree.grids[1]


def test_the_street_blows_the_whistle_and_each_summoned_unit_reports_back(world):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    demand, _ = world.submit()
    unit = world.tree.communities[2]
    summons = actions.do_whistle(world.street_secretary, demand, [unit], note="联合整治")
    assert len(summons) == 1
    with pytest.raises(ActionError):
        actions.do_whistle(world.street_secretary, demand, [unit])
    unit_staff = user_with_post(unit, Role.SECRETARY, "unitstaff")
    assert Demand.objects.restrict(unit_staff).filter(pk=demand.pk).exists()
    actions.do_report(unit_staff, summons[0], "已派人清运")
    assert refresh(demand).events.filter(action="report").exists()


def test_an_unsatisfied_resident_reopens_within_the_window_but_not_after(world, settings):
    demand, code = world.submit()
    actions.do_accept(world.grid_leader, demand)
    actions.do_answer(world.grid_leader, demand, "已处理", now=MONDAY + dt.timedelta(hours=2))
    actions.do_rate(code, 1, "没有清理", now=MONDAY + dt.timedelta(hours=3))
    assert refresh(demand).status == Status.RATED
    actions.do_reopen(code, "垃圾还在", now=MONDAY + dt.timedelta(days=1))
    demand = refresh(demand)
    assert demand.status == Status.ASSIGNED and demand.reopens == 1 and demand.answer == ""
    actions.do_accept(world.grid_leader, demand)
    answered = MONDAY + dt.timedelta(days=2)
    actions.do_answer(world.grid_leader, demand, "已清运", now=answered)
    with pytest.raises(ActionError, match="天"):
        actions.do_reopen(code, "还是不行", now=answered + dt.timedelta(days=settings.DEMAND_REOPEN_DAYS + 1))


def test_an_unrated_answer_closes_after_the_rating_window(world, settings):
    demand, _ = world.submit()
    actions.do_accept(world.grid_leader, demand)
    actions.do_answer(world.grid_leader, demand, "已处理", now=MONDAY)
    later = MONDAY + dt.timedelta(days=settings.DEMAND_RATING_DAYS, minutes=1)
    assert actions.close_unrated(later) == 1
    assert actions.close_unrated(later) == 0
    demand = refresh(demand)
    assert demand.status == Status.CLOSED and demand.rating is None
    assert demand.events.last().action == "rating_timeout"


def test_a_rejected_demand_shows_its_reason(world):
    demand, _ = world.submit()
    with pytest.raises(ActionError):
        actions.do_reject(world.community_secretary, demand, "")
    actions.do_reject(world.community_secretary, demand, "属于法院执行事项，请向法院反映")
    demand = refresh(demand)
    assert demand.status == Status.REJECTED and "法院" in demand.reject_reason


def test_residents_of_a_merged_duplicate_follow_the_kept_demand_but_only_its_submitter_closes_it(world):
    kept, code_a = world.submit()
    duplicate, code_b = world.submit(description="楼道垃圾没人管")
    actions.do_merge(world.community_secretary, duplicate, kept)
    assert refresh(duplicate).status == Status.MERGED
    actions.do_accept(world.grid_leader, kept)
    actions.do_answer(world.grid_leader, kept, "已清理")
    actions.do_rate(code_b, 4)  # kept on the follower row (issue 12: joiners do not decide the outcome)
    assert refresh(kept).status == Status.ANSWERED and refresh(kept).rating is None
    actions.do_rate(code_a, 4)
    assert refresh(kept).status == Status.CLOSED and refresh(kept).rating == 4


def test_every_transition_is_a_history_row_with_consecutive_numbers(world):
    demand, _ = world.submit()
    actions.do_accept(world.grid_leader, demand)
    actions.do_answer(world.grid_leader, demand, "好了")
    seqs = list(DemandEvent.objects.filter(demand=demand).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, refresh(demand).version + 1))


# Issue 13: after escalation the holder is the community; only it and those above it may act, and
# each step is credited to the organisation of whoever acted.
HOLDER_RULES = [  # (actor, action, allowed)
    ("grid_leader", "accept", False), ("grid_leader", "escalate", False), ("grid_leader", "return", False),
    ("community_secretary", "accept", True), ("street_secretary", "accept", True),
    ("other_community_secretary", "accept", False), ("community_secretary", "reject", True),
]


@pytest.mark.parametrize(("who", "action", "allowed"), HOLDER_RULES)
def test_after_escalation_only_the_holder_and_those_above_may_act(world, who, action, allowed):
    demand, _ = world.submit()
    actions.do_escalate(world.grid_leader, demand, reason="需要社区协调")
    actor = getattr(world, who)
    calls = {
        "accept": lambda d: actions.do_accept(actor, d),
        "escalate": lambda d: actions.do_escalate(actor, d, reason="再上报"),
        "return": lambda d: actions.do_return(actor, d, "退回"),
        "reject": lambda d: actions.do_reject(actor, d, "不属于受理范围"),
    }
    before = refresh(demand).version
    if allowed:
        calls[action](refresh(demand))
        assert refresh(demand).version > before
    else:
        with pytest.raises(ActionError, match="办理范围"):
            calls[action](refresh(demand))
        assert refresh(demand).version == before


@pytest.mark.parametrize(("who", "credited"), [("grid_leader", "grids"), ("community_secretary", "communities"),
                                              ("street_secretary", "streets")])
def test_each_step_is_credited_to_the_organisation_of_whoever_acted(world, who, credited):
    demand, _ = world.submit()
    actions.do_accept(getattr(world, who), demand)
    actions.do_answer(getattr(world, who), demand, "已处理")
    org = getattr(world.tree, credited)[0]
    events = DemandEvent.objects.filter(demand=demand, action__in=["accept", "answer"])
    assert {e.by_org for e in events} == {org}
    assert {e.org for e in events} == {world.tree.grids[0]}  # the holder stays the grid
