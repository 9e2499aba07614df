"""标准化建设 ("1+9"): the standards framework as data, its indicators, and the assessed scores.

A framework (``StandardFramework``, platform configuration set by the district's 组织部) holds its
standards (``StandardKind``): the general one ("1", ``general``: every organisation) and one per kind of
organisation ("9": 街道党工委, 社区党组织, 网格党组织, 党员中心户, 机关, 国有企业, 非公企业, 社会组织,
商务楼宇/商圈), each matching organisations by their level (and, for stationed units, the unit's type; for
functional organisations, their kind). Each standard holds indicators (``StandardIndicator``) with a maximum
score, either *computed* (a code of ``core.indicators``: meetings held on time, notice 回执, demand rates,
pairing pace, task progress, household visits) or *assessed* by the level above with evidence
(``Assessment``).

Score cards are never stored: ``standards.py`` computes them (computed indicators live from the registry,
assessed ones from the rows). The district's default framework is created by the migration.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

_USER = settings.AUTH_USER_MODEL

__all__ = ["Assessment", "Method", "StandardFramework", "StandardIndicator", "StandardKind"]


class Method(models.TextChoices):
    COMPUTED = "computed", "系统计算"
    ASSESSED = "assessed", "人工评分"


class FrameworkQuerySet(models.QuerySet["StandardFramework"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> FrameworkQuerySet:
        """The framework is platform configuration (like the tree's levels): read by whoever holds ``perm``
        anywhere — every organisation is scored against it."""
        return self if scope_paths(user, perm) else self.none()


class StandardFramework(models.Model):
    """标准化建设标准体系: the "1+9" standards the district (区委组织部) sets; the active one scores every
    organisation. Platform configuration: changed only with ``list.configure`` at the root."""

    name = models.CharField("名称", max_length=100)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = "标准化建设标准体系"
        verbose_name_plural = "标准化建设标准体系"
        ordering = ["-active", "id"]

    def __str__(self) -> str:
        return self.name


class StandardKind(models.Model):
    """一类标准: the general standard (通用标准, "1") or the standard of one kind of organisation ("9")."""

    framework = models.ForeignKey(StandardFramework, on_delete=models.CASCADE, related_name="kinds")
    code = models.SlugField("代码", max_length=32)
    name = models.CharField("名称", max_length=60)
    general = models.BooleanField("通用标准", default=False, help_text="通用标准适用于所有组织")
    levels = models.JSONField("适用层级", default=list, blank=True, help_text="层级代码，如 community")
    unit_types = models.JSONField("适用单位类型", default=list, blank=True,
                                  help_text="驻区单位节点按单位类型区分，如 state_enterprise")
    org_kinds = models.JSONField("适用组织类型", default=list, blank=True, help_text="如 functional（功能型党组织）")
    order = models.PositiveSmallIntegerField("次序", default=0)

    class Meta:
        verbose_name = "标准类别"
        verbose_name_plural = "标准类别"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="standard_kind_code_once")]

    def __str__(self) -> str:
        return self.name

    def matches(self, level: str, org_kind: str, unit_type: str) -> bool:
        """Whether an organisation of that level, kind and unit type falls under this (non-general) standard."""
        if self.org_kinds:
            return org_kind in self.org_kinds
        if org_kind != "regular" or level not in self.levels:
            return False
        return not self.unit_types or unit_type in self.unit_types


class StandardIndicator(models.Model):
    """指标: one indicator of a standard, with its maximum score; computed (``source``: a ``core.indicators``
    code) or assessed by the level above with evidence."""

    kind = models.ForeignKey(StandardKind, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField("编号", max_length=32)
    name = models.CharField("指标", max_length=100)
    max_score = models.DecimalField("分值", max_digits=5, decimal_places=1,
                                    validators=[MinValueValidator(Decimal("0.5"))])
    method = models.CharField("评价方式", max_length=16, choices=Method.choices)
    source = models.CharField("计算口径", max_length=40, blank=True, help_text="系统计算指标的登记代码")
    guidance = models.CharField("评分说明", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("次序", default=0)

    class Meta:
        verbose_name = "标准化建设指标"
        verbose_name_plural = "标准化建设指标"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="standard_indicator_code_once"),
            models.CheckConstraint(name="standard_indicator_computed_has_source",
                                   condition=~Q(method="computed") | ~Q(source="")),
            models.CheckConstraint(name="standard_indicator_max_positive", condition=Q(max_score__gt=0)),
        ]

    def __str__(self) -> str:
        return self.name


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> AssessmentQuerySet:
        return self.filter(path_q("org_path", scope_paths(user, perm)))


class Assessment(models.Model):
    """人工评分: the score of one assessed indicator for one organisation and quarter, with its evidence, given
    by an assessor who holds ``standard.assess`` on an organisation strictly above it (no self-assessment)."""

    indicator = models.ForeignKey(StandardIndicator, verbose_name="指标", on_delete=models.PROTECT,
                                  related_name="assessments")
    org = models.ForeignKey(Org, verbose_name="被评组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    period = models.CharField("季度", max_length=8, db_index=True)  # "2026-Q4"
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    evidence = models.TextField("评分依据", max_length=2000)
    evidence_file = models.FileField("佐证材料", upload_to="standards/%Y/%m/", blank=True)
    assessor = models.ForeignKey(_USER, verbose_name="评分人", on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField("评分时间")

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = "标准化建设评分"
        verbose_name_plural = "标准化建设评分"
        ordering = ["period", "org_path", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "org", "period"], name="assessment_once_per_period"),
            models.CheckConstraint(name="assessment_score_not_negative", condition=Q(score__gte=0)),
        ]
        indexes = [models.Index(fields=["period", "org_path"], name="assessment_period_path")]

    def __str__(self) -> str:
        return f"{self.period} {self.indicator_id} {self.org_id}"
