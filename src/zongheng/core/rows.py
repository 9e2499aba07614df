"""Model rows read by hand-written SQL, for the few statements a hot path runs on every request.

Building and compiling an ORM query costs several times the statement itself (a one-row
``filter(…).first()`` is ~1 ms of Python, the statement ~0.1 ms). Where a request runs the same
small lookup every time (the public intake: the chosen grid, the category, its deadline rule, the
working calendar), the module writes the SQL once and reads the row through these helpers:
column lists from the model's metadata, values converted as the ORM converts them (SQLite returns
dates as text, booleans as integers), instances built by ``Model.from_db`` — the fields not
selected are deferred, loaded on first access as with ``only()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def columns(model: type[models.Model], names: Sequence[str], alias: str) -> str:
    """``alias."col", …`` of the fields ``names`` (attnames or names) of ``model``, quoted."""
    qn = connection.ops.quote_name
    fields: list[Any] = [model._meta.get_field(n) for n in names]
    return ", ".join(f"{alias}.{qn(f.column)}" for f in fields)


_CONVERTERS: dict[tuple[str, str, str], tuple[Any, list[Any]]] = {}


def _converters(model: type[models.Model], name: str) -> tuple[Any, list[Any]]:
    key = (connection.vendor, model._meta.label, name)
    if key not in _CONVERTERS:
        field: Any = model._meta.get_field(name)
        col = field.get_col(model._meta.db_table)
        _CONVERTERS[key] = (col, [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)])
    return _CONVERTERS[key]


def convert(model: type[models.Model], names: Sequence[str], row: Sequence[Any]) -> list[Any]:
    """The Python values of ``row`` (database values of the fields ``names``), as the ORM converts them."""
    out = []
    for name, value in zip(names, row, strict=True):
        col, converters = _converters(model, name)
        for converter in converters:
            value = converter(value, col, connection)
        out.append(value)
    return out


def instance(model: type[models.Model], names: Sequence[str], row: Sequence[Any]) -> Any:
    """A ``model`` instance from ``row``; ``names`` are attnames (``level_id``) and include the primary key."""
    return model.from_db(connection.alias, list(names), convert(model, names, row))


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()
