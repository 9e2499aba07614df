"""One early-warning engine (预警): modules register rules, one sweep reconciles them.

A rule is a function ``find(now) -> Iterable[Due]``: every cause that is late *now*, evaluated
set-based by the module that owns the records (a few queries, never one per row). ``sweep(now)``
reconciles each rule's set with the stored ``EarlyWarning`` rows: a cause not yet stored is
opened; an open row whose cause is gone is closed with the time it cleared; an open row whose
cause moved (another responsible organisation or person, a new deadline) is updated in place.
So running the sweep twice changes nothing, and a sweep that crashed half-way leaves a state the
next one completes. Two sweeps at once are serialised per rule on PostgreSQL (an advisory lock);
the partial unique constraint keeps one open row per cause whatever happens.

Core imports no module: the demands, meetings and notices modules (and the later ones) call
``register_rule`` from their ``hooks.py``.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from .access import path_q, scope_paths
from .models import EarlyWarning


@dataclass(frozen=True)
class Due:
    """One cause that is late now, as a rule finds it."""

    key: str  # stable within the rule, e.g. f"{type_id}:{org_id}:{period}"
    org_path: str  # the responsible organisation
    org_name: str
    title: str  # Chinese, what is late: "先锋社区 2026年第四季度社区联席会议未召开"
    url: str  # where it is done: one click from the to-do list
    due_at: dt.datetime
    person_id: int | None = None  # the responsible person, when one is known


@dataclass(frozen=True)
class Rule:
    code: str
    label: str  # Chinese name of the rule, e.g. "会议未按期召开"
    perm: str  # the permission that lets a level above see these warnings in its subtree
    find: Callable[[dt.datetime], Iterable[Due]]


_RULES: dict[str, Rule] = {}


def register_rule(code: str, label: str, perm: str, find: Callable[[dt.datetime], Iterable[Due]]) -> None:
    """Add (or replace, by code) a warning rule."""
    _RULES[code] = Rule(code, label, perm, find)


def rules() -> list[Rule]:
    return sorted(_RULES.values(), key=lambda rule: rule.code)


def rule_label(code: str) -> str:
    rule = _RULES.get(code)
    return rule.label if rule else code


def visible_q(user: Any) -> Q:
    """Warnings addressed to ``user``, or lying in a subtree where they hold the rule's permission."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    q = Q(person_id=user.person_id) if user.person_id else Q(pk__in=[])
    by_scope: dict[tuple[str, ...], list[str]] = {}  # the permissions held over the same subtrees: one test
    for perm in sorted({rule.perm for rule in _RULES.values()}):
        paths = tuple(scope_paths(user, perm))
        if paths:
            by_scope.setdefault(paths, []).append(perm)
    for paths, perms in by_scope.items():
        q |= Q(perm__in=perms) & path_q("org_path", paths)
    return q


_FIELDS = ("perm", "org_path", "org_name", "person_id", "title", "url", "due_at")


def _lock(code: str) -> None:
    """Serialise sweeps of one rule across processes (PostgreSQL; SQLite serialises writers itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x7A68, zlib.crc32(code.encode()) & 0x7FFFFFFF])


def sweep_rule(rule: Rule, now: dt.datetime) -> tuple[int, int]:
    """Reconcile one rule; returns (opened, cleared)."""
    with transaction.atomic():
        _lock(rule.code)
        found = {due.key: due for due in rule.find(now)}
        stored = {row["key"]: row for row in
                  EarlyWarning.objects.open().filter(rule=rule.code).values("id", "key", *_FIELDS)}
        gone = [row["id"] for key, row in stored.items() if key not in found]
        cleared = 0
        for start in range(0, len(gone), 500):
            cleared += EarlyWarning.objects.filter(id__in=gone[start:start + 500], cleared_at__isnull=True).update(
                cleared_at=now)
        new = [EarlyWarning(rule=rule.code, key=key, perm=rule.perm, org_path=due.org_path,
                            org_name=due.org_name[:100], person_id=due.person_id, title=due.title[:300],
                            url=due.url[:300], due_at=due.due_at, opened_at=now)
               for key, due in found.items() if key not in stored]
        EarlyWarning.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        moved = []
        for key, row in stored.items():
            due = found.get(key)
            if due is None:
                continue
            wanted = {"perm": rule.perm, "org_path": due.org_path, "org_name": due.org_name[:100],
                      "person_id": due.person_id, "title": due.title[:300], "url": due.url[:300],
                      "due_at": due.due_at}
            if any(row[name] != wanted[name] for name in _FIELDS):
                moved.append(EarlyWarning(id=row["id"], **wanted))
        EarlyWarning.objects.bulk_update(moved, list(_FIELDS), batch_size=500)
    return len(new), cleared


def sweep(now: dt.datetime, codes: Iterable[str] | None = None) -> dict[str, tuple[int, int]]:
    """Run every registered rule (or those named); returns {code: (opened, cleared)}."""
    wanted = set(codes) if codes is not None else None
    return {rule.code: sweep_rule(rule, now) for rule in rules() if wanted is None or rule.code in wanted}
