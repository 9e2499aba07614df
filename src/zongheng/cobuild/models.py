"""一横: stationed units and their liaisons, 街道大工委/社区大党委, claim agreements (项目认领书) and their
items, pairings (结对共建) with their joint activities, and the needs–resources–services lists with matches.

Scope is the tree. A stationed unit (驻区单位) has its own node in the tree (level ``unit``), a child of the
street or community where it sits; a liaison is a post (role ``liaison``) on that node, so their scope is
the unit's records and nothing else. Rows copy the paths they are scoped by (``org_path`` — the street or
community side; ``unit_path`` — the unit side), so a subtree filter never walks the tree.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from .choices import (
    ActivityKind,
    AgreementState,
    ItemKind,
    ItemState,
    NeedState,
    PartnerKind,
    PartyManagement,
    Rank,
    ResourceKind,
    SeatKind,
    UnitLevel,
    UnitType,
)

UNIT_LEVEL = "unit"  # the tree level of a stationed unit's node (orgs migration 0009)


def _both_sides(user: Any, perm: str, *fields: str) -> Q:
    """Rows whose street/community side or unit side lies in the user's scope for ``perm``."""
    paths = scope_paths(user, perm)
    q = Q(pk__in=[])
    for field in fields:
        q |= path_q(field, paths)
    return q


class UnitQuerySet(models.QuerySet["Unit"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> UnitQuerySet:
        return self.filter(_both_sides(user, perm, "org_path"))


class Unit(models.Model):
    """驻区单位: an agency, institution, enterprise or social organisation stationed in the district."""

    org = models.OneToOneField(Org, verbose_name="单位节点", on_delete=models.PROTECT, related_name="unit",
                               help_text="组织树中代表本单位的节点（层级“驻区单位”），挂在所在街道或社区之下")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField("单位名称", max_length=100, unique=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True, unique=True)
    type = models.CharField("单位类型", max_length=24, choices=UnitType.choices)
    level = models.CharField("隶属层级", max_length=16, choices=UnitLevel.choices)
    address = models.CharField("地址", max_length=200, blank=True)
    place = models.ForeignKey(Org, verbose_name="所在街道/社区", on_delete=models.PROTECT, related_name="+")
    party_management = models.CharField("党组织管理方式", max_length=16, choices=PartyManagement.choices,
                                        default=PartyManagement.LOCAL)
    party_org_name = models.CharField("党组织名称", max_length=100, blank=True)
    secretary = models.ForeignKey(Person, verbose_name="党组织书记", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    secretary_name = models.CharField("党组织书记姓名", max_length=50, blank=True,
                                      help_text="书记不在本系统名册中时填写")
    members_count = models.PositiveIntegerField("党员人数", null=True, blank=True)
    joined_on = models.DateField("加入共建日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "驻区单位"
        verbose_name_plural = "驻区单位"
        ordering = ["org_path"]

    def __str__(self) -> str:
        return self.name


class CouncilQuerySet(models.QuerySet["Council"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> CouncilQuerySet:
        """Councils of streets/communities in scope, and those a unit in scope has a member on."""
        q = _both_sides(user, perm, "org_path")
        paths = scope_paths(user, perm)
        if paths:
            q |= Q(pk__in=CouncilMember.objects.filter(path_q("unit__org_path", paths)).values("council_id"))
        return self.filter(q)


class Council(models.Model):
    """街道大工委 / 社区大党委: the working council of a street or a community, for a term."""

    org = models.ForeignKey(Org, verbose_name="街道/社区", on_delete=models.PROTECT, related_name="councils")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField("名称", max_length=100)
    term_starts_on = models.DateField("本届开始")
    term_ends_on = models.DateField("本届结束", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = CouncilQuerySet.as_manager()

    class Meta:
        verbose_name = "大工委/大党委"
        verbose_name_plural = "大工委/大党委"
        ordering = ["org_path", "-term_starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["org", "term_starts_on"], name="council_one_term_start"),
            models.CheckConstraint(name="council_term_ends_after_start",
                                   condition=Q(term_ends_on__isnull=True) | Q(term_ends_on__gte=F("term_starts_on"))),
        ]

    def __str__(self) -> str:
        return self.name


class CouncilMember(models.Model):
    """兼职委员 and other seats of a council: a unit's representative with rank and post, a street cadre sent
    to a community council, or the level's own cadre."""

    council = models.ForeignKey(Council, verbose_name="大工委/大党委", on_delete=models.CASCADE,
                                related_name="members")
    seat = models.CharField("席位", max_length=8, choices=SeatKind.choices, default=SeatKind.UNIT)
    unit = models.ForeignKey(Unit, verbose_name="所在单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="council_seats")
    sent_from = models.ForeignKey(Org, verbose_name="派出街道", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    person = models.ForeignKey(Person, verbose_name="人员", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="council_seats",
                               help_text="在本系统名册中时关联，用于统计会议出席")
    name = models.CharField("姓名", max_length=50)
    rank = models.CharField("职级", max_length=16, choices=Rank.choices, default=Rank.OTHER)
    post = models.CharField("单位职务", max_length=100, blank=True, help_text="如：市总工会党组成员、副主席")
    council_post = models.CharField("委员会职务", max_length=50, default="兼职委员")
    starts_on = models.DateField("任职日期")
    ends_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = "兼职委员"
        verbose_name_plural = "兼职委员"
        ordering = ["council_id", "seat", "id"]
        constraints = [
            models.CheckConstraint(name="council_member_unit_seat_has_unit",
                                   condition=~Q(seat="unit") | Q(unit__isnull=False)),
            models.CheckConstraint(name="council_member_sent_seat_has_street",
                                   condition=~Q(seat="sent") | Q(sent_from__isnull=False)),
            models.CheckConstraint(name="council_member_ends_after_start",
                                   condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on"))),
        ]

    def __str__(self) -> str:
        return f"{self.council} {self.name}"


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> AgreementQuerySet:
        return self.filter(_both_sides(user, perm, "org_path", "unit_path"))


class Agreement(models.Model):
    """项目认领书: what a member unit signs up to do with a street or community, item by item."""

    org = models.ForeignKey(Org, verbose_name="街道/社区", on_delete=models.PROTECT, related_name="agreements")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    unit = models.ForeignKey(Unit, verbose_name="认领单位", on_delete=models.PROTECT, related_name="agreements")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField("名称", max_length=200)
    signed_on = models.DateField("签订日期")
    starts_on = models.DateField("履行开始")
    ends_on = models.DateField("履行结束")
    state = models.CharField("状态", max_length=16, choices=AgreementState.choices, default=AgreementState.ACTIVE,
                             db_index=True)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = "项目认领书"
        verbose_name_plural = "项目认领书"
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(name="agreement_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))),
        ]

    def __str__(self) -> str:
        return self.title


class ItemQuerySet(models.QuerySet["AgreementItem"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> ItemQuerySet:
        return self.filter(_both_sides(user, perm, "org_path", "unit_path"))


class AgreementItem(models.Model):
    """认领项目: one item of an agreement — 党建联建, 事务联办 or 资源联享 — with a target, an owner on each
    side, a due date, progress, completion and the problems it solved (linked to the demands it resolved)."""

    agreement = models.ForeignKey(Agreement, verbose_name="认领书", on_delete=models.CASCADE, related_name="items")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField("类别", max_length=20, choices=ItemKind.choices)
    title = models.CharField("项目", max_length=200)
    target = models.TextField("目标", blank=True)
    org_owner = models.CharField("街道/社区责任人", max_length=50)
    unit_owner = models.CharField("单位责任人", max_length=50)
    due_on = models.DateField("完成时限")
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    state = models.CharField("状态", max_length=16, choices=ItemState.choices, default=ItemState.OPEN,
                             db_index=True)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    problems_solved = models.PositiveIntegerField("解决问题数", default=0)
    result = models.TextField("完成情况", blank=True)
    demands: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "demands.Demand", verbose_name="解决的诉求", blank=True, related_name="cobuild_items")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = "认领项目"
        verbose_name_plural = "认领项目"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["state", "due_on"], name="cobuild_item_state_due")]
        constraints = [
            models.CheckConstraint(name="item_progress_at_most_100", condition=Q(progress__lte=100)),
            models.CheckConstraint(name="item_done_has_date",
                                   condition=~Q(state="done") | Q(completed_on__isnull=False, progress=100)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def on_time(self) -> bool:
        return self.state == ItemState.DONE and self.completed_on is not None and self.completed_on <= self.due_on


class ItemUpdate(models.Model):
    """进度更新: one progress report on an item (who, when, how far, what was done)."""

    item = models.ForeignKey(AgreementItem, verbose_name="认领项目", on_delete=models.CASCADE, related_name="updates")
    progress = models.PositiveSmallIntegerField("进度（%）")
    note = models.TextField("进展情况")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="更新人", null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField("更新时间", auto_now_add=True)

    class Meta:
        verbose_name = "进度更新"
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(name="item_update_progress_at_most_100",
                                              condition=Q(progress__lte=100))]

    def __str__(self) -> str:
        return f"{self.item_id} {self.progress}%"


class PairingQuerySet(models.QuerySet["Pairing"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> PairingQuerySet:
        return self.filter(_both_sides(user, perm, "org_path", "unit_path"))


class Pairing(models.Model):
    """结对共建: a unit's party organisation with a community, or a community with an advanced community
    elsewhere (an outside partner, recorded by name and region). At least ``required_per_year`` joint
    activities a year; behind pace warns both sides and the street (``rules.pairing_behind_pace``)."""

    org = models.ForeignKey(Org, verbose_name="社区", on_delete=models.PROTECT, related_name="pairings")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    partner_kind = models.CharField("结对对象", max_length=8, choices=PartnerKind.choices, default=PartnerKind.UNIT)
    unit = models.ForeignKey(Unit, verbose_name="结对单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="pairings")
    unit_path = models.CharField(max_length=255, blank=True, default="", db_index=True, editable=False)
    partner_name = models.CharField("外地社区名称", max_length=100, blank=True)
    partner_region = models.CharField("所在省市", max_length=20, blank=True, help_text="如：江苏、浙江、上海")
    starts_on = models.DateField("结对日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    required_per_year = models.PositiveSmallIntegerField("每年至少活动次数", default=4)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = "结对共建"
        verbose_name_plural = "结对共建"
        ordering = ["org_path", "id"]
        constraints = [
            models.CheckConstraint(name="pairing_unit_partner_has_unit",
                                   condition=~Q(partner_kind="unit") | Q(unit__isnull=False)),
            models.CheckConstraint(name="pairing_outside_partner_has_name",
                                   condition=~Q(partner_kind="outside") | ~Q(partner_name="")),
            models.CheckConstraint(name="pairing_ends_after_start",
                                   condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on"))),
            models.UniqueConstraint(fields=["org", "unit"], condition=Q(ends_on__isnull=True, unit__isnull=False),
                                    name="pairing_one_open_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.org.name} — {self.partner_label}"

    @property
    def partner_label(self) -> str:
        if self.partner_kind == PartnerKind.OUTSIDE:
            return f"{self.partner_region}{self.partner_name}" if self.partner_region else self.partner_name
        return self.unit.name if self.unit is not None else ""


class Activity(models.Model):
    """共建活动: one joint activity of a pairing."""

    pairing = models.ForeignKey(Pairing, verbose_name="结对", on_delete=models.CASCADE, related_name="activities")
    held_on = models.DateField("活动日期", db_index=True)
    kind = models.CharField("活动类型", max_length=16, choices=ActivityKind.choices)
    content = models.TextField("活动内容")
    participants = models.PositiveIntegerField("参加人数", default=0)
    residents_reached = models.PositiveIntegerField("服务群众人数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "共建活动"
        verbose_name_plural = "共建活动"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["pairing", "held_on"], name="cobuild_activity_pairing_day")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}"


class NeedQuerySet(models.QuerySet["Need"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> NeedQuerySet:
        return self.filter(_both_sides(user, perm, "org_path"))


class Need(models.Model):
    """需求清单: what a community needs (a demand or a listening session can become one in one step)."""

    org = models.ForeignKey(Org, verbose_name="社区", on_delete=models.PROTECT, related_name="cobuild_needs")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField("类别", max_length=16, choices=ResourceKind.choices)
    title = models.CharField("需求", max_length=200)
    detail = models.TextField("说明", blank=True)
    quantity = models.PositiveIntegerField("数量", help_text="按类别计：平方米、人次、元、件……")
    state = models.CharField("状态", max_length=16, choices=NeedState.choices, default=NeedState.OPEN, db_index=True)
    demand = models.ForeignKey("demands.Demand", verbose_name="来自诉求", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    listening_session = models.ForeignKey("demands.ListeningSession", verbose_name="来自每月一听", null=True,
                                          blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = "需求清单"
        verbose_name_plural = "需求清单"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(name="need_quantity_positive", condition=Q(quantity__gte=1))]

    def __str__(self) -> str:
        return self.title


class ResourceQuerySet(models.QuerySet["Resource"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> ResourceQuerySet:
        return self.filter(_both_sides(user, perm, "unit_path", "place_path"))


class Resource(models.Model):
    """资源清单: what a unit offers — a hall on weekends, volunteers, funds, premises — with its capacity
    (and how much of it accepted matches have taken: ``used`` never exceeds ``capacity``)."""

    unit = models.ForeignKey(Unit, verbose_name="提供单位", on_delete=models.PROTECT, related_name="resources")
    unit_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField("类别", max_length=16, choices=ResourceKind.choices)
    title = models.CharField("资源", max_length=200)
    detail = models.TextField("说明", blank=True)
    capacity = models.PositiveIntegerField("可提供数量", help_text="按类别计：平方米、人次、元、件……")
    used = models.PositiveIntegerField("已对接数量", default=0, editable=False)
    area_m2 = models.PositiveIntegerField("面积（平方米）", null=True, blank=True)
    availability = models.CharField("开放时间", max_length=100, blank=True, help_text="如：周六、周日全天")
    place = models.ForeignKey(Org, verbose_name="所在街道/社区", on_delete=models.PROTECT, related_name="+")
    place_path = models.CharField(max_length=255, db_index=True, editable=False)
    idle = models.BooleanField("闲置资源", default=False, help_text="原本闲置、经共建盘活的场地或设施")
    active = models.BooleanField("可用", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = "资源清单"
        verbose_name_plural = "资源清单"
        ordering = ["unit_path", "id"]
        constraints = [
            models.CheckConstraint(name="resource_used_within_capacity", condition=Q(used__lte=F("capacity"))),
            models.CheckConstraint(name="resource_capacity_positive", condition=Q(capacity__gte=1)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int:
        return self.capacity - self.used


class ServiceQuerySet(models.QuerySet["Service"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> ServiceQuerySet:
        return self.filter(_both_sides(user, perm, "org_path"))


class Service(models.Model):
    """服务清单: a service a community provides (to residents and to the units around it)."""

    org = models.ForeignKey(Org, verbose_name="社区", on_delete=models.PROTECT, related_name="cobuild_services")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField("类别", max_length=16, choices=ResourceKind.choices, default=ResourceKind.OTHER)
    title = models.CharField("服务", max_length=200)
    detail = models.TextField("说明", blank=True)
    schedule = models.CharField("服务时间", max_length=100, blank=True)
    active = models.BooleanField("提供中", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = "服务清单"
        verbose_name_plural = "服务清单"
        ordering = ["org_path", "id"]

    def __str__(self) -> str:
        return self.title


class MatchQuerySet(models.QuerySet["Match"]):
    def restrict(self, user: Any, perm: str = Perm.COBUILD_VIEW) -> MatchQuerySet:
        return self.filter(_both_sides(user, perm, "need__org_path", "resource__unit_path"))


class Match(models.Model):
    """对接: an accepted need–resource match. It took ``quantity`` of the resource's capacity and became
    an agreement item (资源联享). One per need and resource: two people accepting the same proposal at
    once create one."""

    need = models.ForeignKey(Need, verbose_name="需求", on_delete=models.PROTECT, related_name="matches")
    resource = models.ForeignKey(Resource, verbose_name="资源", on_delete=models.PROTECT, related_name="matches")
    quantity = models.PositiveIntegerField("对接数量")
    reason = models.CharField("匹配理由", max_length=200)
    item = models.OneToOneField(AgreementItem, verbose_name="认领项目", on_delete=models.PROTECT,
                                related_name="match")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    accepted_at = models.DateTimeField("确认时间", auto_now_add=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = "资源对接"
        verbose_name_plural = "资源对接"
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["need", "resource"], name="match_once_per_need_resource"),
            models.CheckConstraint(name="match_quantity_positive", condition=Q(quantity__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.need} ← {self.resource}"


