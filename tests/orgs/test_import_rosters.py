"""Importing the rosters clerks actually have (issue 15): real 花名册 layouts, synonyms, preview,
normalisation, update mode, and the platform's own export coming back in.

Every roster here is built in code with openpyxl, shaped like the file that showed the finding.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import itertools
import re
import zipfile
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.factories import Tree, make_person, user_with_post
from zongheng.core import crypto
from zongheng.core.errors import ActionError
from zongheng.core.masking import id_check_char, validate_id_number
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs import importer
from zongheng.orgs.models import ImportJob, ImportMapping, ImportStatus, Org, OrgAlias, Person
from zongheng.orgs.roster import TEMPLATE_FIELDS

_ids = itertools.count(1)


def new_id(birth: dt.date | None = None, male: bool | None = None) -> str:
    """A valid ID number no factory person has; the 17th digit odd for a man."""
    n = next(_ids)
    birth = birth or dt.date(1985, 1, 1) + dt.timedelta(days=n // 400)
    seq = 100 + 2 * (n % 450) + (1 if male else 0)
    first17 = f"340802{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dept(tree: Tree) -> Any:
    return user_with_post(tree.district, Role.ORG_DEPT)


# ---------------------------------------------------------------- 1. one ID number, however written


def test_a_full_width_id_ending_in_x_is_the_same_person_as_its_ascii_and_lowercase_forms(tree):
    number = next(n for n in iter(lambda: new_id(), None) if n.endswith("X"))
    make_person(tree.grids[0], id_number=number)

    for written in (full_width(number), number.lower(), full_width(number.lower()), f"{number[:6]} {number[6:]}"):
        assert crypto.blind_index(written) == crypto.blind_index(number)
        with pytest.raises(ActionError, match="已有相同身份证号码的人员"):
            make_person(tree.grids[1], id_number=written)
    assert Person.objects.filter(id_hash=crypto.blind_index(number)).count() == 1


def test_a_full_width_id_is_valid_and_stored_in_ascii(tree):
    number = new_id()
    person = make_person(tree.grids[0], id_number=full_width(number))

    assert crypto.decrypt(person.id_enc) == number
    assert person.id_masked == number[:6] + "*" * 10 + number[-2:]


def _old_style_duplicate(tree: Tree, number: str) -> Person:
    """A second person with the same number in full width, as the old index let in."""
    written = full_width(number)
    return Person.objects.create(
        name="旧重复", gender="M", org=tree.grids[1], org_path=tree.grids[1].path,
        id_enc=crypto.encrypt(written), id_masked=written[:6] + "*" * 10 + written[-2:],
        id_hash="0" * 64,  # the old index of the full-width text: anything but the ASCII one
    )


def test_the_duplicates_command_finds_people_sharing_an_id_number_however_written(tree, capsys):
    number = new_id()
    first = make_person(tree.grids[0], id_number=number)
    second = _old_style_duplicate(tree, number)

    with pytest.raises(SystemExit) as exit_:
        call_command("find_duplicate_ids")

    out = capsys.readouterr().out
    assert exit_.value.code == 1
    assert f"人员 {first.pk} " in out and f"人员 {second.pk} " in out and "共 1 组" in out
    assert number not in out and full_width(number) not in out  # masked only


def test_the_migration_recomputes_indexes_in_ascii_and_leaves_duplicates_for_the_report(tree):
    number, other = new_id(), new_id()
    kept = make_person(tree.grids[0], id_number=number)
    duplicate = _old_style_duplicate(tree, number)
    lone = Person.objects.create(name="全角", gender="F", org=tree.grids[2], org_path=tree.grids[2].path,
                                 id_enc=crypto.encrypt(full_width(other.lower())), id_hash="1" * 64)
    migration = importlib.import_module("zongheng.orgs.migrations.0005_normalise_ids_and_org_codes")

    migration.forwards(django_apps, None)

    kept.refresh_from_db(), duplicate.refresh_from_db(), lone.refresh_from_db()
    assert kept.id_hash == crypto.blind_index(number) and duplicate.id_hash is None
    assert crypto.decrypt(lone.id_enc) == other and lone.id_hash == crypto.blind_index(other)
    from zongheng.orgs.management.commands.find_duplicate_ids import find_duplicate_ids

    assert [[p["pk"] for p in group] for group in find_duplicate_ids()] == [[kept.pk, duplicate.pk]]


# ---------------------------------------------------------------- building rosters like the clerks'


def workbook(grid: list[list[Any]], *, merges: tuple[str, ...] = (), hidden_rows: tuple[int, ...] = (),
             before: list[list[Any]] | None = None, title: str = "花名册", hidden_cols: tuple[str, ...] = ()) -> bytes:
    """An .xlsx whose roster sheet holds ``grid`` (row 1 first); ``before`` puts a sheet ahead of it."""
    wb = Workbook()
    ws = wb.active
    if before is not None:
        ws.title = "填表说明"
        for row in before:
            ws.append(row)
        ws = wb.create_sheet(title)
    else:
        ws.title = title
    for row in grid:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    for number in hidden_rows:
        ws.row_dimensions[number].hidden = True
    for letter in hidden_cols:
        ws.column_dimensions[letter].hidden = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """The same file with every sheet's <dimension> tag rewritten (as some tools write "A1")."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = body.decode()
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', text)
                assert f'<dimension ref="{ref}"/>' in text
                body = text.encode()
            dst.writestr(item, body)
    return out.getvalue()


def send(client: Client, org: Any, data: bytes, name: str = "花名册.xlsx") -> ImportJob:
    response = client.post(reverse("orgs:import"), {"org": org.pk, "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.order_by("-pk").first()  # type: ignore[return-value]


def confirm(client: Client, job: ImportJob) -> ImportJob:
    client.post(reverse("orgs:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    return job


def change(client: Client, job: ImportJob, **data: Any) -> ImportJob:
    client.post(reverse("orgs:import_options", args=[job.pk]), data)
    job.refresh_from_db()
    return job


def mapped(job: ImportJob) -> dict[str, str]:
    """{file's column text: field key} of the preview."""
    return {c["text"]: c["key"] for c in job.preview["columns"]}


def person(number: str) -> Person:
    return Person.objects.get(id_hash=crypto.blind_index(number))


# ---------------------------------------------------------------- 2. real layouts


def test_a_title_row_and_a_merged_two_row_header_are_read(tree, dept):
    """宜城路街道先锋社区党员花名册: a merged title, a 填报单位 line, then 联系方式 over 手机 / 固定电话."""
    grid = tree.grids[0]
    a, b = new_id(male=True), new_id(male=False)
    rows = [
        ["宜城路街道先锋社区党员花名册", None, None, None, None, None, None],
        ["填报单位：先锋社区党委", None, None, None, "填报日期：2026年11月", None, None],
        ["序号", "姓名", "性别", "公民身份号码", "联系方式", None, "所在党支部"],
        [None, None, None, None, "手机", "固定电话", None],
        [1, "王建国", "男", a, "13955660001", "0556-5512345", grid.name],
        [2, "李秀英", "女", b, "13955660002", None, grid.name],
    ]
    merges = ("A1:G1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:F3", "G3:G4")
    client = login(dept)

    job = send(client, tree.district, workbook(rows, merges=merges))

    assert job.status == ImportStatus.PREVIEW, job.errors
    assert job.preview["header_row"] == 3 and job.preview["header_depth"] == 2
    assert mapped(job) == {"姓名": "name", "性别": "gender", "公民身份号码": "id_number", "联系方式/手机": "phone",
                           "所在党支部": "org"}
    dropped = {c["text"]: c["reason"] for c in job.preview["dropped"]}
    assert set(dropped) == {"序号", "联系方式/固定电话"} and "只取第一列" in dropped["联系方式/固定电话"]
    assert job.preview["counts"]["create"] == 2 and not job.errors

    job = confirm(client, job)

    assert job.status == ImportStatus.DONE and job.created_count == 2
    assert person(a).phone_masked == "139****0001" and person(a).org == grid


def test_the_roster_on_the_second_sheet_is_found_and_the_clerk_may_choose_another(tree, dept):
    number = new_id()
    roster = [["姓名", "身份证号码", "所在组织"], ["张卫东", number, tree.grids[1].name]]
    client = login(dept)

    job = send(client, tree.district, workbook(roster, before=[["填表说明"], ["请勿修改表头"]]))

    assert job.preview["sheets"] == ["填表说明", "花名册"] and job.preview["sheet"] == "花名册"
    assert job.preview["counts"]["create"] == 1
    page = client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()
    assert "读取的工作表" in page and 'value="填表说明"' in page

    job = change(client, job, sheet="填表说明", mode="update")
    assert job.preview["sheet"] == "填表说明" and not job.preview["can_confirm"]

    job = change(client, job, sheet="花名册", mode="update")
    assert confirm(client, job).created_count == 1


def test_a_wrong_dimension_tag_does_not_hide_any_row(tree, dept):
    rows = [["姓名", "身份证号码", "所在组织"], *[[f"维度{i}", new_id(), tree.grids[0].name] for i in range(25)]]

    job = send(login(dept), tree.district, with_dimension(workbook(rows), "A1"))

    assert job.preview["counts"]["create"] == 25


def test_headers_rosters_use_are_understood_and_nothing_is_dropped_silently(tree, dept):
    """The 300-row roster that lost every phone (联系电话) and its 13 预备党员, 转正日期, 民族, 学历 …"""
    headers = ["姓名", "性别", "公民身份号码", "民族", "学历", "人员类别", "所属党组织", "入党时间", "转正日期",
               "联系电话", "工作单位", "家庭住址", "籍贯", "备注"]
    rows, numbers = [headers], []
    for i in range(30):
        number = new_id(dt.date(1980, 1, 1) + dt.timedelta(days=i), male=i % 2 == 0)
        numbers.append(number)
        probation = i < 13
        rows.append([f"花名{i}", "男" if i % 2 == 0 else "女", number, "汉族", "大学本科",
                     "预备党员" if probation else "正式党员", tree.grids[2].name,
                     "2025-06-01" if probation else "2005.07", None if probation else "2006年7月",
                     f"1390000{i:04d}", "宜城路小学", f"先锋社区{i}栋101室", "安徽安庆",
                     ""])
    client = login(dept)

    job = send(client, tree.district, workbook(rows))

    assert set(mapped(job).values()) == {"name", "gender", "id_number", "ethnicity", "education", "standing", "org",
                                         "joined_on", "confirmed_on", "phone", "workplace", "address"}
    assert {c["text"] for c in job.preview["dropped"]} == {"籍贯", "备注"}  # named in the preview, with a reason
    page = client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()
    assert "籍贯" in page and "平台不保存籍贯" in page

    assert confirm(client, job).created_count == 30
    probationer, full = person(numbers[0]), person(numbers[20])
    assert probationer.standing == "probationary" and probationer.confirmed_on is None
    assert full.standing == "full" and full.confirmed_on == dt.date(2006, 7, 1)
    assert full.joined_on == dt.date(2005, 7, 1)
    assert full.phone_masked == "139****0020" and full.ethnicity == "汉族" and full.education == "大学本科"
    assert full.workplace == "宜城路小学"
    assert crypto.decrypt(full.address_enc) == "先锋社区20栋101室" and full.address_masked == "先锋社区2****"
    assert Person.objects.filter(id_hash__in=[crypto.blind_index(n) for n in numbers], phone_enc="").count() == 0


NATIONAL_HEADERS = ["序号", "姓名", "性别", "公民身份号码", "民族", "出生日期", "学历", "人员类别", "所在党支部",
                    "入党日期", "转正日期", "工作岗位", "联系电话", "家庭住址", "党籍状态", "是否流动党员"]


def test_the_national_member_system_export_is_read(tree, dept):
    """全国党员管理信息系统's export: 公民身份号码, 人员类别, 所在党支部, 出生日期 checked against the ID."""
    number = new_id(dt.date(1979, 3, 2), male=True)
    gone = new_id()
    rows = [NATIONAL_HEADERS,
            [1, "赵志强", "男", number, "汉族", "1979-03-02", "大专", "正式党员", tree.grids[3].name, "2001-07-01",
             "2002-07-01", "教师", "13812340001", "人民路1号", "正常", "是"],
            [2, "钱已转", "女", gone, "汉族", "1985-01-01", "大专", "正式党员", tree.grids[3].name, "2008-07-01",
             "2009-07-01", "", "13812340002", "", "已转出", "否"]]
    client = login(dept)

    job = send(client, tree.district, workbook(rows))

    assert job.preview["counts"] == {"create": 1, "update": 0, "unchanged": 0, "skip": 1, "refuse": 0}
    assert job.preview["skip_reasons"] == {"党籍状态为“已转出”": 1}
    assert {c["text"] for c in job.preview["dropped"]} == {"序号", "工作岗位"}
    confirm(client, job)
    assert person(number).standing == "full" and person(number).birth_year == 1979
    assert person(number).member_type == "mobile"
    assert not Person.objects.filter(id_hash=crypto.blind_index(gone)).exists()


def test_hidden_rows_are_left_out_unless_the_clerk_includes_them(tree, dept):
    """Three hidden rows (已转出 people a clerk hid) were imported as members."""
    rows = [["姓名", "身份证号码", "所在组织"]]
    numbers = [new_id() for _ in range(6)]
    rows += [[f"隐{i}", n, tree.grids[0].name] for i, n in enumerate(numbers)]
    client = login(dept)

    job = send(client, tree.district, workbook(rows, hidden_rows=(3, 5, 7)))

    assert job.preview["counts"]["create"] == 3 and job.preview["hidden_rows"] == 3
    assert job.preview["skip_reasons"] == {"隐藏行（未勾选“导入隐藏行”）": 3}
    assert "导入隐藏行" in client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()

    job = change(client, job, include_hidden="1", mode="update")

    assert job.preview["counts"]["create"] == 6


def test_blank_totals_and_signature_rows_are_skipped_not_refused(tree, dept):
    rows = [["姓名", "身份证号码", "所在组织"], ["甲", new_id(), tree.grids[0].name], [None, None, None],
            ["乙", new_id(), tree.grids[0].name], ["合计：2 人", None, None],
            ["填表人：张三", None, "审核人：李四（盖章）"], [None, "填报日期：2026年11月1日", None]]

    job = send(login(dept), tree.district, workbook(rows))

    assert job.preview["counts"] == {"create": 2, "update": 0, "unchanged": 0, "skip": 3, "refuse": 0}
    assert job.preview["skip_reasons"] == {"合计行或落款行": 3}


def test_a_csv_roster_in_gbk_is_read(tree, dept):
    number = new_id()
    text = f"姓名,公民身份号码,所在党支部,联系电话\n孙丽,{number},{tree.grids[0].name},13900001111\n"

    job = send(login(dept), tree.district, text.encode("gbk"), name="名册.csv")

    assert job.preview["counts"]["create"] == 1 and mapped(job)["联系电话"] == "phone"


# ---------------------------------------------------------------- 3. fields, dates and checks


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2001.07", dt.date(2001, 7, 1)), ("2001年7月", dt.date(2001, 7, 1)), ("2001-7", dt.date(2001, 7, 1)),
     ("2001/07", dt.date(2001, 7, 1)), ("200107", dt.date(2001, 7, 1)), (2001.1, dt.date(2001, 10, 1)),
     (2001.07, dt.date(2001, 7, 1)), ("2001年7月1日", dt.date(2001, 7, 1)), ("２００１．７．１", dt.date(2001, 7, 1)),
     (dt.datetime(2001, 7, 1), dt.date(2001, 7, 1)),  # noqa: DTZ001 - an Excel cell has no time zone
     (37073, dt.date(2001, 7, 1)), ("2001.13", None)],
)
def test_dates_in_the_forms_rosters_use(value, expected):
    from zongheng.orgs.roster import norm_text

    if isinstance(value, str):
        value = norm_text(value)  # every text cell is NFKC-normalised first: ２００１．７．１ → 2001.7.1
    assert importer.parse_date(value) == expected


def test_mixed_date_forms_in_one_file_all_import(tree, dept):
    forms = ["2001.07", "2001年7月", "2001-7", "2001年7月1日", "2001/7/1", dt.date(2001, 7, 1)]
    rows = [["姓名", "身份证号码", "所在组织", "入党日期"]]
    numbers = [new_id(dt.date(1975, 1, 1)) for _ in forms]
    rows += [[f"日期{i}", n, tree.grids[0].name, f] for i, (n, f) in enumerate(zip(numbers, forms, strict=True))]
    client = login(dept)

    job = confirm(client, send(client, tree.district, workbook(rows)))

    assert job.created_count == len(forms)
    assert {person(n).joined_on for n in numbers} == {dt.date(2001, 7, 1)}


def test_full_width_ids_are_valid_and_match_the_person_already_in_the_system(tree, dept):
    x_id = next(n for n in iter(new_id, None) if n.endswith("X"))
    existing = make_person(tree.grids[0], id_number=x_id)
    fresh = new_id()
    rows = [["姓名", "身份证号码", "所在组织"], [existing.name, full_width(x_id.lower()), tree.grids[0].name],
            ["全角新", full_width(fresh), tree.grids[1].name]]
    client = login(dept)
    before = Person.objects.count()

    job = confirm(client, send(client, tree.district, workbook(rows)))

    assert not job.errors
    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 0, 1)
    assert Person.objects.count() == before + 1
    assert crypto.decrypt(person(fresh).id_enc) == fresh


def test_the_same_id_written_twice_in_full_width_and_lowercase_refuses_both_rows(tree, dept):
    number = next(n for n in iter(new_id, None) if n.endswith("X"))
    rows = [["姓名", "身份证号码", "所在组织"], ["一", full_width(number), tree.grids[0].name],
            ["二", number.lower(), tree.grids[0].name]]

    job = send(login(dept), tree.district, workbook(rows))

    assert job.preview["counts"]["refuse"] == 2 and job.preview["counts"]["create"] == 0
    assert all("重复" in e["message"] for e in job.errors)


def test_id_number_cross_checks_and_the_join_age(tree, dept, settings):
    man = new_id(dt.date(1990, 5, 1), male=True)
    rows = [["姓名", "性别", "出生年份", "身份证号码", "所在组织", "入党日期"],
            ["性别错", "女", 1990, man, tree.grids[0].name, "2015-07-01"],
            ["年份错", "男", 1988, new_id(dt.date(1990, 5, 1), male=True), tree.grids[0].name, "2015-07-01"],
            ["太早", "男", None, new_id(dt.date(1990, 5, 1), male=True), tree.grids[0].name, "1950-07-01"],
            ["十七岁", "男", None, new_id(dt.date(1990, 5, 1), male=True), tree.grids[0].name, "2008-04-30"],
            ["对的", "男", None, new_id(dt.date(1990, 5, 1), male=True), tree.grids[0].name, "2008-05-01"]]
    client = login(dept)

    job = send(client, tree.district, workbook(rows))

    by_row = {e["row"]: e["message"] for e in job.errors}
    assert set(by_row) == {2, 3, 4, 5}
    assert "与身份证号码不符" in by_row[2] and "男" in by_row[2]
    assert "出生年份 1988 与身份证号码（1990 年出生）不符" in by_row[3]
    assert "未满 18 周岁" in by_row[4] and "未满 18 周岁" in by_row[5]
    assert job.preview["counts"]["create"] == 1

    settings.IMPORT_ID_CROSSCHECK = "warning"
    job = send(client, tree.district, workbook(rows))

    assert {e["row"] for e in job.errors} == {4, 5}  # the join age is always an error
    assert {w["row"] for w in job.preview["warnings"]} == {2, 3}
    assert job.preview["counts"]["create"] == 3


# ---------------------------------------------------------------- 4. organisations


@pytest.fixture
def pioneer(tree: Tree) -> Any:
    """宜城路街道 › 先锋社区 › 第八网格 (and 第九网格), in the factory district."""
    levels = tree.levels
    street = Org.objects.add_child(tree.district, instance=Org(name="宜城路街道", level=levels["street"]))
    community = Org.objects.add_child(street, instance=Org(name="先锋社区", level=levels["community"]))
    eighth = Org.objects.add_child(community, instance=Org(name="第八网格", level=levels["grid"]))
    Org.objects.add_child(community, instance=Org(name="第九网格", level=levels["grid"]))
    return eighth


VARIANTS = ["第八网格", "第八网格党支部", "先锋社区第八网格党支部", "中共先锋社区第八网格支部委员会",
            "先锋社区 第八网格",
            "先锋社区第8网格党支部", "先锋社区第８网格党支部", "宜城路街道先锋社区第八网格党支部",
            "先锋社区党委第八网格党支部", "先锋社区（第八网格）党支部"]


def test_common_variants_of_a_branch_name_match_it(tree, dept, pioneer):
    rows = [["姓名", "身份证号码", "所在党支部"], *[[f"变体{i}", new_id(), v] for i, v in enumerate(VARIANTS)]]
    client = login(dept)

    job = confirm(client, send(client, tree.district, workbook(rows)))

    assert not job.errors and job.created_count == len(VARIANTS)
    assert Person.objects.filter(org=pioneer).count() == len(VARIANTS)


def test_an_unmatched_name_offers_the_nearest_the_clerk_picks_once_and_the_alias_is_remembered(tree, dept, pioneer):
    typo = "先锋社区第八网络党支部"
    rows = [["姓名", "身份证号码", "所在党支部"], *[[f"错名{i}", new_id(), typo] for i in range(3)]]
    client = login(dept)

    job = send(client, tree.district, workbook(rows))

    assert job.preview["counts"]["refuse"] == 3
    [issue] = job.preview["orgs"]
    assert issue["text"] == typo and issue["rows"] == 3
    assert pioneer.pk in [pk for pk, _ in issue["suggestions"]]
    page = client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()
    assert f'value="{pioneer.pk}"' in page

    job = change(client, job, text_1=typo, pick_1=str(pioneer.pk), mode="update")
    assert job.preview["counts"]["create"] == 3 and job.preview["counts"]["refuse"] == 0
    assert confirm(client, job).created_count == 3

    rows = [["姓名", "身份证号码", "所在党支部"], ["下次", new_id(), typo]]
    job = send(client, tree.district, workbook(rows))
    assert job.preview["counts"]["create"] == 1 and not job.errors


def test_a_pick_outside_the_importers_scope_is_refused(tree, pioneer):
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    rows = [["姓名", "身份证号码", "所在党支部"], ["越界", new_id(), "不存在的支部"]]
    client = login(secretary)
    job = send(client, tree.communities[0], workbook(rows))

    job = change(client, job, text_1="不存在的支部", pick_1=str(pioneer.pk), mode="update")

    assert job.preview["counts"]["refuse"] == 1 and not Person.objects.filter(name="越界").exists()
    assert not OrgAlias.objects.exists()


def test_every_org_has_a_code_and_central_households_match_by_it(tree, dept):
    assert not Org.objects.filter(code__isnull=True).exists()
    household = tree.households[5]
    assert household.code
    rows = [["姓名", "身份证号码", "所在组织"], ["中心户成员", new_id(), household.code]]
    client = login(dept)

    job = confirm(client, send(client, tree.district, workbook(rows)))

    assert job.created_count == 1 and Person.objects.get(name="中心户成员").org == household


# ---------------------------------------------------------------- 5. preview, update mode, refused rows


def _people(tree: Tree, n: int) -> list[Person]:
    return [make_person(tree.grids[i % 8], name=f"老{i}", id_number=new_id(), birth_year=None) for i in range(n)]


def test_five_new_and_three_hundred_existing_people_update_what_changed(tree, dept):
    existing = _people(tree, 300)
    rows = [["姓名", "身份证号码", "所在组织", "联系电话", "学历"]]
    for i, p in enumerate(existing):
        number = crypto.decrypt(p.id_enc)
        phone = f"1370000{i:04d}" if i < 20 else crypto.decrypt(p.phone_enc)
        rows.append([p.name, number, p.org.name, phone, "大学本科" if i < 30 else None])
    fresh = [new_id() for _ in range(5)]
    rows += [[f"新{i}", n, tree.grids[0].name, None, None] for i, n in enumerate(fresh)]
    client = login(dept)
    before = Person.objects.count()

    job = send(client, tree.district, workbook(rows))

    assert job.preview["counts"] == {"create": 5, "update": 30, "unchanged": 270, "skip": 0, "refuse": 0}
    first = job.preview["updates"][0]
    assert first["name"] == "老0" and {c["field"] for c in first["changes"]} == {"手机号码", "学历"}
    assert {"field": "学历", "old": "（空）", "new": "大学本科"} in first["changes"]
    page = client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()
    assert "确认导入：新增 5 人，更新 30 人" in page and "学历：（空） → 大学本科" in page
    assert Person.objects.count() == before  # nothing written before the confirmation

    job = confirm(client, job)

    assert (job.status, job.created_count, job.updated_count, job.unchanged_count) == (ImportStatus.DONE, 5, 30, 270)
    assert Person.objects.count() == before + 5
    assert crypto.decrypt(Person.objects.get(pk=existing[3].pk).phone_enc) == "13700000003"
    assert Person.objects.get(pk=existing[25].pk).education == "大学本科"
    assert Person.objects.get(pk=existing[200].pk).phone_enc == existing[200].phone_enc
    record = AuditLog.objects.get(action="person.import", object_id=str(job.pk))
    assert record.after["created"] == 5 and record.after["updated"] == 30
    assert record.after["updated_fields"][str(existing[0].pk)] == ["education", "phone"]


def test_skip_mode_leaves_existing_people_as_they_are(tree, dept):
    [old] = _people(tree, 1)
    rows = [["姓名", "身份证号码", "所在组织"], ["改名", crypto.decrypt(old.id_enc), old.org.name],
            ["新人", new_id(), tree.grids[0].name]]
    client = login(dept)
    job = send(client, tree.district, workbook(rows))
    assert job.preview["counts"]["update"] == 1

    job = confirm(client, change(client, job, mode="skip"))

    assert (job.created_count, job.updated_count) == (1, 0)
    assert Person.objects.get(pk=old.pk).name == old.name


def test_one_bad_row_does_not_refuse_the_rest_and_downloads_with_its_original_cells(tree, dept):
    rows = [["姓名", "身份证号码", "所在组织", "联系电话", "备注"]]
    rows += [[f"好{i}", new_id(), tree.grids[0].name, f"1380000{i:04d}", "x"] for i in range(40)]
    bad_id = new_id()[:-1] + "0"
    bad_id = bad_id if validate_id_number(bad_id) else bad_id[:-1] + "1"
    rows.insert(17, ["坏行", bad_id, tree.grids[0].name, "13811112222", "原样保留"])
    client = login(dept)

    job = send(client, tree.district, workbook(rows))
    assert job.preview["counts"]["refuse"] == 1
    [error] = job.errors
    assert (error["row"], error["column"]) == (18, "身份证号码") and "校验位错误" in error["message"]
    assert error["value"] == bad_id[:6] + "*" * 10 + bad_id[-2:]  # the job keeps no clear number

    job = confirm(client, job)

    assert job.status == ImportStatus.DONE and job.created_count == 40 and job.refused_count == 1
    response = client.get(reverse("orgs:import_refused", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == ("姓名", "身份证号码", "所在组织", "联系电话", "备注", "问题", "原行号")
    assert table[1][:5] == ("坏行", bad_id, tree.grids[0].name, "13811112222", "原样保留") and table[1][6] == 18
    assert "校验位错误" in table[1][5]


def test_a_mapping_the_clerk_changes_is_remembered_for_the_next_file_with_the_same_headers(tree, dept):
    headers = ["党员名字", "身份证号码", "所在组织", "手机号码"]
    rows = [headers, ["映射", new_id(), tree.grids[0].name, "13900002222"]]
    client = login(dept)

    job = send(client, tree.district, workbook(rows))
    assert not job.preview["can_confirm"] and job.errors[0]["message"] == "缺少必填列“姓名”"

    job = change(client, job, map_0="name", map_3="", mode="update")
    assert mapped(job) == {"党员名字": "name", "身份证号码": "id_number", "所在组织": "org"}
    job = confirm(client, job)
    assert job.created_count == 1 and Person.objects.get(name="映射").phone_enc == ""

    job = send(client, tree.district, workbook([headers, ["又映射", new_id(), tree.grids[0].name, "13900003333"]]))
    assert mapped(job)["党员名字"] == "name" and "手机号码" not in mapped(job)
    assert {c["source"] for c in job.preview["columns"]} == {"上次的选择"}
    assert ImportMapping.objects.count() == 1


def test_a_preview_that_went_stale_is_shown_again_and_nothing_is_written(tree, dept):
    number = new_id()
    rows = [["姓名", "身份证号码", "所在组织"], ["抢先", number, tree.grids[0].name],
            ["另一", new_id(), tree.grids[0].name]]
    client = login(dept)
    job = send(client, tree.district, workbook(rows))
    make_person(tree.grids[3], id_number=number)  # someone else enters the same person meanwhile
    before = Person.objects.count()

    job = confirm(client, job)

    assert job.status == ImportStatus.PREVIEW and job.preview["changed"] and Person.objects.count() == before
    assert job.preview["counts"]["update"] == 1
    assert "系统中的数据有变化" in client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()


def test_an_existing_person_outside_the_importers_scope_is_refused_not_moved(tree):
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    outsider = make_person(tree.grids[6], id_number=new_id())
    rows = [["姓名", "身份证号码", "所在组织"], ["抢人", crypto.decrypt(outsider.id_enc), tree.grids[0].name]]
    client = login(secretary)

    job = send(client, tree.communities[0], workbook(rows))

    assert job.preview["counts"]["refuse"] == 1 and "不在您的管辖范围内" in job.errors[0]["message"]
    assert Person.objects.get(pk=outsider.pk).org == tree.grids[6]


def test_a_contradiction_already_in_the_system_is_a_warning_when_the_row_leaves_it_unchanged(tree, dept):
    number = new_id(dt.date(1990, 5, 1), male=False)
    existing = make_person(tree.grids[0], id_number=number, gender="M", birth_year=1990)  # 女 by the ID
    rows = [["姓名", "性别", "身份证号码", "所在组织"], [existing.name, "男", number, tree.grids[0].name]]

    job = send(login(dept), tree.district, workbook(rows))

    assert not job.errors and job.preview["counts"]["unchanged"] == 1
    assert "与身份证号码不符" in job.preview["warnings"][0]["message"]


# ---------------------------------------------------------------- 6. export for editing, and back


def _varied_people(tree: Tree) -> list[Person]:
    """People with every field a roster carries, entered through an import."""
    rows = [["姓名", "性别", "身份证号码", "手机号码", "是否党员", "党员类型", "正式/预备", "入党日期", "转正日期",
             "所在组织", "报到社区", "民族", "学历", "工作单位", "家庭住址"]]
    for i in range(12):
        number = new_id(dt.date(1970 + i, 1 + i, 2), male=i % 2 == 0)
        member = i != 11
        rows.append([f"往返{i}", "男" if i % 2 == 0 else "女", number, f"1355555{i:04d}" if i % 3 else None,
                     "是" if member else "否",
                     "离退休党员" if member and i % 4 == 0 else ("在职党员" if member else ""),
                     ("预备党员" if i == 5 else "正式党员") if member else "", "2010-07-01" if member else "",
                     "2011-07-01" if member and i != 5 else "", tree.grids[i % 8].code,
                     tree.communities[3].name if i == 2 else "", "回族" if i == 3 else "汉族", "硕士研究生",
                     f"单位{i}", f"人民路{i}号{i}单元" if i % 2 else ""])
    client = login(user_with_post(tree.district, Role.ORG_DEPT))
    job = confirm(client, send(client, tree.district, workbook(rows)))
    assert job.created_count == 12, job.errors
    return list(Person.objects.filter(name__startswith="往返"))


def _export(client: Client, org: Org, **params: str) -> bytes:
    response = client.get(reverse("orgs:people_export_edit"), {"org": org.pk, **params})
    assert response.status_code == 200
    return response.content


def test_the_export_for_editing_carries_the_template_headers_codes_and_masked_numbers(tree, dept):
    _varied_people(tree)

    data = _export(login(dept), tree.district)

    table = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert list(table[0]) == [f.header for f in TEMPLATE_FIELDS]
    by_name = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
    row = by_name["往返1"]
    assert "*" in row["身份证号码"] and "*" in row["手机号码"] and row["家庭住址"].endswith("****")
    assert row["组织代码"] == tree.grids[1].code and row["人员编号"]
    assert by_name["往返2"]["报到社区"] == tree.communities[3].code
    assert not AuditLog.objects.filter(action="person.export_reveal").exists()


def test_the_export_for_editing_imports_back_with_no_changes(tree, dept):
    people = _varied_people(tree)
    client = login(dept)
    before = Person.objects.count()

    job = send(client, tree.district, _export(client, tree.district), name="导出.xlsx")

    counts = job.preview["counts"]
    assert not job.errors and not job.preview["warnings"], job.errors
    assert counts == {"create": 0, "update": 0, "unchanged": before, "skip": 0, "refuse": 0}
    assert len(people) == 12 and Person.objects.count() == before


def test_with_the_reveal_right_the_export_has_clear_numbers_is_audited_and_imports_back_unchanged(tree):
    people = _varied_people(tree)
    secretary = user_with_post(tree.district, Role.SECRETARY)
    client = login(secretary)

    data = _export(client, tree.district, reveal="1")

    table = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    numbers = {r[4] for r in table[1:]}
    assert {crypto.decrypt(p.id_enc) for p in people} <= numbers
    record = AuditLog.objects.get(action="person.export_reveal")
    assert record.actor == secretary and record.after["people"] == len(table) - 1
    job = send(client, tree.district, data)
    assert job.preview["counts"]["unchanged"] == len(table) - 1
    assert job.preview["counts"]["update"] == job.preview["counts"]["create"] == 0


def test_an_edited_export_updates_the_fields_the_clerk_changed(tree, dept):
    _varied_people(tree)
    client = login(dept)
    wb = load_workbook(io.BytesIO(_export(client, tree.district)))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "往返5":
            row[headers.index("正式/预备")].value = "正式党员"
            row[headers.index("转正日期")].value = "2011.07"
            row[headers.index("所在组织")].value = ""
            row[headers.index("组织代码")].value = tree.grids[7].code
    buf = io.BytesIO()
    wb.save(buf)

    job = send(client, tree.district, buf.getvalue())

    assert job.preview["counts"]["update"] == 1, job.errors
    [update] = job.preview["updates"]
    assert {c["field"] for c in update["changes"]} == {"正式/预备", "转正日期", "所在组织"}
    confirm(client, job)
    moved = Person.objects.get(name="往返5")
    assert (moved.standing, moved.confirmed_on, moved.org) == ("full", dt.date(2011, 7, 1), tree.grids[7])
    assert moved.org_path == tree.grids[7].path


def test_the_export_for_editing_holds_only_the_exporters_scope(tree):
    _varied_people(tree)
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)
    client = login(secretary)

    table = list(load_workbook(io.BytesIO(_export(client, tree.communities[0]))).worksheets[0].iter_rows(
        values_only=True))
    inside = set(Person.objects.filter(org_path__startswith=tree.communities[0].path).values_list("name", flat=True))
    assert {r[0] for r in table[1:]} == inside
    assert client.get(reverse("orgs:people_export_edit"), {"org": tree.district.pk}).status_code == 404


def test_the_demo_district_exported_for_editing_imports_back_with_zero_changes(db):
    from zongheng.orgs import demo

    built = demo.build(seed=2018)
    district = built.districts[0] if built.districts else built.root
    dept = user_with_post(district, Role.ORG_DEPT)
    client = login(dept)
    total = Person.objects.filter(org_path__startswith=district.path).count()
    assert total > 1000

    job = send(client, district, _export(client, district), name="迎江区名册.xlsx")
    if job.status != ImportStatus.PREVIEW:  # a large district runs in the worker: the same code
        job.refresh_from_db()

    assert job.status == ImportStatus.PREVIEW and not job.errors, job.errors[:5]
    assert job.preview["counts"] == {"create": 0, "update": 0, "unchanged": total, "skip": 0, "refuse": 0}


def test_the_streaming_reader_reads_what_openpyxl_reads():
    """The fast reader (lxml) and openpyxl's full reader agree on a roster with every layout quirk."""
    from zongheng.orgs.roster import _read_xlsx, _read_xlsx_fast

    grid = [["某社区党员花名册", None, None, None], ["姓名", "联系方式", None, "入党日期"],
            [None, "手机", "固定电话", None], ["Ａ甲", "１３９００００１１１１", 5512345, dt.datetime(2001, 7, 1)],  # noqa: DTZ001
            ["乙", "13900002222", None, 2001.1], [None, None, None, None], ["合计", 2, True, "=SUM(B4:B5)"]]
    data = with_dimension(workbook(grid, merges=("A1:D1", "A2:A3", "B2:C2", "D2:D3"), hidden_rows=(5,),
                                   before=[["说明"]]), "A1")

    fast, slow = _read_xlsx_fast(data), _read_xlsx(io.BytesIO(data))

    assert [s.name for s in fast] == [s.name for s in slow] == ["填表说明", "花名册"]
    for a, b in zip(fast, slow, strict=True):
        trim = [[v for v in row] + [None] * (4 - len(row)) for row in a.rows]
        assert trim == [[v for v in row] + [None] * (4 - len(row)) for row in b.rows]
        assert a.hidden_rows == b.hidden_rows
    assert fast[1].rows[3][:2] == ["A甲", "13900001111"] and fast[1].rows[3][3] == dt.datetime(2001, 7, 1)  # noqa: DTZ001


def test_a_clerk_may_discard_a_preview_and_its_file_is_deleted(tree, dept, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    client = login(dept)
    rows = [["姓名", "身份证号码", "所在组织"], ["放弃", new_id(), tree.grids[0].name]]
    job = send(client, tree.district, workbook(rows))
    name = job.file.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orgs:import_discard", args=[job.pk]), follow=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and not job.file and not default_storage.exists(name)
    assert "已放弃导入" in response.content.decode() and not Person.objects.filter(name="放弃").exists()
    assert client.post(reverse("orgs:import_confirm", args=[job.pk])).status_code == 302
    assert not Person.objects.filter(name="放弃").exists()


def test_a_person_without_an_id_number_goes_out_and_comes_back_unchanged(tree, dept):
    resident = Person.objects.create(name="无证居民", gender="F", is_party_member=False, org=tree.grids[0],
                                     org_path=tree.grids[0].path)
    client = login(dept)

    job = send(client, tree.district, _export(client, tree.district))

    assert not job.errors and job.preview["counts"]["create"] == 0 and job.preview["counts"]["update"] == 0
    assert Person.objects.get(pk=resident.pk).id_hash is None


def test_a_hidden_column_is_read_and_marked_so_the_clerk_can_leave_it_out(tree, dept):
    number = new_id()
    rows = [["姓名", "身份证号码", "所在组织", "联系电话"], ["隐列", number, tree.grids[0].name, "13911112222"]]
    client = login(dept)

    job = send(client, tree.district, workbook(rows, hidden_cols=("D",)))

    [phone] = [c for c in job.preview["columns"] if c["key"] == "phone"]
    assert phone["hidden"] and phone["letter"] == "D"
    assert "联系电话（隐藏列）" in client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()

    job = confirm(client, change(client, job, map_3="", mode="update"))

    assert job.created_count == 1 and person(number).phone_enc == ""


def test_only_the_uploader_confirms_a_preview(tree):
    uploader = user_with_post(tree.communities[0], Role.SECRETARY)
    above = user_with_post(tree.streets[0], Role.SECRETARY)
    job = send(login(uploader), tree.communities[0],
               workbook([["姓名", "身份证号码", "所在组织"], ["他人确认", new_id(), tree.grids[0].name]]))

    response = login(above).post(reverse("orgs:import_confirm", args=[job.pk]), follow=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW and "只有上传该文件的人" in response.content.decode()
    assert confirm(login(uploader), job).created_count == 1


def test_a_preview_left_for_a_week_is_discarded_with_its_file(tree, dept, capsys):
    import datetime as _dt

    from django.core.files.storage import default_storage
    from django.utils import timezone

    job = send(login(dept), tree.district,
               workbook([["姓名", "身份证号码", "所在组织"], ["过期", new_id(), tree.grids[0].name]]))
    fresh = send(login(dept), tree.district,
                 workbook([["姓名", "身份证号码", "所在组织"], ["新鲜", new_id(), tree.grids[0].name]]))
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - _dt.timedelta(days=8))
    name = job.file.name

    call_command("discard_stale_imports")

    job.refresh_from_db(), fresh.refresh_from_db()
    assert job.status == ImportStatus.FAILED and not job.file and not default_storage.exists(name)
    assert fresh.status == ImportStatus.PREVIEW and fresh.file
    assert "已放弃 1 个" in capsys.readouterr().out


def test_a_clerk_may_type_an_org_code_for_a_name_with_no_near_match(tree, dept):
    rows = [["姓名", "身份证号码", "所在党支部"], ["代码指定", new_id(), "老城区机关第一支部"]]
    client = login(dept)
    job = send(client, tree.district, workbook(rows))
    assert job.preview["counts"]["refuse"] == 1

    job = change(client, job, text_1="老城区机关第一支部", code_1=tree.grids[4].code, mode="update")

    assert job.preview["counts"]["create"] == 1
    assert confirm(client, job).created_count == 1 and Person.objects.get(name="代码指定").org == tree.grids[4]


def test_the_import_page_offers_the_export_for_editing_and_the_reveal_only_to_who_holds_it(tree):
    assistant = user_with_post(tree.communities[0], Role.SECRETARY_ASSISTANT)  # imports, may not reveal
    secretary = user_with_post(tree.communities[0], Role.SECRETARY)

    for user, reveal in [(assistant, False), (secretary, True)]:
        page = login(user).get(reverse("orgs:import")).content.decode()
        assert reverse("orgs:people_export_edit") in page and "导出名册" in page
        assert ('name="reveal"' in page) is reveal


def test_without_the_reveal_right_asking_for_clear_numbers_still_exports_them_masked(tree):
    _varied_people(tree)
    assistant = user_with_post(tree.district, Role.SECRETARY_ASSISTANT)

    data = _export(login(assistant), tree.district, reveal="1")

    table = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert all("*" in (r[4] or "*") for r in table[1:])
    assert not AuditLog.objects.filter(action="person.export_reveal").exists()


def test_the_people_list_export_carries_the_new_fields_and_codes_and_imports_back_unchanged(tree, dept):
    _varied_people(tree)
    client = login(dept)
    response = client.get(reverse("orgs:people_export"))
    table = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert table[0][:10] == ("姓名", "性别", "出生年份", "是否党员", "党员类型", "入党日期", "所在（管理）组织",
                             "报到社区", "电话", "身份证号")
    assert table[0][10:] == ("正式/预备", "转正日期", "民族", "学历", "工作单位", "组织代码", "人员编号")

    job = send(client, tree.district, response.content, name="人员名单.xlsx")

    assert not job.errors, job.errors[:3]
    assert job.preview["counts"]["create"] == job.preview["counts"]["update"] == 0
    assert job.preview["counts"]["unchanged"] == len(table) - 1
