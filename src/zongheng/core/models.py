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
