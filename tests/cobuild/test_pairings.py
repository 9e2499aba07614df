"""Pairings (结对共建): a community with a member unit or an outside community (江苏/浙江/上海); joint
activities logged by either side; the page shows this year's activities against the yearly minimum and the
pace; lists in scope, exported, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.cobuild.factories_agreements import aware, log, make_pairing, make_unit, make_world
from tests.factories import user_with_post
from zongheng.cobuild.models import Activity, Pairing
from zongheng.cobuild.pace import expected_by
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role


@pytest.fixture
def w(tree):
    return make_world(tree)


def test_a_community_pairs_with_a_unit_once(w):
    p = make_pairing(w.secretary, w.community, w.other_unit)
    assert (p.org_path, p.unit_path, p.required_per_year) == (w.community.path, w.other_unit.org_path, 4)
    assert AuditLog.objects.filter(action="cobuild.pairing_create", object_id=str(p.pk)).exists()
    with pytest.raises(ActionError, match="已有结对关系"):
        make_pairing(w.secretary, w.community, w.other_unit)
    assert Pairing.objects.count() == 1


def test_an_outside_partner_needs_a_name_and_a_region_of_jiangsu_zhejiang_or_shanghai(w):
    p = make_pairing(w.secretary, w.community, partner_region="上海", partner_name="徐汇区某社区")
    assert p.partner_label == "上海徐汇区某社区" and p.unit_path == ""
    with pytest.raises(ActionError, match="江苏、浙江或上海"):
        make_pairing(w.secretary, w.community, partner_region="安徽")
    with pytest.raises(ActionError, match="请填写外地社区名称"):
        make_pairing(w.secretary, w.community, partner_name="")


def test_only_the_organisation_department_changes_the_yearly_minimum(w):
    with pytest.raises(ActionError, match="须由组织部配置"):
        make_pairing(w.secretary, w.community, w.unit, required_per_year=6)
    dept = user_with_post(w.tree.district, Role.ORG_DEPT, "dept-pairing")
    assert make_pairing(dept, w.community, w.unit, required_per_year=6).required_per_year == 6


def test_the_pairing_must_be_with_a_community_in_scope(client, w):
    client.force_login(w.secretary)
    url = reverse("cobuild:pairing_new")
    assert client.get(url).status_code == 200
    base = {"partner_kind": "unit", "unit": w.other_unit.org_id, "starts_on": "2018-01-01", "required_per_year": 4}
    html = client.post(url, base | {"org": w.other_community.pk}).content.decode()
    assert "社区不存在或不在您的管辖范围内" in html
    html = client.post(url, base | {"org": w.tree.streets[0].pk}).content.decode()  # a street is not a community
    assert "社区不存在或不在您的管辖范围内" in html
    assert not Pairing.objects.exists()
    response = client.post(url, base | {"org": w.community.pk})
    p = Pairing.objects.get()
    assert response["Location"] == reverse("cobuild:pairing", args=[p.pk]) and p.unit == w.other_unit


def test_either_side_logs_activities_and_nobody_else(client, w):
    p = make_pairing(w.secretary, w.community, w.other_unit)
    url = reverse("cobuild:pairing_activity", args=[p.pk])
    today = timezone.localdate().isoformat()
    data = {"held_on": today, "kind": "theme_day", "content": "联合开展主题党日", "participants": 30,
            "residents_reached": 120}
    for user in (w.secretary, w.other_liaison):
        client.force_login(user)
        assert client.post(url, data).status_code == 302
    client.force_login(w.liaison)  # a liaison of a unit not in this pairing
    assert client.post(url, data).status_code == 404
    client.force_login(w.resident)
    assert client.post(url, data).status_code in (403, 404)
    assert p.activities.count() == 2
    assert set(p.activities.values_list("created_by", flat=True)) == {w.secretary.pk, w.other_liaison.pk}


def test_an_activity_in_the_future_or_before_the_pairing_is_refused(w):
    p = make_pairing(w.secretary, w.community, w.unit, starts_on=dt.date(2018, 3, 1))
    with pytest.raises(ActionError, match="不能晚于今天"):
        log(w.liaison, p, dt.date(2018, 5, 2), now=aware(dt.date(2018, 5, 1)))
    with pytest.raises(ActionError, match="不能早于结对日期"):
        log(w.liaison, p, dt.date(2018, 2, 1))
    assert not Activity.objects.exists()


def test_the_page_shows_this_years_activities_against_the_minimum(client, w):
    today = timezone.localdate()
    p = make_pairing(w.secretary, w.community, w.unit, starts_on=dt.date(today.year - 1, 1, 1))
    log(w.liaison, p, dt.date(today.year - 1, 6, 1), now=timezone.now())  # last year: does not count
    log(w.liaison, p, today.replace(month=1, day=1), now=timezone.now())
    log(w.secretary, p, today, now=timezone.now(), residents_reached=55)
    held = Activity.objects.filter(pairing=p, held_on__year=today.year, held_on__lte=today).count()
    client.force_login(w.liaison)
    html = client.get(reverse("cobuild:pairing", args=[p.pk])).content.decode()
    assert re.search(rf"<strong>{held}</strong> 次</a> / 全年至少 {p.required_per_year} 次", html)
    assert f"按进度到今天应已开展 {expected_by(4, today, p.starts_on)} 次" in html
    residents = sum(Activity.objects.filter(pairing=p, held_on__year=today.year).values_list(
        "residents_reached", flat=True))
    assert f"<strong>{residents}</strong> 人次" in html


def test_another_units_liaison_cannot_reach_the_pairing(client, w):
    p = make_pairing(w.secretary, w.community, w.unit)
    client.force_login(w.other_liaison)
    assert client.get(reverse("cobuild:pairing", args=[p.pk])).status_code == 404
    assert client.get(reverse("api:get_pairing", kwargs={"id": p.pk})).status_code == 404
    assert w.community.name not in client.get(reverse("cobuild:pairings")).content.decode()


def test_the_list_marks_the_pairings_behind_and_filters_them(client, w):
    today = timezone.localdate()
    behind = make_pairing(w.secretary, w.community, w.unit, starts_on=dt.date(today.year - 1, 1, 1))
    # An activity a day expected: behind on any day of the year, 1 January included (set up directly).
    Pairing.objects.filter(pk=behind.pk).update(required_per_year=366)
    fine = make_pairing(w.secretary, w.community, starts_on=today)  # begun today: nothing expected yet
    client.force_login(w.secretary)
    url = reverse("cobuild:pairings")
    html = client.get(url, {"pace": "behind"}).content.decode()
    assert expected_by(366, today, behind.starts_on) >= 1
    assert reverse("cobuild:pairing", args=[behind.pk]) in html
    assert reverse("cobuild:pairing", args=[fine.pk]) not in html


def test_the_export_holds_the_pairings_in_scope_with_their_counts(client, w):
    p = make_pairing(w.secretary, w.community, w.unit, starts_on=dt.date(2017, 1, 1))
    log(w.liaison, p, timezone.localdate(), now=timezone.now())
    make_pairing(w.other_secretary, w.other_community, w.other_unit)
    client.force_login(w.secretary)
    rows = list(load_workbook(io.BytesIO(client.get(reverse("cobuild:pairings_export")).content)).active.values)
    assert len(rows) - 1 == Pairing.objects.restrict(w.secretary).count() == 1
    assert rows[1][2] == w.unit.name and rows[1][7] == p.activities.count()


def test_the_list_runs_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    client.force_login(w.secretary)
    url = reverse("cobuild:pairings")

    def fill(n):
        for _ in range(n):
            p = make_pairing(w.secretary, w.community, make_unit(w.community))
            log(w.secretary, p, timezone.localdate(), now=timezone.now())

    fill(2)
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    fill(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries) + 1):
        assert client.get(url, {"pace": "behind"}).status_code == 200
