"""Print the seed article's figures as computed from the records: ``manage.py net_article [--year 2018]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from zongheng.net import article
from zongheng.orgs.models import Org


class Command(BaseCommand):
    help = "按记录计算案例文章中的各项数字，并与文章的说法比对（默认 2018 年、最高一级组织）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=2018)
        parser.add_argument("--org", type=int, default=None, help="组织 ID（默认：第一个根组织）")

    def handle(self, *args: Any, **opts: Any) -> None:
        org = Org.objects.get(pk=opts["org"]) if opts["org"] else Org.objects.get_root_nodes().first()
        if org is None:
            self.stderr.write("还没有组织")
            return
        values = article.compute(org.path, opts["year"], timezone.now())
        bad = 0
        for fig in article.FIGURES:
            v = values[fig.code]
            ok = v is not None and fig.low <= v <= fig.high
            bad += not ok
            shown = "未登记" if v is None else v
            mark = "OK " if ok else "BAD"
            self.stdout.write(f"{mark} {fig.code:38} {shown!s:>12}  [{fig.low}–{fig.high}]  {fig.words}")
        self.stdout.write(f"{len(article.FIGURES) - bad}/{len(article.FIGURES)} 与文章一致")
