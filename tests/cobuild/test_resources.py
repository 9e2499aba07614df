"""资源清单 and 服务清单: cadres over a unit list what it offers (a liaison sees their unit's resources and
nothing else, and does not list them); capacity never drops below what matches took; communities list
their services."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.cobuild.factories_lists import make_liaison, make_need, make_resource, make_service, make_unit
from tests.factories import user_with_post
from zongheng.cobuild.actions_lists import do_accept_match, do_update_resource
from zongheng.cobuild.models import Resource, Service
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role

API = "/api/v1"


@pytest.fixture
def secretary(tree):
    return user_with_post(tree.communities[0], Role.SECRETARY, "secretary")


@pytest.fixture
def units(tree):
    return make_unit(tree.communities[0], name="市总工会"), make_unit(tree.communities[2], name="外街道单位")


def test_a_cadre_lists_a_resource_of_a_unit_in_scope(client, tree, secretary, units):
    mine, _ = units
    client.force_login(secretary)
    picker = client.get(reverse("cobuild:lists_pick_unit"), HTTP_HX_REQUEST="true").content.decode()
    assert "市总工会" in picker and "外街道单位" not in picker

    response = client.post(reverse("cobuild:resource_new"), {
        "unit": mine.org_id, "kind": "venue", "title": "职工之家", "capacity": 2400, "area_m2": 2400,
        "availability": "周六、周日全天", "idle": "on", "active": "on"})

    resource = Resource.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cobuild:resource_detail",
                                                                            args=[resource.pk])
    assert (resource.unit, resource.unit_path, resource.place, resource.place_path) == (
        mine, mine.org_path, tree.communities[0], tree.communities[0].path)
    assert resource.idle and resource.active and resource.used == 0
    assert AuditLog.objects.filter(action="cobuild.resource_create", org_path=mine.org_path).exists()


def test_a_unit_or_place_outside_the_scope_is_refused(client, tree, secretary, units):
    mine, foreign = units
    client.force_login(secretary)
    page = client.post(reverse("cobuild:resource_new"), {"unit": foreign.org_id, "kind": "venue", "title": "x",
                                                         "capacity": 1}).content.decode()
    assert "驻区单位不存在或不在您的管辖范围内" in page
    page = client.post(reverse("cobuild:resource_new"), {"unit": mine.org_id, "kind": "venue", "title": "x",
                                                         "capacity": 1, "place": tree.streets[1].pk}).content.decode()
    assert "所在街道或社区不存在或不在您的管辖范围内" in page
    assert not Resource.objects.exists()


def test_a_liaison_sees_their_units_resources_only_and_cannot_list_them(client, tree, units):
    mine, foreign = units
    cadre = user_with_post(tree.district, Role.SECRETARY)
    own = make_resource(cadre, mine, "volunteers", 30, "青年志愿者")
    theirs = make_resource(cadre, foreign, "volunteers", 30, "别家的志愿者")
    liaison = make_liaison(mine)
    client.force_login(liaison)

    listed = client.get(reverse("cobuild:resource_list")).content.decode()
    assert "青年志愿者" in listed and "别家的志愿者" not in listed
    assert client.get(reverse("cobuild:resource_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("cobuild:resource_detail", args=[theirs.pk])).status_code == 404
    assert client.get(f"{API}/resources/{theirs.pk}").status_code == 404
    assert [r["id"] for r in client.get(f"{API}/resources").json()["items"]] == [own.pk]
    book = load_workbook(io.BytesIO(client.get(reverse("cobuild:resource_export")).content))
    assert [r[2] for r in list(book.worksheets[0].iter_rows(values_only=True))[1:]] == ["青年志愿者"]
    # only cadres list resources: a liaison reports progress on items, nothing else
    assert client.get(reverse("cobuild:resource_new")).status_code == 403
    assert client.get(reverse("cobuild:resource_edit", args=[own.pk])).status_code == 403
    body = {"unit": mine.pk, "kind": "funds", "title": "x", "capacity": 1}
    assert client.post(f"{API}/resources", json.dumps(body), content_type="application/json").status_code == 403
    assert Resource.objects.count() == 2


def test_capacity_never_drops_below_what_was_taken(tree, secretary, units):
    mine, _ = units
    resource = make_resource(secretary, mine, "funds", 10000)
    do_accept_match(secretary, make_need(secretary, tree.communities[0], "funds", 6000), resource)
    with pytest.raises(ActionError, match="不能少于已对接的 6000 元"):
        do_update_resource(secretary, resource, {"capacity": 5000})
    with pytest.raises(ActionError, match="不能更改类别"):
        do_update_resource(secretary, resource, {"kind": "venue"})
    assert do_update_resource(secretary, resource, {"capacity": 6000, "active": False}).remaining == 0
    assert Resource.objects.get(pk=resource.pk).capacity == 6000


def test_the_api_lists_and_edits_resources(client, tree, secretary, units):
    mine, _ = units
    client.force_login(secretary)
    created = client.post(f"{API}/resources", json.dumps({"unit": mine.pk, "kind": "goods", "title": "防汛物资",
                                                          "capacity": 500, "idle": True}),
                          content_type="application/json")
    assert created.status_code == 201, created.content
    rid = created.json()["id"]
    assert created.json()["place"]["id"] == tree.communities[0].pk and created.json()["remaining"] == 500
    patched = client.patch(f"{API}/resources/{rid}", json.dumps({"capacity": 800, "availability": "汛期"}),
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["capacity"] == 800 and patched.json()["availability"] == "汛期"
    assert client.get(f"{API}/resources", {"idle": "true"}).json()["count"] == 1
    make_need(user_with_post(tree.communities[1], Role.SECRETARY), tree.communities[1], "goods", 100)
    proposals = client.get(f"{API}/resources/{rid}/proposals").json()
    assert proposals[0]["quantity"] == 100 and proposals[0]["reason"].startswith("同类资源·同一街道")


def test_services_of_a_community(client, tree, secretary):
    client.force_login(secretary)
    response = client.post(reverse("cobuild:service_new"), {"org": tree.communities[0].pk, "kind": "skills",
                                                            "title": "四点半课堂", "schedule": "工作日 16:30",
                                                            "active": "on"})
    service = Service.objects.get()
    assert response.status_code == 302 and service.org_path == tree.communities[0].path
    client.post(reverse("cobuild:service_edit", args=[service.pk]), {"kind": "skills", "title": "四点半课堂",
                                                                     "schedule": "周一至周五"})
    service.refresh_from_db()
    assert service.schedule == "周一至周五" and not service.active
    other = make_service(user_with_post(tree.communities[2], Role.SECRETARY), tree.communities[2], "外社区服务")
    listed = client.get(reverse("cobuild:service_list")).content.decode()
    assert "四点半课堂" in listed and "外社区服务" not in listed
    assert client.get(reverse("cobuild:service_edit", args=[other.pk])).status_code == 404
    api = client.post(f"{API}/services", json.dumps({"org": tree.communities[0].pk, "title": "法律咨询"}),
                      content_type="application/json")
    assert api.status_code == 201 and api.json()["kind"] == "other"
    patched = client.patch(f"{API}/services/{api.json()['id']}", json.dumps({"active": False}),
                           content_type="application/json")
    assert patched.json()["active"] is False
    book = load_workbook(io.BytesIO(client.get(reverse("cobuild:service_export")).content))
    assert sorted(r[2] for r in list(book.worksheets[0].iter_rows(values_only=True))[1:]) == ["四点半课堂", "法律咨询"]
