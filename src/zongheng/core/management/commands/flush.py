"""``flush`` that can empty the append-only audit table on SQLite.

Wiping the whole database (a deliberate administrative act; the test runner does it between
transactional tests) is the one time the audit log may be emptied. PostgreSQL's flush uses
TRUNCATE, which its row trigger does not see; SQLite's uses DELETE, which its trigger refuses.
So on SQLite the triggers are dropped for the flush and installed again right after.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections

from zongheng.core.append_only import drop_sqlite, install_sqlite


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite" or "core_auditlog" not in connection.introspection.table_names():
            return super().handle(**options)
        with connection.cursor() as cursor:
            drop_sqlite(cursor.execute)
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                install_sqlite(cursor.execute)
