"""网格的地点: what a grid covers, as data, so that an address or a point finds its grid.

- ``GridPlace``: a residential compound's buildings (幸福小区 1–6 栋), a street's door numbers
  (人民路 101–199 号) or a village's groups (龙狮村 1–4 组) that a grid covers. A compound may be
  split over several grids by building numbers.
- ``GridArea``: the grid's boundary as a GeoJSON Polygon (or MultiPolygon) in WGS 84
  (longitude, latitude), with its bounding box stored on the row for an indexed prefilter.

The lookups themselves are in ``orgs/places.py`` (plain Python ray casting; no GIS dependency).
Imported at the end of ``orgs/models.py`` so that Django registers the models with the orgs app.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from .models import Org


class PlaceKind(models.TextChoices):
    COMPOUND = "compound", "小区楼栋"
    STREET = "street", "道路门牌"
    GROUP = "group", "村民小组"


# The word a number of each kind is written with: 幸福小区 3 栋, 人民路 120 号, 龙狮村 2 组.
PLACE_UNIT = {PlaceKind.COMPOUND: "栋", PlaceKind.STREET: "号", PlaceKind.GROUP: "组"}


class GridPlace(models.Model):
    """网格地点: a compound's buildings, a street's door numbers or a village's groups covered by a grid.

    ``number_from``/``number_to`` bound the building, door or group numbers (both empty: the
    whole compound or street).
    """

    grid = models.ForeignKey(Org, verbose_name="网格", on_delete=models.CASCADE, related_name="places")
    kind = models.CharField("类型", max_length=16, choices=PlaceKind.choices)
    name = models.CharField("名称", max_length=60, db_index=True, help_text="小区、道路或村的名称，如“幸福小区”")
    number_from = models.PositiveIntegerField("起始号", null=True, blank=True)
    number_to = models.PositiveIntegerField("截止号", null=True, blank=True)

    class Meta:
        verbose_name = "网格地点"
        verbose_name_plural = "网格地点"
        ordering = ["grid_id", "kind", "name", "number_from"]
        constraints = [
            models.CheckConstraint(
                name="grid_place_numbers_ordered",
                condition=Q(number_from__isnull=True) | Q(number_to__isnull=True)
                | Q(number_to__gte=models.F("number_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}{self.numbers}"

    @property
    def numbers(self) -> str:
        """"3–6 栋", "101–199 号", "" (the whole place)."""
        unit = PLACE_UNIT.get(PlaceKind(self.kind), "")
        if self.number_from is None:
            return ""
        if self.number_to is None or self.number_to == self.number_from:
            return f" {self.number_from} {unit}"
        return f" {self.number_from}–{self.number_to} {unit}"

    def covers(self, number: int | None) -> bool:
        if self.number_from is None:
            return True
        if number is None:
            return False
        return self.number_from <= number <= (self.number_to if self.number_to is not None else self.number_from)


class GridArea(models.Model):
    """网格范围: the grid's boundary (GeoJSON geometry, longitude/latitude) and its bounding box."""

    grid = models.OneToOneField(Org, verbose_name="网格", on_delete=models.CASCADE, related_name="area")
    boundary = models.JSONField("边界（GeoJSON）")
    min_lat = models.FloatField(db_index=True, editable=False)
    max_lat = models.FloatField(editable=False)
    min_long = models.FloatField(db_index=True, editable=False)
    max_long = models.FloatField(editable=False)

    class Meta:
        verbose_name = "网格范围"
        verbose_name_plural = "网格范围"

    def __str__(self) -> str:
        return f"{self.grid_id} 范围"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.set_bbox()
        super().save(*args, **kwargs)

    def set_bbox(self) -> None:
        from .places import bbox

        self.min_long, self.min_lat, self.max_long, self.max_lat = bbox(self.boundary)


class PlaqueJobQuerySet(models.QuerySet["PlaqueJob"]):
    def restrict(self, user: Any) -> PlaqueJobQuerySet:
        """A user's own print jobs, for organisations still in their ``org.view`` scope."""
        from zongheng.core.access import path_q, scope_paths
        from zongheng.core.permissions import Perm

        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(requested_by=user).filter(path_q("org__path", scope_paths(user, Perm.ORG_VIEW)))


class PlaqueJob(models.Model):
    """挂牌打印任务: the plaques of many grids, drawn in the background worker (a district: over a minute)."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, "排队中"), (RUNNING, "生成中"), (DONE, "已完成"), (FAILED, "失败")]

    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.CASCADE, related_name="+")
    layout = models.CharField("版式", max_length=8)
    base_url = models.CharField("站点地址", max_length=200, help_text="二维码中的网址前缀（取自发起请求）")
    requested_by = models.ForeignKey("accounts.User", verbose_name="发起人", on_delete=models.CASCADE,
                                     related_name="+")
    status = models.CharField("状态", max_length=8, choices=STATUSES, default=QUEUED)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    pdf = models.BinaryField("PDF", null=True, blank=True, editable=False)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = PlaqueJobQuerySet.as_manager()

    class Meta:
        verbose_name = "挂牌打印任务"
        verbose_name_plural = "挂牌打印任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.org_id} {self.layout} {self.status}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.DONE, self.FAILED)
