"""manage.py grid_places FILE.geojson [--dry-run]: load what grids cover and the outlines of the
organisations above them (see orgs/places_io.py)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zongheng.orgs.places_io import load


class Command(BaseCommand):
    help = "从 GeoJSON 文件导入网格的地点（小区楼栋、道路门牌、村民小组）和边界，以及社区、街道等组织的边界"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise CommandError(f"无法读取文件：{e}") from e
        result = load(data, dry_run=options["dry_run"])
        if result.errors:
            raise CommandError("未写入任何数据：\n" + "\n".join(result.errors[:50]))
        if options["dry_run"]:
            self.stdout.write("检查通过（未写入）。")
        else:
            self.stdout.write(f"已更新 {result.grids} 个网格：地点 {result.places} 个，边界 {result.areas} 个；"
                              f"社区等组织边界 {result.outlines} 个。")
