"""Exports of the task list: the .xlsx holds only the pieces in the viewer's scope (a lead cadre: every piece of
the tasks they lead), defuses formulas, takes status and progress from ``progress.py``; the month's reports and
the annual review as .docx, opened with python-docx and read; a constant number of queries in the list's size."""

from __future__ import annotations

import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from tests.factories import make_user, user_with_post
from tests.lists.factories_files import build_list, sheet_rows, workbook
from tests.lists.factories_warn import file_report, meet, review_year
from zongheng.core.permissions import Role
from zongheng.lists import exports_tasks, progress
from zongheng.lists.choices import TaskStatus
from zongheng.lists.models import Milestone, ProgressReport, Task

DAY = dt.date(2018, 5, 1)
SHEET = "任务清单"


def codes(content: bytes) -> list[str]:
    return [r[0] for r in sheet_rows(content, SHEET)[2:]]


def text_of(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += ["|".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(parts)


def test_the_xlsx_holds_only_the_pieces_in_the_viewers_scope(tree):
    built = build_list(tree)
    community = user_with_post(tree.communities[0], Role.SECRETARY)
    street = user_with_post(tree.streets[1], Role.SECRETARY)
    lead = make_user(built.lead)
    assert codes(exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY)) == ["1", "1.1", "1.1.1", "1.2", "2"]
    assert codes(exports_tasks.task_list_xlsx(community, built.task_list, DAY)) == ["1.1.1"]
    assert codes(exports_tasks.task_list_xlsx(street, built.task_list, DAY)) == ["1.2", "2"]
    assert codes(exports_tasks.task_list_xlsx(lead, built.task_list, DAY)) == ["1", "1.1", "1.1.1", "1.2", "2"]


def test_text_that_would_run_as_a_formula_is_written_as_text(tree):
    built = build_list(tree)
    wb = workbook(exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in values
    assert "'-第2街道建立大工委" in values and "'=1+1 公式样的标准" in values and "'@危险" in values


def test_status_and_progress_columns_are_those_of_the_board(tree):
    built = build_list(tree)
    meet(Milestone.objects.get(task=built.tasks["1"]), dt.date(2018, 3, 20))
    meet(Milestone.objects.get(task=built.tasks["1.1.1"]), dt.date(2018, 4, 20))
    file_report(built.tasks["1.2"], dt.date(2018, 3, 1), dt.date(2018, 4, 3))
    rows = sheet_rows(exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY), SHEET)
    header = rows[1]
    status_col, progress_col = header.index("状态"), header.index("进度")
    board = progress.load(built.task_list, DAY)
    labels = dict(TaskStatus.choices)
    for row in rows[2:]:
        pk = built.tasks[row[0]].pk
        assert row[status_col] == labels[board.status[pk]]
        assert row[progress_col] == exports_tasks.percent(board.progress[pk])
    by_code = {r[0]: r for r in rows[2:]}
    assert by_code["1.1.1"][status_col] == "已完成" and by_code["1.1.1"][progress_col] == "100%"


def test_the_xlsx_export_takes_a_constant_number_of_queries(tree):
    built = build_list(tree)
    exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY)  # the user's scope is read once, then kept
    counts = []
    for extra in (0, 30):
        for i in range(extra):
            t = Task.objects.create(task_list=built.task_list, parent=built.tasks["1.2"], root=built.tasks["1"],
                                    code=f"1.2.{i}", title="分解", category="组织体系", org=tree.communities[2],
                                    org_path=tree.communities[2].path, starts_on=DAY, ends_on=dt.date(2018, 12, 31))
            Milestone.objects.create(task=t, title="节点", due_on=dt.date(2018, 9, 30))
        with CaptureQueriesContext(connection) as ctx:
            exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY)
            exports_tasks.reports_docx(built.dept, built.task_list, dt.date(2018, 3, 1))
            exports_tasks.annual_docx(built.dept, built.task_list)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def _reports(built, tree):
    march = dt.date(2018, 3, 1)
    ms = Milestone.objects.get(task=built.tasks["1.1.1"])
    r1 = file_report(built.tasks["1.1.1"], march, dt.date(2018, 4, 2), problems="驻区单位参与不够",
                     accepted_on=dt.date(2018, 4, 5))
    ProgressReport.objects.filter(pk=r1.pk).update(milestone=ms, done="走访驻区单位 12 家\n签订协议 5 份")
    r2 = file_report(built.tasks["1.2"], march, dt.date(2018, 4, 3), returned_on=dt.date(2018, 4, 6))
    ProgressReport.objects.filter(pk=r2.pk).update(done="召开筹备会")
    file_report(built.tasks["1.2"], dt.date(2018, 4, 1), dt.date(2018, 5, 3))  # another month: not shown


def test_the_months_reports_docx_names_each_piece_its_org_work_milestone_problems_and_review(tree):
    built = build_list(tree)
    _reports(built, tree)
    text = text_of(exports_tasks.reports_docx(built.dept, built.task_list, dt.date(2018, 3, 17)))
    assert "2018年3月工作进展" in text
    assert "本月应报送 3 项，已报送 2 项，未报送 1 项。" in text  # 1.1.1, 1.2 filed; 2 missing; 1 and 1.1 split
    assert "1.1.1 社区吸收驻区单位" in text and f"承办单位：{tree.communities[0].name}" in text
    assert "本月完成情况：走访驻区单位 12 家\n签订协议 5 份" in text
    assert "对应节点：2018-05-31 签订共建协议" in text and "存在问题：驻区单位参与不够" in text
    assert "审核结果：通过" in text and "审核结果：退回补充（请补充）" in text
    assert "本月进展：未报送" in text and "召开筹备会" in text


def test_the_reports_docx_holds_only_the_viewers_scope(tree):
    built = build_list(tree)
    _reports(built, tree)
    community = user_with_post(tree.communities[0], Role.SECRETARY)
    text = text_of(exports_tasks.reports_docx(community, built.task_list, dt.date(2018, 3, 1)))
    assert "走访驻区单位" in text
    assert "召开筹备会" not in text and "第2街道" not in text and "本月应报送 1 项，已报送 1 项" in text


def test_the_annual_review_docx_gives_each_pieces_score_and_the_totals_per_organisation(tree):
    built = build_list(tree)
    day = dt.date(2018, 12, 28)
    review_year(built.tasks["1.1.1"], day, 90)
    review_year(built.tasks["1.2"], day, 80)
    review_year(built.tasks["2"], day, 71)
    text = text_of(exports_tasks.annual_docx(built.dept, built.task_list))
    assert "2018年度述评" in text and "共述评 3 项任务。" in text
    assert "1.2 -第2街道建立大工委" in text and "得分：80.0" in text and "述评意见：完成良好" in text
    assert f"{tree.streets[1].name}|2|151.0|75.5" in text
    assert f"{tree.communities[0].name}|1|90.0|90.0" in text
    community = user_with_post(tree.communities[0], Role.SECRETARY)
    mine = text_of(exports_tasks.annual_docx(community, built.task_list))
    assert "共述评 1 项任务。" in mine and tree.streets[1].name not in mine
