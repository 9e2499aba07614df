"""联席会议 and the other configured meeting types (三会一课, 组织生活会, 民主评议): types as data,
meetings with attendance and minutes, and the resolutions (议定事项) they take as tracked items."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zongheng.core.access import path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Level, Org, Person

from .choices import AttendanceStatus, Cadence, MeetingStatus, ResolutionStatus
from .periods import Period, parse


class MeetingType(models.Model):
    """会议类型: a kind of meeting, its levels, cadence, who attends and its quorum. Data, not code.

    ``enabled`` switches the type on for every organisation of its levels — or, with ``opt_in``,
    only for the organisations listed in ``MeetingTypeOrg``. ``since``: periods starting before it
    are not required (the day a deployment switched the type on).
    """

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=40)
    description = models.CharField("说明", max_length=300, blank=True)
    levels = models.ManyToManyField(Level, verbose_name="适用层级", related_name="+")
    cadence = models.CharField("召开周期", max_length=16, choices=Cadence.choices)
    invite_council = models.BooleanField("本组织班子成员（书记、副书记、委员、书记助理）", default=True)
    invite_child_secretaries = models.BooleanField("下一级组织书记", default=False)
    invite_grid_secretaries = models.BooleanField("所辖网格党组织书记、网格长", default=False)
    invite_members = models.BooleanField("本组织全体党员", default=False)
    quorum_num = models.PositiveSmallIntegerField("法定人数（分子）", default=1)
    quorum_den = models.PositiveSmallIntegerField("法定人数（分母）", default=2)
    enabled = models.BooleanField("启用", default=False)
    opt_in = models.BooleanField("仅对选定组织启用", default=False)
    since = models.DateField("起算日期", null=True, blank=True, help_text="此日期之前开始的期间不要求召开")
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "会议类型"
        verbose_name_plural = "会议类型"
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(name="meeting_type_quorum_fraction",
                                   condition=Q(quorum_den__gte=1) & Q(quorum_num__lte=models.F("quorum_den"))),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def quorum_label(self) -> str:
        if self.quorum_num == 0:
            return "不设"
        if self.quorum_num == self.quorum_den:
            return "全体"
        return f"{self.quorum_num}/{self.quorum_den}"

    def period(self, key: str) -> Period:
        return parse(self.cadence, key)

    def quorum_met(self, present: int, invited: int) -> bool:
        """present / invited ≥ quorum (exact fractions); a meeting without invitees never meets it."""
        return invited > 0 and present * self.quorum_den >= self.quorum_num * invited


class MeetingTypeOrg(models.Model):
    """按组织启用: an organisation for which an opt-in type is switched on, from ``since``."""

    type = models.ForeignKey(MeetingType, verbose_name="会议类型", on_delete=models.CASCADE, related_name="opted")
    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.CASCADE, related_name="+")
    since = models.DateField("起算日期")

    class Meta:
        verbose_name = "按组织启用的会议类型"
        constraints = [models.UniqueConstraint(fields=["type", "org"], name="meeting_type_org_unique")]

    def __str__(self) -> str:
        return f"{self.org} {self.type}"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def restrict(self, user: Any, perm: str = Perm.MEETING_VIEW) -> MeetingQuerySet:
        """Meetings of organisations in the user's scope, and (for viewing) those the user is invited to."""
        q = path_q("org_path", scope_paths(user, perm))
        person_id = getattr(user, "person_id", None)
        if perm == Perm.MEETING_VIEW and person_id and getattr(user, "is_authenticated", False):
            q |= Q(pk__in=Attendance.objects.filter(person_id=person_id).values("meeting_id"))
        return self.filter(q)


class Meeting(models.Model):
    """会议: one sitting of a meeting type by an organisation, for one period (``period`` key)."""

    type = models.ForeignKey(MeetingType, verbose_name="会议类型", on_delete=models.PROTECT, related_name="meetings")
    org = models.ForeignKey(Org, verbose_name="召开组织", on_delete=models.PROTECT, related_name="meetings")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    period = models.CharField("所属期间", max_length=10, db_index=True)
    period_start = models.DateField("期间开始", editable=False)
    period_end = models.DateField("期间结束（不含）", editable=False)
    scheduled_at = models.DateTimeField("召开时间", db_index=True)
    place = models.CharField("地点", max_length=200)
    agenda = models.TextField("议程", blank=True)
    status = models.CharField("状态", max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED,
                              db_index=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    held_at = models.DateTimeField("实际召开时间", null=True, blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    cancel_reason = models.CharField("取消原因", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="安排人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("安排时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-scheduled_at", "-id"]
        indexes = [models.Index(fields=["type", "period", "status"])]
        constraints = [
            models.CheckConstraint(name="meeting_held_has_time",
                                   condition=~Q(status="held") | Q(held_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.org.name} {self.period_label} {self.type.name}"

    @property
    def period_obj(self) -> Period:
        return Period(self.period_start, self.type.cadence, self.period)

    @property
    def period_label(self) -> str:
        return self.period_obj.label

    @property
    def is_makeup(self) -> bool:
        """补开: held (or set) after its period ended."""
        from .periods import local_midnight

        when = self.held_at or self.scheduled_at
        return when >= local_midnight(self.period_end)


class MeetingAttachment(models.Model):
    """会议附件: a file kept with the minutes (PDF, Word, Excel, JPG or PNG, checked by content)."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="meetings/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Attendance(models.Model):
    """出席情况: one invitee of a meeting (computed from the type's attendee rule when scheduled)."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.CASCADE, related_name="+")
    status = models.CharField("出席情况", max_length=16, choices=AttendanceStatus.choices,
                              default=AttendanceStatus.INVITED)
    role_label = models.CharField("身份", max_length=40, blank=True)

    class Meta:
        verbose_name = "出席情况"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_one_per_person")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_status_display()}"


class ResolutionQuerySet(models.QuerySet["Resolution"]):
    def restrict(self, user: Any, perm: str = Perm.MEETING_VIEW) -> ResolutionQuerySet:
        """Resolutions taken by, or owned by, organisations in the user's scope; and the user's own."""
        paths = scope_paths(user, perm)
        q = path_q("org_path", paths) | path_q("owner_path", paths)
        person_id = getattr(user, "person_id", None)
        if person_id and getattr(user, "is_authenticated", False):
            q |= Q(owner_person_id=person_id)
        return self.filter(q)

    def overdue(self, today: Any) -> ResolutionQuerySet:
        return self.filter(status=ResolutionStatus.OPEN, due_on__lt=today)


class Resolution(models.Model):
    """议定事项: a decision of a meeting, tracked to done with an owner and a due date."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="resolutions")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)  # the meeting's organisation
    text = models.TextField("事项")
    owner_org = models.ForeignKey(Org, verbose_name="责任组织", on_delete=models.PROTECT, related_name="+")
    owner_path = models.CharField(max_length=255, db_index=True, editable=False)
    owner_person = models.ForeignKey(Person, verbose_name="责任人", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    due_on = models.DateField("完成时限", db_index=True)
    status = models.CharField("状态", max_length=16, choices=ResolutionStatus.choices, default=ResolutionStatus.OPEN,
                              db_index=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ResolutionQuerySet.as_manager()

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(name="resolution_done_has_time",
                                   condition=~Q(status="done") | Q(done_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class ResolutionProgress(models.Model):
    """进展: one progress note on a resolution."""

    resolution = models.ForeignKey(Resolution, verbose_name="议定事项", on_delete=models.CASCADE,
                                   related_name="progress")
    at = models.DateTimeField("时间")
    text = models.TextField("进展情况")
    by_label = models.CharField("填报人", max_length=150, blank=True)

    class Meta:
        verbose_name = "议定事项进展"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
