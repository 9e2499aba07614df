"""xlsx builders of the staff workbench (phones always masked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from zongheng.core.exports import xlsx_response

from .models import Demand
from .selectors import countdown

QUEUE_HEADERS = ["编号", "受理时间", "来源", "类别", "紧急程度", "状态", "所属网格", "承办组织", "诉求内容", "地址",
                 "联系电话", "当前时限", "剩余/超时", "答复内容", "评分"]


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def queue_rows(qs: QuerySet[Demand], now: dt.datetime) -> Iterator[Sequence[Any]]:
    for d in qs.iterator(chunk_size=2000):
        yield [
            d.ref, _local(d.received_at), d.get_channel_display(), d.category.name, d.get_urgency_display(),
            d.get_status_display(), d.grid.name, d.org.name, d.description, d.address, d.phone_masked,
            _local(d.current_due_at) if d.is_open else "", countdown(d, now), d.answer, d.rating or "",
        ]


def queue_xlsx(qs: QuerySet[Demand], now: dt.datetime) -> HttpResponse:
    stamp = timezone.localtime(now).strftime("%Y%m%d")
    return xlsx_response(f"居民诉求-{stamp}.xlsx", "居民诉求", QUEUE_HEADERS, queue_rows(qs, now))
