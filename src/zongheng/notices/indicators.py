"""The notices module's standardisation indicator (registered in ``hooks.py``): 通知回执率.

For each organisation (its subtree): of the people reached by the notices sent in the quarter that ask for a
回执 (not withdrawn), those who acknowledged it by the quarter's end (or now, while it runs). One GROUP BY
per depth over the recipients (``core.indicators.prefix_groups``), whatever the number of organisations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from zongheng.core.indicators import OrgRef, Quarter, Reading, prefix_groups

from .models import NoticeRecipient, NoticeStatus

CODE = "notice.ack"


def counted(quarter: Quarter, now: dt.datetime) -> QuerySet[NoticeRecipient]:
    """The recipients the indicator counts (sent in the quarter, asked for a 回执, not withdrawn)."""
    return NoticeRecipient.objects.filter(notice__status=NoticeStatus.SENT, notice__needs_ack=True,
                                          notice__sent_at__gte=quarter.starts_at,
                                          notice__sent_at__lt=quarter.until(now))


def ack_rate(orgs: Sequence[OrgRef], quarter: Quarter, now: dt.datetime) -> dict[int, Reading]:
    until = quarter.until(now)
    groups = prefix_groups(counted(quarter, now), "org_path", orgs, total=Count("pk"),
                           acked=Count("pk", filter=Q(acked_at__lte=until)))
    url = f"{reverse('notices:sent')}?{urlencode({'month': f'{quarter.start:%Y-%m}'})}"
    return {o.id: Reading.ratio(groups.get(o.id, {}).get("acked", 0), groups.get(o.id, {}).get("total", 0), url)
            for o in orgs}


def register() -> None:
    from zongheng.core.indicators import register_indicator

    register_indicator(CODE, "通知回执率", (), ack_rate,
                       "本季度发出、需要回执的通知，本组织及下级收到通知的人中按时回执的占比")
