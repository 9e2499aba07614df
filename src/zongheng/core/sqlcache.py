"""Counts that every signed-in page runs — the header's badges — compiled once per user scope.

Building and compiling a scoped queryset costs Django more than the database spends running it: the 诉求提醒 badge
(a user's unread notices about demands still in their scope: three path tests and two subqueries) took ~2.1 ms to
build and compile and ~0.15 ms to run, on every page of every cadre (issue 14, item 1). Its SQL depends only on who
the user is and what their posts give them (``access.scope_key``), so it is compiled the first time and its text
and parameters kept for the process; later pages only run it. The count is always read afresh: only the SQL is kept.

The key is the caller's name and the user's scope key, and the SQL must be made of nothing else (no clock, no
request): a post that starts or ends changes the key, so a user's badge never runs another scope's SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from .access import scope_key

LIMIT = 5_000  # kept statements per process (a few hundred bytes each); emptied when full
_KEPT: dict[tuple[Any, ...], tuple[str, str, Sequence[Any]]] = {}  # key → (database alias, SQL or "", params)


def count(name: Hashable, user: Any, rows: Callable[[], QuerySet[Any]]) -> int:
    """How many rows ``rows()`` holds (its slice respected): ``rows`` is built and compiled only the first time for
    this name and scope key. ``name`` carries whatever else the SQL is made of (e.g. the registered rules)."""
    key = (name, scope_key(user))
    kept = _KEPT.get(key)
    if kept is None:
        qs = rows()
        qs = (qs if qs.query.is_sliced else qs.order_by()).values("pk")  # a slice keeps its order: which rows
        try:
            sql, params = qs.query.get_compiler(using=qs.db).as_sql()
            kept = (qs.db, f"SELECT COUNT(*) FROM ({sql}) counted", params)  # noqa: S608  (Django's own SQL)
        except EmptyResultSet:  # nothing can match (no paths, no person)
            kept = (qs.db, "", ())
        if len(_KEPT) >= LIMIT:
            _KEPT.clear()
        _KEPT[key] = kept
    using, sql, params = kept
    if not sql:
        return 0
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])
