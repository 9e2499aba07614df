"""``manage.py demands_sweep``: escalate overdue demands and close timed-out ratings.

Run it from cron every few minutes, or as a long-lived process with ``--loop SECONDS``.
Safe to run twice at once or again after a crash (see ``demands.tasks.sweep``).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from zongheng.demands.tasks import sweep


def parse_now(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now 应为 ISO 8601 时间，例如 2018-03-05T09:00:00+08:00：{value}") from exc
    return timezone.make_aware(when) if timezone.is_naive(when) else when


class Command(BaseCommand):
    help = "诉求定时任务：超时诉求逐级上报，超时未评价与重办期满的诉求办结。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="按此时间执行（ISO 8601，默认当前时间；用于补跑与演示）")
        parser.add_argument("--loop", type=float, metavar="SECONDS",
                            help="每隔 SECONDS 秒执行一次，直到进程被终止")
        parser.add_argument("--limit", type=int, help="本次最多上报的诉求数")

    def handle(self, *args: Any, **opts: Any) -> None:
        now = parse_now(opts["now"]) if opts["now"] else None
        if opts["loop"] is not None and opts["loop"] <= 0:
            raise CommandError("--loop 应为正数秒")
        if opts["loop"] and now is not None:
            raise CommandError("--loop 与 --now 不能同时使用")
        while True:
            started = time.perf_counter()
            when = now or timezone.now()
            result = sweep(when, limit=opts["limit"])
            self.stdout.write(f"{timezone.localtime(when):%Y-%m-%d %H:%M:%S} {result}"
                              f"（{time.perf_counter() - started:.2f} 秒）")
            if not opts["loop"]:
                return
            close_old_connections()
            try:
                time.sleep(opts["loop"])
            except KeyboardInterrupt:
                return
