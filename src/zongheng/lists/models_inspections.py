"""保障清单 · 巡查 (inspections): rounds of inspection teams over secretaries' duty to govern the party strictly,
their findings, the rectification items with owner and deadline, reports of what was done, and verification.

- ``InspectionRound`` 巡查轮次: belongs to the organising organisation (the district or a street); its state
  moves along ``choices_inspections.ROUND_TRANSITIONS``.
- ``InspectionTeam`` 巡查组: a leader and members (people); ``InspectionTarget`` 被巡查对象: an organisation in
  the organiser's subtree and its secretary, inspected by one team.
- ``Finding`` 发现问题 per target; ``Rectification`` 整改事项 per finding, with an owner organisation (the target
  or below), a responsible person and a stored deadline (``due_on``); its state moves along
  ``RECT_TRANSITIONS``; every move of a round or a rectification is an ``InspectionEvent`` (history row).
- ``RectificationReport`` 整改报告: what the owner did (text) and its evidence files (``RectificationEvidence``).

Scope (``restrict``): the organiser side (``inspection.run`` on the round's organisation's subtree); the team
members by assignment (their team's targets); the target side (``list.view`` on a target's subtree: its own
targets only, never the other targets'); the owner organisation (``list.view`` on the owner's subtree) and the
responsible person (their own items).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from .choices_inspections import RectState, RoundState

_USER = settings.AUTH_USER_MODEL

__all__ = ["Finding", "InspectionEvent", "InspectionRound", "InspectionTarget", "InspectionTeam", "Rectification",
           "RectificationEvidence", "RectificationReport"]


def _person(user: Any) -> int | None:
    return getattr(user, "person_id", None) if user is not None and user.is_authenticated else None


def _run_q(user: Any, field: str) -> Q:
    return path_q(field, scope_paths(user, Perm.INSPECT_RUN))


def _team_ids(person_id: int | None) -> Any:
    """The teams the person leads or belongs to (a subquery)."""
    if not person_id:
        return []
    return InspectionTeam.objects.filter(Q(leader_id=person_id) | Q(members__id=person_id)).values("pk")


def target_q(user: Any, prefix: str = "") -> Q:
    """Targets the user may read: organiser side, own team, target side (list.view on the target's subtree)."""
    pid = _person(user)
    q = _run_q(user, f"{prefix}round__org_path") | path_q(f"{prefix}org_path", scope_paths(user, Perm.LIST_VIEW))
    if pid:
        q |= Q(**{f"{prefix}team_id__in": _team_ids(pid)})
    return q


class RoundQuerySet(models.QuerySet["InspectionRound"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> RoundQuerySet:
        """Rounds organised in the user's inspection.run scope, rounds with a target the user may read, rounds
        where the user holds a rectification as its responsible person."""
        pid = _person(user)
        q = _run_q(user, "org_path") | Q(pk__in=InspectionTarget.objects.filter(target_q(user)).values("round_id"))
        if pid:
            q |= Q(pk__in=Rectification.objects.filter(responsible_id=pid).values("round_id"))
        return self.filter(q)


class InspectionRound(models.Model):
    """巡查轮次: organised by a district or street (``org``), for a year and period (上半年 …), on a focus."""

    org = models.ForeignKey(Org, verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    period = models.CharField("批次", max_length=20)
    title = models.CharField("巡查名称", max_length=100)
    focus = models.CharField("巡查重点", max_length=200)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    state = models.CharField("状态", max_length=16, choices=RoundState.choices, default=RoundState.PREPARING,
                             db_index=True)
    state_since = models.DateTimeField("进入当前状态时间")
    created_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = "巡查轮次"
        verbose_name_plural = "巡查轮次"
        ordering = ["-year", "-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year", "period"], name="inspection_round_once"),
            models.CheckConstraint(name="inspection_round_dates", condition=Q(ends_on__gte=models.F("starts_on"))),
        ]

    def __str__(self) -> str:
        return self.title


class InspectionTeam(models.Model):
    """巡查组: a leader (组长) and members (组员) who inspect the team's targets."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("组名", max_length=40)
    leader = models.ForeignKey(Person, verbose_name="组长", on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(Person, verbose_name="组员", blank=True, related_name="+")

    class Meta:
        verbose_name = "巡查组"
        verbose_name_plural = "巡查组"
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"], name="inspection_team_name_once")]

    def __str__(self) -> str:
        return self.name


class TargetQuerySet(models.QuerySet["InspectionTarget"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> TargetQuerySet:
        pid = _person(user)
        q = target_q(user)
        if pid:
            q |= Q(pk__in=Rectification.objects.filter(responsible_id=pid).values("target_id"))
        return self.filter(q)


class InspectionTarget(models.Model):
    """被巡查对象: an organisation in the organiser's subtree and its secretary (书记) at the time."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="targets")
    team = models.ForeignKey(InspectionTeam, on_delete=models.CASCADE, related_name="targets")
    org = models.ForeignKey(Org, verbose_name="被巡查组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    secretary = models.ForeignKey(Person, verbose_name="书记", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = "被巡查对象"
        verbose_name_plural = "被巡查对象"
        ordering = ["round", "org_path"]
        constraints = [models.UniqueConstraint(fields=["round", "org"], name="inspection_target_once")]

    def __str__(self) -> str:
        return str(self.org)


class FindingQuerySet(models.QuerySet["Finding"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> FindingQuerySet:
        return self.filter(target__in=InspectionTarget.objects.restrict(user).values("pk"))


class Finding(models.Model):
    """发现问题: a problem the team found at a target."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="findings")
    target = models.ForeignKey(InspectionTarget, on_delete=models.CASCADE, related_name="findings")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    text = models.TextField("问题描述", max_length=2000)
    recorded_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("登记时间")

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "发现问题"
        verbose_name_plural = "发现问题"
        ordering = ["target", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class RectQuerySet(models.QuerySet["Rectification"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> RectQuerySet:
        """Items of targets the user may read, items owned inside their list.view scope, their own items."""
        pid = _person(user)
        q = target_q(user, "target__") | path_q("org_path", scope_paths(user, Perm.LIST_VIEW))
        if pid:
            q |= Q(responsible_id=pid)
        return self.filter(q)


class Rectification(models.Model):
    """整改事项: what must be put right, by an owner organisation (the target or below) and its responsible
    person, by a stored deadline (``due_on``). Its state moves only along ``RECT_TRANSITIONS``."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="rectifications")
    target = models.ForeignKey(InspectionTarget, on_delete=models.CASCADE, related_name="rectifications")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="rectifications")
    title = models.CharField("整改事项", max_length=200)
    org = models.ForeignKey(Org, verbose_name="整改责任单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    responsible = models.ForeignKey(Person, verbose_name="整改责任人", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("整改时限", db_index=True)
    state = models.CharField("状态", max_length=16, choices=RectState.choices, default=RectState.PENDING,
                             db_index=True)
    state_since = models.DateTimeField("进入当前状态时间")
    closed_on = models.DateField("销号日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间")

    objects = RectQuerySet.as_manager()

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["due_on", "id"]
        constraints = [models.CheckConstraint(name="rectification_closed_has_day",
                                              condition=~Q(state=RectState.CLOSED) | Q(closed_on__isnull=False))]

    def __str__(self) -> str:
        return self.title


class RectificationReport(models.Model):
    """整改报告: what the owner did, filed once per report move (a returned item is reported again)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField("整改情况", max_length=4000)
    filed_at = models.DateTimeField("报告时间")
    filed_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["filed_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class RectificationEvidence(models.Model):
    """佐证材料: a document or image attached to a report; served only to those who may read the item."""

    report = models.ForeignKey(RectificationReport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField("佐证附件", upload_to="lists/inspections/%Y/%m/")
    name = models.CharField("文件名", max_length=120)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class InspectionEvent(models.Model):
    """One move of a round or of a rectification (history row): from, to, who, when, the reason of a return."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="events")
    rectification = models.ForeignKey(Rectification, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="events")
    move = models.CharField("操作", max_length=16)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    note = models.CharField("说明", max_length=500, blank=True)
    by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.move
