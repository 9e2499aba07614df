"""The three lists and the matches as .xlsx (the rows of the list page, with its filters)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from zongheng.core.exports import xlsx_response

from .matching import kind_unit
from .models import Match, Need, Resource, Service

MAX_ROWS = 100_000


def _day(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


def needs_xlsx(qs: QuerySet[Need]) -> HttpResponse:
    headers = ["社区", "类别", "需求", "说明", "数量", "单位", "已对接", "尚缺", "状态", "来源", "登记日期"]

    def rows() -> Iterator[Sequence[Any]]:
        for n in qs[:MAX_ROWS].iterator(chunk_size=2000):
            met = getattr(n, "met", 0)
            source = "诉求" if n.demand_id else ("每月一听" if n.listening_session_id else "")
            yield [n.org.name, n.get_kind_display(), n.title, n.detail, n.quantity, kind_unit(n.kind), met,
                   max(n.quantity - met, 0), n.get_state_display(), source, _day(n.created_at)]

    return xlsx_response("需求清单.xlsx", "需求清单", headers, rows())


def resources_xlsx(qs: QuerySet[Resource]) -> HttpResponse:
    headers = ["提供单位", "类别", "资源", "说明", "可提供数量", "已对接", "剩余", "单位", "面积（平方米）", "开放时间",
               "提供地点", "闲置资源", "可用"]

    def rows() -> Iterator[Sequence[Any]]:
        for r in qs[:MAX_ROWS].iterator(chunk_size=2000):
            yield [r.unit.name, r.get_kind_display(), r.title, r.detail, r.capacity, r.used, r.capacity - r.used,
                   kind_unit(r.kind), r.area_m2 or "", r.availability, r.place.name, "是" if r.idle else "",
                   "是" if r.active else "否"]

    return xlsx_response("资源清单.xlsx", "资源清单", headers, rows())


def services_xlsx(qs: QuerySet[Service]) -> HttpResponse:
    headers = ["社区", "类别", "服务", "说明", "服务时间", "提供中"]

    def rows() -> Iterator[Sequence[Any]]:
        for s in qs[:MAX_ROWS].iterator(chunk_size=2000):
            yield [s.org.name, s.get_kind_display(), s.title, s.detail, s.schedule, "是" if s.active else "否"]

    return xlsx_response("服务清单.xlsx", "服务清单", headers, rows())


def matches_xlsx(qs: QuerySet[Match]) -> HttpResponse:
    headers = ["确认日期", "社区", "需求", "提供单位", "资源", "类别", "对接数量", "单位", "匹配理由", "认领书",
               "认领项目状态"]

    def rows() -> Iterator[Sequence[Any]]:
        for m in qs[:MAX_ROWS].iterator(chunk_size=2000):
            yield [_day(m.accepted_at), m.need.org.name, m.need.title, m.resource.unit.name, m.resource.title,
                   m.resource.get_kind_display(), m.quantity, kind_unit(m.resource.kind), m.reason,
                   m.item.agreement.title, m.item.get_state_display()]

    return xlsx_response("资源对接.xlsx", "资源对接", headers, rows())
