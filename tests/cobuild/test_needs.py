"""需求清单: a community cadre lists, edits and closes needs; a demand or a 每月一听 session becomes a need in one
step; the proposals page explains each proposal and accepting one makes the match and its agreement item."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.cobuild.factories_lists import make_need, make_resource, make_unit
from tests.factories import user_with_post
from zongheng.cobuild.actions_lists import do_accept_match, do_update_need
from zongheng.cobuild.choices import ItemKind, NeedState
from zongheng.cobuild.models import AgreementItem, Match, Need, Resource
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.demands.actions import do_submit_demand
from zongheng.demands.models import Category, ListeningSession

API = "/api/v1"


@pytest.fixture
def secretary(tree):
    return user_with_post(tree.communities[0], Role.SECRETARY, "secretary")


@pytest.fixture
def other(tree):
    return user_with_post(tree.communities[2], Role.SECRETARY, "other")


def _demand(tree, grid=None, description="小区老年人没有活动场地，希望有地方下棋打牌。联系 13812345678"):
    demand, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.get(code="elderly"),
                                        "urgency": "normal", "description": description, "address": "幸福里",
                                        "grid": grid or tree.grids[0]})
    return demand


def _form(client, url, **data):
    return client.post(url, data)


def test_a_cadre_lists_a_need_and_is_shown_its_proposals(client, tree, secretary):
    unit = make_unit(tree.communities[0], name="市总工会")
    make_resource(secretary, unit, "venue", 400, "职工之家活动室", availability="周六、周日全天")
    client.force_login(secretary)

    response = _form(client, reverse("cobuild:need_new"), org=tree.communities[0].pk, kind="venue",
                     title="老年活动场地", detail="下棋打牌", quantity=120)

    need = Need.objects.get(title="老年活动场地")
    assert response.status_code == 302 and response["Location"] == reverse("cobuild:need_proposals", args=[need.pk])
    assert (need.org, need.org_path, need.state) == (tree.communities[0], tree.communities[0].path, NeedState.OPEN)
    page = client.get(response["Location"]).content.decode()
    assert "市总工会：职工之家活动室" in page and "同类资源·同一社区·剩余 400 平方米" in page
    assert 'value="120"' in page  # the proposed quantity: what the need lacks
    assert AuditLog.objects.filter(action="cobuild.need_create", object_id=str(need.pk)).exists()


def test_a_community_outside_the_scope_is_refused_and_nothing_is_written(client, tree, secretary):
    client.force_login(secretary)
    response = _form(client, reverse("cobuild:need_new"), org=tree.communities[2].pk, kind="venue", title="x",
                     quantity=1)
    assert response.status_code == 200 and "社区不存在或不在您的管辖范围内" in response.content.decode()
    assert not Need.objects.exists()


def test_a_demand_becomes_a_need_in_one_step_with_the_phone_masked(client, tree, secretary):
    demand = _demand(tree)
    client.force_login(secretary)

    page = client.get(reverse("cobuild:need_new"), {"demand": demand.ref}).content.decode()

    assert demand.ref in page and "13812345678" not in page and "138****5678" in page
    assert f'value="{demand.pk}"' in page and f'value="{tree.communities[0].pk}"' in page
    response = _form(client, reverse("cobuild:need_new"), org=tree.communities[0].pk, kind="venue",
                     title="老年活动场地", quantity=80, demand=demand.pk)
    need = Need.objects.get()
    assert response.status_code == 302 and need.demand == demand
    again = _form(client, reverse("cobuild:need_new"), org=tree.communities[0].pk, kind="venue", title="再转一次",
                  quantity=1, demand=demand.pk)
    assert "该诉求已转为需求" in again.content.decode() and Need.objects.count() == 1


def test_a_demand_out_of_scope_cannot_be_named(client, tree, secretary):
    foreign = _demand(tree, grid=tree.grids[4])
    client.force_login(secretary)
    page = client.get(reverse("cobuild:need_new"), {"demand": foreign.pk}).content.decode()
    assert "诉求不存在或不在您的管辖范围内" in page and foreign.ref not in page
    response = _form(client, reverse("cobuild:need_new"), org=tree.communities[0].pk, kind="venue", title="伪造",
                     quantity=1, demand=foreign.pk)
    assert "诉求不存在或不在您的管辖范围内" in response.content.decode() and not Need.objects.exists()


def test_a_listening_session_becomes_a_need(client, tree, secretary):
    session = ListeningSession.objects.create(org=tree.communities[0], held_on="2018-03-05", place="社区活动室",
                                              summary="居民希望开设四点半课堂", created_by=secretary)
    client.force_login(secretary)
    page = client.get(reverse("cobuild:need_new"), {"session": session.pk}).content.decode()
    assert "居民希望开设四点半课堂" in page
    _form(client, reverse("cobuild:need_new"), org=tree.communities[0].pk, kind="volunteers", title="四点半课堂志愿者",
          quantity=10, listening_session=session.pk)
    need = Need.objects.get()
    assert need.listening_session == session
    listed = client.get(reverse("cobuild:need_list"), {"from": "session"}).content.decode()
    assert "四点半课堂志愿者" in listed and "每月一听" in listed


def test_accepting_on_the_page_makes_the_item_and_says_so(client, tree, secretary):
    unit = make_unit(tree.communities[1], name="绿地集团安庆置业")
    resource = make_resource(user_with_post(tree.district, Role.SECRETARY), unit, "venue", 2400, "商圈党群服务中心用房")
    need = make_need(secretary, tree.communities[0], "venue", 1000, "党群服务中心")
    client.force_login(secretary)

    response = client.post(reverse("cobuild:need_accept", args=[need.pk]), {"resource": resource.pk, "quantity": 600},
                           follow=True)

    match = Match.objects.get()
    assert match.quantity == 600 and Resource.objects.get(pk=resource.pk).used == 600
    assert match.item.kind == ItemKind.SHARED_RESOURCES
    assert "已确认对接" in response.content.decode() and "资源联享认领书" in response.content.decode()
    proposals = client.get(reverse("cobuild:need_proposals", args=[need.pk])).content.decode()
    # what the need still lacks; the resource already matched with it is not proposed again (one match a pair)
    assert "尚缺 <strong>400 平方米</strong>" in proposals and "商圈党群服务中心用房" not in proposals


def test_a_forged_resource_or_too_much_is_refused_on_the_page(client, tree, secretary):
    need = make_need(secretary, tree.communities[0], "venue", 10)
    unit = make_unit(tree.communities[0])
    resource = make_resource(secretary, unit, "venue", 5)
    client.force_login(secretary)
    for data in ({"resource": 999999}, {"resource": resource.pk, "quantity": 6}, {"resource": "x"}):
        page = client.post(reverse("cobuild:need_accept", args=[need.pk]), data, follow=True).content.decode()
        assert 'class="error"' in page or "找不到该资源" in page or "不能超过" in page or "请从建议中选择" in page
    assert not Match.objects.exists() and not AgreementItem.objects.exists()


def test_edit_never_below_what_is_met_and_close(client, tree, secretary):
    unit = make_unit(tree.communities[0])
    resource = make_resource(secretary, unit, "funds", 3000)
    need = make_need(secretary, tree.communities[0], "funds", 5000)
    do_accept_match(secretary, need, resource)
    with pytest.raises(ActionError, match="不能少于已对接的 3000 元"):
        do_update_need(secretary, need, {"quantity": 2000})
    with pytest.raises(ActionError, match="不能更改类别"):
        do_update_need(secretary, need, {"kind": "venue"})
    assert do_update_need(secretary, need, {"quantity": 3000}).state == NeedState.MATCHED
    assert do_update_need(secretary, need, {"quantity": 4000}).state == NeedState.OPEN
    client.force_login(secretary)
    client.post(reverse("cobuild:need_close", args=[need.pk]))
    assert Need.objects.get(pk=need.pk).state == NeedState.CLOSED
    assert client.get(reverse("cobuild:need_edit", args=[need.pk])).status_code == 200
    response = _form(client, reverse("cobuild:need_edit", args=[need.pk]), kind="funds", title="x", quantity=9000)
    assert "已关闭" in response.content.decode() and Need.objects.get(pk=need.pk).quantity == 4000


def test_a_cadre_who_only_views_cannot_change(client, tree, secretary):
    need = make_need(secretary, tree.communities[0], "venue", 10)
    member = user_with_post(tree.communities[0], Role.COMMITTEE_MEMBER)
    client.force_login(member)
    assert client.get(reverse("cobuild:need_detail", args=[need.pk])).status_code == 200
    assert client.get(reverse("cobuild:need_edit", args=[need.pk])).status_code == 403
    assert client.post(reverse("cobuild:need_close", args=[need.pk])).status_code == 403
    assert Need.objects.get(pk=need.pk).state == NeedState.OPEN


def test_the_list_filters_and_exports_the_same_rows(client, tree, secretary):
    make_need(secretary, tree.communities[0], "venue", 10, "场地一")
    make_need(secretary, tree.communities[0], "funds", 10, "资金一")
    client.force_login(secretary)
    page = client.get(reverse("cobuild:need_list"), {"kind": "venue"}).content.decode()
    assert "场地一" in page and "资金一" not in page
    book = load_workbook(io.BytesIO(client.get(reverse("cobuild:need_export"), {"kind": "venue"}).content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("社区", "类别", "需求") and [r[2] for r in rows[1:]] == ["场地一"]


def _queries(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["cobuild:need_list", "cobuild:resource_list", "cobuild:service_list",
                                  "cobuild:match_list", "cobuild:lists_home"])
def test_list_pages_run_the_same_queries_whatever_the_rows(client, tree, secretary, name,
                                                           django_assert_max_num_queries):
    unit = make_unit(tree.communities[0])
    client.force_login(secretary)
    client.get(reverse(name))  # warm-up: the first request of a session pays once

    def grow(n):
        from tests.cobuild.factories_lists import make_service

        for _ in range(n):
            r = make_resource(secretary, unit, "venue", 10)
            need = make_need(secretary, tree.communities[0], "venue", 5)
            do_accept_match(secretary, need, r)
            make_service(secretary, tree.communities[0])

    grow(1)
    few = _queries(client, reverse(name), django_assert_max_num_queries, 20)
    grow(6)
    assert _queries(client, reverse(name), django_assert_max_num_queries, 20) == few


def test_the_proposals_page_runs_the_same_queries_whatever_the_resources(client, tree, secretary,
                                                                         django_assert_max_num_queries):
    unit = make_unit(tree.communities[0])
    need = make_need(secretary, tree.communities[0], "venue", 100)
    client.force_login(secretary)
    url = reverse("cobuild:need_proposals", args=[need.pk])
    client.get(url)
    make_resource(secretary, unit, "venue", 10)
    few = _queries(client, url, django_assert_max_num_queries, 20)
    cadre = user_with_post(tree.district, Role.SECRETARY)
    for i in range(8):
        make_resource(cadre, make_unit(tree.communities[i % 4]), "venue", 10 + i)
    assert _queries(client, url, django_assert_max_num_queries, 20) == few


# ---------------------------------------------------------------- the API


def test_the_api_creates_lists_proposes_and_accepts_through_the_same_actions(client, tree, secretary):
    unit = make_unit(tree.communities[0], name="区人民医院")
    resource = make_resource(secretary, unit, "skills", 12, "义诊医生")
    demand = _demand(tree)
    client.force_login(secretary)

    created = client.post(f"{API}/needs", json.dumps({"org": tree.communities[0].pk, "kind": "skills",
                                                      "title": "老人义诊", "quantity": 8, "demand": demand.pk}),
                          content_type="application/json")
    assert created.status_code == 201, created.content
    need_id = created.json()["id"]
    assert created.json()["demand_id"] == demand.pk and created.json()["met"] == 0
    proposals = client.get(f"{API}/needs/{need_id}/proposals").json()
    assert proposals[0]["resource_id"] == resource.pk and proposals[0]["quantity"] == 8
    assert proposals[0]["reason"] == "同类资源·同一社区·剩余 12 人次"
    accepted = client.post(f"{API}/needs/{need_id}/accept", json.dumps({"resource": resource.pk}),
                           content_type="application/json")
    assert accepted.status_code == 201 and accepted.json()["quantity"] == 8
    again = client.post(f"{API}/needs/{need_id}/accept", json.dumps({"resource": resource.pk}),
                        content_type="application/json")
    assert again.status_code == 400 and "已对接" in again.json()["detail"]
    assert client.get(f"{API}/needs/{need_id}").json()["state"] == "matched"
    listed = client.get(f"{API}/matches").json()
    assert listed["count"] == 1 and listed["items"][0]["item_id"] == AgreementItem.objects.get().pk


def test_the_api_refuses_forged_references_and_out_of_scope_rows(client, tree, secretary, other):
    foreign = make_need(other, tree.communities[2], "venue", 5)
    client.force_login(secretary)
    body = {"org": tree.communities[2].pk, "kind": "venue", "title": "x", "quantity": 1}
    refused = client.post(f"{API}/needs", json.dumps(body), content_type="application/json")
    assert refused.status_code == 400 and "不在您的管辖范围内" in refused.json()["detail"]
    assert client.get(f"{API}/needs/{foreign.pk}").status_code == 404
    assert client.patch(f"{API}/needs/{foreign.pk}", json.dumps({"quantity": 9}),
                        content_type="application/json").status_code == 404
    assert client.post(f"{API}/needs/{foreign.pk}/accept", json.dumps({"resource": 1}),
                       content_type="application/json").status_code == 404
    assert Need.objects.get(pk=foreign.pk).quantity == 5 and Need.objects.count() == 1
