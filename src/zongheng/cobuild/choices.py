"""The choices of 一横 (co-building): kinds of units, council seats, agreement items, pairings and list entries."""

from django.db import models


class UnitType(models.TextChoices):
    """驻区单位类型."""

    AGENCY = "agency", "机关"
    INSTITUTION = "institution", "事业单位"
    STATE_ENTERPRISE = "state_enterprise", "国有企业"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
    SOCIAL = "social", "社会组织"


class UnitLevel(models.TextChoices):
    """隶属层级."""

    CITY = "city", "市直"
    DISTRICT = "district", "区直"
    VERTICAL = "vertical", "垂管"
    LOCAL = "local", "属地"


class PartyManagement(models.TextChoices):
    """Where the unit's own party organisation is kept."""

    LOCAL = "local", "属地管理（本系统的党组织）"
    SYSTEM = "system", "系统管理（由其上级系统管理，此处仅登记）"


class Rank(models.TextChoices):
    """职级 of a council member."""

    BUREAU = "bureau", "厅局级"
    COUNTY = "county", "县处级"
    SECTION = "section", "乡科级"
    OTHER = "other", "其他"


class SeatKind(models.TextChoices):
    """How a council member sits on the council."""

    UNIT = "unit", "驻区单位兼职委员"
    SENT = "sent", "街道下派干部"
    OWN = "own", "本级干部"


class AgreementState(models.TextChoices):
    DRAFT = "draft", "草拟"
    ACTIVE = "active", "履行中"
    DONE = "done", "已完成"
    ENDED = "ended", "已终止"


# Allowed transitions of a claim agreement (项目认领书): one table, a transition not in it is refused.
AGREEMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    AgreementState.DRAFT: (AgreementState.ACTIVE, AgreementState.ENDED),
    AgreementState.ACTIVE: (AgreementState.DONE, AgreementState.ENDED),
    AgreementState.DONE: (),
    AgreementState.ENDED: (),
}


class ItemKind(models.TextChoices):
    """The three kinds of claimed items."""

    JOINT_BUILDING = "joint_building", "党建联建"
    JOINT_AFFAIRS = "joint_affairs", "事务联办"
    SHARED_RESOURCES = "shared_resources", "资源联享"


class ItemState(models.TextChoices):
    OPEN = "open", "推进中"
    DONE = "done", "已完成"
    DROPPED = "dropped", "已取消"


class PartnerKind(models.TextChoices):
    UNIT = "unit", "驻区单位党组织"
    OUTSIDE = "outside", "外地先进社区"


class ActivityKind(models.TextChoices):
    THEME_DAY = "theme_day", "主题党日"
    VOLUNTEER = "volunteer", "志愿服务"
    STUDY = "study", "学习交流"
    SERVICE = "service", "为民服务"
    CULTURE = "culture", "文体活动"
    OTHER = "other", "其他"


class ResourceKind(models.TextChoices):
    """What a need asks for and a resource offers (matching is by kind)."""

    VENUE = "venue", "场地"
    VOLUNTEERS = "volunteers", "志愿者"
    FUNDS = "funds", "资金"
    SKILLS = "skills", "专业技能"
    GOODS = "goods", "物资"
    OTHER = "other", "其他"


# The unit of a quantity of each kind (shown beside capacities and quantities).
KIND_UNITS: dict[str, str] = {
    ResourceKind.VENUE: "平方米", ResourceKind.VOLUNTEERS: "人次", ResourceKind.FUNDS: "元",
    ResourceKind.SKILLS: "人次", ResourceKind.GOODS: "件", ResourceKind.OTHER: "项",
}


class NeedState(models.TextChoices):
    OPEN = "open", "待对接"
    MATCHED = "matched", "已对接"
    CLOSED = "closed", "已关闭"
