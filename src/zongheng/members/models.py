"""我是党员我带头: 双联双管 registration (报到), 民情日记 visits, activities and sign-ups, points (积分) from
confirmed deeds, and duty campaigns (认领) whose segments are never over-claimed.

Scope is the tree. A registration is seen from both sides (双联双管): the community it is made with
(``org_path``) and the organisation that manages the member (``member_path``). Visits hang below the central
household whose linked household was visited; activities and campaigns below the organisation that runs
them. A member's points are seen by the member and by the organisations that manage them (their own
organisation, and the community they are registered with) — never by anyone else, never as a public ranking.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import ActivityTeam, LinkedHousehold, Org, Person

from .choices import (
    ActivityKind,
    ActivityState,
    CampaignKind,
    CampaignState,
    CapPeriod,
    ClaimState,
    Deed,
    DutyState,
    RegistrationState,
    SignUpState,
)


def _own(user: Any, field: str = "person") -> Q:
    """Rows of the signed-in user's own person record."""
    person_id = getattr(user, "person_id", None)
    return Q(**{f"{field}_id": person_id}) if person_id else Q(pk__in=[])


def _paths(user: Any, perm: str, *fields: str) -> Q:
    paths = scope_paths(user, perm)
    q = Q(pk__in=[])
    for field in fields:
        q |= path_q(field, paths)
    return q


def ancestor_paths(*paths: str, steplen: int = 4) -> list[str]:
    """Every ancestor (and the node itself) of each path: what a member may see that is 'above' them."""
    out: set[str] = set()
    for path in paths:
        out.update(path[:i] for i in range(steplen, len(path) + 1, steplen))
    return sorted(out)


# ---------------------------------------------------------------- 双联双管报到


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def restrict(self, user: Any, perm: str = Perm.MEMBER_VIEW) -> RegistrationQuerySet:
        """The community's side, the managing organisation's side, and the member's own."""
        return self.filter(_paths(user, perm, "org_path", "member_path") | _own(user))


class Registration(models.Model):
    """在职党员到社区报到: a member's registration with the residential community where they live.

    Confirmed, it sets ``Person.registered_org`` (the member is then seen by both sides); ended, it clears
    it. Every transition is a history row (``RegistrationEvent``).
    """

    person = models.ForeignKey(Person, verbose_name="党员", on_delete=models.PROTECT, related_name="registrations")
    member_path = models.CharField(max_length=255, db_index=True, editable=False)
    community = models.ForeignKey(Org, verbose_name="报到社区", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    state = models.CharField("状态", max_length=16, choices=RegistrationState.choices,
                             default=RegistrationState.APPLIED, db_index=True)
    skills = models.CharField("特长和可提供的服务", max_length=200, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    applied_on = models.DateField("申请日期")
    confirmed_on = models.DateField("报到日期", null=True, blank=True)
    ended_on = models.DateField("结束日期", null=True, blank=True)
    reason = models.CharField("未同意或结束的原因", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "双联双管报到"
        verbose_name_plural = "双联双管报到"
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(state__in=["applied", "confirmed"]),
                                    name="registration_one_open_per_person"),
            models.CheckConstraint(name="registration_confirmed_has_date",
                                   condition=~Q(state="confirmed") | Q(confirmed_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.person} 报到 {self.community}"


class RegistrationEvent(models.Model):
    """One transition of a registration (applied, confirmed, declined, withdrawn, ended)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    state = models.CharField("状态", max_length=16, choices=RegistrationState.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "报到记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_state_display()} {self.at:%Y-%m-%d}"


# ---------------------------------------------------------------- 民情日记


class VisitQuerySet(models.QuerySet["Visit"]):
    def restrict(self, user: Any, perm: str = Perm.MEMBER_VIEW) -> VisitQuerySet:
        return self.filter(_paths(user, perm, "org_path") | _own(user, "visitor"))


class Visit(models.Model):
    """民情日记: a visit to a household linked to a central household — who, when, what was raised.

    Never a check-in or a quota: no location, no required photo. A concern raised becomes a demand in one
    step (``demand``, channel 民情日记).
    """

    household = models.ForeignKey(LinkedHousehold, verbose_name="联系户", on_delete=models.PROTECT,
                                  related_name="visits")
    central = models.ForeignKey(Org, verbose_name="党员中心户", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    visitor = models.ForeignKey(Person, verbose_name="走访人", on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField("走访日期", db_index=True)
    raised = models.TextField("群众反映的情况", max_length=1000, blank=True)
    follow_up = models.TextField("跟进和答复", max_length=1000, blank=True)
    demand = models.OneToOneField("demands.Demand", verbose_name="转为诉求", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="visit")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "民情日记"
        verbose_name_plural = "民情日记"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.household}"


# ---------------------------------------------------------------- activities


class ActivityQuerySet(models.QuerySet["Activity"]):
    def restrict(self, user: Any, perm: str = Perm.MEMBER_VIEW) -> ActivityQuerySet:
        return self.filter(_paths(user, perm, "org_path"))

    def open_to(self, person: Any) -> ActivityQuerySet:
        """Activities of the organisations above the person (where they are managed or registered), and of the
        functional organisations (功能型党组织) hanging directly below one of those — a community's 趣缘/业缘
        branch is its residents' and members' too. Any state: callers add ``state`` (sign-up: published)."""
        if person is None:
            return self.none()
        above = ancestor_paths(person.org_path, person.registered_path or "")
        q = Q(org_path__in=above)
        for path in above:
            q |= Q(org_path__startswith=path, org__depth=len(path) // Org.steplen + 1, org__kind="functional")
        return self.filter(q)


class Activity(models.Model):
    """活动: an activity of a functional organisation, a team, a pairing or volunteering, with sign-up.

    Attendance is confirmed by the organiser after the event; residents reached are the attended sign-ups
    of people who are not party members. ``signed`` counts live sign-ups and never exceeds ``capacity``.
    """

    org = models.ForeignKey(Org, verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    team = models.ForeignKey(ActivityTeam, verbose_name="活动队伍", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField("活动类型", max_length=16, choices=ActivityKind.choices, default=ActivityKind.OTHER)
    title = models.CharField("活动名称", max_length=100)
    description = models.TextField("活动内容", max_length=2000, blank=True)
    place = models.CharField("地点", max_length=200)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("人数上限", null=True, blank=True, help_text="不填为不限人数")
    signed = models.PositiveIntegerField("已报名人数", default=0, editable=False)
    open_to_residents = models.BooleanField("接受居民报名", default=True)
    state = models.CharField("状态", max_length=16, choices=ActivityState.choices, default=ActivityState.DRAFT,
                             db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("出勤确认时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "活动"
        verbose_name_plural = "活动"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(name="activity_ends_after_start", condition=Q(ends_at__gte=F("starts_at"))),
            models.CheckConstraint(name="activity_within_capacity",
                                   condition=Q(capacity__isnull=True) | Q(signed__lte=F("capacity"))),
        ]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    """活动报名: a member (``person``) or a resident (name and phone, the phone encrypted) signed up.

    ``attended`` is set by the organiser after the event (None until then). A walk-in (``walk_in``) is a
    resident added at the attendance confirmation: not a sign-up, so not counted in ``Activity.signed``.
    """

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey(Person, verbose_name="党员/居民", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="signups")
    name = models.CharField("姓名", max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)
    is_member = models.BooleanField("党员", default=False)
    state = models.CharField("状态", max_length=16, choices=SignUpState.choices, default=SignUpState.SIGNED,
                             db_index=True)
    attended = models.BooleanField("出勤", null=True, blank=True)
    walk_in = models.BooleanField("现场加入", default=False,
                                  help_text="活动后确认出勤时补登的现场参加者，不占报名名额")
    signed_at = models.DateTimeField("报名时间", auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], condition=Q(state="signed"),
                                    name="signup_once_per_person"),
            models.CheckConstraint(name="signup_names_someone", condition=Q(person__isnull=False) | ~Q(name="")),
        ]

    def __str__(self) -> str:
        return self.name or str(self.person)


# ---------------------------------------------------------------- 积分


class PointItem(models.Model):
    """八带头: one of the eight 'lead by example' items a rule set is built on (data, not code)."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50)
    order = models.PositiveSmallIntegerField("次序", default=0)

    class Meta:
        verbose_name = "八带头事项"
        verbose_name_plural = "八带头事项"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class RuleSet(models.Model):
    """积分规则: the rule set for one member type (在职, 离退休, 流动 …; ``registered`` for 双联双管)."""

    member_type = models.CharField("党员类型", max_length=16, unique=True,
                                   help_text="党员类型代码；registered 表示双联双管报到党员")
    name = models.CharField("名称", max_length=100)
    note = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PointRule(models.Model):
    """One rule: a kind of confirmed deed, the 八带头 item it counts under, its points and cap per period."""

    rule_set = models.ForeignKey(RuleSet, verbose_name="规则", on_delete=models.CASCADE, related_name="rules")
    deed = models.CharField("积分来源", max_length=16, choices=Deed.choices)
    item = models.ForeignKey(PointItem, verbose_name="八带头事项", on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField("每次积分")
    cap = models.PositiveIntegerField("周期上限", null=True, blank=True, help_text="不填为不设上限")
    cap_period = models.CharField("上限周期", max_length=8, choices=CapPeriod.choices, default=CapPeriod.YEAR)

    class Meta:
        verbose_name = "积分细则"
        ordering = ["rule_set", "id"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "deed"], name="point_rule_one_per_deed")]

    def __str__(self) -> str:
        return f"{self.get_deed_display()} {self.points} 分"


class PointEntryQuerySet(models.QuerySet["PointEntry"]):
    def restrict(self, user: Any, perm: str = Perm.MEMBER_VIEW) -> PointEntryQuerySet:
        """The user's own entries, and those of the members managed in (or registered with) their scope."""
        return self.filter(_paths(user, perm, "person__org_path", "person__registered_path") | _own(user))


class PointEntry(models.Model):
    """积分台账: one append-only entry. It traces to a confirmed deed (``source``) or corrects an entry.

    Entries are never updated or deleted (``save`` and ``delete`` refuse; no code path updates one); a correction
    is a new entry with ``corrects`` set and the negative (or restored) points.
    ``source`` names the deed (``activity.signup:12``, ``duty.claim:7``, ``demand:88``, ``visit:5``,
    ``claim:3``): at most one entry per person and source, so awarding twice awards once.
    """

    person = models.ForeignKey(Person, verbose_name="党员", on_delete=models.PROTECT, related_name="point_entries")
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    occurred_on = models.DateField("事项日期")
    deed = models.CharField("积分来源", max_length=16, choices=Deed.choices)
    item = models.ForeignKey(PointItem, verbose_name="八带头事项", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(PointRule, verbose_name="积分细则", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    points = models.IntegerField("积分")
    source = models.CharField("来源记录", max_length=64)
    note = models.CharField("说明", max_length=200, blank=True)
    corrects = models.ForeignKey("self", verbose_name="更正的记录", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("记账时间", auto_now_add=True)

    objects = PointEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分台账"
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["person", "year"], name="points_person_year")]
        constraints = [
            models.UniqueConstraint(fields=["person", "source"], condition=Q(corrects__isnull=True),
                                    name="points_one_entry_per_deed"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.points:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("积分台账只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("积分台账只能追加，不能删除")


class PointClaimQuerySet(models.QuerySet["PointClaim"]):
    def restrict(self, user: Any, perm: str = Perm.MEMBER_VIEW) -> PointClaimQuerySet:
        return self.filter(_paths(user, perm, "person__org_path", "person__registered_path") | _own(user))


class PointClaim(models.Model):
    """积分申报: a deed the records do not hold, claimed by the member and reviewed by their organisation.

    Approved, it earns the points of the ``claim`` rule of the member's rule set (never a typed figure).
    """

    person = models.ForeignKey(Person, verbose_name="党员", on_delete=models.PROTECT, related_name="point_claims")
    item = models.ForeignKey(PointItem, verbose_name="八带头事项", on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField("事项日期")
    description = models.TextField("事项经过", max_length=1000)
    state = models.CharField("状态", max_length=16, choices=ClaimState.choices, default=ClaimState.PENDING,
                             db_index=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    created_at = models.DateTimeField("申报时间", auto_now_add=True)

    objects = PointClaimQuerySet.as_manager()

    class Meta:
        verbose_name = "积分申报"
        verbose_name_plural = "积分申报"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person} {self.item}"


class YearClosing(models.Model):
    """年度积分结算: after a year is closed for an organisation's subtree, no entry of that year is written
    for its members (corrections included)."""

    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closed_at = models.DateTimeField("结算时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度积分结算"
        verbose_name_plural = "年度积分结算"
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="year_closing_once")]

    def __str__(self) -> str:
        return f"{self.org} {self.year} 年"


# ---------------------------------------------------------------- 认领 (duty campaigns)


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def restrict(self, user: Any, perm: str = Perm.MEMBER_VIEW) -> CampaignQuerySet:
        return self.filter(_paths(user, perm, "org_path"))

    def open_to(self, person: Any) -> CampaignQuerySet:
        """Campaigns of the organisations above the member (where they are managed or registered)."""
        if person is None:
            return self.none()
        return self.filter(org_path__in=ancestor_paths(person.org_path, person.registered_path or ""))


class Campaign(models.Model):
    """认领: a large duty (防汛, 创城, 疫情 …) split into segments and shifts that members claim within capacity."""

    org = models.ForeignKey(Org, verbose_name="发起组织", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField("类型", max_length=16, choices=CampaignKind.choices, default=CampaignKind.OTHER)
    title = models.CharField("名称", max_length=100)
    description = models.TextField("说明", max_length=2000, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    state = models.CharField("状态", max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT,
                             db_index=True)
    cloned_from = models.ForeignKey("self", verbose_name="复制自", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "认领活动"
        verbose_name_plural = "认领活动"
        ordering = ["-starts_on", "-id"]
        constraints = [models.CheckConstraint(name="campaign_ends_after_start",
                                              condition=Q(ends_on__gte=F("starts_on")))]

    def __str__(self) -> str:
        return self.title


class Segment(models.Model):
    """段/岗: one stretch, post or place of a campaign (堤段 K12+000–K12+500). A stretch has its length
    (``length_km``, set when it is cut by 桩号), so the kilometres claimed are added up, never typed."""

    campaign = models.ForeignKey(Campaign, verbose_name="认领活动", on_delete=models.CASCADE,
                                 related_name="segments")
    name = models.CharField("名称", max_length=100)
    place = models.CharField("位置", max_length=200, blank=True)
    order = models.PositiveIntegerField("次序", default=0)
    length_km = models.DecimalField("长度（公里）", max_digits=8, decimal_places=3, null=True, blank=True,
                                    help_text="堤段等按长度划分的段填写；岗位不填")

    class Meta:
        verbose_name = "认领段"
        verbose_name_plural = "认领段"
        ordering = ["campaign", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="segment_name_unique")]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """班次: a time slot of a segment with a capacity. ``claimed`` counts live claims; the database refuses
    ``claimed > capacity`` and a claim raises it with one conditional update, so no segment is over-claimed."""

    segment = models.ForeignKey(Segment, verbose_name="认领段", on_delete=models.CASCADE, related_name="shifts")
    campaign = models.ForeignKey(Campaign, verbose_name="认领活动", on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("人数")
    claimed = models.PositiveIntegerField("已认领", default=0, editable=False)

    class Meta:
        verbose_name = "班次"
        verbose_name_plural = "班次"
        ordering = ["segment", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="shift_within_capacity", condition=Q(claimed__lte=F("capacity"))),
            models.CheckConstraint(name="shift_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
        ]

    def __str__(self) -> str:
        return f"{self.segment} {self.starts_at:%m-%d %H:%M}"


class DutyClaimQuerySet(models.QuerySet["DutyClaim"]):
    def restrict(self, user: Any, perm: str = Perm.MEMBER_VIEW) -> DutyClaimQuerySet:
        return self.filter(_paths(user, perm, "campaign__org_path") | _own(user))


class DutyClaim(models.Model):
    """认领: a member holding a shift. ``starts_at``/``ends_at`` copy the shift's, so overlaps are one query."""

    shift = models.ForeignKey(Shift, verbose_name="班次", on_delete=models.PROTECT, related_name="claims")
    campaign = models.ForeignKey(Campaign, verbose_name="认领活动", on_delete=models.PROTECT, related_name="claims")
    person = models.ForeignKey(Person, verbose_name="党员", on_delete=models.PROTECT, related_name="duty_claims")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    state = models.CharField("状态", max_length=16, choices=DutyState.choices, default=DutyState.CLAIMED,
                             db_index=True)
    claimed_at = models.DateTimeField("认领时间", auto_now_add=True)
    released_at = models.DateTimeField("退领时间", null=True, blank=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)

    objects = DutyClaimQuerySet.as_manager()

    class Meta:
        verbose_name = "认领记录"
        verbose_name_plural = "认领记录"
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "person"], condition=Q(state="claimed"),
                                    name="duty_claim_once_per_shift"),
            models.CheckConstraint(name="duty_checkout_after_checkin",
                                   condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.shift}"


class Companion(models.Model):
    """带动群众: a resident a member brought along on duty (the count is the number of rows, never typed)."""

    claim = models.ForeignKey(DutyClaim, verbose_name="认领记录", on_delete=models.CASCADE,
                              related_name="companions")
    name = models.CharField("姓名", max_length=50)
    note = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "带动群众"
        verbose_name_plural = "带动群众"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
