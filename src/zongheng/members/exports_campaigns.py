"""The .xlsx lists of duty campaigns (认领): the campaigns, a campaign's coverage per segment, and the claims
roster (names, shifts, check-in and check-out, residents brought along) — filtered like the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from zongheng.core.exports import xlsx_response

from .models import Campaign, DutyClaim, Segment


def _t(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def campaigns_xlsx(qs: QuerySet[Campaign]) -> HttpResponse:
    headers = ["名称", "类型", "发起组织", "开始日期", "结束日期", "状态", "班次", "名额", "已认领", "尚缺人的班次"]

    def rows() -> Iterator[Sequence[Any]]:
        for c in qs.iterator(chunk_size=2000):
            yield [c.title, c.get_kind_display(), c.org.name, c.starts_on.isoformat(), c.ends_on.isoformat(),
                   c.get_state_display(), getattr(c, "shift_count", ""), getattr(c, "capacity_sum", None) or 0,
                   getattr(c, "claimed_sum", None) or 0, getattr(c, "short_count", "")]

    return xlsx_response("认领活动.xlsx", "认领活动", headers, rows())


def coverage_xlsx(campaign: Campaign, segments: QuerySet[Segment]) -> HttpResponse:
    headers = ["次序", "段（岗）", "位置", "班次", "名额", "已认领", "认领率（%）", "尚缺人的班次"]

    def rows() -> Iterator[Sequence[Any]]:
        for s in segments.iterator(chunk_size=2000):
            capacity, claimed = s.capacity_sum or 0, s.claimed_sum or 0  # type: ignore[attr-defined]
            yield [s.order, s.name, s.place, s.shift_count, capacity, claimed,  # type: ignore[attr-defined]
                   round(100 * claimed / capacity) if capacity else 0, s.short_count]  # type: ignore[attr-defined]

    return xlsx_response(f"{campaign.title}_覆盖情况.xlsx", "覆盖情况", headers, rows())


def roster_xlsx(qs: QuerySet[DutyClaim]) -> HttpResponse:
    headers = ["认领活动", "段（岗）", "班次开始", "班次结束", "党员", "状态", "认领时间", "退领时间", "签到时间",
               "签退时间", "带动群众（人）"]

    def rows() -> Iterator[Sequence[Any]]:
        for c in qs.iterator(chunk_size=2000):
            yield [c.campaign.title, c.shift.segment.name, _t(c.starts_at), _t(c.ends_at), c.person.name,
                   c.get_state_display(), _t(c.claimed_at), _t(c.released_at), _t(c.checked_in_at),
                   _t(c.checked_out_at), getattr(c, "companion_count", "")]

    return xlsx_response("认领名册.xlsx", "认领名册", headers, rows())
