"""诉求配置: the district organisation department changes categories, deadline rules and the holiday calendar."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.demands.conftest import MONDAY
from tests.factories import user_with_post
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.demands.choices import Clock, Urgency
from zongheng.demands.models import CalendarDay, Category, DeadlineRule, Demand
from zongheng.demands.worktime import add_time


@pytest.fixture
def dept(world):
    return user_with_post(world.tree.district, Role.ORG_DEPT, "dept")


@pytest.fixture
def dept_client(client, dept):
    client.force_login(dept)
    return client


def rule(code="sanitation", urgency=Urgency.NORMAL):
    return DeadlineRule.objects.get(category__code=code, urgency=urgency)


def post_rule(client, r, clock, response, resolution):
    return client.post(reverse("demands:config_rule_edit", args=[r.pk]),
                       {"clock": clock, "response_minutes": response, "resolution_minutes": resolution})


def test_the_configuration_page_lists_every_category_with_its_limits_in_hours_and_working_days(dept_client):
    page = dept_client.get(reverse("demands:config")).content.decode()
    for category in Category.objects.all():
        assert category.name in page
    normal = rule()
    assert normal.clock == Clock.WORKING and normal.resolution_minutes % (9 * 60) == 0
    assert f"{normal.resolution_minutes // (9 * 60)} 个工作日" in page
    assert "不会重新计算" in page


def test_a_changed_rule_sets_the_deadline_of_the_next_demand_but_not_of_stored_ones(world, dept_client):
    before, _ = world.submit()
    response = post_rule(dept_client, rule(), Clock.NATURAL, 30, 600)
    assert response.status_code == 302
    after, _ = world.submit()
    assert after.response_due_at == MONDAY + dt.timedelta(minutes=30)
    assert after.resolution_due_at == MONDAY + dt.timedelta(minutes=600)
    stored = Demand.objects.get(pk=before.pk)
    assert stored.response_due_at == before.response_due_at != after.response_due_at


def test_a_resolution_shorter_than_the_response_is_refused_in_chinese_and_nothing_changes(dept_client):
    r = rule()
    audits = AuditLog.objects.count()
    response = post_rule(dept_client, r, Clock.WORKING, 600, 60)
    assert response.status_code == 200
    assert "办结时限不能短于响应时限" in response.content.decode()
    r2 = rule()
    assert (r2.clock, r2.response_minutes, r2.resolution_minutes) == (r.clock, r.response_minutes, r.resolution_minutes)
    assert AuditLog.objects.count() == audits


def test_a_zero_response_limit_is_refused(dept_client):
    response = post_rule(dept_client, rule(), Clock.WORKING, 0, 60)
    assert "响应时限必须大于0" in response.content.decode()
    assert rule().response_minutes > 0


def test_a_new_category_gets_three_limits_and_residents_can_use_it_at_once(world, dept_client):
    response = dept_client.post(reverse("demands:config_category_create"), {
        "name": "文体活动", "code": "culture", "keywords": "广场  健身 活动", "active": "on", "order": 20})
    assert response.status_code == 302
    category = Category.objects.get(code="culture")
    assert category.keywords == "广场 健身 活动" and category.active
    assert set(category.rules.values_list("urgency", flat=True)) == set(Urgency.values)
    demand, _ = world.submit(category="culture")
    normal = category.rules.get(urgency=Urgency.NORMAL)
    assert demand.response_due_at == add_time(MONDAY, normal.response_minutes, normal.clock)


def test_a_category_can_be_renamed_and_switched_off(dept_client):
    category = Category.objects.get(code="parking")
    response = dept_client.post(reverse("demands:config_category_edit", args=[category.pk]), {
        "name": "停车管理", "code": "parking", "keywords": category.keywords, "order": category.order})
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name == "停车管理" and not category.active


def test_a_duplicate_category_code_is_refused_in_chinese_and_nothing_is_written(dept_client):
    count, audits = Category.objects.count(), AuditLog.objects.count()
    response = dept_client.post(reverse("demands:config_category_create"), {
        "name": "新类别", "code": "sanitation", "keywords": "", "active": "on", "order": 0})
    assert response.status_code == 200
    assert "已有代码为“sanitation”的类别" in response.content.decode()
    assert Category.objects.count() == count and AuditLog.objects.count() == audits
    assert not DeadlineRule.objects.filter(category__name="新类别").exists()


def test_a_malformed_date_is_refused_in_chinese_and_no_day_is_added(dept_client):
    count = CalendarDay.objects.count()
    response = dept_client.post(reverse("demands:config_calendar"), {"date": "2026-13-40", "is_workday": "0"})
    assert response.status_code == 200
    assert "日期格式应为" in response.content.decode()
    assert CalendarDay.objects.count() == count


def test_a_holiday_added_in_the_calendar_moves_the_deadline_of_the_next_demand(world, dept_client):
    before, _ = world.submit()
    assert before.response_due_at.date() == MONDAY.date()
    response = dept_client.post(reverse("demands:config_calendar") + "?year=2018",
                                {"date": "2018-03-05", "is_workday": "0", "note": "临时休息"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2018")
    after, _ = world.submit()
    assert after.response_due_at.date() == dt.date(2018, 3, 6)  # the Monday is now a day off
    assert Demand.objects.get(pk=before.pk).response_due_at == before.response_due_at
    page = dept_client.get(reverse("demands:config_calendar") + "?year=2018").content.decode()
    assert "临时休息" in page


def test_deleting_a_holiday_makes_the_day_a_working_day_again(world, dept_client):
    day = CalendarDay.objects.create(date=dt.date(2018, 3, 5), is_workday=False, note="临时休息")
    assert world.submit()[0].response_due_at.date() == dt.date(2018, 3, 6)
    response = dept_client.post(reverse("demands:config_calendar_delete", args=[day.pk]))
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert world.submit()[0].response_due_at.date() == MONDAY.date()


def test_saving_an_existing_date_changes_it_instead_of_adding_one(dept_client):
    day = CalendarDay.objects.filter(is_workday=False).order_by("date").first()
    count = CalendarDay.objects.count()
    dept_client.post(reverse("demands:config_calendar"), {"date": day.date.isoformat(), "is_workday": "1",
                                                          "note": "改为上班"})
    day.refresh_from_db()
    assert day.is_workday and day.note == "改为上班" and CalendarDay.objects.count() == count


def test_every_change_is_audited_with_before_and_after(dept, dept_client):
    r = rule()
    post_rule(dept_client, r, Clock.NATURAL, 60, 120)
    log = AuditLog.objects.get(action="demand.rule_update", object_id=str(r.pk))
    assert log.actor == dept
    assert log.before["response_minutes"] == r.response_minutes and log.after["response_minutes"] == 60
    assert log.after["clock"] == Clock.NATURAL

    category = Category.objects.get(code="noise")
    dept_client.post(reverse("demands:config_category_edit", args=[category.pk]), {
        "name": "噪音扰民", "code": "noise", "keywords": "", "active": "on", "order": 3})
    log = AuditLog.objects.get(action="demand.category_update", object_id=str(category.pk))
    assert log.before["name"] == "噪音" and log.after["name"] == "噪音扰民"

    dept_client.post(reverse("demands:config_calendar"), {"date": "2030-05-06", "is_workday": "0", "note": "试"})
    day = CalendarDay.objects.get(date=dt.date(2030, 5, 6))
    assert AuditLog.objects.get(action="demand.calendar_create", object_id=str(day.pk)).after["is_workday"] is False
    dept_client.post(reverse("demands:config_calendar_delete", args=[day.pk]))
    assert AuditLog.objects.get(action="demand.calendar_delete", object_id=str(day.pk)).before["date"] == "2030-05-06"


def test_a_community_secretary_may_not_open_or_change_the_configuration(client, world):
    client.force_login(world.community_secretary)
    r = rule()
    day = CalendarDay.objects.first()
    for url in [reverse("demands:config"), reverse("demands:config_category_create"),
                reverse("demands:config_category_edit", args=[r.category_id]),
                reverse("demands:config_rule_edit", args=[r.pk]), reverse("demands:config_calendar")]:
        assert client.get(url).status_code == 403, url
    assert post_rule(client, r, Clock.NATURAL, 1, 1).status_code == 403
    assert client.post(reverse("demands:config_calendar_delete", args=[day.pk])).status_code == 403
    assert rule().response_minutes == r.response_minutes and CalendarDay.objects.filter(pk=day.pk).exists()
    assert "诉求配置" not in client.get(reverse("demands:queue")).content.decode()


def test_anonymous_visitors_are_sent_to_login(client, world):
    response = client.get(reverse("demands:config_calendar"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_department_sees_the_configuration_in_the_navigation(dept_client):
    assert reverse("demands:config") in dept_client.get(reverse("demands:queue")).content.decode()
