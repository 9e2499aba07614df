"""Importing the demo's own export reproduces the same task list: the 一清单 demo (87 tasks, 147 standards, the
1+7 documents, lead cadres, pieces down to streets and communities) on a small tree, exported by the district's
organisation department and imported into another year — every field and the tree equal (the milestones as a
plan: what was met is the year's work, not the list)."""

from __future__ import annotations

import datetime as dt
import io

from tests.factories import user_with_post
from tests.lists.factories_files import snapshot
from zongheng.core.permissions import Role
from zongheng.lists import demo_tasks, exports_tasks, importer_tasks
from zongheng.lists.models import Task, TaskList


def _as_plan(snap):
    for task in snap["tasks"].values():
        task["milestones"] = sorted((due, title, weight, None) for due, title, weight, _ in task["milestones"])
    return snap


def test_the_demos_export_imports_to_the_same_list(tree):
    demo_tasks.build(tree.district, seed=2018, year=2018)
    dept = user_with_post(tree.district, Role.ORG_DEPT)
    demo_list = TaskList.objects.get(org=tree.district, year=2018)
    assert Task.objects.filter(task_list=demo_list, parent__isnull=True).count() == 87
    content = exports_tasks.task_list_xlsx(dept, demo_list, dt.date(2018, 12, 31))
    plan = importer_tasks.do_import_task_list(dept, tree.district, 2030, io.BytesIO(content),
                                              report_day=demo_list.report_day)
    assert plan.ok, plan.messages[:10]
    assert _as_plan(snapshot(plan.task_list)) == _as_plan(snapshot(demo_list))
