from django.db import models


class OrgKind(models.TextChoices):
    REGULAR = "regular", "常设党组织"
    TEMP_BRANCH = "temp_branch", "临时党支部"
    TEMP_GROUP = "temp_group", "临时党小组"
    FUNCTIONAL = "functional", "功能型党组织"


TEMPORARY_KINDS = (OrgKind.TEMP_BRANCH, OrgKind.TEMP_GROUP)


class TempPurpose(models.TextChoices):
    PROJECT = "project", "项目建设一线"
    DEMOLITION = "demolition", "征迁一线"
    FLOOD = "flood", "防汛一线"
    STABILITY = "stability", "信访维稳一线"
    OTHER = "other", "其他"


class Bond(models.TextChoices):
    GEO = "geo", "地缘"
    WORK = "work", "业缘"
    INTEREST = "interest", "趣缘"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class MemberType(models.TextChoices):
    EMPLOYED = "employed", "在职党员"
    RETIRED = "retired", "离退休党员"
    MOBILE = "mobile", "流动党员"
    UNEMPLOYED = "unemployed", "无固定职业党员"
    STUDENT = "student", "学生党员"
    OTHER = "other", "其他"


class Standing(models.TextChoices):
    """正式/预备党员 (党章第七条: a 预备党员 becomes 正式 on 转正)."""

    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"
