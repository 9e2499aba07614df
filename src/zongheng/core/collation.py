"""Chinese names in the order people look for them: by pinyin (张 after 王, 安 first).

``Pinyin("name")`` is an expression for ``order_by`` (and ``Meta.ordering``). On PostgreSQL it
uses ICU's Chinese collation (``zh-Hans-x-icu``: pinyin); on SQLite a collation registered on
every connection (``zh_pinyin``) compares GB 18030 bytes, whose first level — the 3,755 common
characters, every common surname among them — is in pinyin order. Elsewhere: code point order.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import Func

SQLITE_COLLATION = "zh_pinyin"
POSTGRES_COLLATION = "zh-Hans-x-icu"


def _gb_key(text: str) -> bytes:
    return text.encode("gb18030", errors="replace")


def _compare(a: str, b: str) -> int:
    ka, kb = _gb_key(a), _gb_key(b)
    return (ka > kb) - (ka < kb)


class Pinyin(Func):
    """``field COLLATE <pinyin collation>`` — sorts Chinese text by pinyin."""

    arity = 1
    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} COLLATE {SQLITE_COLLATION}", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f'{sql} COLLATE "{POSTGRES_COLLATION}"', params


def _register_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, _compare)


connection_created.connect(_register_sqlite, dispatch_uid="zongheng.core.collation")
