"""Writing audit records. Every do_* action calls ``record`` inside its transaction.

Each record carries the ``org_path`` of the organisation its object belongs to, so an auditor
reads only the records of their own subtree. Core imports no module: a module registers how
to find the organisation of its models (``register_org_path``); an object with its own
``org_path`` attribute, or an ``org`` foreign key to a tree node, needs no registration.
A record with no organisation (accounts, platform-wide configuration) is read only by
auditors at the root.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import models

from .context_vars import current_request
from .models import AuditLog

_ORG_PATH_OF: dict[str, Callable[[Any], str | None]] = {}


def register_org_path(model_label: str, org_path_of: Callable[[Any], str | None]) -> None:
    """Declare how to find the organisation path of an object of ``model_label`` (``app.model``)."""
    _ORG_PATH_OF[model_label.lower()] = org_path_of


def org_path_of(obj: models.Model | None) -> str:
    """The path of the organisation ``obj`` belongs to, or "" when it belongs to none."""
    if obj is None:
        return ""
    fn = _ORG_PATH_OF.get(obj._meta.label_lower)
    if fn is not None:
        value = fn(obj)
    else:  # the conventions: a copied ``org_path``, or an ``org`` foreign key to a tree node
        value = getattr(obj, "org_path", None)
        if not isinstance(value, str):
            value = getattr(getattr(obj, "org", None), "path", None)
    return value if isinstance(value, str) else ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of ``obj`` as JSON-able values (foreign keys by id)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _jsonable(getattr(obj, attname))
    return out


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    org_path: str | None = None,
) -> AuditLog:
    entry_ = entry(actor, action, obj, object_type=object_type, object_id=object_id, object_repr=object_repr,
                   before=before, after=after, org_path=org_path)
    entry_.save()
    return entry_


def record_many(entries: list[AuditLog]) -> list[AuditLog]:
    """Writes rows built by ``entry`` in one statement (a set-based action: one row per object, as ``record``)."""
    from . import bulk

    bulk.insert(entries)
    return entries


def entry(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: Any = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    org_path: str | None = None,
) -> AuditLog:
    """The unsaved row ``record`` writes (same actor, request context and ``org_path`` rules)."""
    info = current_request.get()
    if org_path is None:
        org_path = org_path_of(obj)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditLog(
        actor=actor if is_user else None,
        actor_label=(actor.get_username() if is_user else (str(actor) if actor else "系统")),
        ip=info.ip,
        request_id=info.request_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=object_repr[:255],
        before=before,
        after=after,
        org_path=org_path[:255],
    )
