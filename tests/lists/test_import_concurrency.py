"""Two imports of the year's list for the same organisation at once leave one list, whole (PostgreSQL: the
organisation's row lock serialises them; the second replaces the first's list, on which nothing happened)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection

from tests.factories import ensure_migration_rows
from tests.lists.factories_files import build_list
from tests.race import race
from zongheng.lists import exports_tasks, importer_tasks
from zongheng.lists.models import Task, TaskList

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_imports_of_the_same_year_at_once_leave_one_whole_list(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent row locks need PostgreSQL; SQLite serialises writers")
    ensure_migration_rows()
    built = build_list(tree)
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, dt.date(2018, 5, 1))
    plans = []

    def one() -> None:
        plans.append(importer_tasks.do_import_task_list(built.dept, tree.district, 2019, io.BytesIO(content)))

    assert race([one, one]) == []
    assert all(plan.ok for plan in plans)
    lists = TaskList.objects.filter(org=tree.district, year=2019)
    assert lists.count() == 1
    assert Task.objects.filter(task_list=lists.get()).count() == 5
    assert sum(1 for plan in plans if plan.replaces is not None) == 1
