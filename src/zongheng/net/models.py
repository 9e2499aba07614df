"""一张网's records: the annual work report jobs (年度工作报告). The figures themselves are never stored as input —
a job keeps what it printed (``figures``) so that a report can be compared with the next generation of the same
year and scope."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

FORMATS: dict[str, tuple[str, str]] = {  # format → (MIME type, what it is)
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档"),
    "pdf": ("application/pdf", "PDF"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "配套数据表（Excel）"),
}


class ReportJobQuerySet(models.QuerySet["ReportJob"]):
    def restrict(self, user: Any, perm: str = Perm.NET_VIEW) -> ReportJobQuerySet:
        """The reports of organisations inside the user's ``perm`` scope (whoever asked for them)."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(path_q("org_path", scope_paths(user, perm)))


class ReportJob(models.Model):
    """年度工作报告: one generation of an organisation's annual report for a year — the .docx, the PDF and the
    companion .xlsx — made in the django-tasks worker, with its progress."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, "排队中"), (RUNNING, "生成中"), (DONE, "已完成"), (FAILED, "失败")]

    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("状态", max_length=8, choices=STATUSES, default=QUEUED, db_index=True)
    stage = models.CharField("当前步骤", max_length=60, blank=True)
    done = models.PositiveSmallIntegerField("已完成步骤", default=0)
    total = models.PositiveSmallIntegerField("总步骤", default=0)
    as_of = models.DateTimeField("数据截至", null=True, blank=True)
    figures = models.JSONField("报告中的数字", default=dict, blank=True, editable=False,
                               help_text="指标代码 → 报告所印数值（无记录为空）")
    docx = models.FileField("Word 文档", upload_to="reports/%Y/%m/", blank=True)
    pdf = models.FileField("PDF", upload_to="reports/%Y/%m/", blank=True)
    xlsx = models.FileField("配套数据表", upload_to="reports/%Y/%m/", blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("发起时间", auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "年度工作报告"
        verbose_name_plural = "年度工作报告"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "year"], name="net_report_org_year")]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.org_id and not self.org_path:
            self.org_path = self.org.path
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        return report_title(self.org.name, self.year)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.DONE, self.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.DONE:
            return 100
        return min(100, 100 * self.done // self.total) if self.total else 0

    def file_of(self, fmt: str) -> Any:
        """The stored file of a format (``docx``, ``pdf``, ``xlsx``); empty until the job is done."""
        return getattr(self, fmt) if fmt in FORMATS else None


def report_title(org_name: str, year: int) -> str:
    return f"{org_name}{year}年城市基层党建工作报告"
