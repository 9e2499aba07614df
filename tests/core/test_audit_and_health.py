"""The audit log is append-only and searchable by auditors; /healthz answers."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tests.factories import make_person, make_user, user_with_post
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.orgs.actions import do_update_person


def test_healthz_answers_json_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_every_write_records_who_what_before_and_after(client, tree):
    cadre = user_with_post(tree.communities[0], Role.SECRETARY, "sec")
    person = make_person(tree.grids[0], name="张三")
    do_update_person(cadre, person, {"name": "张叁"})
    log = AuditLog.objects.get(action="person.update")
    assert log.actor == cadre and log.object_id == str(person.pk)
    assert log.before["name"] == "张三" and log.after["name"] == "张叁"


def test_audit_records_cannot_be_edited_or_deleted_through_the_models(tree):
    make_person(tree.grids[0])
    log = AuditLog.objects.first()
    with pytest.raises(PermissionError):
        log.save()
    with pytest.raises(PermissionError):
        log.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.update(action="x")
    assert AuditLog.objects.filter(pk=log.pk, action=log.action).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_on_postgresql_the_database_itself_refuses_to_change_audit_records(tree):
    make_person(tree.grids[0])
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET action = 'forged'")
    assert not AuditLog.objects.filter(action="forged").exists()


def test_the_auditor_searches_the_log_and_exports_it(client, tree):
    auditor = user_with_post(tree.district, Role.AUDITOR, "aud")
    make_person(tree.grids[0], name="李四")
    client.force_login(auditor)
    response = client.get(reverse("core:audit"), {"q": "李四"})
    assert response.status_code == 200 and "李四" in response.content.decode()
    export = client.get(reverse("core:audit_export"), {"q": "李四"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_only_auditors_may_read_the_audit_log(client, tree):
    secretary = user_with_post(tree.district, Role.SECRETARY, "boss")
    client.force_login(secretary)
    assert client.get(reverse("core:audit")).status_code == 403
    client.force_login(make_user(None, "nobody"))
    assert client.get(reverse("core:audit")).status_code == 403


def test_the_large_text_switch_returns_to_the_page_it_was_used_on_but_never_off_site(client, db):
    response = client.get("/display/", {"large": "1", "next": "/directory/"})
    assert response.status_code == 302 and response["Location"] == "/directory/"
    assert response.cookies["zh_large"].value == "1"
    response = client.get("/display/", {"large": "0", "next": "https://evil.example/"})
    assert response["Location"] == "/"
