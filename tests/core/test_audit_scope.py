"""Platform-wide pages need the right at the root; the audit log reads only the auditor's subtree (issue 12).

Before: the demand configuration checked ``demand.configure`` anywhere, and the audit log
showed every record to whoever held ``audit.view`` anywhere. The audit table was
append-only at the database only on PostgreSQL.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_person, make_post, user_with_post
from zongheng.core import audit
from zongheng.core.append_only import SQLITE_TRIGGERS
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.demands.models import Category, Station

# ---------------------------------------------------------------- configuration at the root


CONFIG_PAGES = ["demands:config", "demands:config_category_create", "demands:config_calendar"]


@pytest.mark.parametrize("name", CONFIG_PAGES)
def test_the_configuration_needs_the_right_at_the_root(client, tree, name):
    client.force_login(user_with_post(tree.streets[0], Role.ORG_DEPT))  # holds demand.configure, on a street
    assert client.get(reverse(name)).status_code == 403
    client.force_login(user_with_post(tree.district, Role.ORG_DEPT))
    assert client.get(reverse(name)).status_code == 200


def test_an_organisation_department_below_the_root_cannot_write_the_configuration(client, tree):
    category = Category.objects.order_by("id").first()
    client.force_login(user_with_post(tree.streets[0], Role.ORG_DEPT))
    response = client.post(reverse("demands:config_category_edit", args=[category.pk]), {
        "name": "改掉的名称", "code": category.code, "keywords": "", "active": "on", "order": 0})
    assert response.status_code == 403
    category.refresh_from_db()
    assert category.name != "改掉的名称"
    assert not AuditLog.objects.filter(action="demand.category_update").exists()


# ---------------------------------------------------------------- the audit log, scoped


def test_records_carry_the_organisation_of_their_object(tree):
    community, grid = tree.communities[0], tree.grids[0]
    person = make_person(grid)
    post = make_post(person, community, Role.GRID_LEADER)
    station = Station.objects.create(org=community, name="驿站")
    assert audit.record(None, "t", person).org_path == grid.path
    assert audit.record(None, "t", post).org_path == community.path
    assert audit.record(None, "t", community).org_path == community.path
    assert audit.record(None, "t", station).org_path == community.path
    assert audit.record(None, "t", Category.objects.first()).org_path == ""
    assert audit.record(None, "t", object_type="x", org_path=grid.path).org_path == grid.path


def _logs(client, url_name="core:audit"):  # type: ignore[no-untyped-def]
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    if url_name == "core:audit_export":
        sheet = load_workbook(io.BytesIO(response.content)).active
        return {row[6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    return {log.object_repr for log in response.context["page"]}


@pytest.mark.parametrize("url_name", ["core:audit", "core:audit_export"])
def test_an_auditor_reads_only_the_records_of_their_subtree(client, tree, url_name):
    audit.record(None, "t", object_type="x", object_repr="本街道的记录", org_path=tree.grids[0].path)
    audit.record(None, "t", object_type="x", object_repr="另一街道的记录", org_path=tree.grids[4].path)
    audit.record(None, "t", object_type="x", object_repr="不属于任何组织的记录")
    named = {"本街道的记录", "另一街道的记录", "不属于任何组织的记录"}

    client.force_login(user_with_post(tree.streets[0], Role.AUDITOR))
    assert _logs(client, url_name) & named == {"本街道的记录"}

    client.force_login(user_with_post(tree.district, Role.AUDITOR))
    assert _logs(client, url_name) & named == named


# ---------------------------------------------------------------- append-only at the database


@pytest.mark.parametrize("sql", [
    "UPDATE core_auditlog SET action = 'forged' WHERE id = %s",
    "DELETE FROM core_auditlog WHERE id = %s",
])
def test_the_database_refuses_to_change_or_delete_an_audit_record(db, sql):
    log = audit.record(None, "test.append_only", object_type="x", object_repr="原始记录")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [log.pk])
    assert AuditLog.objects.filter(pk=log.pk, action="test.append_only").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite triggers")
def test_wiping_the_whole_database_keeps_the_audit_table_append_only(transactional_db):
    audit.record(None, "test.flush", object_type="x")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditLog.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditlog'")
        assert {row[0] for row in cursor.fetchall()} == set(SQLITE_TRIGGERS)


def test_the_configuration_actions_also_need_the_right_at_the_root(tree):
    from zongheng.core.errors import ActionError
    from zongheng.demands.actions import do_save_category

    with pytest.raises(ActionError, match="区委组织部"):
        do_save_category(user_with_post(tree.streets[0], Role.ORG_DEPT), None, {"code": "x1", "name": "新类别"})
    assert do_save_category(user_with_post(tree.district, Role.ORG_DEPT), None, {"code": "x1", "name": "新类别"}).pk
