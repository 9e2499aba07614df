"""The audit table is append-only at the database too, on SQLite as on PostgreSQL.

PostgreSQL: a trigger function (core migration 0002). SQLite: two ``RAISE(ABORT)`` triggers,
installed by core migration 0004 and by ``install_sqlite`` below. Only wiping the whole
database (``manage.py flush``, which the test runner also uses) lifts them, for the length of
the wipe: see ``core/management/commands/flush.py``.

On SQLite a migration that rebuilds ``core_auditlog`` (an altered column) drops its triggers:
such a migration must call ``install_sqlite`` again. ``tests/core/test_audit_scope.py`` fails
if the triggers are missing.
"""

from __future__ import annotations

from typing import Any

SQLITE_TRIGGERS = ("core_auditlog_no_update", "core_auditlog_no_delete")

SQLITE_INSTALL = (
    "CREATE TRIGGER IF NOT EXISTS core_auditlog_no_update BEFORE UPDATE ON core_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_auditlog_no_delete BEFORE DELETE ON core_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
)
SQLITE_DROP = tuple(f"DROP TRIGGER IF EXISTS {name};" for name in SQLITE_TRIGGERS)


def install_sqlite(execute: Any) -> None:
    """``execute``: a cursor's or schema editor's ``execute``."""
    for sql in SQLITE_INSTALL:
        execute(sql)


def drop_sqlite(execute: Any) -> None:
    for sql in SQLITE_DROP:
        execute(sql)
