"""Set-based writes: many rows in one statement, on any database (the escalation sweep, audit rows).

PostgreSQL: new rows go in by ``COPY … FROM STDIN`` (rows formatted by psycopg's C code, no SQL text
to build or parse), and changed rows of a table by one ``UPDATE … FROM`` a temporary table filled
the same way. Other databases (SQLite in tests and development): ``bulk_create`` / ``bulk_update``.
Either way the caller's transaction holds every statement, so a batch is written whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

_TYPE_ARGS = re.compile(r"[(].*?[)]")
COPY_FROM = 20  # fewer new rows go in by one plain INSERT (COPY's round trips cost more for a handful)


# Field types whose Python values psycopg writes as they are (ids, text, numbers, aware datetimes):
# their ``get_db_prep_save`` would return the value unchanged, and skipping it halves the cost of a row.
_AS_IS = frozenset({"AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "DateField",
                    "DateTimeField", "ForeignKey", "IntegerField", "PositiveBigIntegerField",
                    "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField",
                    "TextField"})


def _values(objs: Sequence[models.Model], fields: Sequence[Any], add: bool) -> list[tuple[Any, ...]]:
    """The database values of ``fields`` of each object (``pre_save`` first for new rows: auto_now_add)."""
    from django.conf import settings

    as_is = [f.get_internal_type() in _AS_IS and (settings.USE_TZ or f.get_internal_type() != "DateTimeField")
             for f in fields]
    hooks = [add and (not plain or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
             for f, plain in zip(fields, as_is, strict=True)]
    rows = []
    for obj in objs:
        row = []
        for f, plain, hook in zip(fields, as_is, hooks, strict=True):
            value = f.pre_save(obj, add) if hook else getattr(obj, f.attname)
            row.append(value if plain else f.get_db_prep_save(value, connection))
        rows.append(tuple(row))
    return rows


def _copy(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def insert(objs: Sequence[models.Model]) -> None:
    """Inserts new rows of one model in one statement (their primary keys are not read back)."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql" or len(objs) < COPY_FROM:
        model._default_manager.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    _copy(model._meta.db_table, [f.column for f in fields], _values(objs, fields, True))


def update(objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Writes the fields ``names`` of existing rows of one model in one UPDATE."""
    if not objs:
        return
    model = type(objs[0])
    if len(objs) == 1:
        obj = objs[0]
        attnames = [str(model._meta.get_field(n).attname) for n in names]  # type: ignore[union-attr]
        model._default_manager.filter(pk=obj.pk).update(**{a: getattr(obj, a) for a in attnames})
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(names))
        return
    opts = model._meta
    pk: Any = opts.pk
    fields = [opts.get_field(n) for n in names]
    # Table, column and type names come from the model's own metadata, never from input.
    columns: list[str] = [str(f.column) for f in (pk, *fields)]  # type: ignore[union-attr]
    types = [_TYPE_ARGS.sub("", str(f.db_type(connection))) for f in (pk, *fields)]  # type: ignore[union-attr]
    qn = connection.ops.quote_name
    temp = f"zh_bulk_{opts.db_table}"
    with connection.cursor() as cursor:
        # One temporary table per session, emptied at commit; filled by COPY, read by the UPDATE.
        spec = ", ".join(f"{qn(c)} {t}" for c, t in zip(columns, types, strict=True))
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {qn(temp)} ({spec}) ON COMMIT DELETE ROWS")
        cursor.execute(f"TRUNCATE {qn(temp)}")
    _copy(temp, columns, [(o.pk, *row) for o, row in zip(objs, _values(objs, fields, False), strict=True)])
    sets = ", ".join(f"{qn(c)} = v.{qn(c)}" for c in columns[1:])
    key = qn(columns[0])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {qn(opts.db_table)} AS t SET {sets} FROM {qn(temp)} AS v "  # noqa: S608
                       f"WHERE t.{key} = v.{key}")
