"""The task list's export imports again to the same list: every field, the tree, the roadmaps, documents and
standards — into another year, or into the same organisation and year after the list was deleted; a list
nothing happened on yet is replaced, one with reports or met milestones is not."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.lists.factories_files import build_list, snapshot
from tests.lists.factories_warn import file_report, meet, review_year
from zongheng.core.models import AuditLog
from zongheng.lists import exports_tasks, importer_tasks
from zongheng.lists.models import Milestone, Task, TaskList

DAY = dt.date(2018, 5, 1)


def export(built):
    return exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY)


def test_the_export_imported_into_another_year_reproduces_every_field_and_the_tree(tree):
    built = build_list(tree)
    before = snapshot(built.task_list)
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, io.BytesIO(export(built)),
                                              report_day=8, file_name="清单.xlsx")
    assert plan.ok, plan.messages
    assert plan.task_list.year == 2019 and plan.task_list.org == tree.district
    assert snapshot(plan.task_list) == before
    entry = AuditLog.objects.get(action="lists.task_list_import")
    assert entry.after["tasks"] == 5 and entry.after["milestones"] == 5 and entry.after["file"] == "清单.xlsx"


def test_the_export_imported_after_the_list_was_deleted_gives_the_same_list_and_the_same_export(tree):
    built = build_list(tree)
    first = export(built)
    before = snapshot(built.task_list)
    built.task_list.delete()
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2018, io.BytesIO(first), report_day=8,
                                              title="2018年重点任务清单")
    assert plan.ok, plan.messages
    assert snapshot(plan.task_list) == before
    built.task_list = plan.task_list
    assert _cells(export(built)) == _cells(first)


def _cells(content):
    from tests.lists.factories_files import workbook

    wb = workbook(content)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_top_level_tasks_are_their_own_root_and_pieces_point_to_theirs(tree):
    built = build_list(tree)
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, io.BytesIO(export(built)))
    tasks = {t.code: t for t in Task.objects.filter(task_list=plan.task_list)}
    assert tasks["1"].root_id == tasks["1"].pk and tasks["2"].root_id == tasks["2"].pk
    assert tasks["1.1.1"].root_id == tasks["1"].pk and tasks["1.1.1"].parent_id == tasks["1.1"].pk


def test_a_list_nothing_happened_on_is_replaced_by_the_import(tree):
    built = build_list(tree)
    content = export(built)
    old_pk = built.task_list.pk
    Task.objects.filter(task_list=built.task_list, code="2").update(title="旧标题")
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2018, io.BytesIO(content), report_day=8)
    assert plan.ok and plan.replaces is not None
    assert not TaskList.objects.filter(pk=old_pk).exists()
    assert TaskList.objects.filter(org=tree.district, year=2018).count() == 1
    assert Task.objects.get(task_list=plan.task_list, code="2").title.startswith("=HYPERLINK")
    assert AuditLog.objects.get(action="lists.task_list_import").after["replaced"]["pk"] == old_pk


@pytest.mark.parametrize("happened", ["report", "milestone", "review"])
def test_a_list_with_reports_met_milestones_or_reviews_is_not_replaced_and_nothing_is_written(tree, happened):
    built = build_list(tree)
    content = export(built)
    task = built.tasks["1.1.1"]
    if happened == "report":
        file_report(task, dt.date(2018, 3, 1), dt.date(2018, 4, 2))
    elif happened == "milestone":
        meet(Milestone.objects.filter(task=task).first(), dt.date(2018, 4, 2))
    else:
        review_year(task, dt.date(2018, 12, 28))
    before = snapshot(built.task_list)
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2018, io.BytesIO(content))
    assert not plan.ok
    assert "不能用导入替换" in plan.messages[0] and "2018 年" in plan.messages[0]
    assert TaskList.objects.get(org=tree.district, year=2018).pk == built.task_list.pk
    assert snapshot(built.task_list) == before
    assert not AuditLog.objects.filter(action="lists.task_list_import").exists()


def test_an_import_takes_a_constant_number_of_queries_whatever_the_number_of_tasks(tree, django_assert_max_num_queries):
    from zongheng.lists.models import Task as T

    built = build_list(tree)
    small = export(built)
    for i in range(40):
        org = tree.communities[i % 2]
        T.objects.create(task_list=built.task_list, parent=built.tasks["1.1"], root=built.tasks["1"],
                         code=f"1.1.{i + 2}", title=f"分解{i}", category="组织体系", org=org, org_path=org.path,
                         starts_on=dt.date(2018, 1, 1), ends_on=dt.date(2018, 12, 31))
    large = export(built)
    counts = []
    for year, content in ((2020, small), (2021, large)):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            plan = importer_tasks.do_import_task_list(built.dept, tree.district, year, io.BytesIO(content))
        assert plan.ok, plan.messages
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(30):
        importer_tasks.do_import_task_list(built.dept, tree.district, 2022, io.BytesIO(large))


def test_the_exports_status_and_progress_columns_are_ignored_by_the_import(tree):
    """状态 and 进度 are read-only: a met milestone is exported as 已完成 progress, and imported as a plan."""
    built = build_list(tree)
    meet(Milestone.objects.get(task=built.tasks["1"]), dt.date(2018, 3, 20))
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY)
    plan = importer_tasks.do_import_task_list(built.dept, tree.district, 2019, io.BytesIO(content), report_day=8)
    assert plan.ok
    assert not Milestone.objects.filter(task__task_list=plan.task_list, done_on__isnull=False).exists()
