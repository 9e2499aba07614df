"""Every write on demands: atomic, audited, one ``DemandEvent`` per transition.

Staff actions take the acting user; resident actions (rate, reopen) take the tracking code;
system actions (escalation sweep, rating timeout) take ``actor=None``. Notifications and
SMS are queued with ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from zongheng.core import audit, bulk, crypto, rows
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.masking import mask_phone, normalize_phone, validate_phone
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Post

from . import codes, sms
from .choices import Status, Urgency
from .models import (
    Category,
    DeadlineRule,
    Demand,
    DemandEvent,
    DemandFollower,
    ListeningSession,
    Notification,
    Station,
    Summons,
    code_prefix,
    hash_code,
)
from .workflow import TransitionRefused, target
from .worktime import add_times

log = logging.getLogger(__name__)

RESIDENT = "居民"
SYSTEM = "系统"
AUDIT_FIELDS = ["status", "org", "grid", "category", "urgency", "answer", "rating", "escalations", "reopens"]


def new_code() -> str:
    """A tracking code a resident can read out and type: ``K7MP-4XQ2-9HTR`` (see ``codes.py``)."""
    return codes.new_code()


def _sms_code(phone: str, ref: str, code: str, text: str) -> None:
    """The resident's tracking code by SMS, when they gave a phone (after commit; the log masks the code)."""
    if phone:
        transaction.on_commit(lambda: sms.send(phone, f"【纵横】您的诉求 {ref} {text}查询码：{code}，"
                                                      "凭它查询办理进度和评价，请妥善保存。"))


_RULE_FIELDS = ("id", "category_id", "urgency", "clock", "response_minutes", "resolution_minutes")


def _rule(category: Category, urgency: str) -> DeadlineRule:
    """The deadline rule of a category and urgency (one statement written as SQL: every new demand reads it)."""
    sql = (f"SELECT {rows.columns(DeadlineRule, _RULE_FIELDS, 'r')} "  # noqa: S608
           f"FROM {connection.ops.quote_name(DeadlineRule._meta.db_table)} r "
           "WHERE r.category_id = %s AND r.urgency = %s")
    found = rows.fetch(sql, [category.pk, str(urgency)])
    rule = rows.instance(DeadlineRule, _RULE_FIELDS, found[0]) if found else None
    if rule is None:
        raise ActionError(f"类别“{category.name}”没有“{Urgency(urgency).label}”的办理时限，请联系管理员配置")
    return rule


def _set_deadlines(demand: Demand, start: dt.datetime, *, first: bool = False,
                   memo: dict[Any, Any] | None = None) -> None:
    """Stores the deadlines from ``start``. ``memo`` (one sweep run) reuses them per category and urgency."""
    key = ("due", demand.category_id, demand.urgency, start)
    if memo is None or key not in memo:
        rule = _rule(demand.category, demand.urgency)
        response, resolution = add_times([(start, rule.response_minutes, rule.clock),
                                          (start, rule.resolution_minutes, rule.clock)])
        due = (response, resolution)
        if memo is None:
            memo = {}
        memo[key] = due
    demand.response_due_at, demand.resolution_due_at = memo[key]
    if first:
        demand.first_response_due_at = demand.response_due_at


def _label(actor: Any) -> str:
    if actor is None:
        return SYSTEM
    if isinstance(actor, str):
        return actor
    return actor.display_name() if hasattr(actor, "display_name") else actor.get_username()


class Batch:
    """The writes of transitions applied to many locked demands, flushed together (``flush``):
    one UPDATE of the demands, one INSERT of events, one of audit rows, one of notifications.
    A new demand (``submit_demand``) is one INSERT instead, with its state after every transition.

    ``_transition(…, batch=)`` checks the table and builds the rows as it does alone; nothing is
    written until ``flush``, inside the same transaction, so a batch is all or nothing.
    """

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields  # the demand columns the transitions changed (besides status and version)
        self.demands: list[Demand] = []
        self.new: list[Demand] = []  # demands not yet in the table (their keys taken: ``bulk.next_ids``)
        self.events: list[DemandEvent] = []
        self.audits: list[Any] = []
        self.notices: list[tuple[Demand, Org, str]] = []

    def flush(self, memo: dict[Any, Any] | None = None) -> None:
        if self.demands:
            new = {d.pk for d in self.new}
            bulk.insert(self.new)
            bulk.update([d for pk, d in {d.pk: d for d in self.demands}.items() if pk not in new],
                        ["status", "version", *self.fields])
            bulk.insert(self.events)
            audit.record_many(self.audits)
        if self.notices:
            holders = _holders_many([org for _, org, _ in self.notices], memo)
            bulk.insert([Notification(user=u, demand=d, text=text[:200])
                                              for d, org, text in self.notices for u in holders[org.pk]])


def _transition(demand: Demand, action: str, actor: Any, *, note: str = "", at: dt.datetime | None = None,
                expected_version: int | None = None, by_org: Org | None = None,
                batch: Batch | None = None) -> DemandEvent:
    """Apply ``action`` to a locked demand: check the table, bump the version, write history and audit.

    ``by_org``: the organisation of whoever acted (``acting_org``); the holder when not given.
    ``batch``: the demand's changes, history and audit rows are collected there and written by
    ``Batch.flush``. A new demand (not yet saved, its key taken) is only ever written by a batch.
    """
    if expected_version is not None and expected_version != demand.version:
        raise TransitionRefused("该诉求已被他人更新，请刷新页面后再试")
    if demand._state.adding and (batch is None or demand.pk is None):
        raise RuntimeError("a new demand is written by its batch, its key taken first (submit_demand)")
    first = batch is not None and demand._state.adding and demand not in batch.new  # its first step: no status
    before = None if first else audit.snapshot(demand, AUDIT_FIELDS)
    from_status = "" if first else demand.status
    demand.status = target(action, from_status)
    demand.version += 1
    when = at or timezone.now()
    user = actor if actor is not None and not isinstance(actor, str) else None
    if batch is not None:
        if first:
            batch.new.append(demand)
        event = DemandEvent(  # ids, not objects: a batch builds thousands of these
            demand_id=demand.pk, seq=demand.version, at=when, action=action, from_status=from_status,
            to_status=demand.status, actor_id=user.pk if user is not None else None, actor_label=_label(actor),
            org_id=demand.org_id, by_org_id=(by_org or demand.org).pk, note=note,
        )
        batch.demands.append(demand)
        batch.events.append(event)
        batch.audits.append(audit.entry(user or _label(actor), f"demand.{action}", demand, before=before,
                                        after=audit.snapshot(demand, AUDIT_FIELDS)))
        return event
    demand.save()
    event = DemandEvent.objects.create(
        demand=demand, seq=demand.version, at=when, action=action, from_status=from_status,
        to_status=demand.status, actor=user, actor_label=_label(actor), org=demand.org,
        by_org=by_org or demand.org, note=note,
    )
    audit.record(user or _label(actor), f"demand.{action}", demand, before=before,
                 after=audit.snapshot(demand, AUDIT_FIELDS))
    return event


def _lock(demand: Demand | int) -> Demand:
    pk = demand.pk if isinstance(demand, Demand) else demand
    return Demand.objects.select_for_update(of=("self",)).select_related("category", "org", "grid").get(pk=pk)


def may_act(user: Any, perm: str, demand: Demand) -> bool:
    """Only the holder of a demand (and the organisations above it) may act on it.

    The grid a demand was raised in keeps seeing it (``Demand.objects.restrict``), but once it
    went up to the community (escalated, returned) or across to another unit, the grid can no
    longer accept, answer or escalate it: the right is checked on the holder's path alone.
    """
    return in_scope(user, perm, demand.org_path)


def _require_scope(user: Any, perm: str, demand: Demand) -> None:
    if not may_act(user, perm, demand):
        raise ActionError("该诉求不在您的办理范围内（只有当前承办组织及其上级可以办理）")


def acting_org(user: Any, perm: str, demand: Demand) -> Org:
    """The organisation through which ``user`` holds ``perm`` over the demand's holder.

    The user's active post granting ``perm`` nearest above (or at) the holder: a community
    secretary answering a demand its grid holds is credited to the community, not the grid.
    Without such a post (a superuser, the system) the holder itself.
    """
    from zongheng.core.permissions import ROLE_PERMS

    person_id = getattr(user, "person_id", None)
    if not person_id:
        return demand.org
    prefixes = [demand.org_path[:i] for i in range(Org.steplen, len(demand.org_path) + 1, Org.steplen)]
    posts = Post.objects.active().filter(person_id=person_id, org__path__in=prefixes).select_related("org")
    held = [p.org for p in posts if perm in ROLE_PERMS.get(p.role, ())]
    return max(held, key=lambda o: len(o.path)) if held else demand.org


def _holders(org: Org) -> list[Any]:
    """Users holding an active post at ``org`` who may open its demands (they receive its notifications).

    A post at ``org`` without ``DEMAND_VIEW`` (an auditor's, say) gets no notice: a notice quotes
    the demand, so it goes only to people who could open it. The notices list and the badge
    filter by the same rule (``selectors.notifications_for``).
    """
    return _holders_many([org])[org.pk]


def _holders_many(orgs: Iterable[Org], memo: dict[Any, Any] | None = None) -> dict[int, list[Any]]:
    """``_holders`` of several organisations in two queries (``memo``: kept for one sweep run).

    The same rule as ``in_scope(user, DEMAND_VIEW, org.path)`` for each user with a post in force
    at ``org``: a superuser, or a post in force at ``org`` or above it whose role grants the right.
    """
    from zongheng.accounts.models import User
    from zongheng.core.permissions import ROLE_PERMS

    memo = memo if memo is not None else {}
    wanted = {o.pk: o for o in orgs if ("holders", o.pk) not in memo}
    if wanted:
        step = Org.steplen
        prefixes = {o.path[:i] for o in wanted.values() for i in range(step, len(o.path) + 1, step)}
        posts = list(Post.objects.active().filter(org__path__in=prefixes).values_list("person_id", "role", "org__path"))
        granting = {role for role, perms in ROLE_PERMS.items() if Perm.DEMAND_VIEW in perms}
        at_org: dict[str, set[int]] = {}
        grants: dict[int, list[str]] = {}
        for person_id, role, path in posts:
            at_org.setdefault(path, set()).add(person_id)
            if role in granting:
                grants.setdefault(person_id, []).append(path)
        people = {p for o in wanted.values() for p in at_org.get(o.path, ())}
        users = list(User.objects.filter(person_id__in=people, is_active=True).order_by("pk")) if people else []
        for pk, org in wanted.items():
            here = at_org.get(org.path, set())
            memo[("holders", pk)] = [
                u for u in users if u.person_id in here
                and (u.is_superuser or any(org.path.startswith(p) for p in grants.get(u.person_id, ())))
            ]
    return {o.pk: memo[("holders", o.pk)] for o in orgs}


def _notify(demand: Demand, org: Org, text: str, memo: dict[Any, Any] | None = None, *,
            background: bool = False) -> None:
    """The holders' notices after commit: at once, or with ``background`` by the task worker
    (``tasks.notify_holders``). The request then only queues one job, in its own transaction: the
    job's row commits with the demand (no second commit, and no committed demand without its
    notices), and the worker sees it only once the demand is there."""
    if background:
        from .tasks import notify_holders

        notify_holders.enqueue(demand.pk, org.pk, text[:200])
        return

    def send() -> None:
        key = ("holders", org.pk)
        holders = memo[key] if memo is not None and key in memo else _holders(org)
        if memo is not None:
            memo[key] = holders
        Notification.objects.bulk_create([Notification(user=u, demand=demand, text=text[:200]) for u in holders])

    transaction.on_commit(send)


def _sms_followers(demand: Demand, text: str) -> None:
    phones = [crypto.decrypt(p) for p in demand.followers.exclude(phone_enc="").values_list("phone_enc", flat=True)]

    def send() -> None:
        for phone in phones:
            sms.send(phone, f"【纵横】您的诉求 {demand.ref} {text}")

    if phones:
        transaction.on_commit(send)


# ---------------------------------------------------------------- intake


@transaction.atomic
def do_submit_demand(actor: Any, data: dict[str, Any], *, now: dt.datetime | None = None,
                     allow_unplaced: bool = False) -> tuple[Demand, str]:
    return submit_demand(actor, data, now=now, allow_unplaced=allow_unplaced)


def submit_demand(actor: Any, data: dict[str, Any], *, now: dt.datetime | None = None,
                  allow_unplaced: bool = False) -> tuple[Demand, str]:
    """A new demand from any channel: received, then assigned to its grid at once.

    With ``allow_unplaced`` (a resident who chose "我不清楚", an Open311 request whose place
    finds no grid) ``data["grid"]`` may be the community, street or district that receives it:
    the demand then stays received there, its response deadline running, until staff assign it
    to a grid (``do_assign``, which then sets its grid). Until then it counts for that
    organisation and those above it, and for no grid (see docs/demands.md).

    ``data``: channel, category, urgency, description, address, grid, optional phone,
    contact_name, lat, long, station, listening_session. Returns the demand and the
    resident's tracking code (shown once; the resident keeps it).

    ``submit_demand`` is the same without its own transaction (savepoint), for the public doors
    that already run one (``actions_public``, ``open311``). The writes: its key (``bulk.next_ids``),
    the demand's row with its number and status, one insert each of history and audit rows (receive and assign), the
    follower, and the job that sends the holders' notices after commit (``tasks.notify_holders``).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("submit_demand must run inside a transaction (use do_submit_demand)")
    now = now or timezone.now()
    data = dict(data)
    phone = normalize_phone(data.pop("phone", "") or "")
    if msg := validate_phone(phone):
        raise ActionError(msg)
    grid: Org = data["grid"]
    unplaced = grid.level.code not in settings.DEMAND_GRID_LEVELS
    if unplaced and not allow_unplaced:
        raise ActionError("请选择诉求所在的网格")
    if not data.get("description", "").strip():
        raise ActionError("请填写诉求内容")
    if not data.get("address", "").strip():
        raise ActionError("请填写地址")
    code = new_code()
    demand = Demand(
        **data, code_hash=hash_code(code), code_prefix=code_prefix(code),
        org=grid, org_path=grid.path, grid_path=grid.path,
        received_at=now, created_by=actor if actor is not None and not isinstance(actor, str) else None,
    )
    # Its key first, so that its number (made from it) goes in with the row: one INSERT, no UPDATE after.
    demand.pk = bulk.next_ids(Demand)[0]
    demand.ref = f"MX{now.astimezone(timezone.get_current_timezone()):%Y}{demand.pk:07d}"
    if phone:
        demand.phone_enc, demand.phone_masked = crypto.encrypt(phone), mask_phone(phone)
    _set_deadlines(demand, now, first=True)
    batch = Batch([])
    _transition(demand, "receive", actor or RESIDENT, at=now, note=f"来源：{demand.get_channel_display()}",
                batch=batch)
    if not unplaced:
        _transition(demand, "assign", SYSTEM, at=now, note=f"自动派至{grid.name}", batch=batch)
    batch.flush()
    bulk.insert([DemandFollower(demand=demand, code_hash=demand.code_hash, code_prefix=demand.code_prefix,
                                phone_enc=demand.phone_enc, phone_masked=demand.phone_masked)])
    if unplaced:
        text = f"新诉求 {demand.ref}（网格未定，请派给所属网格）：{demand.description[:40]}"
    else:
        text = f"新诉求 {demand.ref}：{demand.description[:40]}"
    _notify(demand, grid, text, background=True)
    _sms_code(phone, demand.ref, code, "已受理。")
    return demand, code


@transaction.atomic
def do_follow_demand(demand: Demand, phone: str = "") -> str:
    """A resident adds themselves to an open demand (the same problem): returns their own tracking code."""
    demand = _lock(demand)
    if not demand.is_open:
        raise ActionError("该诉求已办结，无法加入，请提交新的诉求")
    phone = normalize_phone(phone)
    if msg := validate_phone(phone):
        raise ActionError(msg)
    code = new_code()
    DemandFollower.objects.create(demand=demand, code_hash=hash_code(code), code_prefix=code_prefix(code),
                                  phone_enc=crypto.encrypt(phone) if phone else "", phone_masked=mask_phone(phone))
    audit.record(RESIDENT, "demand.follow", demand)
    _sms_code(phone, demand.ref, code, "您已加入，办理单位会一并处理。")
    return code


# ---------------------------------------------------------------- staff


def _move_holder(demand: Demand, org: Org) -> None:
    demand.org = org
    demand.org_path = org.path


@transaction.atomic
def do_assign(user: Any, demand: Demand, org: Org, *, note: str = "", expected_version: int | None = None) -> Demand:
    demand = _lock(demand)
    _require_scope(user, Perm.DEMAND_DISPATCH, demand)
    if not in_scope(user, Perm.DEMAND_DISPATCH, org.path):
        raise ActionError("只能派给您管辖范围内的组织")
    by = acting_org(user, Perm.DEMAND_DISPATCH, demand)
    _move_holder(demand, org)
    if demand.grid.level.code not in settings.DEMAND_GRID_LEVELS and org.level.code in settings.DEMAND_GRID_LEVELS:
        demand.grid, demand.grid_path = org, org.path  # a demand without a grid is placed by its first grid
    _transition(demand, "assign", user, note=note or f"派至{org.name}", expected_version=expected_version,
                by_org=by)
    _notify(demand, org, f"诉求 {demand.ref} 已派给{org.name}")
    return demand


@transaction.atomic
def do_bulk_assign(user: Any, demands: Iterable[Demand], org: Org) -> int:
    count = 0
    for demand in demands:
        do_assign(user, demand, org)
        count += 1
    return count


@transaction.atomic
def do_return(user: Any, demand: Demand, reason: str, *, expected_version: int | None = None) -> Demand:
    """The holder returns a demand for reassignment: it goes up to the parent, which re-dispatches."""
    if not reason.strip():
        raise ActionError("退回须说明理由")
    demand = _lock(demand)
    _require_scope(user, Perm.DEMAND_HANDLE, demand)
    parent = _parent(demand.org)
    if parent is None:
        raise ActionError("最上级组织不能退回")
    by = acting_org(user, Perm.DEMAND_HANDLE, demand)
    _move_holder(demand, parent)
    _transition(demand, "return", user, note=reason, expected_version=expected_version, by_org=by)
    _notify(demand, parent, f"诉求 {demand.ref} 被退回，请重新派单：{reason[:60]}")
    return demand


@transaction.atomic
def do_accept(user: Any, demand: Demand, *, expected_version: int | None = None, now: dt.datetime | None = None
              ) -> Demand:
    demand = _lock(demand)
    _require_scope(user, Perm.DEMAND_HANDLE, demand)
    now = now or timezone.now()
    demand.accepted_at = now
    if demand.first_accepted_at is None:
        demand.first_accepted_at = now
    _transition(demand, "accept", user, at=now, expected_version=expected_version,
                by_org=acting_org(user, Perm.DEMAND_HANDLE, demand))
    return demand


@transaction.atomic
def do_start(user: Any, demand: Demand, *, note: str = "", expected_version: int | None = None) -> Demand:
    demand = _lock(demand)
    _require_scope(user, Perm.DEMAND_HANDLE, demand)
    _transition(demand, "start", user, note=note, expected_version=expected_version,
                by_org=acting_org(user, Perm.DEMAND_HANDLE, demand))
    return demand


@transaction.atomic
def do_answer(user: Any, demand: Demand, answer: str, *, expected_version: int | None = None,
              now: dt.datetime | None = None) -> Demand:
    if not answer.strip():
        raise ActionError("请填写答复内容")
    demand = _lock(demand)
    _require_scope(user, Perm.DEMAND_HANDLE, demand)
    now = now or timezone.now()
    demand.answer, demand.answered_at = answer.strip(), now
    _transition(demand, "answer", user, at=now, note=answer.strip(), expected_version=expected_version,
                by_org=acting_org(user, Perm.DEMAND_HANDLE, demand))
    _sms_followers(demand, "已答复，请用查询码查看并评价。")
    return demand


def _parent(org: Org, memo: dict[Any, Any] | None = None) -> Org | None:
    if org.depth <= 1:
        return None
    key = ("parent", org.path)
    if memo is not None and key in memo:
        return memo[key]
    parent = Org.objects.get(path=org.path[: -Org.steplen])
    if memo is not None:
        memo[key] = parent
    return parent


@transaction.atomic
def do_escalate(user: Any, demand: Demand, *, reason: str = "", expected_version: int | None = None,
                now: dt.datetime | None = None) -> Demand:
    """Up to the parent organisation, by hand (beyond this level's power) or by the sweep (overdue)."""
    demand = _lock(demand)
    if user is not None:
        _require_scope(user, Perm.DEMAND_HANDLE, demand)
    return _escalate_locked(demand, user, reason or "超出本级办理能力", expected_version, now)


def _escalate_locked(demand: Demand, actor: Any, reason: str, expected_version: int | None,
                     now: dt.datetime | None, memo: dict[Any, Any] | None = None) -> Demand:
    """``memo``: lookups shared by one sweep run (parents, deadlines, holders), never across runs.

    The demand goes to the parent of its holder, whoever escalates (a community escalating what
    its grid holds takes it over); the step is credited to the escalating person's organisation.
    """
    by = acting_org(actor, Perm.DEMAND_HANDLE, demand) if actor is not None else demand.org
    parent = _parent(demand.org, memo)
    if parent is None:
        raise ActionError("已是最上级组织，不能再上报")
    now = now or timezone.now()
    _move_holder(demand, parent)
    demand.escalations += 1
    _set_deadlines(demand, now, memo=memo)
    _transition(demand, "escalate", actor, at=now, note=reason, expected_version=expected_version, by_org=by)
    _notify(demand, parent, f"诉求 {demand.ref} 已上报至{parent.name}：{reason[:60]}", memo)
    return demand


def overdue_q(now: dt.datetime) -> Q:
    """Open demands past the deadline that applies to their status, held below the top of the tree."""
    return (
        (Q(status__in=[Status.RECEIVED, Status.ASSIGNED]) & Q(response_due_at__lt=now))
        | (Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS]) & Q(resolution_due_at__lt=now))
    )


def escalate_overdue(now: dt.datetime | None = None, *, limit: int | None = None, batch: int = 1000) -> int:
    """The escalation sweep: each overdue demand climbs one level.

    Demands are taken ``batch`` at a time, each batch in one transaction (all or nothing) and a
    constant number of statements: the row locks (``SELECT … FOR UPDATE SKIP LOCKED``, re-checking
    the overdue condition under the lock), the parents and deadline rules not seen yet in this run,
    one calendar read for new deadlines (``worktime.add_times``), then ``Batch.flush``: one UPDATE of
    holders and deadlines, one INSERT each of events, audit rows and notifications.
    Idempotent and crash-safe: escalation resets the deadline from ``now``, so a demand that
    was escalated no longer matches, and a batch cut off by a crash left nothing behind;
    demands locked by another sweep are skipped (SKIP LOCKED) and re-checked under the lock.
    """
    now = now or timezone.now()
    ids = list(
        Demand.objects.filter(overdue_q(now)).exclude(org__depth__lte=1).order_by("id").values_list("id", flat=True)
    )
    if limit is not None:
        ids = ids[:limit]
    done = 0
    memo: dict[Any, Any] = {}
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            locked = list(
                Demand.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(overdue_q(now), pk__in=ids[start:start + batch])
                .order_by("id")
            )
            _holders_of(locked, memo)
            done += _escalate_batch([d for d in locked if d.org.depth > 1], now, memo)
    return done


def _holders_of(demands: list[Demand], memo: dict[Any, Any]) -> None:
    """Sets each demand's holder from the organisations read in this run (one query for new ones)."""
    missing = {d.org_id for d in demands} - {k[1] for k in memo if k[0] == "org"}
    for org in Org.objects.filter(pk__in=missing):
        memo[("org", org.pk)] = org
    for d in demands:
        d.org = memo[("org", d.org_id)]


def _parents(orgs: Iterable[Org], memo: dict[Any, Any]) -> None:
    """Puts the parent of each organisation into ``memo`` (one query for those not there yet)."""
    wanted = {o.path[: -Org.steplen] for o in orgs if o.depth > 1 and ("parent", o.path) not in memo}
    if wanted:
        found = {p.path: p for p in Org.objects.filter(path__in=wanted)}
        for o in orgs:
            if o.depth > 1 and ("parent", o.path) not in memo:
                memo[("parent", o.path)] = found[o.path[: -Org.steplen]]


def _deadlines(demands: list[Demand], start: dt.datetime, memo: dict[Any, Any]) -> None:
    """Puts the deadlines from ``start`` of each demand's category and urgency into ``memo``: the rules
    in one query, the working-time arithmetic for all of them in one pass (``add_times``)."""
    keys = {(d.category_id, d.urgency) for d in demands} - {k[1:3] for k in memo if k[0] == "due" and k[3] == start}
    if not keys:
        return
    rules = {(r.category_id, r.urgency): r for r in DeadlineRule.objects.filter(category_id__in={c for c, _ in keys})}
    wanted = []
    for key in sorted(keys):
        # Without a rule: the same refusal as one demand alone (``_rule``).
        wanted.append((key, rules.get(key) or _rule(Category.objects.get(pk=key[0]), key[1])))
    times = add_times([(start, minutes, r.clock) for _, r in wanted
                       for minutes in (r.response_minutes, r.resolution_minutes)])
    for i, (key, _) in enumerate(wanted):
        memo[("due", *key, start)] = (times[2 * i], times[2 * i + 1])


def _escalate_batch(demands: list[Demand], now: dt.datetime, memo: dict[Any, Any]) -> int:
    """Escalates locked overdue demands (holders below the top) by the system, written as one ``Batch``."""
    reason = "超过办理时限，自动上报"
    _parents([d.org for d in demands], memo)
    _deadlines(demands, now, memo)
    batch = Batch(["org", "org_path", "escalations", "response_due_at", "resolution_due_at"])
    for demand in demands:
        by, parent = demand.org, memo[("parent", demand.org.path)]
        _move_holder(demand, parent)
        demand.escalations += 1
        _set_deadlines(demand, now, memo=memo)
        _transition(demand, "escalate", None, at=now, note=reason, by_org=by, batch=batch)
        batch.notices.append((demand, parent, f"诉求 {demand.ref} 已上报至{parent.name}：{reason[:60]}"))
    batch.flush(memo)
    return len(batch.demands)


@transaction.atomic
def do_whistle(user: Any, demand: Demand, orgs: list[Org], *, note: str = "",
               expected_version: int | None = None) -> list[Summons]:
    """街道吹哨、部门报到: summon departments or units to handle the demand together."""
    if not orgs:
        raise ActionError("请选择至少一个报到单位")
    demand = _lock(demand)
    _require_scope(user, Perm.DEMAND_DISPATCH, demand)
    now = timezone.now()
    existing = set(demand.summons.values_list("org_id", flat=True))
    new = [o for o in orgs if o.pk not in existing]
    if not new:
        raise ActionError("所选单位都已吹哨报到")
    summons = Summons.objects.bulk_create(
        [Summons(demand=demand, org=o, requested_at=now, requested_by=user) for o in new]
    )
    names = "、".join(o.name for o in new)
    _transition(demand, "whistle", user, at=now, note=f"吹哨：{names}。{note}".strip(),
                expected_version=expected_version, by_org=acting_org(user, Perm.DEMAND_DISPATCH, demand))
    for o in new:
        _notify(demand, o, f"街道吹哨：请到诉求 {demand.ref} 报到")
    return summons


@transaction.atomic
def do_report(user: Any, summons: Summons, report: str) -> Summons:
    """A summoned unit reports back on what it did."""
    if not report.strip():
        raise ActionError("请填写报到情况")
    summons = Summons.objects.select_for_update().select_related("org").get(pk=summons.pk)
    if not in_scope(user, Perm.DEMAND_HANDLE, summons.org.path):
        raise ActionError("您不是该报到单位的人员")
    if summons.reported_at is not None:
        raise ActionError("该单位已经报到")
    summons.reported_at, summons.report = timezone.now(), report.strip()
    summons.save(update_fields=["reported_at", "report"])
    demand = _lock(summons.demand_id)
    _transition(demand, "report", user, note=f"{summons.org.name}报到：{report.strip()}", by_org=summons.org)
    return summons


@transaction.atomic
def do_reject(user: Any, demand: Demand, reason: str, *, expected_version: int | None = None) -> Demand:
    """Outside the platform's remit: the reason is shown to the resident."""
    if not reason.strip():
        raise ActionError("不予受理须说明理由（居民可以看到）")
    demand = _lock(demand)
    _require_scope(user, Perm.DEMAND_DISPATCH, demand)
    demand.reject_reason = reason.strip()
    demand.closed_at = timezone.now()
    _transition(demand, "reject", user, note=reason.strip(), expected_version=expected_version,
                by_org=acting_org(user, Perm.DEMAND_DISPATCH, demand))
    _sms_followers(demand, f"不予受理：{reason.strip()[:40]}")
    return demand


@transaction.atomic
def do_merge(user: Any, duplicate: Demand, into: Demand) -> Demand:
    """Merge a duplicate into another open demand; its residents follow the kept one.

    They see its progress and may leave their own rating, but only the kept demand's own
    submitter decides its outcome (see ``do_rate``).
    """
    if duplicate.pk == into.pk:
        raise ActionError("不能把诉求合并到它自己")
    first, second = sorted([duplicate.pk, into.pk])
    locked = {d.pk: d for d in Demand.objects.select_for_update().filter(pk__in=[first, second])}
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    _require_scope(user, Perm.DEMAND_DISPATCH, duplicate)
    _require_scope(user, Perm.DEMAND_DISPATCH, into)
    if not into.is_open:
        raise ActionError("只能合并到尚未答复的诉求")
    duplicate.merged_into = into
    duplicate.closed_at = timezone.now()
    _transition(duplicate, "merge", user, note=f"合并到 {into.ref}",
                by_org=acting_org(user, Perm.DEMAND_DISPATCH, duplicate))
    DemandFollower.objects.filter(demand=duplicate).update(demand=into)
    return into


# ---------------------------------------------------------------- residents


def follower_by_code(code: str) -> DemandFollower | None:
    """The follower row of a tracking code, found by the code's hash (only hashes are stored).

    ``k7mp 4xq2 9htr``, ``K7MP4XQ29HTR`` and full-width input find the same code (``codes.normalize``).
    """
    if not isinstance(code, str):
        return None
    code = code.strip()
    if not code or len(code) > 64:
        return None
    return DemandFollower.objects.select_related("demand").filter(code_hash=hash_code(code)).first()


FOLLOWER_RATABLE = (Status.ANSWERED, Status.RATED, Status.CLOSED)


def _follower_rate(follower: DemandFollower, demand: Demand, rating: int, comment: str, now: dt.datetime) -> None:
    """A joiner's own rating: kept on their follower row, never a transition, never in the figures."""
    if demand.status not in FOLLOWER_RATABLE or demand.answered_at is None:
        raise ActionError("办理单位答复后才能评价")
    follower = DemandFollower.objects.select_for_update().get(pk=follower.pk)
    follower.rating, follower.rating_comment, follower.rated_at = rating, comment.strip()[:500], now
    follower.save(update_fields=["rating", "rating_comment", "rated_at"])
    audit.record(RESIDENT, "demand.follower_rate", demand, after={"rating": rating})


@transaction.atomic
def do_rate(code: str, rating: int, comment: str = "", *, now: dt.datetime | None = None) -> Demand:
    """One-tap rating by a resident; the submitter's satisfied rating (≥ 3) closes the demand.

    Only the resident who raised the demand decides its outcome. A resident who joined it
    (from the "similar demand" step, or through a merge) leaves their own rating on their
    follower row: it never closes or reopens the demand and the figures do not count it.
    """
    follower = follower_by_code(code)
    if follower is None:
        raise ActionError("查询码不正确")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ActionError("评分应为 1 到 5 星")
    demand = _lock(follower.demand_id)
    now = now or timezone.now()
    if not follower.is_submitter(demand):
        _follower_rate(follower, demand, rating, comment, now)
        return demand
    demand.rating, demand.rating_comment, demand.rated_at = rating, comment.strip()[:500], now
    _transition(demand, "rate", RESIDENT, at=now, note=f"{rating} 星 {comment.strip()[:200]}".strip())
    if rating >= settings.DEMAND_SATISFIED_RATING:
        demand.closed_at = now
        _transition(demand, "close", SYSTEM, at=now, note="居民评价满意")
    return demand


@transaction.atomic
def do_reopen(code: str, reason: str, *, now: dt.datetime | None = None) -> Demand:
    """Not satisfied: the demand goes back to its holder with fresh deadlines, within the reopen window."""
    follower = follower_by_code(code)
    if follower is None:
        raise ActionError("查询码不正确")
    if not reason.strip():
        raise ActionError("请说明哪里不满意")
    demand = _lock(follower.demand_id)
    if not follower.is_submitter(demand):
        raise ActionError("只有最初反映这个问题的居民可以要求重新办理；如果问题仍未解决，请提交新的诉求")
    now = now or timezone.now()
    window = dt.timedelta(days=settings.DEMAND_REOPEN_DAYS)
    if demand.answered_at is None or now - demand.answered_at > window:
        raise ActionError(f"答复超过 {settings.DEMAND_REOPEN_DAYS} 天，不能再要求重办，请提交新的诉求")
    demand.reopens += 1
    demand.answer, demand.answered_at, demand.closed_at = "", None, None
    demand.rating, demand.rating_comment, demand.rated_at = None, "", None
    _set_deadlines(demand, now)
    _transition(demand, "reopen", RESIDENT, at=now, note=reason.strip()[:500])
    _notify(demand, demand.org, f"居民不满意，诉求 {demand.ref} 重新办理")
    return demand


def _close_waiting(status: str, days: int, action: str, note: str, now: dt.datetime | None, *,
                   batch: int = 1000) -> int:
    """Closes demands left in ``status`` more than ``days`` after their answer, ``batch`` at a time.

    As the escalation sweep: each batch is one transaction (all or nothing) of a constant number of statements —
    the row locks (``SKIP LOCKED``, the condition re-checked under the lock), then ``Batch.flush``: one UPDATE,
    one INSERT of events, one of audit rows. Idempotent: a closed demand no longer matches; rows locked
    elsewhere are skipped, and the next sweep takes them.
    """
    now = now or timezone.now()
    waiting = Q(status=status, answered_at__lt=now - dt.timedelta(days=days))
    ids = list(Demand.objects.filter(waiting).order_by("id").values_list("id", flat=True))
    done = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            locked = Demand.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                waiting, pk__in=ids[start:start + batch]).select_related("org").order_by("id")
            closing = Batch(["closed_at"])
            for demand in locked:
                demand.closed_at = now
                _transition(demand, action, SYSTEM, at=now, note=note, batch=closing)
            closing.flush()
            done += len(closing.demands)
    return done


def close_rated(now: dt.datetime | None = None) -> int:
    """Rated but unsatisfied demands whose reopen window has passed are closed."""
    return _close_waiting(Status.RATED, settings.DEMAND_REOPEN_DAYS, "close", "重办期限已过", now)


def close_unrated(now: dt.datetime | None = None) -> int:
    """Answered demands not rated within DEMAND_RATING_DAYS close as 'rating timeout'."""
    return _close_waiting(Status.ANSWERED, settings.DEMAND_RATING_DAYS, "rating_timeout", "", now)


def do_reveal_resident_phone(user: Any, demand: Demand) -> str:
    """回访居民: the resident's full phone for whoever holds the demand (and those above), audited.

    Only the holder and the organisations above it (``may_act`` with ``demand.handle``) — not the
    grid the demand has left, not a summoned unit, not a viewer without the right to handle it.
    The audit row names the demand, never the number.
    """
    if not may_act(user, Perm.DEMAND_HANDLE, demand):
        raise ActionError("只有当前承办组织及其上级可以查看居民的完整电话")
    if not demand.phone_enc:
        raise ActionError("居民没有留下电话")
    value = crypto.decrypt(demand.phone_enc)
    audit.record(user, "demand.reveal_phone", demand)
    return value


def mark_read(user: Any, ids: Iterable[int]) -> int:
    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(read_at=timezone.now())


# ---------------------------------------------------------------- workbench (staff pages)


def _check_version(demand_pk: int, expected_version: int | None) -> None:
    """Under the row lock: refuse a stale form (someone changed the demand since the page was shown)."""
    if expected_version is None:
        return
    current = Demand.objects.select_for_update().values_list("version", flat=True).get(pk=demand_pk)
    if current != expected_version:
        raise TransitionRefused("该诉求已被他人更新，请刷新页面后再试")


@transaction.atomic
def do_merge_checked(user: Any, duplicate: Demand, into: Demand, *, expected_version: int | None = None) -> Demand:
    """``do_merge`` from a page: the duplicate's form carries its version; a stale form is refused."""
    if duplicate.pk != into.pk:
        # Lock both rows in pk order (as do_merge does) before checking, so merges cannot deadlock.
        list(Demand.objects.select_for_update().filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")
             .values_list("pk", flat=True))
    _check_version(duplicate.pk, expected_version)
    return do_merge(user, duplicate, into)


@transaction.atomic
def do_report_checked(user: Any, summons: Summons, report: str, *, expected_version: int | None = None) -> Summons:
    """``do_report`` from a page: refused when the demand changed since the form was shown."""
    Summons.objects.select_for_update().filter(pk=summons.pk).exists()
    _check_version(summons.demand_id, expected_version)
    return do_report(user, summons, report)


@transaction.atomic
def do_create_station(user: Any, org: Org, name: str, address: str = "") -> Station:
    """New 民心驿站 of an org the user may dispatch for."""
    if not in_scope(user, Perm.DEMAND_DISPATCH, org.path):
        raise ActionError("只能为您管辖范围内的组织设立民心驿站")
    if not name.strip():
        raise ActionError("请填写驿站名称")
    if Station.objects.filter(org=org, name=name.strip()).exists():
        raise ActionError(f"{org.name}已有名为“{name.strip()}”的民心驿站")
    station = Station.objects.create(org=org, name=name.strip(), address=address.strip())
    audit.record(user, "demand.station_create", station, after=audit.snapshot(station, ["org", "name", "address"]))
    return station


@transaction.atomic
def do_create_listening_session(user: Any, org: Org, data: dict[str, Any]) -> ListeningSession:
    """Record a 每月一听 session (date, place, attendees, summary) of an org in the user's entry scope."""
    if not in_scope(user, Perm.DEMAND_ENTER, org.path):
        raise ActionError("只能登记您管辖范围内组织的每月一听")
    if not data.get("held_on"):
        raise ActionError("请填写日期")
    if not (data.get("place") or "").strip():
        raise ActionError("请填写地点")
    if data["held_on"] > timezone.localdate():
        raise ActionError("每月一听的日期不能晚于今天")
    session = ListeningSession.objects.create(
        org=org, held_on=data["held_on"], place=data["place"].strip(),
        attendees=(data.get("attendees") or "").strip(), summary=(data.get("summary") or "").strip(),
        created_by=user,
    )
    audit.record(user, "demand.listening_create", session,
                 after=audit.snapshot(session, ["org", "held_on", "place", "attendees", "summary"]))
    return session


# ---------------------------------------------------------------- configuration (views_config.py)
# Categories, deadline rules and the holiday calendar are district-wide data: the right is
# checked with has_perm (no scope). Stored due dates of existing demands are not recomputed.

CATEGORY_FIELDS = ["code", "name", "keywords", "active", "order"]
RULE_FIELDS = ["category", "urgency", "clock", "response_minutes", "resolution_minutes"]
CALENDAR_FIELDS = ["date", "is_workday", "note"]


def _require_configure(user: Any) -> None:
    """Configuration is platform-wide: the right must be held at the root (issue 12)."""
    from zongheng.core.access import at_root

    if not at_root(user, Perm.DEMAND_CONFIGURE):
        raise ActionError("您没有配置诉求类别、时限和节假日的权限（须由区委组织部负责）")


@transaction.atomic
def do_save_category(user: Any, category: Category | None, data: dict[str, Any]) -> Category:
    """Create (``category`` None) or change a category. A new category gets the default limits of each urgency."""
    import re

    from .defaults import RULES

    _require_configure(user)
    code = (data.get("code") or "").strip()
    name = (data.get("name") or "").strip()
    if not name:
        raise ActionError("请填写类别名称")
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,32}", code):
        raise ActionError("类别代码只能由英文字母、数字、连字符和下划线组成（最多32位）")
    others = Category.objects.exclude(pk=category.pk) if category is not None else Category.objects.all()
    if others.filter(code=code).exists():
        raise ActionError(f"已有代码为“{code}”的类别")
    if others.filter(name=name).exists():
        raise ActionError(f"已有名为“{name}”的类别")
    before = None
    if category is None:
        category = Category()
    else:
        category = Category.objects.select_for_update().get(pk=category.pk)
        before = audit.snapshot(category, CATEGORY_FIELDS)
    category.code, category.name = code, name
    category.keywords = " ".join((data.get("keywords") or "").split())
    category.active = bool(data.get("active"))
    category.order = int(data.get("order") or 0)
    created = category.pk is None
    category.save()
    if created:
        for urgency, (clock, response, resolution) in RULES.items():
            DeadlineRule.objects.create(category=category, urgency=urgency, clock=clock,
                                        response_minutes=response, resolution_minutes=resolution)
    audit.record(user, "demand.category_create" if created else "demand.category_update", category,
                 before=before, after=audit.snapshot(category, CATEGORY_FIELDS))
    return category


@transaction.atomic
def do_save_rule(user: Any, rule: DeadlineRule, data: dict[str, Any]) -> DeadlineRule:
    """Change the clock and the response / resolution limits (minutes) of one category × urgency."""
    from .choices import Clock

    _require_configure(user)
    clock = data.get("clock")
    if clock not in Clock.values:
        raise ActionError("请选择计时方式")
    try:
        response, resolution = int(data.get("response_minutes")), int(data.get("resolution_minutes"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ActionError("响应时限和办结时限应为整数分钟") from None
    if response <= 0:
        raise ActionError("响应时限必须大于0")
    if resolution < response:
        raise ActionError("办结时限不能短于响应时限")
    rule = DeadlineRule.objects.select_for_update().select_related("category").get(pk=rule.pk)
    before = audit.snapshot(rule, RULE_FIELDS)
    rule.clock, rule.response_minutes, rule.resolution_minutes = clock, response, resolution
    rule.save(update_fields=["clock", "response_minutes", "resolution_minutes"])
    audit.record(user, "demand.rule_update", rule, before=before, after=audit.snapshot(rule, RULE_FIELDS))
    return rule


@transaction.atomic
def do_save_calendar_day(user: Any, date: dt.date, is_workday: bool, note: str = "") -> Any:
    """Add or change the calendar entry of one day (上班 or 休息 whatever the weekday)."""
    from .models import CalendarDay

    _require_configure(user)
    if not isinstance(date, dt.date):
        raise ActionError("请填写正确的日期，例如 2026-10-01")
    note = (note or "").strip()
    if len(note) > 40:
        raise ActionError("说明最多40个字")
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = audit.snapshot(day, CALENDAR_FIELDS) if day is not None else None
    if day is None:
        day = CalendarDay(date=date)
    day.is_workday, day.note = bool(is_workday), note
    day.save()
    audit.record(user, "demand.calendar_update" if before else "demand.calendar_create", day,
                 before=before, after=audit.snapshot(day, CALENDAR_FIELDS))
    return day


@transaction.atomic
def do_delete_calendar_day(user: Any, day: Any) -> None:
    """Remove one calendar entry: the day follows the Monday–Friday rule again."""
    from .models import CalendarDay

    _require_configure(user)
    day = CalendarDay.objects.select_for_update().filter(pk=day.pk).first()
    if day is None:
        raise ActionError("该日期已被删除")
    before = audit.snapshot(day, CALENDAR_FIELDS)
    audit.record(user, "demand.calendar_delete", day, before=before)
    day.delete()
