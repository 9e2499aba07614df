"""``manage.py discard_stale_imports [--days 7]``: previews left unconfirmed lose their uploaded roster.

Idempotent; run it daily (cron or the worker host's timer) next to the other sweeps.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zongheng.orgs.importer import discard_stale_previews


class Command(BaseCommand):
    help = "放弃超过指定天数仍未确认的导入预览，并删除其上传的名册文件。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="预览保留的天数")

    def handle(self, *args: Any, **options: Any) -> None:
        count = discard_stale_previews(options["days"])
        self.stdout.write(f"已放弃 {count} 个过期的导入预览")
