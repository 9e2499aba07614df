"""保障清单 (1): evaluation rounds — 述职评议, 双述双评 and 每月一评 as configured rounds of one machinery.

A round (``EvalRound``) belongs to the evaluating organisation (``org_path`` for scope). Its formula is data:
rater groups with weights summing to 100 % (``EvalGroup``), score-sheet items with maxima (``EvalItem``) and
grade bands (``EvalBand``). Its subjects (``EvalSubject``, 述职人) are the secretaries of organisations inside
the evaluating org's subtree, each with their written report. Raters are people assigned to one group each
(``EvalRater``); residents and members without accounts are covered by numbered paper sheets (``EvalSheet``,
entered once per number per round). A vote (``EvalVote``) is one rater's — or one sheet's — scores for one subject
(``EvalScore`` per item) and comment; one vote per rater per subject and per sheet per subject (unique
constraints). Results are never stored: ``scoring.py`` computes them from the scores.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from .choices_evaluations import EvalKind, EvalState

_USER = settings.AUTH_USER_MODEL

__all__ = ["EvalBand", "EvalGroup", "EvalItem", "EvalRater", "EvalRound", "EvalScore", "EvalSheet", "EvalSubject",
           "EvalVote"]


class EvalRoundQuerySet(models.QuerySet["EvalRound"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> EvalRoundQuerySet:
        """The organiser's door: rounds run by an organisation in the user's scope for ``perm``. Raters and
        subjects reach a round through their assignment rows instead (``selectors_evaluations``)."""
        return self.filter(path_q("org_path", scope_paths(user, perm)))


class EvalRound(models.Model):
    """评议轮次: one evaluation by an organisation of the secretaries below it, with its own formula."""

    org = models.ForeignKey(Org, verbose_name="组织评议的党组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField("类型", max_length=16, choices=EvalKind.choices)
    title = models.CharField("名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份", null=True, blank=True, help_text="每月一评填写")
    subject_level = models.CharField("述职人所在组织层级", max_length=32, blank=True)
    anonymous = models.BooleanField("匿名", default=True, help_text="匿名时，结果和导出不显示评议人姓名")
    due_at = models.DateTimeField("评分截止时间", null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=EvalState.choices, default=EvalState.DRAFT,
                             db_index=True)
    state_since = models.DateTimeField("进入当前状态时间")
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EvalRoundQuerySet.as_manager()

    class Meta:
        verbose_name = "评议轮次"
        verbose_name_plural = "评议轮次"
        ordering = ["-year", "-month", "-id"]
        constraints = [
            models.CheckConstraint(name="evalround_month_range",
                                   condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12)),
            models.CheckConstraint(name="evalround_monthly_has_month",
                                   condition=~Q(kind=EvalKind.MONTHLY) | Q(month__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period(self) -> str:
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年度"


class EvalGroup(models.Model):
    """评议主体 (rater group): 上级党组织, 同级书记, 基层党员, 服务对象 … with its weight in percent."""

    round = models.ForeignKey(EvalRound, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField("评议主体", max_length=40)
    weight = models.DecimalField("权重（%）", max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="evalgroup_name_once"),
            models.CheckConstraint(name="evalgroup_weight_range", condition=Q(weight__gt=0, weight__lte=100)),
        ]

    def __str__(self) -> str:
        return self.name


class EvalItem(models.Model):
    """评分项: one item of the score sheet with its maximum."""

    round = models.ForeignKey(EvalRound, on_delete=models.CASCADE, related_name="items")
    title = models.CharField("评分项", max_length=60)
    max_score = models.DecimalField("满分", max_digits=5, decimal_places=1)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "title"], name="evalitem_title_once"),
            models.CheckConstraint(name="evalitem_max_positive", condition=Q(max_score__gt=0)),
        ]

    def __str__(self) -> str:
        return self.title


class EvalBand(models.Model):
    """等次: a grade reached from ``min_score`` (on the sheet's total) upwards, e.g. 好 ≥ 90."""

    round = models.ForeignKey(EvalRound, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField("等次", max_length=20)
    min_score = models.DecimalField("最低分", max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["round", "-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["round", "label"], name="evalband_label_once"),
            models.UniqueConstraint(fields=["round", "min_score"], name="evalband_min_once"),
            models.CheckConstraint(name="evalband_min_nonnegative", condition=Q(min_score__gte=0)),
        ]

    def __str__(self) -> str:
        return self.label


class EvalSubject(models.Model):
    """述职人: the secretary of an organisation inside the evaluating subtree, and their written report."""

    round = models.ForeignKey(EvalRound, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(Person, verbose_name="述职人", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Org, verbose_name="所在组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    report = models.TextField("述职报告", max_length=20000, blank=True)
    reported_at = models.DateTimeField("报告提交时间", null=True, blank=True)

    class Meta:
        ordering = ["round", "org_path", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="evalsubject_once")]

    def __str__(self) -> str:
        return f"{self.org} {self.person}"


class EvalRater(models.Model):
    """评议人: a person assigned to one rater group of a round (one group per round). They rate every subject of
    the round but themselves — or, with ``within`` (an organisation's path), only the subjects inside that
    organisation (a community's members rate their own secretary; a street's secretary the street's communities')."""

    round = models.ForeignKey(EvalRound, on_delete=models.CASCADE, related_name="raters")
    group = models.ForeignKey(EvalGroup, on_delete=models.CASCADE, related_name="raters")
    person = models.ForeignKey(Person, verbose_name="评议人", on_delete=models.CASCADE, related_name="+")
    within = models.CharField("评议范围（组织路径）", max_length=255, blank=True, db_index=True)

    class Meta:
        ordering = ["group", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="evalrater_one_group")]

    def __str__(self) -> str:
        return f"{self.group} {self.person}"


class EvalSheet(models.Model):
    """纸质评分表: a numbered paper sheet of a rater group, entered once per number per round."""

    round = models.ForeignKey(EvalRound, on_delete=models.CASCADE, related_name="sheets")
    group = models.ForeignKey(EvalGroup, on_delete=models.CASCADE, related_name="sheets")
    number = models.CharField("评分表编号", max_length=30)
    entered_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        ordering = ["round", "number"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="evalsheet_number_once")]

    def __str__(self) -> str:
        return self.number


class EvalVote(models.Model):
    """一票: one rater's (online) or one paper sheet's scores for one subject, and an optional comment."""

    round = models.ForeignKey(EvalRound, on_delete=models.CASCADE, related_name="votes")
    subject = models.ForeignKey(EvalSubject, on_delete=models.CASCADE, related_name="votes")
    group = models.ForeignKey(EvalGroup, on_delete=models.CASCADE, related_name="votes")
    rater = models.ForeignKey(EvalRater, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    sheet = models.ForeignKey(EvalSheet, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    comment = models.CharField("评议意见", max_length=500, blank=True)
    created_at = models.DateTimeField("评分时间")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        ordering = ["subject", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "rater"], condition=Q(rater__isnull=False),
                                    name="evalvote_one_per_rater_subject"),
            models.UniqueConstraint(fields=["subject", "sheet"], condition=Q(sheet__isnull=False),
                                    name="evalvote_one_per_sheet_subject"),
            models.CheckConstraint(name="evalvote_rater_or_sheet",
                                   condition=Q(rater__isnull=False, sheet__isnull=True)
                                   | Q(rater__isnull=True, sheet__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.subject} #{self.pk}"


class EvalScore(models.Model):
    """One item's score in a vote (0 to the item's maximum, checked by the action)."""

    vote = models.ForeignKey(EvalVote, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(EvalItem, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["item_id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "item"], name="evalscore_once"),
            models.CheckConstraint(name="evalscore_nonnegative", condition=Q(score__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.score}"
