"""Many read-only ``values()`` querysets, run while the next ones are being built.

A dashboard builds ~80 querysets (two periods × ~40 sources of ``core.metrics``); building and compiling them is
~2 ms of Python each and running them ~1.5 ms of the database's. One after the other, the request waits for the
sum. On PostgreSQL a ``Pipeline`` sends each query the moment it is compiled, in psycopg's pipeline mode, so the
database executes it while Python builds the next; the results are read once all are sent (in the order sent).
Elsewhere (SQLite) the querysets simply run in turn, at ``results()``.

The queries go through Django's own cursors (``connection.cursor()``): they are counted by
``CaptureQueriesContext`` and wrapped in Django's database errors like any other. A query run by other code while
the pipeline is open (a queryset evaluated while building the next) works as usual: psycopg reads the results
before it first.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


class Pipeline:
    def __init__(self, using: str = "default") -> None:
        self.connection = connections[using]
        self.pipelined = self.connection.vendor == "postgresql"
        self._stack = ExitStack()
        self._open = False
        self._sent: list[tuple[QuerySet[Any], Any, Any]] = []  # (queryset, compiler, cursor or None)

    def add(self, qs: QuerySet[Any]) -> int:
        """Queue a ``values()`` queryset (sent at once on PostgreSQL); its index in ``results()``."""
        if not self.pipelined:
            self._sent.append((qs, None, None))
            return len(self._sent) - 1
        compiler = qs.query.get_compiler(using=qs.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            self._sent.append((qs, compiler, None))
            return len(self._sent) - 1
        if not self._open:
            self.connection.ensure_connection()
            self._stack.enter_context(self.connection.wrap_database_errors)
            self._stack.enter_context(self.connection.connection.pipeline())
            self._open = True
        cursor = self._stack.enter_context(self.connection.cursor())
        cursor.execute(sql, params)
        self._sent.append((qs, compiler, cursor))
        return len(self._sent) - 1

    def results(self) -> list[list[dict[str, Any]]]:
        """Every queued queryset's rows, as ``values()`` gives them (dicts), in the order added."""
        out: list[list[dict[str, Any]]] = []
        with self:
            for qs, compiler, cursor in self._sent:
                if compiler is None:  # not pipelined: Django runs it
                    out.append(list(qs))
                    continue
                if cursor is None:  # nothing can match (EmptyResultSet)
                    out.append([])
                    continue
                rows = cursor.fetchall()
                query = qs.query
                # The columns' names in the order ValuesIterable reads them.
                names = (list(query.selected) if query.selected
                         else [*query.extra_select, *query.values_select, *query.annotation_select])
                width = len(names)
                converted = compiler.results_iter(results=[[row[:width] for row in rows]])
                out.append([dict(zip(names, row, strict=True)) for row in converted])
        return out

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: Any) -> None:
        """Leaves pipeline mode, closing the cursors (``results()`` does it; so does leaving a ``with``)."""
        stack, self._stack, self._sent, self._open = self._stack, ExitStack(), [], False
        stack.__exit__(*exc)
