"""``manage.py sweep``: every registered periodic job (``core.periodic``), then the warnings sweep.

Run it from cron every minute, or as a long-lived process with ``--loop SECONDS`` (what
``make run`` starts). Safe to run twice at once or again after a crash: each job is, and the
warnings sweep reconciles (``core.warnings``).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from zongheng.core.periodic import run_all


def parse_now(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now 应为 ISO 8601 时间，例如 2018-03-05T09:00:00+08:00：{value}") from exc
    return timezone.make_aware(when) if timezone.is_naive(when) else when


class Command(BaseCommand):
    help = "定时任务：依次执行各模块登记的定时任务（如诉求超时上报），再核对全部预警。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="按此时间执行（ISO 8601，默认当前时间；用于补跑与演示）")
        parser.add_argument("--loop", type=float, metavar="SECONDS", help="每隔 SECONDS 秒执行一次，直到进程被终止")

    def run(self, when: dt.datetime, opts: dict[str, Any]) -> Any:
        """One pass; a command that sweeps one module's jobs only overrides this."""
        return run_all(when)

    def handle(self, *args: Any, **opts: Any) -> None:
        now = parse_now(opts["now"]) if opts["now"] else None
        if opts["loop"] is not None and opts["loop"] <= 0:
            raise CommandError("--loop 应为正数秒")
        if opts["loop"] and now is not None:
            raise CommandError("--loop 与 --now 不能同时使用")
        while True:
            started = time.perf_counter()
            when = now or timezone.now()
            result = self.run(when, opts)
            self.stdout.write(f"{timezone.localtime(when):%Y-%m-%d %H:%M:%S} {result}"
                              f"（{time.perf_counter() - started:.2f} 秒）")
            if not opts["loop"]:
                if getattr(result, "failed", None):
                    raise CommandError("部分定时任务出错：" + "、".join(result.failed))
                return
            close_old_connections()
            try:
                time.sleep(opts["loop"])
            except KeyboardInterrupt:
                return
