from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("审计日志只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志只能追加，不能删除")


class AuditLog(models.Model):
    """审计日志: one append-only record per write or reveal of personal data.

    The model refuses update and delete; a trigger refuses them at the database too
    (PostgreSQL: migration 0002; SQLite: 0004).
    """

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True, db_index=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    # The organisation the object belongs to ("" for none): an auditor reads their subtree only.
    org_path = models.CharField("所属组织路径", max_length=255, blank=True, default="", db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计日志只能追加，不能删除")


class EarlyWarningQuerySet(models.QuerySet["EarlyWarning"]):
    def open(self) -> EarlyWarningQuerySet:
        return self.filter(cleared_at__isnull=True)

    def restrict(self, user: Any) -> EarlyWarningQuerySet:
        """The warnings ``user`` may see: addressed to them, or in a subtree where they hold the
        permission the warning's rule names (so the level above sees its subtree's warnings)."""
        from .warnings import visible_q  # the engine owns the rule; the model only applies it

        return self.filter(visible_q(user))


class EarlyWarning(models.Model):
    """预警: one cause that is late now, found by a registered rule (``core.warnings``).

    ``rule`` + ``key`` name the cause (e.g. a meeting type, an organisation and a period). The sweep
    opens a row when the cause appears and stamps ``cleared_at`` when it is gone; the partial unique
    constraint keeps at most one open row per cause, even for two sweeps running at once.
    ``person_id`` is the responsible person (orgs.Person; core knows no module, so no foreign key).
    """

    rule = models.CharField("预警规则", max_length=40, db_index=True)
    key = models.CharField("事由标识", max_length=200)
    perm = models.CharField("查看权限", max_length=40)
    org_path = models.CharField("责任组织路径", max_length=255, db_index=True)
    org_name = models.CharField("责任组织", max_length=100)
    person_id = models.PositiveIntegerField("责任人", null=True, blank=True, db_index=True)
    title = models.CharField("事由", max_length=300)
    url = models.CharField("办理入口", max_length=300)
    due_at = models.DateTimeField("应完成时间", db_index=True)
    opened_at = models.DateTimeField("预警时间", db_index=True)
    cleared_at = models.DateTimeField("解除时间", null=True, blank=True, db_index=True)

    objects = EarlyWarningQuerySet.as_manager()

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], condition=models.Q(cleared_at__isnull=True),
                                    name="one_open_warning_per_cause"),
        ]
        indexes = [models.Index(fields=["rule", "cleared_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class CacheEntry(models.Model):
    """The table of Django's database cache (``CACHES``: ``DatabaseCache`` on ``zongheng_cache``), declared here
    so that ``migrate`` creates it — the columns ``createcachetable`` would make. The platform never reads it
    through the ORM: ``django.core.cache`` does, for the figures' snapshots (``core.snapshot``) shared by every
    worker, and the demo login page's summary."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "zongheng_cache"
        verbose_name = "缓存"
        verbose_name_plural = "缓存"

    def __str__(self) -> str:
        return self.cache_key
