from django.db import models


class Cadence(models.TextChoices):
    """召开周期."""

    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    HALF_YEARLY = "half_yearly", "每半年"
    YEARLY = "yearly", "每年"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "已安排"
    HELD = "held", "已召开"
    CANCELLED = "cancelled", "已取消"


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", "待登记"
    PRESENT = "present", "出席"
    EXCUSED = "excused", "请假"
    ABSENT = "absent", "缺席"


RECORDED_ATTENDANCE = (AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT)


class ResolutionStatus(models.TextChoices):
    OPEN = "open", "办理中"
    DONE = "done", "已办结"


class Compliance(models.TextChoices):
    """An organisation's standing for one meeting type and period (computed, never stored)."""

    ON_TIME = "on_time", "按期召开"
    LATE = "late", "补开"
    NOT_HELD = "not_held", "未召开"
    PENDING = "pending", "本期待召开"
    NOT_REQUIRED = "not_required", "不适用"
