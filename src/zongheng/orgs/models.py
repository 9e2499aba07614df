"""一纵: the organisation tree, people, posts, central households and activity teams."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from treebeard.mp_tree import MP_Node, MP_NodeQuerySet

from zongheng.core.access import path_q, scope_paths
from zongheng.core.collation import Pinyin
from zongheng.core.permissions import SELF_PERMS, Perm, Role

from .choices import Bond, Gender, MemberType, OrgKind, Standing, TempPurpose


class Level(models.Model):
    """层级: a level of the tree (城市, 区, 街道, 乡, 社区, 村, 网格, 党员中心户). Data, not code."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    rank = models.PositiveSmallIntegerField("次序", help_text="越小越高")

    class Meta:
        verbose_name = "层级"
        ordering = ["rank", "id"]

    def __str__(self) -> str:
        return self.name


class OrgQuerySet(MP_NodeQuerySet):  # type: ignore[misc]
    def restrict(self, user: Any, perm: str = Perm.ORG_VIEW) -> OrgQuerySet:
        return self.filter(path_q("path", scope_paths(user, perm)))


class OrgManager(MP_Node._DEFAULT_TREEBEARD_MANAGER.from_queryset(OrgQuerySet)):  # type: ignore[misc,name-defined]
    def get_queryset(self) -> OrgQuerySet:
        # treebeard's manager returns its own MP_NodeQuerySet; keep ours (with restrict) and its order.
        return OrgQuerySet(self.model, using=self._db).order_by("path")


class Org(MP_Node):
    """党组织: one node of the tree (materialized path, 4 characters a level)."""

    steplen = 4
    name = models.CharField("名称", max_length=100, db_index=True)
    level = models.ForeignKey(Level, verbose_name="层级", on_delete=models.PROTECT, related_name="orgs")
    kind = models.CharField("类型", max_length=16, choices=OrgKind.choices, default=OrgKind.REGULAR, db_index=True)
    code = models.CharField("区划/组织代码", max_length=32, null=True, blank=True, unique=True)
    address = models.CharField("地址", max_length=200, blank=True)
    # The organisation's public office phone (党群服务中心), shown in full on 挂牌亮相; never a person's.
    office_phone = models.CharField("办公电话（公开）", max_length=32, blank=True, default="")
    # 临时党支部/党小组: what front line it serves and for how long.
    purpose = models.CharField("设立用途", max_length=16, choices=TempPurpose.choices, blank=True)
    opened_on = models.DateField("成立日期", null=True, blank=True)
    closed_on = models.DateField("撤销日期", null=True, blank=True)
    # 功能型党组织: the bond that holds it together.
    bond = models.CharField("纽带", max_length=16, choices=Bond.choices, blank=True)
    description = models.TextField("简介", blank=True)

    objects = OrgManager()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        # One level of the tree, or one level of a subtree (``depth = n AND path LIKE 'p%'``): the roots, a
        # dashboard's or figures page's children. Without it each was a scan of every organisation (20 ms of a
        # city's 203,301 at scale 100).
        indexes = [models.Index(fields=["depth", "path"], name="orgs_org_depth_path",
                                opclasses=["int4_ops", "varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(
                name="org_temporary_has_purpose_and_dates",
                condition=~Q(kind__in=["temp_branch", "temp_group"]) | (~Q(purpose="") & Q(opened_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="org_closes_after_opening",
                condition=(
                    Q(closed_on__isnull=True) | Q(opened_on__isnull=True) | Q(closed_on__gte=models.F("opened_on"))
                ),
            ),
            models.CheckConstraint(
                name="org_functional_has_bond",
                condition=~Q(kind="functional") | ~Q(bond=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if not self.code:
            fill_missing_codes(type(self), type(self).objects.filter(pk=self.pk))
            self.code = type(self).objects.filter(pk=self.pk).values_list("code", flat=True).first()

    @property
    def is_temporary(self) -> bool:
        return self.kind in (OrgKind.TEMP_BRANCH, OrgKind.TEMP_GROUP)


CODE_ROOT = "ZH"


def fill_missing_codes(model: Any, orgs: Any = None) -> int:
    """Gives every organisation without a code one (central households and grids included).

    A missing code is the parent's code and the next free two-digit number among its
    children (``340802001001-03``; ``ZH-01`` under a root without a code), assigned in tree
    order so a parent gets its code before its children. Codes, once given, never change
    (a move keeps them), so exports can carry them and imports can find the org by them.
    ``model`` is the Org class (or its historical version in a migration). Returns how many.
    """
    qs = model.objects.filter(models.Q(code__isnull=True) | models.Q(code=""))
    if orgs is not None:
        qs = qs.filter(pk__in=orgs.values("pk"))
    missing = list(qs.order_by("path").only("pk", "path", "depth"))
    if not missing:
        return 0
    steplen = 4
    parent_paths = {o.path[:-steplen] for o in missing if len(o.path) > steplen}
    codes: dict[str, str] = dict(
        model.objects.filter(path__in=parent_paths).exclude(code__isnull=True).exclude(code="")
        .values_list("path", "code")
    )
    used = set(model.objects.exclude(code__isnull=True).exclude(code="").values_list("code", flat=True))
    for org in missing:
        base = codes.get(org.path[:-steplen], CODE_ROOT)
        n = 1
        while f"{base}-{n:02d}" in used:
            n += 1
        code = f"{base}-{n:02d}"
        if len(code) > 32:
            code = f"{CODE_ROOT}{org.pk:010d}"
        used.add(code)
        codes[org.path] = code
        org.code = code
    model.objects.bulk_update(missing, ["code"], batch_size=1000)
    return len(missing)


class PersonQuerySet(models.QuerySet["Person"]):
    def restrict(self, user: Any, perm: str = Perm.PERSON_VIEW) -> PersonQuerySet:
        """People managed in, or registered (报到) with, an org in the user's scope."""
        paths = scope_paths(user, perm)
        q = path_q("org_path", paths) | path_q("registered_path", paths)
        if perm in SELF_PERMS and getattr(user, "person_id", None):
            q |= Q(pk=user.person_id)
        return self.filter(q)


class Person(models.Model):
    """人员: a party member, a cadre or a resident contact.

    Phone and ID number are encrypted at rest (``*_enc``); the masked forms are what
    every page, export and API shows unless a reveal is granted and audited.
    """

    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)
    id_enc = models.TextField(blank=True, editable=False)
    id_masked = models.CharField("身份证号", max_length=20, blank=True, editable=False)
    id_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    is_party_member = models.BooleanField("党员", default=True, db_index=True)
    member_type = models.CharField("党员类型", max_length=16, choices=MemberType.choices, blank=True, db_index=True)
    joined_on = models.DateField("入党日期", null=True, blank=True)
    standing = models.CharField("正式/预备", max_length=16, choices=Standing.choices, blank=True)
    confirmed_on = models.DateField("转正日期", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=16, blank=True)
    education = models.CharField("学历", max_length=20, blank=True)
    workplace = models.CharField("工作单位", max_length=100, blank=True)
    # 家庭住址 is personal: encrypted at rest, shown masked like the numbers.
    address_enc = models.TextField(blank=True, editable=False)
    address_masked = models.CharField("家庭住址", max_length=40, blank=True, editable=False)
    org = models.ForeignKey(Org, verbose_name="所在（管理）组织", on_delete=models.PROTECT, related_name="people")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    registered_org = models.ForeignKey(
        Org, verbose_name="报到社区（双联双管）", null=True, blank=True,
        on_delete=models.PROTECT, related_name="registered_people",
    )
    registered_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["org_path", Pinyin("name").asc(), "id"]  # names by pinyin (core.collation)
        constraints = [
            models.CheckConstraint(
                name="person_member_type_only_for_members",
                condition=Q(is_party_member=True) | Q(member_type=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PostQuerySet(models.QuerySet["Post"]):
    def restrict(self, user: Any, perm: str = Perm.ORG_VIEW) -> PostQuerySet:
        return self.filter(path_q("org__path", scope_paths(user, perm)))

    def active(self, on: Any = None) -> PostQuerySet:
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Post(models.Model):
    """职务: a person holding a role in an organisation for a period. Grants scope."""

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="posts")
    role = models.CharField("职务", max_length=32, choices=Role.choices, db_index=True)
    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="posts")
    starts_on = models.DateField("任职日期")
    ends_on = models.DateField("离任日期", null=True, blank=True)
    sent_from = models.ForeignKey(
        Org, verbose_name="派出单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="书记助理：由哪个街道下派",
    )
    note = models.CharField("备注", max_length=200, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = "职务"
        verbose_name_plural = "职务"
        ordering = ["org__path", "role", "starts_on"]
        constraints = [
            models.CheckConstraint(
                name="post_ends_after_start", condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on"))
            ),
            models.UniqueConstraint(
                fields=["person", "role", "org"], condition=Q(ends_on__isnull=True), name="post_one_open_per_role"
            ),
        ]
        # 一张网's latest period with data reads MAX(starts_on) of a subtree's posts: with this index, a probe per
        # organisation instead of a scan of every post (28 → 2.5 ms for one district at scale 100).
        indexes = [models.Index(fields=["org", "starts_on"], name="post_org_starts_on")]

    def __str__(self) -> str:
        return f"{self.org} {self.get_role_display()} {self.person}"


class LinkedHousehold(models.Model):
    """联系户: a household linked to a party-member central household (5–15 each)."""

    central = models.ForeignKey(
        Org, verbose_name="党员中心户", on_delete=models.CASCADE, related_name="linked_households"
    )
    address = models.CharField("住址", max_length=200)
    contact_name = models.CharField("户主", max_length=50, blank=True)

    class Meta:
        verbose_name = "联系户"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.address


class ActivityTeam(models.Model):
    """活动队伍: residents drawn together by a functional party organisation."""

    org = models.ForeignKey(Org, verbose_name="功能型党组织", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("名称", max_length=100)
    activity = models.CharField("活动内容", max_length=200, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    participants = models.ManyToManyField(Person, verbose_name="参与居民", blank=True, related_name="teams")

    class Meta:
        verbose_name = "活动队伍"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- member import (导入任务)


class ImportStatus(models.TextChoices):
    PENDING = "pending", "等待处理"
    VALIDATING = "validating", "正在校验"
    PREVIEW = "preview", "待确认"
    WRITING = "writing", "正在写入"
    DONE = "done", "导入完成"
    FAILED = "failed", "导入失败"


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def restrict(self, user: Any, perm: str = Perm.PERSON_IMPORT) -> ImportJobQuerySet:
        """Jobs the user created, or that target an org in the user's import scope."""
        q = path_q("org__path", scope_paths(user, perm))
        if getattr(user, "pk", None):
            q |= Q(created_by_id=user.pk)
        return self.filter(q)


class ImportJob(models.Model):
    """导入任务: one upload of a member roster (.xlsx), imported all or nothing.

    ``errors`` holds every problem found: ``[{"row": 12, "column": "身份证号码", "message": "…"}]``
    (``row`` is the spreadsheet row number, None for a problem with the whole file).
    """

    created_by = models.ForeignKey("accounts.User", verbose_name="导入人", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(Org, verbose_name="导入组织", on_delete=models.PROTECT, related_name="import_jobs")
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    file_name = models.CharField("文件名", max_length=255, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING, db_index=True
    )
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    processed_rows = models.PositiveIntegerField("已校验行数", default=0)
    created_count = models.PositiveIntegerField("导入人数", default=0)
    updated_count = models.PositiveIntegerField("更新人数", default=0)
    unchanged_count = models.PositiveIntegerField("无变化人数", default=0)
    refused_count = models.PositiveIntegerField("未导入行数", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    # The clerk's choices (mapping, sheet, hidden rows, mode, organisation picks) and what the
    # preview found (mapping, dropped columns, counts, changes); see importer.analyse.
    options = models.JSONField("导入选项", default=dict, blank=True)
    preview = models.JSONField("预览", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"导入任务 {self.pk}（{self.file_name}）"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ImportMapping(models.Model):
    """表头映射: the clerk's column mapping, remembered for the next file with the same headers."""

    signature = models.CharField("表头签名", max_length=64, unique=True)
    headers = models.JSONField("表头", default=list)
    mapping = models.JSONField("映射", default=dict)
    updated_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "表头映射"
        verbose_name_plural = "表头映射"

    def __str__(self) -> str:
        return "、".join(self.headers[:5])


class OrgAlias(models.Model):
    """组织别名: a name a roster uses for an organisation, picked once by a clerk and remembered.

    ``alias`` is the normalised text (see importer.org_key). An alias is only ever looked up
    among the organisations the importer may already see, so it widens nobody's scope.
    """

    alias = models.CharField("别名", max_length=100, db_index=True)
    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.CASCADE, related_name="aliases")
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织别名"
        verbose_name_plural = "组织别名"
        constraints = [models.UniqueConstraint(fields=["alias", "org"], name="org_alias_unique")]

    def __str__(self) -> str:
        return f"{self.alias} → {self.org_id}"


from .models_places import GridArea, GridPlace, OrgArea, PlaqueJob  # noqa: E402,F401  (registers these models)
