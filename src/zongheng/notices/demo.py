"""The demo's notices (一传到底): eight of 2018 from the district 组织部 and the streets, with
realistic read and 回执 rates and reminders, plus a live slice around today.

Everything after sending is set-based: who reads and acknowledges is decided by a seeded hash of
the person id (``(person_id * a + seed) % 100``), a handful of UPDATEs per notice, whatever its size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.utils import timezone

from zongheng.core.permissions import Role
from zongheng.orgs.models import Org, Post

from .actions import Audience, do_create_notice
from .models import Notice, NoticeRecipient

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Spec:
    title: str
    body: str
    sender: str  # "district" or a street's name
    sent: tuple[int, int, int, int]  # month, day, hour, minute
    days: int  # due after sending
    levels: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    read: int = 90  # percent who read
    ack: int = 80  # percent of the readers who acknowledge
    remind: bool = False
    needs_ack: bool = True


YEAR_NOTICES = [
    Spec("关于开展“一纵一横一清单”城市基层党建工作的通知",
         "各街道党工委，各社区党委：\n\n为贯彻落实全市城市基层党建工作会议精神，区委决定在全区开展“一纵一横一清单”"
         "城市基层党建工作。请各级党组织对照任务清单，于规定时间内完成组织体系梳理和共建单位对接。\n\n"
         "请收到通知后回执。", "district", (3, 12, 9, 30), 7, remind=True),
    Spec("关于“两学一做”学习教育常态化制度化的通知",
         "各基层党组织：\n\n请结合“三会一课”制度，每月安排集中学习，做好学习记录。", "district", (4, 9, 10, 0), 10,
         read=85, ack=75),
    Spec("关于做好2018年防汛值守工作的通知",
         "各街道、社区：\n\n入汛以来降雨偏多，请各街道、社区党组织书记带头值守，落实24小时值班制度，"
         "值班表于6月8日前报区委组织部。", "district", (6, 5, 16, 0), 3, levels=("street", "community"),
         read=97, ack=93),
    Spec("关于七月主题党日活动安排的通知",
         "各社区党委：\n\n七月主题党日以“重温入党誓词、庆祝建党97周年”为主题，请于7月1日前组织开展。",
         "宜城路街道", (6, 25, 9, 0), 5, read=88, ack=70, remind=True),
    Spec("关于做好党费收缴工作的通知",
         "各社区党委：\n\n请于本月底前完成第三季度党费收缴并报送台账。", "人民路街道", (8, 20, 14, 30), 10,
         read=82, ack=68),
    Spec("关于召开全区城市基层党建工作推进会的通知",
         "各街道党工委书记、社区党委书记：\n\n定于9月7日上午9时在区委三楼会议室召开推进会，请准时参加。",
         "district", (9, 3, 11, 0), 3, roles=(Role.SECRETARY,), read=99, ack=96),
    Spec("关于开展在职党员到社区报到服务的通知",
         "各社区党委：\n\n请组织在职党员到居住地社区报到，认领服务岗位。", "新河路街道", (10, 15, 9, 0), 14,
         read=80, ack=60, remind=True),
    Spec("关于做好2018年度基层党组织书记抓党建述职评议考核工作的通知",
         "各街道党工委、社区党委：\n\n请各级党组织书记于12月20日前报送述职报告。", "district", (12, 10, 9, 0), 9,
         levels=("street", "community"), roles=(Role.SECRETARY,), read=100, ack=92),
]

LIVE_NOTICES = [
    # (spec, sent days before today, due days after today)
    (Spec("关于开展冬季安全生产和消防隐患排查的通知",
          "各街道党工委，各社区党委：\n\n入冬以来火灾风险上升，请各级党组织组织党员对辖区老旧小区、沿街商铺"
          "开展一次隐患排查，并于截止时间前回执。", "district", (0, 0, 9, 30), 0, read=55, ack=55, remind=True), 3, 2),
    (Spec("关于召开十二月主题党日的通知",
          "各社区党委：\n\n十二月主题党日请围绕“为民办实事”开展，活动方案请提前报街道党工委。",
          "宜城路街道", (0, 0, 15, 0), 0, read=35, ack=60), 1, 4),
    (Spec("关于报送2026年度党组织书记述职报告的通知",
          "各街道党工委书记、社区党委书记：\n\n请于截止时间前报送本年度抓党建述职报告。", "district",
          (0, 0, 10, 0), 0, roles=(Role.SECRETARY,), read=90, ack=70, remind=True), 8, -1),
]


def _sender(district: Org, name: str) -> tuple[Any, Org]:
    """The organisation and the account of the one holding its secretary (or 组织部) post."""
    from zongheng.accounts.models import User

    org = district if name == "district" else Org.objects.get(path__startswith=district.path, name=name)
    roles = [Role.ORG_DEPT] if org.pk == district.pk else [Role.SECRETARY]
    post = (Post.objects.filter(org=org, role__in=roles).select_related("person").order_by("pk").first())
    if post is None:
        raise LookupError(f"{org.name} has no {roles[0]}")
    user = User.objects.filter(person=post.person).first()
    if user is None:
        user = User(username=f"cadre{post.person.pk}", person=post.person, first_name=post.person.name,
                    must_change_password=True, is_active=True)
        user.set_unusable_password()
        user.save()
    return user, org


def _bucket(seed: int, factor: int) -> Any:
    return Mod(F("person_id") * factor + seed, 100)


def _answers(notice: Notice, spec: Spec, seed: int, until: dt.datetime, keep: list[int]) -> None:
    """Read and acknowledge set-based: 5 read-time buckets, acks an hour to a day after reading."""
    rows = NoticeRecipient.objects.filter(notice=notice).exclude(person_id__in=keep)
    sent = notice.sent_at
    assert sent is not None  # noqa: S101
    span = max((until - sent).total_seconds() / 3600, 1)
    edges = [0, 30, 55, 75, 90, 101]
    for k in range(5):
        low, high = spec.read * edges[k] // 100, spec.read * edges[k + 1] // 100
        at = sent + dt.timedelta(hours=span * (k + 1) / 6)
        rows.alias(b=_bucket(seed, 7919)).filter(b__gte=low, b__lt=high).update(read_at=at)
    if notice.needs_ack:
        acked = rows.filter(read_at__isnull=False).alias(b=_bucket(seed, 104729)).filter(b__lt=spec.ack)
        acked.filter(read_at__lt=until - dt.timedelta(hours=2)).update(acked_at=F("read_at") + dt.timedelta(hours=1))


def _remind(notice: Notice, at: dt.datetime) -> int:
    pending = Q(acked_at__isnull=True) | Q(acked_at__gt=at)
    return NoticeRecipient.objects.filter(notice=notice).filter(pending).update(last_reminded_at=at, remind_count=1)


def _send(district: Org, spec: Spec, sent: dt.datetime, due: dt.datetime) -> Notice:
    user, org = _sender(district, spec.sender)
    return do_create_notice(
        user, {"title": spec.title, "body": spec.body, "sender_org": org, "needs_ack": spec.needs_ack,
               "due_at": due, "remind_interval_hours": 24},
        Audience(orgs=(org,), levels=spec.levels, roles=spec.roles), send=True, now=sent)


@transaction.atomic
def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> int:
    """The year's notices; returns how many recipient rows were written."""
    from zongheng.accounts.models import User

    log = log or (lambda _msg: None)
    demo_people = [pid for pid in User.objects.filter(is_demo=True).values_list("person_id", flat=True) if pid]
    total = 0
    for spec in YEAR_NOTICES:
        month, day, hour, minute = spec.sent
        sent = dt.datetime(year, month, day, hour, minute, tzinfo=TZ)
        due = sent + dt.timedelta(days=spec.days)
        notice = _send(district, spec, sent, due)
        if spec.remind:
            _answers(notice, spec, seed, due - dt.timedelta(days=1), [])
            _remind(notice, due - dt.timedelta(days=1))
            late = Spec(**{**spec.__dict__, "read": min(100, spec.read + 5)})
            _answers_late(notice, late, seed, due + dt.timedelta(days=2))
        else:
            _answers(notice, spec, seed, due, [])
        # The demo accounts dealt with their 2018 notices: today's to-do lists show only the live slice.
        notice.recipients.filter(person_id__in=demo_people).update(read_at=due - dt.timedelta(days=1),
                                                                   acked_at=due - dt.timedelta(days=1))
        total += notice.recipients.count()
    log(f"通知 {len(YEAR_NOTICES)} 条，接收 {total:,} 人次")
    return total


def _answers_late(notice: Notice, spec: Spec, seed: int, until: dt.datetime) -> None:
    """After a reminder: some who had not read read now, some readers acknowledge (after the due time too)."""
    rows = NoticeRecipient.objects.filter(notice=notice)
    rows.filter(read_at__isnull=True).alias(b=_bucket(seed, 7919)).filter(b__lt=spec.read).update(read_at=until)
    rows.filter(read_at__isnull=False, acked_at__isnull=True).alias(b=_bucket(seed, 31)).filter(b__lt=50).update(
        acked_at=until)


@transaction.atomic
def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               now: dt.datetime | None = None) -> int:
    """Notices of the last days, due around today; the demo accounts' own rows are left unanswered."""
    from zongheng.accounts.models import User

    log = log or (lambda _msg: None)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    keep = [pid for pid in User.objects.filter(is_demo=True).values_list("person_id", flat=True) if pid]
    total = 0
    for spec, before, after in LIVE_NOTICES:
        _, _, hour, minute = spec.sent
        day = today - dt.timedelta(days=before)
        sent = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
        sent = min(sent, now - dt.timedelta(hours=1))
        due_day = today + dt.timedelta(days=after)
        due = dt.datetime(due_day.year, due_day.month, due_day.day, 17, 30, tzinfo=TZ)
        notice = _send(district, spec, sent, max(due, sent + dt.timedelta(hours=2)))
        _answers(notice, spec, seed, min(now, notice.due_at or now), keep)
        if spec.remind:
            _remind(notice, min(now, notice.due_at or now) - dt.timedelta(hours=3))
        total += notice.recipients.count()
    log(f"最近的通知 {len(LIVE_NOTICES)} 条，接收 {total:,} 人次")
    return total
