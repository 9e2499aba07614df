"""``manage.py demands_sweep``: escalate overdue demands and close timed-out ratings.

Run it from cron every few minutes, or as a long-lived process with ``--loop SECONDS``.
Safe to run twice at once or again after a crash (see ``demands.tasks.sweep``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser

from zongheng.core.management.commands.sweep import Command as SweepCommand
from zongheng.core.management.commands.sweep import parse_now
from zongheng.demands.tasks import sweep

__all__ = ["Command", "parse_now"]


class Command(SweepCommand):
    help = "诉求定时任务：超时诉求逐级上报，超时未评价与重办期满的诉求办结。"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--limit", type=int, help="本次最多上报的诉求数")

    def run(self, when: dt.datetime, opts: dict[str, Any]) -> Any:
        return sweep(when, limit=opts["limit"])
