"""一清单 (2), 保障清单 · 财政保障: the yearly budget for grassroots party building (党建专项经费), its allocation
down the tree (下拨), spending (支出), community office space (办公用房) and community workers' pay (社区工作者报酬).

Amounts are yuan as ``Decimal(…, 2)`` (元, two decimals): typed once per line, never a total. Every figure —
budget, received, allocated, spent, balance, growth, compliance, pay ratio — is computed by ``funds.py``.

The ledger is append-only: an allocation or a spending entry is never edited nor deleted; a mistake is undone
by a reversing entry (``reverses``, negative amount, at most one per entry). ``FundAccount`` is one row per
organisation and year, the row an action locks (``select_for_update``) before it checks a balance, so two
concurrent allocations or spendings can never take the same money twice.

Scope is the tree: every row carries the copied ``org_path`` of its organisation (an allocation the giver's and
the receiver's), and reads go through ``restrict``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Level, Org

__all__ = ["BudgetLine", "FundAccount", "FundAllocation", "FundSpending", "OfficeSpace", "PayReference",
           "SpaceStandard", "WorkerPay"]

_USER = settings.AUTH_USER_MODEL



class BudgetCategory(models.TextChoices):
    SITE = "site", "阵地建设"
    WORK = "work", "工作经费"
    PAY = "pay", "人员报酬"
    PROJECT = "project", "党建项目"
    ACTIVITY = "activity", "活动经费"
    OTHER = "other", "其他"


class _PathScoped(models.QuerySet[Any]):
    path_field = "org_path"

    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> Any:
        return self.filter(path_q(self.path_field, scope_paths(user, perm)))


class FundAccount(models.Model):
    """经费账户: an organisation's year — the row locked while a balance is checked and money moves."""

    org = models.ForeignKey(Org, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")

    objects = _PathScoped.as_manager()

    class Meta:
        verbose_name = "经费账户"
        verbose_name_plural = "经费账户"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="fund_account_once")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}"


class BudgetLine(models.Model):
    """预算: one line of an organisation's yearly budget for grassroots party building (by category)."""

    org = models.ForeignKey(Org, verbose_name="预算单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    category = models.CharField("类别", max_length=16, choices=BudgetCategory.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _PathScoped.as_manager()

    class Meta:
        verbose_name = "预算"
        verbose_name_plural = "预算"
        ordering = ["-year", "org_path", "category", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "category"], name="budget_line_once"),
            models.CheckConstraint(name="budget_line_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_category_display()} {self.amount}"


class AllocationQuerySet(models.QuerySet["FundAllocation"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> AllocationQuerySet:
        """Seen by the giver's and by the receiver's side."""
        paths = scope_paths(user, perm)
        return self.filter(path_q("giver_path", paths) | path_q("receiver_path", paths))


class FundAllocation(models.Model):
    """下拨: money an organisation passes to an organisation inside its subtree; a reversal (``reverses``) takes
    it back with a negative amount."""

    year = models.PositiveSmallIntegerField("年度", db_index=True)
    giver = models.ForeignKey(Org, verbose_name="下拨单位", on_delete=models.PROTECT, related_name="+")
    giver_path = models.CharField(max_length=255, db_index=True, editable=False)
    receiver = models.ForeignKey(Org, verbose_name="接收单位", on_delete=models.PROTECT, related_name="+")
    receiver_path = models.CharField(max_length=255, db_index=True, editable=False)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    allocated_on = models.DateField("下拨日期")
    purpose = models.CharField("用途", max_length=200)
    reverses = models.OneToOneField("self", verbose_name="冲销的下拨", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal")
    created_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = "经费下拨"
        verbose_name_plural = "经费下拨"
        ordering = ["-allocated_on", "-id"]
        constraints = [
            models.CheckConstraint(name="allocation_sign",
                                   condition=Q(reverses__isnull=True, amount__gt=0)
                                   | Q(reverses__isnull=False, amount__lt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.amount}"


class FundSpending(models.Model):
    """支出: what an organisation spent of what it holds (date, amount, purpose, voucher); a reversal
    (``reverses``, negative amount) corrects a wrong entry."""

    org = models.ForeignKey(Org, verbose_name="支出单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    spent_on = models.DateField("支出日期")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    purpose = models.CharField("用途", max_length=200)
    voucher = models.FileField("凭证", upload_to="lists/vouchers/%Y/%m/", blank=True)
    reverses = models.OneToOneField("self", verbose_name="冲销的支出", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal")
    created_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = _PathScoped.as_manager()

    class Meta:
        verbose_name = "经费支出"
        verbose_name_plural = "经费支出"
        ordering = ["-spent_on", "-id"]
        constraints = [
            models.CheckConstraint(name="spending_sign",
                                   condition=Q(reverses__isnull=True, amount__gt=0)
                                   | Q(reverses__isnull=False, amount__lt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.amount}"


class SpaceStandard(models.Model):
    """办公用房标准: the least office area (m²) an organisation of a level must have (configured data; the
    default, 社区 ≥ 300 m², comes with the migration)."""

    level = models.OneToOneField(Level, verbose_name="层级", on_delete=models.PROTECT, related_name="+")
    min_area = models.DecimalField("最低面积（平方米）", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "办公用房标准"
        verbose_name_plural = "办公用房标准"
        constraints = [models.CheckConstraint(name="space_standard_positive", condition=Q(min_area__gt=0))]

    def __str__(self) -> str:
        return f"{self.level_id} ≥ {self.min_area}"


class OfficeSpace(models.Model):
    """办公用房: a community's office and service area (m²) in a year, as measured on a date, with evidence."""

    org = models.ForeignKey(Org, verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    area = models.DecimalField("面积（平方米）", max_digits=8, decimal_places=2)
    measured_on = models.DateField("测量日期")
    note = models.CharField("说明", max_length=200, blank=True)
    evidence = models.FileField("佐证附件", upload_to="lists/space/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = _PathScoped.as_manager()

    class Meta:
        verbose_name = "办公用房"
        verbose_name_plural = "办公用房"
        ordering = ["-year", "org_path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="office_space_once"),
            models.CheckConstraint(name="office_space_positive", condition=Q(area__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.area}"


class PayReference(models.Model):
    """全市社区工作者报酬参考: the city's yearly reference pay per community worker (configured data)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    city = models.CharField("城市", max_length=40)
    annual_pay = models.DecimalField("人均年报酬（元）", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "全市报酬参考"
        verbose_name_plural = "全市报酬参考"
        ordering = ["-year"]
        constraints = [models.CheckConstraint(name="pay_reference_positive", condition=Q(annual_pay__gt=0))]

    def __str__(self) -> str:
        return f"{self.city} {self.year}"


class WorkerPay(models.Model):
    """社区工作者报酬: one worker's post and annual pay in a community in a year (a row an auditor can check
    against the payroll; averages and ratios are computed). Community workers are staff, not necessarily people of
the tree, so the name is text; pages show it masked to anyone who does not manage the funds."""

    org = models.ForeignKey(Org, verbose_name="社区", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    worker_name = models.CharField("社区工作者姓名", max_length=50)
    post = models.CharField("岗位", max_length=40)
    annual_pay = models.DecimalField("年报酬（元）", max_digits=14, decimal_places=2)
    recorded_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = _PathScoped.as_manager()

    class Meta:
        verbose_name = "社区工作者报酬"
        verbose_name_plural = "社区工作者报酬"
        ordering = ["-year", "org_path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "worker_name"], name="worker_pay_once"),
            models.CheckConstraint(name="worker_pay_positive", condition=Q(annual_pay__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.post}"
