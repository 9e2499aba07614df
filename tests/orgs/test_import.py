"""Member import from .xlsx: all or nothing, every bad row named with a Chinese reason."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.factories import Tree, make_person, user_with_post
from zongheng.core.masking import id_check_char
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs import importer
from zongheng.orgs.models import ImportJob, ImportStatus, Org, Person

HEADERS = ["姓名", "性别", "出生年份", "手机号码", "身份证号码",
           "是否党员", "党员类型", "入党日期", "所在组织", "报到社区"]
_ids = itertools.count(1)


def new_id(birth: dt.date | None = None) -> str:
    """A valid ID number that no factory person has (factories use 1980-01-01)."""
    n = next(_ids)
    birth = birth or dt.date(1990, 1, 1) + dt.timedelta(days=n // 900)
    first17 = f"340802{birth:%Y%m%d}{n % 900 + 100:03d}"
    return first17 + id_check_char(first17)


def member_row(org: Org, **kw: Any) -> dict[str, Any]:
    n = next(_ids)
    row = {
        "姓名": f"导入{n}", "性别": "女" if n % 2 else "男", "出生年份": 1990, "手机号码": f"139{n:08d}",
        "身份证号码": new_id(), "是否党员": "是", "党员类型": "在职党员", "入党日期": "2015-07-01",
        "所在组织": org.name, "报到社区": "",
    }
    row.update(kw)
    return row


def xlsx(rows: list[dict[str, Any]], headers: list[str] | None = None, name: str = "名册.xlsx") -> SimpleUploadedFile:
    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, org: Org, file: SimpleUploadedFile, *, confirm: bool = True) -> Any:
    """Uploads (the preview) and, when the preview found nothing wrong, confirms it like a clerk would."""
    before = last_job()
    response = client.post(reverse("orgs:import"), {"org": org.pk, "file": file}, follow=True)
    job = last_job()
    if (confirm and job is not None and job != before and job.status == ImportStatus.PREVIEW and not job.errors
            and job.preview.get("can_confirm")):
        response = client.post(reverse("orgs:import_confirm", args=[job.pk]), follow=True)
    return response


def last_job() -> ImportJob:
    return ImportJob.objects.order_by("-pk").first()  # type: ignore[return-value]


def messages_by_row(job: ImportJob) -> dict[int | None, list[str]]:
    out: dict[int | None, list[str]] = {}
    for e in job.errors:
        out.setdefault(e["row"], []).append(e["message"])
    return out


@pytest.fixture
def dept(tree: Tree) -> Any:
    return user_with_post(tree.district, Role.ORG_DEPT)


# ---------------------------------------------------------------- the acceptance test


def test_a_thousand_row_file_with_three_bad_rows_previews_them_and_writes_nothing_until_confirmed(tree, dept):
    client = login(dept)
    rows = [member_row(tree.grids[i % len(tree.grids)]) for i in range(1000)]
    bad = {17: ("身份证号码", rows[15]["身份证号码"][:-1] + ("0" if rows[15]["身份证号码"][-1] != "0" else "1")),
           504: ("所在组织", "不存在的网格"),
           1001: ("入党日期", "去年七月")}
    broken = [dict(r) for r in rows]
    for row_number, (column, value) in bad.items():
        broken[row_number - 2][column] = value
    before = Person.objects.count()

    response = upload(client, tree.district, xlsx(broken))

    job = last_job()
    assert job.status == ImportStatus.PREVIEW
    assert Person.objects.count() == before
    assert set(messages_by_row(job)) == set(bad)
    assert any("身份证号码校验位错误" in m for m in messages_by_row(job)[17])
    assert any("找不到组织“不存在的网格”" in m for m in messages_by_row(job)[504])
    assert any("入党日期“去年七月”无法识别" in m for m in messages_by_row(job)[1001])
    assert job.preview["counts"] == {"create": 997, "update": 0, "unchanged": 0, "skip": 0, "refuse": 3}
    page = response.content.decode()
    assert "有问题不导入 3 行" in page and "身份证号码校验位错误" in page and "确认导入：新增 997 人" in page

    response = upload(client, tree.district, xlsx(rows, name="名册（改正后）.xlsx"))

    job = last_job()
    assert job.status == ImportStatus.DONE
    assert Person.objects.count() - before == len(rows) == job.created_count
    assert f"已成功导入 <strong>{len(rows)}</strong> 人" in response.content.decode()


# ---------------------------------------------------------------- each kind of bad row


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("身份证号码", "34080219900101123X", "身份证号码校验位错误"),
        ("身份证号码", "3408021990", "身份证号码应为 18 位"),
        ("手机号码", "12345", "手机号码“12345”格式不正确"),
        ("入党日期", "2018-13-45", "入党日期“2018-13-45”无法识别"),
        ("入党日期", "2999-01-01", "入党日期不能晚于今天"),
        ("所在组织", "火星网格", "找不到组织“火星网格”"),
        ("党员类型", "退休干部", "党员类型“退休干部”无法识别"),
        ("性别", "未知", "性别“未知”无法识别"),
        ("姓名", "", "“姓名”不能为空"),
        ("所在组织", "", "“所在组织”不能为空"),
        ("出生年份", "八零年", "出生年份“八零年”无法识别"),
        ("是否党员", "也许", "是否党员“也许”无法识别"),
        ("报到社区", "月球社区", "找不到报到社区“月球社区”"),
    ],
)
def test_each_kind_of_bad_row_is_named_with_its_column_and_chinese_reason(tree, dept, column, value, reason):
    rows = [member_row(tree.grids[0]), member_row(tree.grids[0], **{column: value}), member_row(tree.grids[1])]
    before = Person.objects.count()

    upload(login(dept), tree.district, xlsx(rows))

    job = last_job()
    assert job.status == ImportStatus.PREVIEW  # nothing is written before the clerk confirms
    assert Person.objects.count() == before
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, column)]
    assert reason in job.errors[0]["message"]
    assert job.preview["counts"]["refuse"] == 1 and job.preview["counts"]["create"] == 2


def test_a_missing_required_column_is_named_and_nothing_is_imported(tree, dept):
    headers = [h for h in HEADERS if h != "身份证号码"]
    before = Person.objects.count()

    response = upload(login(dept), tree.district, xlsx([member_row(tree.grids[0])], headers=headers))

    job = last_job()
    assert job.status == ImportStatus.PREVIEW  # the clerk may map another column to it
    assert job.errors == [{"row": None, "column": "身份证号码", "value": "", "message": "缺少必填列“身份证号码”"}]
    assert not job.preview["can_confirm"]
    assert "缺少必填列“身份证号码”" in response.content.decode()
    assert Person.objects.count() == before


def test_the_same_id_number_twice_in_the_file_names_both_rows(tree, dept):
    twin = new_id()
    rows = [member_row(tree.grids[0]), member_row(tree.grids[0], 身份证号码=twin), member_row(tree.grids[1]),
            member_row(tree.grids[1], 身份证号码=twin.lower())]

    upload(login(dept), tree.district, xlsx(rows))

    errors = messages_by_row(last_job())
    assert errors == {3: ["身份证号码与第 5 行重复：同一人只能出现一次"],
                      5: ["身份证号码与第 3 行重复：同一人只能出现一次"]}


def test_a_person_already_in_the_system_is_updated_not_duplicated(tree, dept):
    existing_id = new_id()
    existing = make_person(tree.grids[2], id_number=existing_id)
    rows = [member_row(tree.grids[0]), member_row(tree.grids[0], 身份证号码=existing_id)]
    before = Person.objects.count()

    upload(login(dept), tree.district, xlsx(rows))

    job = last_job()
    assert job.status == ImportStatus.DONE and (job.created_count, job.updated_count) == (1, 1)
    assert Person.objects.count() == before + 1
    existing.refresh_from_db()
    assert existing.name == rows[1]["姓名"] and existing.org == tree.grids[0]


def test_an_ambiguous_org_name_is_an_error_and_the_org_code_resolves_it(tree, dept):
    levels = tree.levels
    a = Org.objects.add_child(tree.communities[0], instance=Org(name="红旗网格", level=levels["grid"], code="G-A"))
    Org.objects.add_child(tree.communities[1], instance=Org(name="红旗网格", level=levels["grid"], code="G-B"))
    client = login(dept)

    upload(client, tree.district, xlsx([member_row(a, 所在组织="红旗网格")]))
    assert "有 2 个名为“红旗网格”的组织，请改填组织代码" in last_job().errors[0]["message"]

    upload(client, tree.district, xlsx([member_row(a, 所在组织="G-A")]))
    assert last_job().status == ImportStatus.DONE
    assert Person.objects.filter(org=a).count() == 1


def test_an_org_outside_the_importers_scope_is_refused(tree):
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    outside = tree.grids[4]  # a grid of another street's community
    rows = [member_row(tree.grids[0]), member_row(outside)]
    before = Person.objects.count()

    upload(login(secretary), tree.communities[0], xlsx(rows))

    # Worded exactly as for an organisation that does not exist (issue 12: no existence oracle).
    assert messages_by_row(last_job()) == {3: [
        f"找不到组织“{outside.name}”，或它不在您的管辖范围内（请填写组织代码，或“{tree.communities[0].name}”下的组织全称）"]}
    assert Person.objects.count() == before


def test_an_org_in_scope_but_outside_the_chosen_target_is_refused(tree, dept):
    rows = [member_row(tree.grids[0]), member_row(tree.grids[4])]

    upload(login(dept), tree.streets[0], xlsx(rows))

    reason = f"组织“{tree.grids[4].name}”不属于所选的导入组织“{tree.streets[0].name}”"
    assert messages_by_row(last_job()) == {3: [reason]}


def test_a_target_org_out_of_scope_is_refused_and_nothing_is_stored(tree):
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    before = Person.objects.count()

    response = upload(login(secretary), tree.communities[3], xlsx([member_row(tree.grids[6])]))

    assert response.status_code == 200
    assert "所选组织不存在或不在您的管辖范围内" in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert Person.objects.count() == before


# ---------------------------------------------------------------- accepted input


@pytest.mark.parametrize("joined", [dt.date(2018, 7, 1), "2018-07-01", "2018/7/1", "2018年7月1日", "2018.7.1"])
def test_dates_are_read_from_excel_dates_and_common_chinese_formats(tree, dept, joined):
    row = member_row(tree.grids[0], 入党日期=joined)

    upload(login(dept), tree.district, xlsx([row]))

    assert last_job().status == ImportStatus.DONE
    assert Person.objects.get(name=row["姓名"]).joined_on == dt.date(2018, 7, 1)


def test_imported_people_have_masked_numbers_org_path_and_one_audit_record_naming_them(tree, dept):
    rows = [member_row(tree.grids[i], 出生年份=None, 党员类型=t, 报到社区=tree.communities[3].name)
            for i, t in enumerate(["离退休党员", "流动", "在职党员"])]
    rows.append(member_row(tree.grids[3], 是否党员="否", 党员类型="", 入党日期=""))

    upload(login(dept), tree.district, xlsx(rows))

    job = last_job()
    people = {p.name: p for p in Person.objects.filter(name__in=[r["姓名"] for r in rows]).select_related("org")}
    assert len(people) == len(rows)
    for row in rows:
        person = people[row["姓名"]]
        assert person.org_path == person.org.path and person.org.name == row["所在组织"]
        assert person.id_masked == row["身份证号码"][:6] + "*" * 10 + row["身份证号码"][-2:]
        assert person.phone_masked == row["手机号码"][:3] + "****" + row["手机号码"][-4:]
        assert person.birth_year == int(row["身份证号码"][6:10])
    assert people[rows[0]["姓名"]].member_type == "retired"
    assert people[rows[1]["姓名"]].member_type == "mobile"
    assert people[rows[0]["姓名"]].registered_path == tree.communities[3].path
    assert not people[rows[3]["姓名"]].is_party_member
    record = AuditLog.objects.get(action="person.import")
    assert record.object_id == str(job.pk) and record.actor == dept
    assert record.after["created"] == len(rows) and record.after["file"] == "名册.xlsx"
    assert set(importer.people_of_import(job)) == set(people.values())


def test_the_template_lists_every_column_and_a_filled_template_imports(tree, dept):
    client = login(dept)
    response = client.get(reverse("orgs:import_template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]][: len(HEADERS)] == HEADERS  # the new columns (issue 15) come after
    row = member_row(tree.grids[0])
    for i, h in enumerate(HEADERS, start=1):
        ws.cell(row=2, column=i, value=row[h])
    buf = io.BytesIO()
    wb.save(buf)

    upload(client, tree.district, SimpleUploadedFile("模板.xlsx", buf.getvalue()))

    assert last_job().status == ImportStatus.DONE
    assert Person.objects.filter(name=row["姓名"]).exists()


# ---------------------------------------------------------------- uploads refused


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        (SimpleUploadedFile("名册.xls", b"\xd0\xcf\x11\xe0 an old binary workbook"), "只能上传 .xlsx 格式"),
        (SimpleUploadedFile("名册.xlsx", b"this is not a spreadsheet"), "无法读取该文件"),
        (SimpleUploadedFile("名册.xlsx", b"\0" * (10 * 1024 * 1024 + 1)), "文件超过 10 MB"),
    ],
)
def test_an_upload_that_is_not_a_readable_small_xlsx_is_refused_in_chinese(tree, dept, file, reason):
    response = upload(login(dept), tree.district, file)

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_without_the_import_right_the_pages_answer_403(tree):
    grid_leader = user_with_post(tree.grids[0], Role.GRID_LEADER)
    client = login(grid_leader)
    assert client.get(reverse("orgs:import")).status_code == 403
    assert client.get(reverse("orgs:import_template")).status_code == 403
    response = client.post(reverse("orgs:import"), {"org": tree.grids[0].pk, "file": xlsx([member_row(tree.grids[0])])})
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_anonymous_users_are_sent_to_login(tree):
    response = Client().get(reverse("orgs:import"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# ---------------------------------------------------------------- progress and background


def test_the_progress_page_is_visible_to_its_creator_and_404_to_someone_out_of_scope(tree):
    creator = user_with_post(tree.communities[0], Role.SECRETARY)
    other = user_with_post(tree.communities[3], Role.SECRETARY)
    above = user_with_post(tree.streets[0], Role.SECRETARY)
    upload(login(creator), tree.communities[0], xlsx([member_row(tree.grids[0])]))
    job = last_job()

    for user, expected in [(creator, 200), (above, 200), (other, 404)]:
        client = login(user)
        assert client.get(reverse("orgs:import_job", args=[job.pk])).status_code == expected
        assert client.get(reverse("orgs:import_status", args=[job.pk])).status_code == expected
        assert client.get(reverse("orgs:import_errors", args=[job.pk])).status_code == expected


def test_an_unfinished_job_page_polls_its_progress_every_second(tree, dept):
    job = importer.do_create_job(dept, tree.district, xlsx([member_row(tree.grids[0])]), 1)
    client = login(dept)

    page = client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page and "排队等待处理" in page

    importer.run_job(job.pk)
    partial = client.get(reverse("orgs:import_status", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "查看预览并确认导入" in partial

    importer.do_change_options(dept, job, lambda options: None, confirm=True)
    importer.run_job(job.pk)
    partial = client.get(reverse("orgs:import_status", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "已成功导入 <strong>1</strong> 人" in partial


def test_a_large_file_runs_as_a_background_task_and_reports_progress(tree, dept, settings, monkeypatch):
    settings.IMPORT_INLINE_MAX_ROWS = 5
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 4)
    seen: list[int] = []
    real_set = importer._set

    def spy(job: ImportJob, **fields: Any) -> None:
        real_set(job, **fields)
        if "processed_rows" in fields:
            seen.append(ImportJob.objects.get(pk=job.pk).processed_rows)

    monkeypatch.setattr(importer, "_set", spy)
    rows = [member_row(tree.grids[i % 8]) for i in range(10)]
    before = Person.objects.count()

    client = login(dept)
    response = client.post(reverse("orgs:import"), {"org": tree.district.pk, "file": xlsx(rows)})

    job = last_job()
    assert response.status_code == 302 and response["Location"] == reverse("orgs:import_job", args=[job.pk])
    assert job.status == ImportStatus.PREVIEW and Person.objects.count() == before
    assert seen == [0, 0, 4, 8, 10, 10]  # the preview: read, then checked in the worker, with progress
    seen.clear()

    response = client.post(reverse("orgs:import_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert response.status_code == 302
    assert job.status == ImportStatus.DONE and Person.objects.count() - before == len(rows)
    assert seen == [0, 0, 4, 8, 10]


def test_a_job_is_imported_once_even_if_the_task_runs_twice(tree, dept):
    job = importer.do_create_job(dept, tree.district, xlsx([member_row(tree.grids[0])]), 1)
    from zongheng.orgs.tasks import run_import

    run_import.enqueue(job.pk)
    run_import.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    importer.do_change_options(dept, job, lambda options: None, confirm=True)
    run_import.enqueue(job.pk)
    run_import.enqueue(job.pk)

    job.refresh_from_db()
    assert job.created_count == 1 and AuditLog.objects.filter(action="person.import").count() == 1


def test_the_error_list_downloads_as_xlsx(tree, dept):
    rows = [member_row(tree.grids[0], 性别="?")]
    client = login(dept)
    upload(client, tree.district, xlsx(rows))

    response = client.get(reverse("orgs:import_errors", args=[last_job().pk]))

    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[1]] == ["行号", "列", "原因", "填写的值"]
    assert [c.value for c in ws[2]] == [2, "性别", "性别“?”无法识别，应填“男”或“女”", "?"]


def test_the_upload_page_offers_only_the_orgs_in_the_importers_scope(tree):
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)

    page = login(secretary).get(reverse("orgs:import")).content.decode()

    assert tree.communities[0].name in page and tree.grids[0].name in page
    assert tree.communities[1].name not in page and tree.district.name not in page
    assert reverse("orgs:import_template") in page


def test_an_empty_post_asks_for_the_org_and_the_file(tree, dept):
    page = login(dept).post(reverse("orgs:import"), {}).content.decode()

    assert "请选择导入到哪个组织" in page and "请选择要上传的文件" in page
