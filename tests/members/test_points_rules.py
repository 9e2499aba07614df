"""积分规则 and 年度积分结算: everyone with member.view reads the rule sets; only the organisation department
at the root changes a rule (audited, old and new), adds or removes one (a rule already used is not removed);
a cadre corrects a deed's points with a new entry and a reason; a finished year is closed for an organisation
once every claim of it was reviewed, and afterwards nothing of that year is written for its members."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.members.factories_points import cadre, claim, item, make_world
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.members import actions_points as actions
from zongheng.members import points
from zongheng.members.choices import Deed
from zongheng.members.models import PointEntry, PointRule, RuleSet, YearClosing


@pytest.fixture
def w(tree):
    return make_world(tree)


def visit_rule(member_type="employed"):
    return PointRule.objects.get(rule_set__member_type=member_type, deed=Deed.VISIT)


def test_everyone_with_member_view_reads_the_rules_and_only_the_root_changes_them(client, w, tree):
    client.force_login(w.secretary)
    html = client.get(reverse("members:points_rules")).content.decode()
    for rule_set in RuleSet.objects.all():
        assert rule_set.name in html
    assert reverse("members:points_rule_edit", args=[visit_rule().pk]) not in html
    assert client.get(reverse("members:points_rule_edit", args=[visit_rule().pk])).status_code == 403
    street_dept = cadre(tree.streets[0], Role.ORG_DEPT)  # member.configure below the root: not enough
    client.force_login(street_dept)
    assert client.get(reverse("members:points_rule_edit", args=[visit_rule().pk])).status_code == 403
    with pytest.raises(ActionError, match="须由区委组织部配置"):
        actions.do_update_rule(street_dept, visit_rule(), {"points": 9})
    client.force_login(w.dept)
    assert reverse("members:points_rule_edit", args=[visit_rule().pk]) in client.get(
        reverse("members:points_rules")).content.decode()


def test_a_rule_change_is_audited_with_old_and_new_and_applies_to_later_deeds(client, w, tree):
    rule = visit_rule()
    p = w.member.person
    before = points.award(p, Deed.VISIT, "visit:1", dt.date(2018, 3, 1))
    client.force_login(w.dept)
    url = reverse("members:points_rule_edit", args=[rule.pk])
    response = client.post(url, {"item": item("service").pk, "points": 4, "cap": 12, "cap_period": "quarter"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.cap, rule.cap_period, rule.item.code) == (4, 12, "quarter", "service")
    log = AuditLog.objects.get(action="members.points_rule_update", object_id=str(rule.pk))
    assert (log.before["points"], log.after["points"], log.before["cap_period"], log.after["cap_period"]) == (
        1, 4, "month", "quarter")
    assert PointEntry.objects.get(pk=before.pk).points == 1  # written entries keep their points
    assert points.award(p, Deed.VISIT, "visit:2", dt.date(2018, 3, 2)).points == 4
    bad = [({"item": item().pk, "points": 5, "cap": 3, "cap_period": "year"}, "周期上限不能小于每次积分"),
           ({"item": item().pk, "points": -1, "cap_period": "year"}, "积分不能小于 0"),
           ({"item": "x", "points": 1, "cap_period": "year"}, "八带头事项不存在")]
    for data, message in bad:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), message


def test_rules_are_added_once_per_deed_and_removed_only_while_unused(client, w):
    rule_set = RuleSet.objects.get(member_type="mobile")
    rule = PointRule.objects.get(rule_set=rule_set, deed=Deed.DUTY)
    with pytest.raises(ActionError, match="请修改它"):
        actions.do_add_rule(w.dept, rule_set, {"deed": Deed.DUTY, "item": item("duty"), "points": 1, "cap": None})
    client.force_login(w.dept)
    client.post(reverse("members:points_rule_delete", args=[rule.pk]))
    assert not PointRule.objects.filter(pk=rule.pk).exists()
    assert AuditLog.objects.filter(action="members.points_rule_remove", object_id=str(rule.pk)).exists()
    page = client.get(reverse("members:points_rule_add", args=[rule_set.pk]))
    assert page.status_code == 200 and "认领值守" in page.content.decode()
    client.post(reverse("members:points_rule_add", args=[rule_set.pk]),
                {"deed": Deed.DUTY, "item": item("duty").pk, "points": 6, "cap": "", "cap_period": "year"})
    added = PointRule.objects.get(rule_set=rule_set, deed=Deed.DUTY)
    assert (added.points, added.cap) == (6, None)
    used = PointRule.objects.get(rule_set__member_type="employed", deed=Deed.DEMAND)
    points.award(w.member.person, Deed.DEMAND, "demand:1", dt.date(2018, 2, 2))
    response = client.post(reverse("members:points_rule_delete", args=[used.pk]), follow=True)
    assert "已有积分按该细则记账，不能删除" in response.content.decode()
    assert PointRule.objects.filter(pk=used.pk).exists()


def test_rules_through_the_api(client, w):
    client.force_login(w.secretary)
    data = client.get("/api/v1/members/points/rules").json()
    assert len(data["items"]) == 8 and {s["member_type"] for s in data["sets"]} >= {"registered", "employed"}
    rule = visit_rule()
    body = json.dumps({"points": 2})
    assert client.patch(f"/api/v1/members/points/rules/{rule.pk}", body,
                        content_type="application/json").status_code == 403
    client.force_login(w.dept)
    r = client.patch(f"/api/v1/members/points/rules/{rule.pk}", json.dumps({"points": 2, "no_cap": True}),
                     content_type="application/json")
    assert r.status_code == 200 and (r.json()["points"], r.json()["cap"]) == (2, None)


def test_a_cadre_corrects_with_a_new_entry_and_a_reason(client, w):
    p = w.member.person
    original = points.award(p, Deed.DEMAND, "demand:5", dt.date(2018, 6, 1))
    client.force_login(w.secretary)
    url = reverse("members:points_correct", args=[original.pk])
    assert client.post(url, {"counts_as": 0, "reason": ""}).status_code == 400
    response = client.post(url, {"counts_as": original.points + 1, "reason": "多记"})
    assert response.status_code == 400 and "更正只能减少或恢复" in response.content.decode()
    client.post(url, {"counts_as": 1, "reason": "只参与了一半"})
    fix = PointEntry.objects.get(corrects=original)
    assert (fix.points, fix.note, fix.created_by) == (1 - original.points, "只参与了一半", w.secretary)
    assert PointEntry.objects.get(pk=original.pk).points == original.points  # never edited
    # Correcting the correction corrects the deed (restores what it was awarded).
    client.post(reverse("members:points_correct", args=[fix.pk]), {"counts_as": original.points, "reason": "核实无误"})
    assert sum(PointEntry.objects.filter(person=p).values_list("points", flat=True)) == original.points
    assert PointEntry.objects.filter(corrects=original).count() == 2
    assert AuditLog.objects.filter(action="members.points_correct").count() == 2
    client.force_login(w.other_secretary)
    assert client.post(url, {"counts_as": 0, "reason": "x"}).status_code == 404
    own = points.award(w.secretary.person, Deed.DEMAND, "demand:6", dt.date(2018, 6, 1))
    with pytest.raises(ActionError, match="不能更正本人的积分"):
        actions.do_correct(w.secretary, own, 0, "x")


def test_a_year_closes_once_its_claims_are_reviewed_and_then_takes_nothing(client, w, tree):
    today = timezone.localdate()
    last = today.year - 1
    p = w.member.person
    entry = points.award(p, Deed.DEMAND, "demand:9", dt.date(last, 5, 1))
    pending = claim(w.member, day=dt.date(last, 6, 1))
    client.force_login(w.dept)
    url = reverse("members:points_closings")
    response = client.post(url, {"org": w.community.pk, "year": last})
    assert response.status_code == 400 and f"还有 1 条 {last} 年的积分申报待审核" in response.content.decode()
    response = client.post(url, {"org": w.community.pk, "year": today.year})
    assert "只能结算已经结束的年度" in response.content.decode()
    actions.do_review_claim(w.secretary, pending, "decline", "无法核实")
    assert client.post(url, {"org": w.community.pk, "year": last}).status_code == 302
    assert YearClosing.objects.filter(org=w.community, year=last).count() == 1
    assert "已经结算" in client.post(url, {"org": w.community.pk, "year": last}).content.decode()
    with pytest.raises(ActionError, match="已经结算"):
        actions.do_close_year(w.dept, tree.grids[0], last)  # below a closed organisation
    # Nothing of that year is written for its members any more.
    assert points.award(p, Deed.DEMAND, "demand:10", dt.date(last, 7, 1)) is None
    with pytest.raises(ActionError, match="已结算"):
        claim(w.member, day=dt.date(last, 7, 1))
    with pytest.raises(ActionError, match="已结算"):
        actions.do_correct(w.secretary, entry, 0, "x")
    assert points.award(w.other_member.person, Deed.DEMAND, "demand:11", dt.date(last, 7, 1)) is not None
    assert points.award(p, Deed.DEMAND, "demand:12", today) is not None  # this year stays open
    client.force_login(w.secretary)
    assert client.post(url, {"org": w.community.pk, "year": last}).status_code == 403  # no member.configure
