"""Importing units (.xlsx): all or nothing, row-by-row errors in Chinese; the export imports back as updates;
the API writes through the same actions."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.cobuild.factories_units import make_unit
from tests.factories import user_with_post
from zongheng.cobuild.importer_units import HEADERS
from zongheng.cobuild.models import UNIT_LEVEL, Unit
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs.models import Org

API = "/api/v1"


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["迎江区驻区单位名册"])  # a title row above the header
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("units.xlsx", buf.getvalue())


@pytest.fixture
def dept(tree):
    return user_with_post(tree.district, Role.ORG_DEPT, "dept")


def row(name: str, place: str, **kw: Any) -> list[Any]:
    values = {"type": "国有企业", "level": "市直", "code": "", "address": "", "mgmt": "", "party": "", "sec": "",
              "count": "", "joined": ""} | kw
    return [name, values["code"], values["type"], values["level"], place, values["address"], values["mgmt"],
            values["party"], values["sec"], values["count"], values["joined"]]


def test_a_good_file_registers_every_unit_with_its_node(client, tree, dept):
    client.force_login(dept)
    file = xlsx([row("市总工会", tree.communities[0].name, type="机关", count=35, joined="2018-03-01"),
                 row("绿地集团安庆置业有限公司", tree.streets[1].name, type="非公企业", level="属地",
                     code="91340800MA2N0XXXX1")])
    response = client.post(reverse("cobuild:unit_import"), {"file": file})
    assert response.status_code == 302
    union = Unit.objects.get(name="市总工会")
    assert union.members_count == 35 and union.type == "agency" and union.place_id == tree.communities[0].pk
    assert union.org.level.code == UNIT_LEVEL and union.org.path.startswith(tree.communities[0].path)
    assert Unit.objects.get(name="绿地集团安庆置业有限公司").credit_code == "91340800MA2N0XXXX1"
    assert AuditLog.objects.filter(action="cobuild.unit_import").exists()


def test_a_broken_row_refuses_the_whole_file_and_names_each_problem(client, tree, dept):
    client.force_login(dept)
    before = (Unit.objects.count(), Org.objects.count())
    file = xlsx([row("好单位", tree.communities[0].name),
                 row("坏单位", "不存在的社区", type="外资企业"),
                 row("", tree.communities[0].name),
                 row("日期错", tree.communities[1].name, joined="去年")])
    response = client.post(reverse("cobuild:unit_import"), {"file": file})
    assert response.status_code == 400
    page = response.content.decode()
    problems = response.context["plan"].problems
    assert {(p.row, p.column) for p in problems} == {(4, "单位类型"), (4, "所在街道/社区"), (5, "单位名称"),
                                                     (6, "加入共建日期")}
    assert "找不到该街道或社区" in page and "单位类型应为" in page and "请填写单位名称" in page
    assert (Unit.objects.count(), Org.objects.count()) == before


def test_a_file_without_the_columns_or_not_xlsx_is_refused(client, tree, dept):
    client.force_login(dept)
    response = client.post(reverse("cobuild:unit_import"), {"file": xlsx([["x"]], headers=["姓名", "电话"])})
    assert response.status_code == 400 and "没有找到表头" in response.content.decode()
    bad = SimpleUploadedFile("units.xlsx", b"not a zip")
    response = client.post(reverse("cobuild:unit_import"), {"file": bad})
    assert "无法读取该文件" in response.content.decode()
    assert not Unit.objects.exists()


def test_a_place_outside_the_importers_scope_is_refused(client, tree):
    street_dept = user_with_post(tree.streets[0], Role.ORG_DEPT)
    client.force_login(street_dept)
    response = client.post(reverse("cobuild:unit_import"), {"file": xlsx([row("越界", tree.communities[2].name)])})
    assert response.status_code == 400 and not Unit.objects.exists()


def test_the_export_imports_back_as_updates(client, tree, dept):
    unit = make_unit(tree.communities[0], "紫峰大厦党委", type="social", level="local")
    client.force_login(dept)
    exported = load_workbook(BytesIO(client.get(reverse("cobuild:unit_export")).content)).active
    rows = [list(r) for r in exported.iter_rows(values_only=True)]
    assert rows[0][: len(HEADERS)] == HEADERS
    rows[1][5] = "人民路 88 号"  # 地址
    rows[1][9] = 42  # 党员人数
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = BytesIO()
    wb.save(buf)
    response = client.post(reverse("cobuild:unit_import"), {"file": SimpleUploadedFile("u.xlsx", buf.getvalue())})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.address == "人民路 88 号" and unit.members_count == 42 and Unit.objects.count() == 1


def test_only_configurers_import(client, tree):
    client.force_login(user_with_post(tree.communities[0], Role.SECRETARY))
    assert client.get(reverse("cobuild:unit_import")).status_code == 403
    assert client.get(reverse("cobuild:unit_import_template")).status_code == 403


def test_the_api_registers_edits_and_reads_units_in_scope(client, tree):
    secretary = user_with_post(tree.streets[0], Role.SECRETARY)
    client.force_login(secretary)
    body = {"place": tree.communities[0].pk, "name": "振发锻件公司", "type": "private_enterprise", "level": "local"}
    created = client.post(f"{API}/units", json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    unit = Unit.objects.get(name="振发锻件公司")
    assert created.json()["node"]["id"] == unit.org_id and unit.org.level.code == UNIT_LEVEL
    forged = client.post(f"{API}/units", json.dumps(body | {"place": tree.communities[2].pk, "name": "别处"}),
                         content_type="application/json")
    assert forged.status_code == 400 and not Unit.objects.filter(name="别处").exists()
    patched = client.patch(f"{API}/units/{unit.pk}", json.dumps({"members_count": 9}), content_type="application/json")
    assert patched.status_code == 200 and patched.json()["members_count"] == 9
    liaison = client.post(f"{API}/units/{unit.pk}/liaisons", json.dumps({"name": "联络员甲"}),
                          content_type="application/json")
    assert liaison.status_code == 201 and [x["name"] for x in liaison.json()["liaisons"]] == ["联络员甲"]
    other = make_unit(tree.communities[2])
    assert client.get(f"{API}/units/{other.pk}").status_code == 404
    assert client.patch(f"{API}/units/{other.pk}", "{}", content_type="application/json").status_code == 404
