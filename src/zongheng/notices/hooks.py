"""What 一传到底 registers with the ground (``NoticesConfig.ready``): the warning rule
``notice.ack_overdue``, the to-do items and figures, navigation, the unread badge and the audit labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import has_perm, path_q, scope_paths
from zongheng.core.audit_display import register_actions, register_object_url
from zongheng.core.nav import register_badge, register_nav
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Figure, Todo, register_figure, register_todo
from zongheng.core.warnings import Due, register_rule

STEP = 4
# A warning is raised per notice and per organisation TWO levels below the sender (a district's
# notice: per community; a street's: per grid), so a notice to two million people raises at most
# as many warnings as there are such organisations, each addressed to the one responsible for it.
WARNING_DEPTH = 2
# A notice is followed up (warning, to-do items) for this long after its due time; older ones are
# history: their warnings clear, and they leave the to-do lists (they stay in the inbox and progress).
FOLLOW_UP = dt.timedelta(days=30)

AUDIT_ACTIONS = {
    "notice.create": "起草通知", "notice.send": "发送通知", "notice.withdraw": "撤回通知",
    "notice.remind": "催办通知", "notice.acknowledge": "回执通知", "notice.list_create": "新建通知名单",
    "notice.list_update": "修改通知名单", "notice.list_delete": "删除通知名单", "notice.update": "修改通知草稿",
}


def progress_url(notice_id: int, org_id: int | None = None) -> str:
    url = reverse("notices:progress", args=[notice_id])
    return f"{url}?org={org_id}" if org_id else url


def ack_overdue(now: dt.datetime) -> Iterable[Due]:
    """Notices needing 回执, past their due time (by at most ``FOLLOW_UP``), with recipients who have not
    acknowledged: one Due per (notice, organisation two levels below the sender). Three queries."""
    from zongheng.orgs.models import Org

    from .models import Notice, NoticeRecipient, NoticeStatus

    late = (NoticeRecipient.objects.filter(notice__status=NoticeStatus.SENT, notice__needs_ack=True,
                                           notice__due_at__lt=now, notice__due_at__gte=now - FOLLOW_UP,
                                           acked_at__isnull=True)
            .annotate(unit=Substr("org_path", 1, Length("notice__org_path") + STEP * WARNING_DEPTH))
            .values("notice_id", "unit").annotate(n=Count("pk")).order_by())
    groups = list(late)
    if not groups:
        return []
    notices = {n["pk"]: n for n in Notice.objects.filter(pk__in={g["notice_id"] for g in groups})
               .values("pk", "title", "due_at")}
    orgs = {o["path"]: o for o in Org.objects.filter(path__in={g["unit"] for g in groups}).values("pk", "path", "name")}
    out = []
    for g in groups:
        notice, org = notices[g["notice_id"]], orgs.get(g["unit"])
        if org is None:
            continue
        out.append(Due(key=f"{g['notice_id']}:{g['unit']}", org_path=g["unit"], org_name=org["name"],
                       title=f"《{notice['title'][:120]}》{org['name']}有 {g['n']} 人逾期未回执",
                       url=progress_url(g["notice_id"], org["pk"]), due_at=notice["due_at"] or now))
    return out


def my_todos(user: Any, now: dt.datetime) -> list[Todo]:
    """待回执通知 / 未读通知 of the person, and for senders their notices past due with non-responders."""
    from .models import Notice, NoticeRecipient, NoticeStatus
    from .selectors import inbox

    items: list[Todo] = []
    if getattr(user, "person_id", None):
        fresh = inbox(user, "pending").filter(Q(notice__due_at__isnull=True, notice__sent_at__gte=now - FOLLOW_UP)
                                              | Q(notice__due_at__gte=now - FOLLOW_UP))
        rows = fresh.values_list("notice_id", "notice__title", "notice__needs_ack", "notice__due_at", "remind_count")
        for notice_id, title, needs_ack, due_at, reminded in rows[:TODO_LIMIT]:
            items.append(Todo("待回执通知" if needs_ack else "未读通知", title + ("（已催办）" if reminded else ""),
                              reverse("notices:read", args=[notice_id]), due_at))
    if getattr(user, "pk", None) and has_perm(user, Perm.NOTICE_SEND):  # 催办 is the sender's, with the right
        pending = NoticeRecipient.objects.filter(notice=OuterRef("pk"), acked_at__isnull=True)
        late = (Notice.objects.filter(sender_id=user.pk, status=NoticeStatus.SENT, needs_ack=True, due_at__lt=now,
                                      due_at__gte=now - FOLLOW_UP)
                .filter(Exists(pending)).order_by("due_at").values_list("pk", "title", "due_at")[:TODO_LIMIT])
        items += [Todo("通知回执逾期", f"{title}：尚有人未回执，可一键催办", progress_url(pk), due_at)
                  for pk, title, due_at in late]
    return items


def my_figures(user: Any, now: dt.datetime) -> list[Figure]:
    from .models import NoticeStatus
    from .selectors import unread_count

    out = []
    if getattr(user, "person_id", None):
        out.append(Figure("未读通知", unread_count(user), reverse("notices:mine") + "?state=unread"))
    paths = scope_paths(user, Perm.NOTICE_VIEW)
    if paths:
        # Counted on the notices, never on their recipients: a notice to two million people costs the
        # home page nothing; the 回执率 of each notice is on its progress page.
        from .models import Notice

        first = timezone.localdate(now).replace(day=1)
        sent = (Notice.objects.filter(path_q("org_path", paths), status=NoticeStatus.SENT,
                                      sent_at__date__gte=first)
                .aggregate(total=Count("pk"), ack=Count("pk", filter=Q(needs_ack=True))))
        note = f"其中 {sent['ack']} 份需要回执，回执进度见各通知" if sent["total"] else "本月还没有发出通知"
        link = reverse("notices:sent") + f"?month={first:%Y-%m}"
        out.append(Figure("本月发出的通知", sent["total"], link, note=note))
    return out


def _unread(user: Any) -> int:
    from .selectors import unread_count

    return unread_count(user)


def register() -> None:
    from zongheng.core.paths import register_path_copy

    from .models import Notice

    register_path_copy(Notice, "org_path")  # recipients keep the organisation they were sent to
    register_actions(AUDIT_ACTIONS)
    register_object_url("notices.notice", lambda pk: progress_url(int(pk)) if str(pk).isdigit() else None,
                        Perm.NOTICE_VIEW)
    register_rule("notice.ack_overdue", "通知逾期未回执", Perm.NOTICE_VIEW, ack_overdue)
    register_todo(30, "notices", my_todos)
    register_figure(30, "notices", my_figures)
    register_nav(35, "notices:sent", "通知", Perm.NOTICE_VIEW)
    register_badge(20, "notices:mine", "我的通知", _unread)
    from . import indicators, metrics

    indicators.register()
    metrics.register()
