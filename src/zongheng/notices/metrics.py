"""The notices' figures for 一张网 (纵向联动): registered with ``core.metrics`` from ``hooks.register``.

- ``notices.sent`` — notices sent (not withdrawn) in the period, by ``now``, counted where the sending
  organisation sits: 发出通知.
- ``notices.receipt`` — the recipients the module's 通知回执率 counts (``indicators.counted``: reached by a notice
  sent in the period that asks for a 回执 and was not withdrawn), counted where each recipient's organisation
  sits: 应回执; those who acknowledged by the period's end (or ``now`` while it runs, ``acked_in_time``): 已回执;
  回执率 = 已回执 / 应回执 — the indicator's numbers for the same organisation's subtree and period.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from zongheng.core.metrics import Row, flag, register_metric, register_source
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm

from .models import Notice, NoticeRecipient, NoticeStatus


def sent_in(period: Period, now: dt.datetime) -> QuerySet[Notice]:
    """Notices sent in the period (by ``now``) and not withdrawn."""
    return (Notice.objects.filter(status=NoticeStatus.SENT, sent_at__gte=period.start, sent_at__lt=period.until(now))
            .select_related("sender_org"))


def receipts(period: Period, now: dt.datetime) -> QuerySet[NoticeRecipient]:
    """The recipients 通知回执率 counts for the period, with ``acked_in_time``: acknowledged by its end (or
    ``now``)."""
    until = period.until(now)
    return (NoticeRecipient.objects.filter(notice__status=NoticeStatus.SENT, notice__needs_ack=True,
                                           notice__sent_at__gte=period.start, notice__sent_at__lt=until)
            .annotate(acked_in_time=flag(Q(acked_at__lte=until)))
            .select_related("notice", "person", "org"))


def _when(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def _show_notice(n: Any) -> Row:
    ack = "，需要回执" if n.needs_ack else ""
    return Row(n.title, reverse("notices:progress", args=[n.pk]), f"{n.sender_org.name}，{_when(n.sent_at)} 发出{ack}")


def _show_receipt(r: Any) -> Row:
    url = f"{reverse('notices:progress', args=[r.notice_id])}?{urlencode({'org': r.org_id})}"
    state = f"{_when(r.acked_at)} 回执" if r.acked_at else "未回执"
    return Row(f"《{r.notice.title}》 {r.person.name}", url, f"{r.org.name}，{state}")


def register() -> None:
    register_source("notices.sent", sent_in, path="org_path", perm=Perm.NOTICE_VIEW, show=_show_notice,
                    dated="sent_at", label="通知")
    register_source("notices.receipt", receipts, path="org_path", perm=Perm.NOTICE_VIEW, show=_show_receipt,
                    label="接收记录")
    register_metric("vertical.notices_sent", "vertical", "发出通知", source="notices.sent", unit="份", order=60,
                    help="期间内由本组织及下级组织发出（未撤回）的通知")
    register_metric("vertical.receipts_due", "vertical", "应回执", source="notices.receipt", unit="人次", order=70,
                    help="期间内发出、需要回执（未撤回）的通知，本组织及下级收到通知的人次")
    register_metric("vertical.receipts_acked", "vertical", "已回执", source="notices.receipt", unit="人次", order=80,
                    where=Q(acked_in_time=True), help="应回执的人次中，在期间结束前（期间未结束时截至当前）已回执的")
    register_metric("vertical.ack_rate", "vertical", "通知回执率", order=90, headline=False,
                    ratio=("vertical.receipts_acked", "vertical.receipts_due"),
                    help="已回执 ÷ 应回执，与标准化建设的“通知回执率”口径相同")
