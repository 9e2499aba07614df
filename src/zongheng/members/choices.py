from django.db import models


class RegistrationState(models.TextChoices):
    """双联双管报到: applied → confirmed → ended, or applied → declined / withdrawn
    (``actions_registration.TRANSITIONS``)."""

    APPLIED = "applied", "待社区确认"
    CONFIRMED = "confirmed", "已报到"
    DECLINED = "declined", "社区未同意"
    WITHDRAWN = "withdrawn", "本人已撤回"
    ENDED = "ended", "已结束报到"


OPEN_REGISTRATION = (RegistrationState.APPLIED, RegistrationState.CONFIRMED)


class ActivityKind(models.TextChoices):
    FUNCTIONAL = "functional", "功能型党组织活动"
    TEAM = "team", "活动队伍活动"
    PAIRING = "pairing", "结对共建活动"
    VOLUNTEER = "volunteer", "志愿服务"
    OTHER = "other", "其他"


class ActivityState(models.TextChoices):
    """draft → published → (cancelled | held: attendance confirmed) (``actions_activities.TRANSITIONS``)."""

    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "报名中"
    CANCELLED = "cancelled", "已取消"
    HELD = "held", "已确认出勤"


class SignUpState(models.TextChoices):
    SIGNED = "signed", "已报名"
    CANCELLED = "cancelled", "已取消报名"


class Deed(models.TextChoices):
    """A kind of confirmed deed that earns points (积分来源). Never a typed total, never time online."""

    ACTIVITY = "activity", "参加活动（组织者确认出勤）"
    DUTY = "duty", "认领值守（已签到签退）"
    DEMAND = "demand", "办理群众诉求（已办结）"
    VISIT = "visit", "走访联系户（民情日记）"
    CLAIM = "claim", "申报事项（组织审核通过）"


class CapPeriod(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


class ClaimState(models.TextChoices):
    """积分申报: pending → approved | declined, or withdrawn by the member (``actions_points.CLAIM``)."""

    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    DECLINED = "declined", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


class CampaignKind(models.TextChoices):
    FLOOD = "flood", "防汛值守"
    CIVILIZED = "civilized", "创建文明城市"
    EPIDEMIC = "epidemic", "疫情防控"
    OTHER = "other", "其他"


class CampaignState(models.TextChoices):
    """draft → open → closed (``actions_campaigns.CAMPAIGN_TRANSITIONS``)."""

    DRAFT = "draft", "筹备中"
    OPEN = "open", "认领中"
    CLOSED = "closed", "已结束"


class DutyState(models.TextChoices):
    CLAIMED = "claimed", "已认领"
    RELEASED = "released", "已退领"
