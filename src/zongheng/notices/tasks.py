"""Background work of 一传到底: the SMS of a reminder (催办短信), sent after the request committed."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

log = logging.getLogger("zongheng.notices")

BATCH = 1000


def reminder_text(title: str) -> str:
    return f"【纵横】您有一条通知《{title[:40]}》尚未阅读或回执，请登录平台“我的通知”查看。"


@task()
def send_reminder_sms(notice_id: int, node_path: str, reminded_at: str) -> int:
    """Texts everyone of one reminder (same notice, node and time) who has a phone; returns how many.

    Reads the rows by keyset in batches (never all at once) and decrypts each phone only here.
    """
    from zongheng.core import crypto
    from zongheng.demands import sms

    from .models import Notice, NoticeRecipient

    at = dt.datetime.fromisoformat(reminded_at)
    notice = Notice.objects.filter(pk=notice_id).only("title").first()
    if notice is None:
        return 0
    rows = (NoticeRecipient.objects.filter(notice_id=notice_id, org_path__startswith=node_path, last_reminded_at=at)
            .exclude(person__phone_enc="").order_by("pk"))
    text = reminder_text(notice.title)
    sent, last = 0, 0
    while True:
        batch = list(rows.filter(pk__gt=last).values_list("pk", "person__phone_enc")[:BATCH])
        if not batch:
            return sent
        for pk, token in batch:
            try:
                phone = crypto.decrypt(token)
            except Exception:  # one unreadable number must not stop the others
                log.warning("reminder: unreadable phone of recipient %s", pk)
                continue
            if phone:
                sms.send(phone, text)
                sent += 1
        last = batch[-1][0]
