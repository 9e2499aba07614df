"""Exports of 一传到底 (.xlsx through core.exports; phones masked)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from zongheng.core.exports import xlsx_response

from .models import Notice, NoticeRecipient


def _at(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def rows_xlsx(notice: Notice, node: Any, rows: QuerySet[NoticeRecipient]) -> HttpResponse:
    """The recipients of one node (e.g. the non-responders), read in chunks."""
    headers = ["姓名", "电话（脱敏）", "所在组织", "阅读时间", "回执时间", "回执留言", "催办次数", "最近催办"]

    def lines() -> Iterable[list[Any]]:
        for r in rows.iterator(chunk_size=2000):
            yield [r.person.name, r.person.phone_masked, r.org.name, _at(r.read_at), _at(r.acked_at), r.reply,
                   r.remind_count, _at(r.last_reminded_at)]

    return xlsx_response(f"{notice.title[:40]}-{node.name}-名单.xlsx", "名单", headers, lines())


def sent_xlsx(notices: QuerySet[Notice]) -> HttpResponse:
    from .selectors import counts_for

    items = list(notices[:5000])
    counts = counts_for([n.pk for n in items])
    headers = ["标题", "发文组织", "状态", "发送时间", "回执截止", "接收人数", "已读", "已回执"]
    rows = [[n.title, n.sender_org.name, n.get_status_display(), _at(n.sent_at), _at(n.due_at),
             counts[n.pk].total, counts[n.pk].read, counts[n.pk].acked] for n in items]
    return xlsx_response("通知列表.xlsx", "通知", headers, rows)


def inbox_xlsx(rows: QuerySet[NoticeRecipient]) -> HttpResponse:
    """我的通知: the user's own notices (title, sender, times, reply), read in chunks."""
    headers = ["标题", "发文组织", "发送时间", "需要回执", "回执截止", "阅读时间", "回执时间", "回执留言", "已催办"]

    def lines() -> Iterable[list[Any]]:
        for r in rows.iterator(chunk_size=2000):
            n = r.notice
            yield [n.title, n.sender_org.name, _at(n.sent_at), "是" if n.needs_ack else "否", _at(n.due_at),
                   _at(r.read_at), _at(r.acked_at), r.reply, "是" if r.remind_count else "否"]

    return xlsx_response("我的通知.xlsx", "我的通知", headers, lines())
