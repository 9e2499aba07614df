from __future__ import annotations

import pytest

from tests.factories import Tree, build_tree


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty process cache (the city-wide figures' snapshot, the demo login page's
    summary): what one test's data left there must not answer another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def tree(db) -> Tree:  # type: ignore[no-untyped-def]
    return build_tree()


def _delete_instead_of_truncate() -> None:
    """On PostgreSQL, a transactional test's flush empties the tables with ``DELETE`` instead of one ``TRUNCATE``
    of every table: TRUNCATE gives each of the ~100 tables a new file, which costs seconds per flush (hundreds of
    flushes in a run: the browser, concurrency and transactional tests), while DELETE on a test's few rows costs
    milliseconds. Every foreign key Django creates on PostgreSQL is DEFERRABLE INITIALLY DEFERRED, so the order
    of the DELETEs does not matter inside the flush's transaction. A table guarded by a trigger of its own (the
    append-only audit log, which refuses DELETE) is still truncated — as the real flush does — and so is every
    table when the sequences are to be reset or the flush cascades (Django's own statement, unchanged)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE NOT t.tgisinternal")
            guarded = {row[0] for row in cursor.fetchall()}
        sql = [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
               for t in tables if t not in guarded]
        return sql + truncate(self, style, [t for t in tables if t in guarded])

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


_delete_instead_of_truncate()
