"""一传到底: notices, their recipients (expanded once at sending) and saved recipient lists."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Level, Org, Person


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SENT = "sent", "已发送"
    WITHDRAWN = "withdrawn", "已撤回"


class NoticeQuerySet(models.QuerySet["Notice"]):
    def restrict(self, user: Any, perm: str = Perm.NOTICE_VIEW) -> NoticeQuerySet:
        """Notices the user sent, or sent in the name of an organisation in their scope for ``perm``."""
        q = path_q("org_path", scope_paths(user, perm))
        if getattr(user, "pk", None):
            q |= Q(sender_id=user.pk)
        return self.filter(q)


class Notice(models.Model):
    """通知: one notice sent in the name of an organisation (``sender_org``) down its subtree.

    ``audience`` keeps what the sender chose, for display (subtree orgs, levels, roles, saved list);
    the recipients themselves are rows of ``NoticeRecipient``, expanded once when it is sent.
    """

    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True, help_text="纯文本，空行分段")
    needs_ack = models.BooleanField("需要回执", default=True)
    due_at = models.DateTimeField("回执截止时间", null=True, blank=True)
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发送人", on_delete=models.PROTECT,
                               related_name="+")
    sender_org = models.ForeignKey(Org, verbose_name="发文组织", on_delete=models.PROTECT, related_name="notices")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    audience = models.JSONField("发送范围", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT,
                              db_index=True)
    remind_interval_hours = models.PositiveSmallIntegerField("催办间隔（小时）", default=24)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(name="notice_sent_has_time",
                                   condition=Q(status="draft") | Q(sent_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.replace("\r\n", "\n").split("\n\n") if p.strip()]


class NoticeAttachment(models.Model):
    """附件: a file sent with a notice (checked by type and size, see ``files.clean_attachment``)."""

    notice = models.ForeignKey(Notice, verbose_name="通知", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="notices/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）", default=0)

    class Meta:
        verbose_name = "通知附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class NoticeRecipient(models.Model):
    """接收人: one person a notice reached, with when they read and acknowledged (回执) it.

    Indexes: (notice, person) unique — also the notice's lookups; (notice, org_path) — progress and
    reminders by subtree; (person, read_at) — the inbox and the badge. ``org``/``org_path``/``level``
    are copied from the person's organisation when the notice is sent, so progress by organisation
    and level is a GROUP BY on this table alone.
    """

    # Written only by the one INSERT … SELECT of sending, from rows that exist in that transaction; so
    # no database-level foreign keys nor single-column indexes here: each would cost a trigger or an
    # index entry per row (millions per notice). Deletions still cascade through Django's collector.
    notice = models.ForeignKey(Notice, verbose_name="通知", on_delete=models.CASCADE, related_name="recipients",
                               db_constraint=False, db_index=False)
    person = models.ForeignKey(Person, verbose_name="接收人", on_delete=models.CASCADE, related_name="+",
                               db_constraint=False, db_index=False)
    org = models.ForeignKey(Org, verbose_name="所在组织", on_delete=models.CASCADE, related_name="+",
                            db_constraint=False, db_index=False)
    org_path = models.CharField(max_length=255, editable=False)
    level = models.ForeignKey(Level, verbose_name="层级", null=True, on_delete=models.SET_NULL, related_name="+",
                              db_constraint=False, db_index=False)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    acked_at = models.DateTimeField("回执时间", null=True, blank=True)
    reply = models.CharField("回执留言", max_length=200, blank=True, default="", db_default="")
    last_reminded_at = models.DateTimeField("最近催办时间", null=True, blank=True)
    remind_count = models.PositiveIntegerField("催办次数", default=0, db_default=0)

    class Meta:
        verbose_name = "通知接收人"
        verbose_name_plural = "通知接收人"
        constraints = [models.UniqueConstraint(fields=["notice", "person"], name="notice_recipient_once")]
        indexes = [
            models.Index(fields=["notice", "org_path"], name="notice_rcpt_notice_path"),
            models.Index(fields=["person", "read_at"], name="notice_rcpt_person_read"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.person_id}"


class RecipientListQuerySet(models.QuerySet["RecipientList"]):
    def restrict(self, user: Any, perm: str = Perm.NOTICE_SEND) -> RecipientListQuerySet:
        return self.filter(path_q("owner_org__path", scope_paths(user, perm)))


class RecipientList(models.Model):
    """保存的名单: organisations (their whole subtrees) and/or people a sender reuses as an audience."""

    name = models.CharField("名称", max_length=100)
    owner_org = models.ForeignKey(Org, verbose_name="所属组织", on_delete=models.CASCADE, related_name="+")
    orgs: models.ManyToManyField[Org, Any] = models.ManyToManyField(
        Org, verbose_name="组织", blank=True, related_name="+")
    persons: models.ManyToManyField[Person, Any] = models.ManyToManyField(
        Person, verbose_name="人员", blank=True, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RecipientListQuerySet.as_manager()

    class Meta:
        verbose_name = "保存的名单"
        verbose_name_plural = "保存的名单"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
