"""Cadre records from the front line (干部使用在一线, the "十个一线" 工作机制): the monthly cadre stars (月度干部之星)
and promotions (提拔重用), each resting on cited front-line work (``Citation``).

The front-line work itself is never copied here: ``frontline.py`` finds it in the other modules' records (tasks,
demands, duty campaigns, temporary branches and groups); a citation points at one such record and keeps its label
as it read when it was cited. Scope is the tree (``org_path`` of the person's organisation when recorded) — and the
person themselves reads their own record.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

_USER = settings.AUTH_USER_MODEL


__all__ = ["CadreQuerySet", "CadreStar", "Citation", "Promotion", "WorkKind"]


class WorkKind(models.TextChoices):
    """Kinds of front-line work a record may cite (``frontline.KINDS`` finds each)."""

    TASK = "task", "清单任务"
    DEMAND = "demand", "群众诉求"
    CAMPAIGN = "campaign", "认领值守"
    TEMP_ORG = "temp_org", "临时党组织"


class CadreQuerySet(models.QuerySet[Any]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> CadreQuerySet:
        """Records of people of the user's subtree (as recorded), and the user's own."""
        person_id = getattr(user, "person_id", None)
        own = Q(person_id=person_id) if person_id else Q(pk__in=[])
        return self.filter(path_q("org_path", scope_paths(user, perm)) | own)


class CadreStar(models.Model):
    """月度干部之星: a cadre selected for a month by the district (组织部), for the front-line work cited."""

    person = models.ForeignKey(Person, verbose_name="干部", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Org, verbose_name="所在组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    month = models.DateField("月份", db_index=True, help_text="当月第一天")
    deeds = models.TextField("事迹", max_length=500)
    selected_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    selected_at = models.DateTimeField("评选时间")

    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = "月度干部之星"
        verbose_name_plural = "月度干部之星"
        ordering = ["-month", "org_path", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="cadre_star_once_per_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}干部之星 {self.person}"


class Promotion(models.Model):
    """提拔重用: a cadre promoted or given a heavier post, resting on the front-line work cited."""

    person = models.ForeignKey(Person, verbose_name="干部", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Org, verbose_name="所在组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    promoted_on = models.DateField("任职日期", db_index=True)
    from_post = models.CharField("原职务", max_length=100)
    to_post = models.CharField("新职务", max_length=100)
    doc_no = models.CharField("任职文号", max_length=60, blank=True)
    reason = models.TextField("提拔理由", max_length=500)
    recorded_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("记录时间")

    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = "提拔重用"
        verbose_name_plural = "提拔重用"
        ordering = ["-promoted_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "promoted_on", "to_post"],
                                               name="promotion_once")]

    def __str__(self) -> str:
        return f"{self.person} {self.to_post}"


class Citation(models.Model):
    """引用的一线工作: one record of front-line work cited by a star or a promotion (exactly one of them), pointing
    at the record of its kind (no other); ``label`` is how the work read when it was cited. Should the record
    itself be removed (a task list replaced by an import), the citation stays as its label, without a link."""

    star = models.ForeignKey(CadreStar, null=True, blank=True, on_delete=models.CASCADE, related_name="citations")
    promotion = models.ForeignKey(Promotion, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="citations")
    kind = models.CharField("类别", max_length=16, choices=WorkKind.choices)
    task = models.ForeignKey("lists.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    demand = models.ForeignKey("demands.Demand", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    campaign = models.ForeignKey("members.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    temp_org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField("一线工作", max_length=300)

    class Meta:
        verbose_name = "引用的一线工作"
        verbose_name_plural = "引用的一线工作"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="citation_of_one_record",
                                   condition=(Q(star__isnull=False, promotion__isnull=True)
                                              | Q(star__isnull=True, promotion__isnull=False))),
            models.CheckConstraint(name="citation_kind_matches", condition=(
                Q(kind=WorkKind.TASK, demand__isnull=True, campaign__isnull=True, temp_org__isnull=True)
                | Q(kind=WorkKind.DEMAND, task__isnull=True, campaign__isnull=True, temp_org__isnull=True)
                | Q(kind=WorkKind.CAMPAIGN, task__isnull=True, demand__isnull=True, temp_org__isnull=True)
                | Q(kind=WorkKind.TEMP_ORG, task__isnull=True, demand__isnull=True, campaign__isnull=True))),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def target_id(self) -> int | None:
        return {WorkKind.TASK: self.task_id, WorkKind.DEMAND: self.demand_id, WorkKind.CAMPAIGN: self.campaign_id,
                WorkKind.TEMP_ORG: self.temp_org_id}.get(self.kind)  # type: ignore[call-overload]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target_id}"
