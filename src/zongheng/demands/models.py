"""民心零距离: residents' demands, their deadlines, history, whistles and listening sessions."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zongheng.core.access import in_q, path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from .choices import Channel, Clock, Status, Urgency


class CalendarDay(models.Model):
    """A day that breaks the Monday–Friday rule: a holiday (休) or an adjusted working day (调休上班)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班")
    note = models.CharField("说明", max_length=40, blank=True)

    class Meta:
        verbose_name = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.note}"


class Category(models.Model):
    """诉求类别 with keywords used to suggest it from a resident's text."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    keywords = models.CharField("关键词", max_length=400, blank=True, help_text="以空格分隔，用于根据描述推荐类别")
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "诉求类别"
        verbose_name_plural = "诉求类别"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class DeadlineRule(models.Model):
    """Response and resolution limits for a category and urgency, in working or natural minutes."""

    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.CASCADE, related_name="rules")
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices)
    clock = models.CharField("计时方式", max_length=16, choices=Clock.choices, default=Clock.WORKING)
    response_minutes = models.PositiveIntegerField("响应时限（分钟）")
    resolution_minutes = models.PositiveIntegerField("办结时限（分钟）")

    class Meta:
        verbose_name = "办理时限"
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="deadline_rule_unique"),
            models.CheckConstraint(
                name="deadline_response_before_resolution",
                condition=Q(response_minutes__gt=0) & Q(resolution_minutes__gte=models.F("response_minutes")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.get_urgency_display()}"


class Station(models.Model):
    """民心驿站: a place where residents bring demands in person."""

    org = models.ForeignKey(Org, verbose_name="所属组织", on_delete=models.PROTECT, related_name="stations")
    name = models.CharField("名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = "民心驿站"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ListeningSession(models.Model):
    """每月一听: a monthly listening session, with who attended and the demands raised there."""

    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="listening_sessions")
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=200)
    attendees = models.TextField("参加人员", blank=True)
    summary = models.TextField("情况记录", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "每月一听"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.org} {self.held_on} 每月一听"


class DemandQuerySet(models.QuerySet["Demand"]):
    def restrict(self, user: Any, perm: str = Perm.DEMAND_VIEW) -> DemandQuerySet:
        """Demands held by, or raised in a grid of, an org in the user's scope."""
        paths = scope_paths(user, perm)
        summoned = Summons.objects.filter(path_q("org__path", paths)).values("demand_id")
        return self.filter(path_q("org_path", paths) | path_q("grid_path", paths) | in_q("pk", summoned))


class Demand(models.Model):
    """民情诉求: one demand of a resident, from intake to rating.

    ``code_hash`` is the SHA-256 of the submitter's tracking code (the code itself is shown once
    and never stored; ``code_prefix`` keeps its first characters for staff to find a demand a
    resident reads out); ``ref`` the public reference staff quote (also the Open311
    service_request_id). ``org`` is the current holder in the tree;
    ``grid`` the grid the demand belongs to. Both paths are copied for scoped queries.
    """

    ref = models.CharField("编号", max_length=20, unique=True)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    code_prefix = models.CharField("查询码前缀", max_length=6, db_index=True, editable=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    channel = models.CharField("来源", max_length=16, choices=Channel.choices, db_index=True)
    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT, related_name="demands")
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField("诉求内容")
    address = models.CharField("地址", max_length=200)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField("联系电话", max_length=20, blank=True, editable=False)
    grid = models.ForeignKey(Org, verbose_name="所属网格", on_delete=models.PROTECT, related_name="grid_demands")
    grid_path = models.CharField(max_length=255, db_index=True, editable=False)
    org = models.ForeignKey(Org, verbose_name="承办组织", on_delete=models.PROTECT, related_name="held_demands")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    station = models.ForeignKey(Station, verbose_name="民心驿站", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="demands")
    listening_session = models.ForeignKey(ListeningSession, verbose_name="每月一听", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="demands")
    merged_into = models.ForeignKey("self", verbose_name="合并到", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged")
    received_at = models.DateTimeField("受理时间", db_index=True)
    first_response_due_at = models.DateTimeField("首次响应时限", editable=False)
    response_due_at = models.DateTimeField("响应时限")
    resolution_due_at = models.DateTimeField("办结时限")
    first_accepted_at = models.DateTimeField("首次接单时间", null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField("接单时间", null=True, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answer = models.TextField("答复内容", blank=True)
    rating = models.PositiveSmallIntegerField("评分", null=True, blank=True)
    rating_comment = models.CharField("评价", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    reject_reason = models.CharField("不予受理理由", max_length=500, blank=True)
    escalations = models.PositiveSmallIntegerField("上报次数", default=0)
    reopens = models.PositiveSmallIntegerField("重办次数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = "居民诉求"
        verbose_name_plural = "居民诉求"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(name="demand_rating_1_to_5",
                                   condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)),
            models.CheckConstraint(name="demand_closed_has_answer",
                                   condition=~Q(status="closed") | ~Q(answer="")),
        ]
        indexes = [
            models.Index(fields=["status", "response_due_at"]),
            models.Index(fields=["status", "resolution_due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.description[:20]}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.RECEIVED, Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS)

    @property
    def current_due_at(self) -> Any:
        """The deadline that applies now: response until accepted, then resolution."""
        if self.status in (Status.RECEIVED, Status.ASSIGNED):
            return self.response_due_at
        return self.resolution_due_at


class DemandPhoto(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("照片", upload_to="demands/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name


class DemandFollower(models.Model):
    """A resident following a demand (the original one, or one merged into it): phone for SMS, own code.

    Only the hash of the code is stored (``code_hash``, see ``hash_code``). The follower whose
    code is the demand's own (``Demand.code_hash``) is its submitter: only that resident's
    rating decides the outcome. Other followers may leave their own rating (``rating``…),
    kept here and never counted in the satisfaction figures.
    """

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="followers")
    code_hash = models.CharField(max_length=64, unique=True)
    code_prefix = models.CharField(max_length=6, db_index=True)
    phone_enc = models.TextField(blank=True)
    phone_masked = models.CharField(max_length=20, blank=True)
    rating = models.PositiveSmallIntegerField("关注者评分", null=True, blank=True)
    rating_comment = models.CharField("关注者评价", max_length=500, blank=True)
    rated_at = models.DateTimeField("关注者评价时间", null=True, blank=True)

    def __str__(self) -> str:
        return f"关注 {self.demand_id}"

    def is_submitter(self, demand: Demand | None = None) -> bool:
        """True for the resident who raised ``demand`` (default: the followed one) — not a joiner."""
        return self.code_hash == (demand or self.demand).code_hash


class DemandEvent(models.Model):
    """One step in a demand's history: every transition, with who, when and a note.

    ``org`` is the holder after the step (the organisation an assignment or an escalation went
    to); ``by_org`` the organisation of whoever acted — the post through which the actor holds
    the right over the demand, the summoned unit for a report, the holder before the step for
    the system and the resident. Rows written before it existed have ``by_org`` empty.
    """

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField("时间")
    action = models.CharField("动作", max_length=32)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField("办理人", max_length=100)
    org = models.ForeignKey(Org, verbose_name="承办组织", on_delete=models.PROTECT, related_name="+")
    by_org = models.ForeignKey(Org, verbose_name="办理单位", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="办理人所在的组织（系统和居民的动作记承办组织）")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "办理记录"
        ordering = ["demand_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["demand", "seq"], name="demand_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.demand_id}#{self.seq} {self.action}"


class Summons(models.Model):
    """吹哨报到: a department or unit summoned to a demand; it reports back."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="summons")
    org = models.ForeignKey(Org, verbose_name="报到单位", on_delete=models.PROTECT, related_name="summons")
    requested_at = models.DateTimeField("吹哨时间")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField("报到时间", null=True, blank=True)
    report = models.TextField("报到情况", blank=True)

    class Meta:
        verbose_name = "吹哨报到"
        constraints = [models.UniqueConstraint(fields=["demand", "org"], name="summons_once_per_org")]

    def __str__(self) -> str:
        return f"{self.demand_id} 吹哨 {self.org_id}"


class Notification(models.Model):
    """In-app notice to a user (assignment, escalation, summons)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text


def hash_code(code: str) -> str:
    """The stored form of a tracking code.

    A code of the current format (``codes.py``: 12 characters, typed in any case, with or without
    dashes, full-width or not) is stored as a keyed hash of its normalised form; a code issued
    before it (22 URL-safe characters, 128 random bits) as SHA-256 of the code as given.
    """
    from .codes import keyed_hash, normalize

    plain = normalize(code)
    if plain is not None:
        return keyed_hash(plain)
    return hashlib.sha256(f"zongheng-demand-code:{code}".encode()).hexdigest()


def code_prefix(code: str) -> str:
    """The characters kept in clear for staff to find a demand a resident reads out (4 of the 12)."""
    from .codes import PREFIX, normalize

    plain = normalize(code)
    return plain[:PREFIX] if plain is not None else code[:6]


class ClientBucket(models.Model):
    """One row per client, locked while its hits are counted and added (race-free rate limits)."""

    client = models.CharField(max_length=64, unique=True)
    touched_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.client[:8]


class ClientHit(models.Model):
    """One counted event of an anonymous client, for the per-client rate limits.

    ``kind`` "submit": a public submission (web form new demand or "add to this one", or an
    Open311 POST without api_key — one bucket for all). ``kind`` "track": a failed
    tracking-code lookup. ``client`` is a keyed hash of the client's address (the address itself
    is never stored); the limit counts rows in the database, so it holds across processes and
    machines.
    """

    client = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, default="submit")
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["client", "at"], name="demand_clienthit_client_at")]

    def __str__(self) -> str:
        return f"{self.client[:8]} {self.at}"
