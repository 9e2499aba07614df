"""A sheet with one bad row writes nothing and names the row and the column in Chinese — for a bad value in
each column of each sheet; a whole file refused (no header, a missing column, not an .xlsx) says why."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.factories import make_person
from tests.lists.factories_files import build_list, to_bytes, workbook
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.lists import exports_tasks, importer_tasks
from zongheng.lists.models import Milestone, SourceDocument, Standard, Task, TaskList

# Rows of the exported 任务清单 (row 1: the caption, row 2: the headers): tasks sorted by code.
ROW = {"1": 3, "1.1": 4, "1.1.1": 5, "1.2": 6, "2": 7}


def _set(content: bytes, sheet: str, row: int, header: str, value: object) -> io.BytesIO:
    wb = workbook(content)
    ws = wb[sheet]
    header_row = 2 if sheet == importer_tasks.SHEET_TASKS else 1
    col = next(c.column for c in ws[header_row] if c.value == header)
    ws.cell(row=row, column=col, value=value)
    return to_bytes(wb)


def _nothing_written(before_lists: int) -> None:
    assert TaskList.objects.count() == before_lists
    assert not AuditLog.objects.filter(action="lists.task_list_import").exists()


TASK_CASES = [
    ("编号", "1.2", "", "请填写编号"),
    ("编号", "1.2", "1.1", "编号“1.1”与第 4 行重复"),
    ("上级编号", "1.2", "9.9", "表中找不到编号为“9.9”的任务"),
    ("上级编号", "1", "1.1.1", "上级编号形成了循环"),
    ("任务", "1.1", "", "请填写任务"),
    ("任务", "1.1", "长" * 201, "不能超过 200 字"),
    ("类别", "2", "", "请填写类别"),
    ("权重", "1.1", "两份", "权重应为正整数"),
    ("权重", "1.1", 0, "权重应为正整数"),
    ("来源文件", "1", "不存在的文件", "「来源文件」表中没有“不存在的文件”"),
    ("对应标准", "1", "A-01、Z-99", "「标准目录」中没有编号：Z-99"),
    ("领衔县处级干部", "2", "查无此人", "您的管辖范围内没有名为“查无此人”的人员"),
    ("领衔县处级干部", "1.1", "王领衔", "领衔县处级干部只填在一级任务（上级编号为空）上"),
    ("责任单位", "1.2", "火星社区", "“火星社区”不存在或不在您的管辖范围内"),
    ("开始日期", "1.1", "2018-13-45", "日期格式应为 2018-01-01"),
    ("完成时限", "1.1.1", "明年底", "日期格式应为 2018-12-31"),
    ("完成时限", "1.1", "2018-01-15", "完成时限不能早于开始日期"),
    ("路线图", "1.1", "2018-06-30 建立大工委\n三月底 完成方案",
     "第 2 个节点“三月底 完成方案”应写成“2018-03-31 节点名称”"),
    ("责任状签订人", "1", "查无此人", "您的管辖范围内没有名为“查无此人”的人员"),
    ("责任状签订日期", "1", "二月", "日期格式应为 2018-02-01"),
    ("目标", "1", "长" * 2001, "不能超过 2000 字"),
]


@pytest.mark.parametrize("header,code,value,message", TASK_CASES, ids=[f"{c[0]}-{c[3][:8]}" for c in TASK_CASES])
def test_one_bad_cell_in_the_task_sheet_writes_nothing_and_names_row_and_column(tree, header, code, value, message):
    built = build_list(tree)
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, dt.date(2018, 5, 1))
    lists = TaskList.objects.count()
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019,
                                              _set(content, importer_tasks.SHEET_TASKS, ROW[code], header, value))
    assert not plan.ok
    expected = f"第 {ROW[code]} 行「{header}」：{message}"
    assert any(m.startswith(expected) for m in plan.messages), plan.messages
    _nothing_written(lists)


def test_every_bad_row_is_listed_not_only_the_first(tree):
    built = build_list(tree)
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, dt.date(2018, 5, 1))
    bad = _set(content, importer_tasks.SHEET_TASKS, ROW["1.1"], "完成时限", "明年")
    bad = _set(bad.getvalue(), importer_tasks.SHEET_TASKS, ROW["2"], "责任单位", "火星社区")
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, bad)
    assert [p.row for p in plan.problems] == [ROW["1.1"], ROW["2"]]
    assert plan.messages[0] == "第 4 行「完成时限」：日期格式应为 2018-12-31"


def test_a_lead_cadre_whose_name_two_people_in_scope_share_is_the_rows_error(tree):
    built = build_list(tree)
    make_person(tree.streets[1], name="王领衔")
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, dt.date(2018, 5, 1))
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019,
                                              _set(content, importer_tasks.SHEET_TASKS, 3, "领衔县处级干部", "王领衔"))
    assert any(m.startswith("第 3 行「领衔县处级干部」：您的管辖范围内有 2 人名为“王领衔”，无法确定是哪一位")
               for m in plan.messages), plan.messages
    assert len(plan.problems) == 1  # row 7 names him as the export does: 王领衔（测试区）


def test_people_who_share_a_name_are_exported_so_that_the_import_finds_each(tree):
    built = build_list(tree)
    make_person(tree.streets[1], name="王领衔")
    twin = make_person(tree.streets[0], name="李签订")  # the pledger's namesake in the same organisation
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, dt.date(2018, 5, 1))
    rows = {r[0]: r for r in workbook(content)[importer_tasks.SHEET_TASKS].iter_rows(min_row=3, values_only=True)}
    assert rows["1"][7] == "王领衔（测试区）"
    assert rows["1"][14] == f"李签订（人员编号 {built.pledger.pk}）" and twin.pk != built.pledger.pk
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, io.BytesIO(content))
    assert plan.ok, plan.messages
    top = Task.objects.get(task_list=plan.task_list, code="1")
    assert (top.lead_id, top.pledge_by_id) == (built.lead.pk, built.pledger.pk)


def test_a_person_named_with_an_organisation_or_number_that_does_not_match_is_the_rows_error(tree):
    built = build_list(tree)
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, dt.date(2018, 5, 1))
    bad = _set(content, importer_tasks.SHEET_TASKS, 3, "领衔县处级干部", "王领衔（第2街道）")
    bad = _set(bad.getvalue(), importer_tasks.SHEET_TASKS, 3, "责任状签订人", "李签订（人员编号 999999）")
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, bad)
    assert plan.messages == ["第 3 行「领衔县处级干部」：您的管辖范围内没有名为“王领衔”（第2街道）的人员",
                             "第 3 行「责任状签订人」：您的管辖范围内没有名为“李签订”（人员编号 999999）的人员"]


OTHER_CASES = [
    (importer_tasks.SHEET_DOCS, 2, "类别", "通知", "类别应为“意见”或“配套文件”"),
    (importer_tasks.SHEET_DOCS, 3, "文件名称", "全面加强城市基层党建工作的意见", "表内有多行同名文件"),
    (importer_tasks.SHEET_DOCS, 2, "印发日期", "去年", "日期格式应为 2018-02-20"),
    (importer_tasks.SHEET_STANDARDS, 3, "编号", "A-01", "编号“A-01”在表内重复"),
    (importer_tasks.SHEET_STANDARDS, 2, "标准", "", "请填写标准"),
]


@pytest.mark.parametrize("sheet,row,header,value,message", OTHER_CASES, ids=[f"{c[0]}-{c[2]}" for c in OTHER_CASES])
def test_one_bad_cell_in_the_documents_or_standards_sheet_names_the_sheet_row_and_column(tree, sheet, row, header,
                                                                                       value, message):
    built = build_list(tree)
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, dt.date(2018, 5, 1))
    lists = TaskList.objects.count()
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, _set(content, sheet, row, header, value))
    assert f"「{sheet}」表第 {row} 行「{header}」：{message}" in plan.messages, plan.messages
    _nothing_written(lists)


def test_a_sheet_without_a_required_column_is_refused_whole(tree):
    built = build_list(tree)
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, dt.date(2018, 5, 1))
    wb = workbook(content)
    ws = wb[importer_tasks.SHEET_TASKS]
    col = next(c.column for c in ws[2] if c.value == "完成时限")
    ws.delete_cols(col)
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, to_bytes(wb))
    assert plan.messages == ["缺少必填列：完成时限"]


def test_a_file_that_is_not_an_xlsx_is_refused_in_chinese(tree):
    built = build_list(tree)
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, io.BytesIO(b"not a workbook"))
    assert plan.messages == ["无法读取该文件，请上传用 Excel 或 WPS 保存的 .xlsx 文件"]


def test_the_template_names_every_column_and_its_example_row_is_read_as_a_row(tree):
    built = build_list(tree)
    template = importer_tasks.template_bytes()
    wb = workbook(template)
    assert [c.value for c in wb[importer_tasks.SHEET_TASKS][2]] == [c.header for c in importer_tasks.TASK_COLUMNS]
    assert wb[importer_tasks.SHEET_TASKS].cell(row=3, column=3).value == "全面建立街道大工委"
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, io.BytesIO(template))
    # The example's placeholders name no cadre and no unit: the row's errors, nothing written.
    unit = ("第 3 行「责任单位」：“（责任单位全称或组织代码）”不存在或不在您的管辖范围内"
            "（须是测试区或其下级，可填组织代码）")
    assert unit in plan.messages
    assert not TaskList.objects.filter(year=2019).exists()


def test_the_example_row_filled_in_imports(tree):
    built = build_list(tree)
    wb = workbook(importer_tasks.template_bytes())
    ws = wb[importer_tasks.SHEET_TASKS]
    ws.cell(row=3, column=8, value="王领衔")
    ws.cell(row=3, column=9, value=tree.streets[0].name)
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, to_bytes(wb))
    assert plan.ok, plan.messages
    task = Task.objects.get(task_list=plan.task_list)
    assert (task.code, task.weight, task.lead, task.org) == ("1", 2, built.lead, tree.streets[0])
    assert list(Milestone.objects.filter(task=task).values_list("title", "due_on", "weight")) == [
        ("制定实施方案", dt.date(2018, 3, 31), 1), ("各街道建立大工委", dt.date(2018, 6, 30), 2)]
    assert SourceDocument.objects.get(task_list=plan.task_list).doc_no == "迎发〔2018〕1号"
    assert [s.code for s in task.standards.all()] == [Standard.objects.get(task_list=plan.task_list).code]


def test_full_width_codes_and_a_title_row_above_the_header_are_read(tree):
    built = build_list(tree)
    wb = workbook(importer_tasks.template_bytes())
    ws = wb[importer_tasks.SHEET_TASKS]
    ws.cell(row=3, column=1, value="１")  # typed with a Chinese input method
    ws.cell(row=3, column=8).value = None
    ws.cell(row=3, column=9, value=tree.district.name)
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, to_bytes(wb))
    assert plan.ok, plan.messages
    assert Task.objects.get(task_list=plan.task_list).code == "1"


def test_an_organisation_the_user_does_not_configure_lists_at_is_refused(tree):
    built = build_list(tree)
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    secretary = user_with_post(tree.district, Role.SECRETARY)  # list.view, not list.configure
    with pytest.raises(ActionError):
        importer_tasks.do_import_task_list(secretary, tree.district, 2019, io.BytesIO(b""))
    with pytest.raises(ActionError):
        importer_tasks.do_import_task_list(built.dept, tree.district, 1999, io.BytesIO(b""))
