"""Councils (街道大工委 / 社区大党委): terms, members with seat, rank and post, street cadres sent to community
councils, each unit's commitments and the joint meetings the meetings module recorded."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from tests.cobuild.factories_units import (
    aware,
    make_agreement,
    make_council,
    make_item,
    make_joint_meeting,
    make_liaison,
    make_unit,
    seat,
)
from tests.factories import make_person, user_with_post
from zongheng.cobuild import actions_units as actions
from zongheng.cobuild.models import AgreementItem, CouncilMember
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role

API = "/api/v1"


@pytest.fixture
def street_secretary(tree):
    return user_with_post(tree.streets[0], Role.SECRETARY, "street1")


def test_a_street_has_a_big_working_committee_and_a_community_a_big_party_committee(tree, street_secretary):
    street = make_council(tree.streets[0], user=street_secretary)
    community = make_council(tree.communities[0], user=street_secretary)
    assert street.name == f"{tree.streets[0].name}大工委" and community.name == f"{tree.communities[0].name}大党委"
    with pytest.raises(ActionError, match="已有"):
        make_council(tree.streets[0], user=street_secretary)  # same term start
    with pytest.raises(ActionError, match="不在您的管辖范围内"):
        make_council(tree.streets[1], user=street_secretary)
    with pytest.raises(ActionError, match="只能设在"):
        make_council(tree.grids[0], user=street_secretary)
    assert AuditLog.objects.filter(action="cobuild.council_create").count() == 2


def test_members_carry_seat_rank_and_post_and_sent_cadres_come_from_the_street_above(tree, street_secretary):
    council = make_council(tree.communities[0])
    unit = make_unit(tree.communities[0], "市总工会")
    m = actions.do_add_member(street_secretary, council, {"seat": "unit", "unit": unit, "name": "赵委员",
                                                          "rank": "county", "post": "党组成员、副主席"})
    assert (m.rank, m.post, m.unit_id, m.starts_on) == ("county", "党组成员、副主席", unit.pk, council.term_starts_on)
    sent = actions.do_add_member(street_secretary, council, {"seat": "sent", "sent_from": tree.streets[0],
                                                             "name": "钱干部", "council_post": "副书记"})
    assert sent.sent_from_id == tree.streets[0].pk and sent.unit_id is None
    with pytest.raises(ActionError, match="派出街道须为该社区所在的街道"):
        actions.do_add_member(street_secretary, council, {"seat": "sent", "sent_from": tree.streets[1], "name": "孙"})
    with pytest.raises(ActionError, match="须选择所在单位"):
        actions.do_add_member(street_secretary, council, {"seat": "unit", "name": "李"})
    street_council = make_council(tree.streets[0])
    with pytest.raises(ActionError, match="只能进入社区大党委"):
        actions.do_add_member(street_secretary, street_council,
                              {"seat": "sent", "sent_from": tree.streets[0], "name": "周"})
    with pytest.raises(ActionError, match="已是本届委员"):
        actions.do_add_member(street_secretary, council, {"seat": "unit", "unit": unit, "name": "赵委员"})
    ended = actions.do_end_member(street_secretary, m, dt.date(2018, 6, 30))
    assert ended.ends_on == dt.date(2018, 6, 30)
    with pytest.raises(ActionError, match="已经离任"):
        actions.do_end_member(street_secretary, m)


def test_the_council_page_shows_members_commitments_and_its_joint_meetings(client, tree, street_secretary):
    community = tree.communities[0]
    council = make_council(tree.streets[0])
    a, b = make_unit(community, "甲公司"), make_unit(tree.communities[1], "乙公司")
    pa = make_person(a.org, "甲委员")
    seat(council, a, pa, rank="county", post="总经理")
    seat(council, b, name="乙委员", rank="section", post="支部书记")
    for unit, org in ((a, tree.streets[0]), (a, community), (b, tree.communities[1])):
        agreement = make_agreement(org, unit)
        make_item(agreement, dt.date(2018, 6, 1), done_on=dt.date(2018, 5, 1), problems=3)
        make_item(agreement, dt.date(2018, 9, 1))
    held = make_joint_meeting(tree.streets[0], aware(dt.date(2018, 4, 10)), present=[pa])
    make_joint_meeting(tree.streets[0], aware(dt.date(2018, 7, 10)), status="scheduled")  # not held
    make_joint_meeting(community, aware(dt.date(2018, 5, 10)), present=[pa])  # another org's
    client.force_login(street_secretary)
    page = client.get(reverse("cobuild:council_detail", args=[council.pk])).content.decode()
    assert "甲委员" in page and "县处级" in page and "总经理" in page and "乙委员" in page and "乡科级" in page
    body = client.get(f"{API}/councils/{council.pk}").json()
    got = {c["unit"]["id"]: c for c in body["commitments"]}
    for unit in (a, b):
        items = AgreementItem.objects.filter(agreement__unit=unit, agreement__org_path__startswith=council.org_path)
        assert got[unit.pk]["items"] == items.count()
        assert got[unit.pk]["items_done"] == items.filter(state="done").count()
        assert got[unit.pk]["agreements"] == items.values("agreement").distinct().count()
    assert [m["id"] for m in body["meetings"]] == [held.pk] and body["meetings_total"] == 1
    assert reverse("meetings:detail", args=[held.pk]) in page


def test_a_member_units_liaison_sees_the_council_but_not_another_one(client, tree):
    council = make_council(tree.streets[0])
    other = make_council(tree.streets[1])
    unit = make_unit(tree.communities[0])
    seat(council, unit, name="某委员")
    client.force_login(make_liaison(unit))
    assert client.get(reverse("cobuild:council_detail", args=[council.pk])).status_code == 200
    assert client.get(reverse("cobuild:council_detail", args=[other.pk])).status_code == 404
    assert client.get(f"{API}/councils/{other.pk}").status_code == 404
    assert client.get(reverse("cobuild:council_member_add", args=[council.pk])).status_code == 403


def test_councils_are_made_and_seated_through_the_pages_and_the_api(client, tree, street_secretary):
    unit = make_unit(tree.communities[0], "人民路商圈党委")
    client.force_login(street_secretary)
    response = client.post(reverse("cobuild:council_create"), {"org": tree.communities[0].pk,
                                                                 "term_starts_on": "2018-01-01"})
    council = tree.communities[0].councils.get()
    assert response.status_code == 302
    response = client.post(reverse("cobuild:council_member_add", args=[council.pk]),
                           {"seat": "unit", "unit": unit.pk, "name": "吴委员", "rank": "county", "post": "书记"})
    assert response.status_code == 302 and CouncilMember.objects.filter(council=council, name="吴委员").exists()
    api = client.post(f"{API}/councils/{council.pk}/members", json.dumps({"seat": "unit", "unit": 999999,
                                                                          "name": "假"}),
                      content_type="application/json")
    assert api.status_code == 400 and "驻区单位" in api.json()["detail"]
    body = {"seat": "sent", "sent_from": tree.streets[0].pk, "name": "郑干部", "rank": "section"}
    api = client.post(f"{API}/councils/{council.pk}/members", json.dumps(body), content_type="application/json")
    assert api.status_code == 201 and api.json()["sent_from"]["id"] == tree.streets[0].pk
    member = CouncilMember.objects.get(name="郑干部")
    assert client.post(reverse("cobuild:council_member_end", args=[member.pk]),
                       {"ends_on": "2018-12-31"}).status_code == 302
    member.refresh_from_db()
    assert member.ends_on == dt.date(2018, 12, 31)
    outside = make_council(tree.streets[1])
    api = client.post(f"{API}/councils", json.dumps({"org": tree.streets[1].pk, "term_starts_on": "2019-01-01"}),
                      content_type="application/json")
    assert api.status_code == 400 and not tree.streets[1].councils.exclude(pk=outside.pk).exists()
    assert client.get(reverse("cobuild:council_edit", args=[outside.pk])).status_code == 404
