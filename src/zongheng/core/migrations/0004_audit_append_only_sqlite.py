"""On SQLite, refuse UPDATE and DELETE on the audit log at the database level (as 0002 does on PostgreSQL)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from zongheng.core.append_only import install_sqlite

        install_sqlite(schema_editor.execute)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        from zongheng.core.append_only import drop_sqlite

        drop_sqlite(schema_editor.execute)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_auditlog_org_path")]
    operations = [migrations.RunPython(forwards, backwards)]
