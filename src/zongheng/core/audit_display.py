"""The audit log read by people: Chinese action names, links to the objects, field-level
differences with Chinese labels and readable values.

Core imports no module: each module registers its action names (``register_actions``), how to
link an object of its models (``register_object_url``), and how to find organisations by name
for the filter (``register_org_finder``). Field labels come from the models' ``verbose_name``
through Django's app registry; foreign-key values are shown by name, fetched once per page
and model (a constant number of queries whatever the page holds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .access import in_scope
from .models import AuditLog

_ACTIONS: dict[str, str] = {}
_OBJECT_URLS: dict[str, tuple[Callable[[str], str | None], str]] = {}
_ORG_FINDERS: list[Callable[[Any, str], list[str]]] = []
# Labels of snapshot keys that are not model fields.
_EXTRA_LABELS = {"path": "树中位置", "photos": "照片数", "rating": "评价", "person": "人员"}
EMPTY = "（空）"


def register_actions(labels: dict[str, str]) -> None:
    """Chinese names of audit action codes (``"org.create": "新建组织"``)."""
    _ACTIONS.update(labels)


def register_object_url(model_label: str, url_of: Callable[[str], str | None], perm: str) -> None:
    """How to link an object of ``model_label`` (``app.model``) from its id, for a reader holding
    ``perm`` on the record's organisation. An auditor reads the log, not the data: where they may
    not open the object, its name stands without a link (no link to a 403)."""
    _OBJECT_URLS[model_label.lower()] = (url_of, perm)


def url_by_pk(url_name: str) -> Callable[[str], str | None]:
    """``url_of`` for ``register_object_url`` when the object's page is ``url_name`` with its id."""
    from django.urls import reverse

    return lambda pk: reverse(url_name, args=[int(pk)]) if str(pk).isdigit() else None


def register_org_finder(find: Callable[[Any, str], list[str]]) -> None:
    """``find(user, text)``: paths of the organisations in the user's scope whose name contains ``text``."""
    _ORG_FINDERS.append(find)


def action_label(code: str) -> str:
    return _ACTIONS.get(code, code)


def action_choices() -> list[tuple[str, str]]:
    """(code, label) sorted by code, so that one module's actions stand together."""
    return sorted(_ACTIONS.items())


def org_paths_named(user: Any, text: str) -> list[str]:
    return [path for find in _ORG_FINDERS for path in find(user, text)]


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:  # type: ignore[type-arg]
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    log: AuditLog
    action: str
    object_kind: str
    url: str | None
    changes: list[Change]


def _raw_value(field: models.Field | None, value: Any, names: dict[tuple[str, str], str]) -> str:  # type: ignore[type-arg]
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None:
        if field.is_relation and field.related_model is not None and not isinstance(field.related_model, str):
            key = (field.related_model._meta.label_lower, str(value))
            return names.get(key, f"编号 {value}")
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) or EMPTY
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    return str(value)


def _changes(log: AuditLog, model: type[models.Model] | None, names: dict[tuple[str, str], str]) -> list[Change]:
    before = log.before if isinstance(log.before, dict) else {}
    after = log.after if isinstance(log.after, dict) else {}
    out = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        if log.before is not None and log.after is not None and old == new:
            continue
        if log.before is None and new in (None, ""):
            continue
        field = _field(model, key)
        label = str(field.verbose_name) if field is not None else _EXTRA_LABELS.get(key, key)
        out.append(Change(label, _raw_value(field, old, names) if key in before else "",
                          _raw_value(field, new, names) if key in after else ""))
    return out


def _related_names(logs: list[AuditLog]) -> dict[tuple[str, str], str]:
    """Names of every foreign-key value the page shows: one query per related model."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for log in logs:
        model = _model(log.object_type)
        for snap in (log.before, log.after):
            if not isinstance(snap, dict):
                continue
            for key, value in snap.items():
                field = _field(model, key)
                if (field is not None and field.is_relation and value not in (None, "")
                        and field.related_model is not None and not isinstance(field.related_model, str)):
                    wanted[field.related_model].add(str(value))
    names: dict[tuple[str, str], str] = {}
    for model, ids in wanted.items():
        label = model._meta.label_lower
        valid = [i for i in ids if i.isdigit()]
        for obj in model._default_manager.filter(pk__in=valid):
            names[(label, str(obj.pk))] = str(obj)
    return names


def _url(user: Any, log: AuditLog) -> str | None:
    url_of, perm = _OBJECT_URLS.get(log.object_type, (None, ""))
    if url_of is None or not log.object_id or not log.org_path or not in_scope(user, perm, log.org_path):
        return None
    return url_of(log.object_id)


def describe(logs: Iterable[AuditLog], user: Any) -> list[Entry]:
    logs = list(logs)
    names = _related_names(logs)
    out = []
    for log in logs:
        model = _model(log.object_type)
        url = _url(user, log)
        kind = str(model._meta.verbose_name) if model is not None else log.object_type
        out.append(Entry(log, action_label(log.action), kind, url, _changes(log, model, names)))
    return out


def changes_text(entry: Entry) -> str:
    return "；".join(f"{c.label}：{c.before or '—'} → {c.after or '—'}" for c in entry.changes)
