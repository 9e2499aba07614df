"""Every write of 一传到底: atomic ``do_*`` actions (audited where a person states something).

Sending expands the audience ONCE, set-based: one ``INSERT INTO notices_noticerecipient … SELECT
DISTINCT … FROM orgs_person …`` built from a Django queryset, so a notice to two million people
costs one statement, not a loop. Reading records ``read_at`` without an audit row (a read is not a
write of anyone's data); an acknowledgement (回执) is the person's statement and is audited, as are
sending, withdrawing and reminding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.access import in_scope, path_q
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person, Post

from .files import MAX_FILES, clean_attachments
from .models import Notice, NoticeAttachment, NoticeRecipient, NoticeStatus, RecipientList

NOTICE_FIELDS = ["title", "needs_ack", "due_at", "sender_org", "status", "remind_interval_hours", "sent_at",
                 "withdrawn_at"]
MAX_INTERVAL_HOURS = 24 * 30


@dataclass(frozen=True)
class Audience:
    """What the sender chose: subtrees (orgs), levels, roles and/or a saved list."""

    orgs: tuple[Org, ...] = ()
    levels: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    saved: RecipientList | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "orgs": [{"id": o.pk, "name": o.name} for o in self.orgs],
            "levels": list(self.levels), "roles": list(self.roles),
            "list": {"id": self.saved.pk, "name": self.saved.name} if self.saved else None,
        }


def recipients_queryset(sender_org: Org, audience: Audience, today: dt.date) -> QuerySet[Person]:
    """The people a notice reaches (before DISTINCT): the definition the tests count against.

    - Base: people whose organisation lies in a chosen subtree; and, with a saved list, the list's
      people and the people of its organisations' subtrees. Always inside ``sender_org``'s subtree.
    - Who counts: party members (``is_party_member``), and anyone holding a post in force in the
      sender's subtree (a cadre who is not a member still gets the notices of their organisation).
      Residents recorded only as activity-team participants do not.
    - ``levels``: only people whose organisation is at one of these levels.
    - ``roles``: only people holding a post in force of one of these roles, in the chosen subtrees.
    """
    paths = [o.path for o in audience.orgs]
    base = path_q("org_path", paths)
    if audience.saved is not None:
        base |= Q(pk__in=audience.saved.persons.values("pk"))
        list_paths = list(audience.saved.orgs.values_list("path", flat=True))
        base |= path_q("org_path", list_paths)
        paths += list_paths
    in_force = Post.objects.active(today)
    cadres = in_force.filter(org__path__startswith=sender_org.path).values("person_id")
    qs = Person.objects.filter(base).filter(org_path__startswith=sender_org.path)
    qs = qs.filter(Q(is_party_member=True) | Q(pk__in=cadres))
    if audience.levels:
        qs = qs.filter(org__level__code__in=list(audience.levels))
    if audience.roles:
        qs = qs.filter(pk__in=in_force.filter(role__in=list(audience.roles)).filter(
            path_q("org__path", paths)).values("person_id"))
    return qs


def expand(notice: Notice, audience: Audience, today: dt.date) -> int:
    """One INSERT … SELECT DISTINCT of the recipients; returns how many rows it wrote."""
    people = recipients_queryset(notice.sender_org, audience, today).order_by()
    # Ordered by person: the primary key, the (notice, person) and (person, read_at) indexes then grow
    # at their right edge (and org_path follows the people's order closely) instead of at random pages.
    select = people.annotate(n_id=Value(notice.pk, output_field=IntegerField())).values_list(
        "n_id", "id", "org_id", "org_path", "org__level_id").distinct().order_by("id")
    sql, params = select.query.sql_with_params()
    table = NoticeRecipient._meta.db_table
    # reply and remind_count take their database defaults (db_default).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            cursor.execute("SET LOCAL work_mem = '256MB'")  # the DISTINCT of millions hashes in memory
        cursor.execute(f"INSERT INTO {table} (notice_id, person_id, org_id, org_path, level_id) {sql}",
                       params)
        return cursor.rowcount


def _may_send(user: Any, org: Org) -> None:
    if user is not None and not in_scope(user, Perm.NOTICE_SEND, org.path):
        raise ActionError("发文组织不存在或不在您的管辖范围内")


def _check(data: dict[str, Any], audience: Audience, now: dt.datetime) -> None:
    title = (data.get("title") or "").strip()
    if not title:
        raise ActionError("请填写通知标题")
    if len(title) > 200:
        raise ActionError("通知标题不能超过 200 字")
    sender_org: Org = data["sender_org"]
    if not (audience.orgs or audience.saved):
        raise ActionError("请选择接收范围：至少一个组织，或一份保存的名单")
    for org in audience.orgs:
        if not org.path.startswith(sender_org.path):
            raise ActionError(f"接收组织“{org.name}”不在发文组织{sender_org.name}之下")
    due = data.get("due_at")
    if data.get("needs_ack", True) and due is None:
        raise ActionError("需要回执的通知须填写回执截止时间")
    if due is not None and due <= now:
        raise ActionError("回执截止时间须晚于现在")
    hours = int(data.get("remind_interval_hours") or 24)
    if not 1 <= hours <= MAX_INTERVAL_HOURS:
        raise ActionError("催办间隔须在 1 小时到 30 天之间")


@transaction.atomic
def do_create_notice(user: Any, data: dict[str, Any], audience: Audience, *, attachments: list[Any] | None = None,
                     send: bool = False, now: dt.datetime | None = None) -> Notice:
    """Saves a notice (a draft), and sends it at once when ``send``. ``data['sender_org']`` resolved."""
    now = now or timezone.now()
    sender_org: Org = data["sender_org"]
    _may_send(user, sender_org)
    _check(data, audience, now)
    if audience.saved is not None:
        _may_send(user, audience.saved.owner_org)
    files = clean_attachments(attachments or [])
    notice = Notice.objects.create(
        title=data["title"].strip(), body=(data.get("body") or "").strip(), needs_ack=bool(data.get("needs_ack", True)),
        due_at=data.get("due_at"), sender=user, sender_org=sender_org, org_path=sender_org.path,
        audience=audience.as_json(), remind_interval_hours=int(data.get("remind_interval_hours") or 24),
    )
    for name, content in files:
        NoticeAttachment.objects.create(notice=notice, file=content, name=name, size=content.size)
    audit.record(user, "notice.create", notice, after=audit.snapshot(notice, NOTICE_FIELDS))
    if send:
        _send(user, notice, audience, now)
    return notice


@transaction.atomic
def do_update_draft(user: Any, notice: Notice, data: dict[str, Any], audience: Audience, *,
                    attachments: list[Any] | None = None, send: bool = False,
                    now: dt.datetime | None = None) -> Notice:
    """修改草稿: the same fields as composing; only a draft (one already sent or withdrawn — e.g. from
    another tab — is refused, nothing changed); sends it when ``send``. New attachments are added."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().select_related("sender_org").get(pk=notice.pk)
    _may_send(user, notice.sender_org)
    if notice.status != NoticeStatus.DRAFT:
        raise ActionError("该通知已发送或已撤回，不能再修改")
    sender_org: Org = data["sender_org"]
    _may_send(user, sender_org)
    _check(data, audience, now)
    if audience.saved is not None:
        _may_send(user, audience.saved.owner_org)
    uploads = attachments or []
    if uploads and notice.attachments.count() + len(uploads) > MAX_FILES:
        raise ActionError(f"最多上传 {MAX_FILES} 个附件（已有 {notice.attachments.count()} 个）")
    files = clean_attachments(uploads)
    before = audit.snapshot(notice, NOTICE_FIELDS)
    notice.title, notice.body = data["title"].strip(), (data.get("body") or "").strip()
    notice.needs_ack, notice.due_at = bool(data.get("needs_ack", True)), data.get("due_at")
    notice.sender_org, notice.org_path, notice.audience = sender_org, sender_org.path, audience.as_json()
    notice.remind_interval_hours = int(data.get("remind_interval_hours") or 24)
    notice.save(update_fields=["title", "body", "needs_ack", "due_at", "sender_org", "org_path", "audience",
                               "remind_interval_hours"])
    for name, content in files:
        NoticeAttachment.objects.create(notice=notice, file=content, name=name, size=content.size)
    audit.record(user, "notice.update", notice, before=before, after=audit.snapshot(notice, NOTICE_FIELDS))
    if send:
        _send(user, notice, audience, now)
    return notice


def audience_of(notice: Notice) -> Audience:
    """The stored audience of a draft, read back (ids that no longer exist are dropped)."""
    spec = notice.audience or {}
    orgs = tuple(Org.objects.filter(pk__in=[o["id"] for o in spec.get("orgs", [])]).order_by("path"))
    saved = spec.get("list")
    return Audience(orgs=orgs, levels=tuple(spec.get("levels", [])), roles=tuple(spec.get("roles", [])),
                    saved=RecipientList.objects.filter(pk=saved["id"]).first() if saved else None)


def _send(user: Any, notice: Notice, audience: Audience, now: dt.datetime) -> int:
    count = expand(notice, audience, timezone.localdate(now))
    if not count:
        raise ActionError("所选范围内没有接收人，通知未发送")
    before = audit.snapshot(notice, NOTICE_FIELDS)
    notice.status, notice.sent_at = NoticeStatus.SENT, now
    notice.save(update_fields=["status", "sent_at"])
    audit.record(user, "notice.send", notice, before=before,
                 after=audit.snapshot(notice, NOTICE_FIELDS) | {"recipients": count})
    return count


@transaction.atomic
def do_send_notice(user: Any, notice: Notice, *, now: dt.datetime | None = None) -> int:
    """Sends a draft to its stored audience; returns the number of recipients."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().select_related("sender_org").get(pk=notice.pk)
    _may_send(user, notice.sender_org)
    if notice.status != NoticeStatus.DRAFT:
        raise ActionError("该通知已发送或已撤回")
    audience = audience_of(notice)
    _check({"title": notice.title, "sender_org": notice.sender_org, "needs_ack": notice.needs_ack,
            "due_at": notice.due_at, "remind_interval_hours": notice.remind_interval_hours}, audience, now)
    return _send(user, notice, audience, now)


@transaction.atomic
def do_withdraw_notice(user: Any, notice: Notice, *, now: dt.datetime | None = None) -> Notice:
    """撤回: recipients no longer see it in their inbox or to-do list; every row is kept (history)."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().select_related("sender_org").get(pk=notice.pk)
    _may_send(user, notice.sender_org)
    if notice.status != NoticeStatus.SENT:
        raise ActionError("只有已发送的通知可以撤回")
    before = audit.snapshot(notice, NOTICE_FIELDS)
    notice.status, notice.withdrawn_at = NoticeStatus.WITHDRAWN, now
    notice.save(update_fields=["status", "withdrawn_at"])
    audit.record(user, "notice.withdraw", notice, before=before, after=audit.snapshot(notice, NOTICE_FIELDS))
    return notice


def do_mark_read(user: Any, recipient: NoticeRecipient, *, now: dt.datetime | None = None) -> bool:
    """Records the first reading (no audit row: reading writes nobody's data). True when it was unread."""
    if recipient.person_id != getattr(user, "person_id", None):
        raise ActionError("只能阅读发给自己的通知")
    now = now or timezone.now()
    done = NoticeRecipient.objects.filter(pk=recipient.pk, read_at__isnull=True).update(read_at=now)
    if done:
        recipient.read_at = now
    return bool(done)


@transaction.atomic
def do_acknowledge(user: Any, recipient: NoticeRecipient, reply: str = "", *,
                   now: dt.datetime | None = None) -> NoticeRecipient:
    """回执: the person confirms the notice (with an optional short reply). Audited; once only."""
    now = now or timezone.now()
    row = NoticeRecipient.objects.select_for_update().select_related("notice").get(pk=recipient.pk)
    if row.person_id != getattr(user, "person_id", None):
        raise ActionError("只能回执发给自己的通知")
    if row.notice.status != NoticeStatus.SENT:
        raise ActionError("该通知已撤回，无需回执")
    if not row.notice.needs_ack:
        raise ActionError("该通知不需要回执")
    if row.acked_at is not None:
        raise ActionError("您已回执过该通知")
    reply = (reply or "").strip()
    if len(reply) > 200:
        raise ActionError("回执留言不能超过 200 字")
    row.acked_at, row.reply = now, reply
    row.read_at = row.read_at or now
    row.save(update_fields=["acked_at", "reply", "read_at"])
    audit.record(user, "notice.acknowledge", row, object_repr=f"{row.notice.title}（回执）",
                 after={"acked_at": str(now), "reply": reply})
    return row


# ---------------------------------------------------------------- reminders (催办)


def pending_q(notice: Notice) -> Q:
    """Recipients who have not answered: not acknowledged (needs_ack), else not read."""
    return Q(acked_at__isnull=True) if notice.needs_ack else Q(read_at__isnull=True)


@dataclass(frozen=True)
class Reminded:
    reminded: int
    skipped: int  # reminded within the interval already


@transaction.atomic
def do_remind(user: Any, notice: Notice, node: Org, *, now: dt.datetime | None = None) -> Reminded:
    """一键催办: everyone under ``node`` who has not answered, except those reminded within the interval.

    One UPDATE marks them (in-app: the to-do says 已催办); the SMS go out from a background task
    after commit, for those with a phone. Never twice within ``notice.remind_interval_hours``.
    """
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().select_related("sender_org").get(pk=notice.pk)
    _may_send(user, notice.sender_org)
    if notice.status != NoticeStatus.SENT:
        raise ActionError("只有已发送的通知可以催办")
    if not node.path.startswith(notice.org_path):
        raise ActionError("组织不存在或不在您的管辖范围内")
    pending = NoticeRecipient.objects.filter(notice=notice, org_path__startswith=node.path).filter(pending_q(notice))
    total = pending.count()
    cutoff = now - dt.timedelta(hours=notice.remind_interval_hours)
    reminded = pending.filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=cutoff)).update(
        last_reminded_at=now, remind_count=F("remind_count") + 1)
    audit.record(user, "notice.remind", notice, org_path=node.path,
                 after={"org": node.name, "reminded": reminded, "skipped": total - reminded, "at": str(now)})
    if reminded:
        from .tasks import send_reminder_sms

        notice_id, path, at = notice.pk, node.path, now.isoformat()
        transaction.on_commit(lambda: send_reminder_sms.enqueue(notice_id, path, at))
    return Reminded(reminded=reminded, skipped=total - reminded)


# ---------------------------------------------------------------- saved lists


LIST_LIMITS = {"orgs": 500, "persons": 5000}


def _check_list(user: Any, owner_org: Org, name: str, orgs: list[Org], persons: list[Person]) -> str:
    _may_send(user, owner_org)
    name = (name or "").strip()
    if not name:
        raise ActionError("请填写名单名称")
    if len(name) > 100:
        raise ActionError("名单名称不能超过 100 字")
    if not (orgs or persons):
        raise ActionError("名单中至少要有一个组织或一名人员")
    if len(orgs) > LIST_LIMITS["orgs"] or len(persons) > LIST_LIMITS["persons"]:
        raise ActionError(f"一份名单最多 {LIST_LIMITS['orgs']} 个组织、{LIST_LIMITS['persons']} 名人员")
    for org in orgs:
        if not org.path.startswith(owner_org.path):
            raise ActionError(f"组织“{org.name}”不在{owner_org.name}之下")
    for person in persons:
        if not person.org_path.startswith(owner_org.path):
            raise ActionError(f"人员“{person.name}”不在{owner_org.name}之下")
    return name


def _list_snapshot(saved: RecipientList) -> dict[str, Any]:
    return {"name": saved.name, "owner_org": saved.owner_org_id,
            "orgs": sorted(saved.orgs.values_list("pk", flat=True)),
            "persons": sorted(saved.persons.values_list("pk", flat=True))}


@transaction.atomic
def do_create_list(user: Any, owner_org: Org, name: str, orgs: list[Org], persons: list[Person]) -> RecipientList:
    """保存的名单: organisations (their subtrees) and/or people under ``owner_org`` (resolved by the caller)."""
    name = _check_list(user, owner_org, name, orgs, persons)
    saved = RecipientList.objects.create(name=name, owner_org=owner_org)
    saved.orgs.set(orgs)
    saved.persons.set(persons)
    audit.record(user, "notice.list_create", saved, org_path=owner_org.path,
                 after={"name": saved.name, "orgs": [o.pk for o in orgs], "persons": [p.pk for p in persons]})
    return saved


@transaction.atomic
def do_update_list(user: Any, saved: RecipientList, owner_org: Org, name: str, orgs: list[Org],
                   persons: list[Person]) -> RecipientList:
    """Changes a saved list (name, owner, organisations, people): the user must hold notice.send over
    both its present owner and the new one. Notices already sent keep their recipients."""
    locked = RecipientList.objects.select_for_update().select_related("owner_org").filter(pk=saved.pk).first()
    if locked is None:
        raise ActionError("名单不存在或已删除")
    saved = locked
    _may_send(user, saved.owner_org)
    name = _check_list(user, owner_org, name, orgs, persons)
    before = _list_snapshot(saved)
    saved.name, saved.owner_org = name, owner_org
    saved.save(update_fields=["name", "owner_org"])
    saved.orgs.set(orgs)
    saved.persons.set(persons)
    audit.record(user, "notice.list_update", saved, org_path=owner_org.path, before=before,
                 after=_list_snapshot(saved))
    return saved


@transaction.atomic
def do_delete_list(user: Any, saved: RecipientList) -> None:
    """Deletes a saved list. Sent notices keep their recipients (expanded at sending); a draft that
    named it keeps its other targets and is refused at sending when nothing is left."""
    locked = RecipientList.objects.select_for_update().select_related("owner_org").filter(pk=saved.pk).first()
    if locked is None:
        raise ActionError("名单不存在或已删除")
    saved = locked
    _may_send(user, saved.owner_org)
    before = _list_snapshot(saved)
    audit.record(user, "notice.list_delete", saved, org_path=saved.owner_org.path, before=before)
    saved.delete()
