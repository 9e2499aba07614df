"""``manage.py demo``: builds the deterministic demo district (迎江区, 2018) and its accounts."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zongheng.orgs import demo
from zongheng.orgs.models import Org

LABELS = {
    "district": "区", "street": "街道", "township": "乡", "community": "社区", "village": "村",
    "grid": "网格党组织", "household": "党员中心户", "temp_branch": "临时党支部", "temp_group": "临时党小组",
    "functional": "功能型党组织", "teams": "活动队伍", "members": "党员", "registered": "双联双管报到",
    "residents": "居民（活动队伍）", "linked_households": "联系户", "secretary_assistants": "书记助理",
}


class Command(BaseCommand):
    help = "构建演示数据：安庆市迎江区（2018 年），规模 X 时在安庆市下复制 X 个区。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2018, help="随机种子（同一种子生成相同数据）")
        parser.add_argument("--scale", type=int, default=1, help="区的个数；大于 1 时在安庆市下复制")
        parser.add_argument("--year", type=int, default=2018, help="数据所在年份")
        parser.add_argument("--if-empty", action="store_true", help="已有组织时不构建")
        parser.add_argument("--accounts", action="store_true", help="只列出演示账号")
        parser.add_argument("--reset", action="store_true", help="先删除全部组织、人员、职务和非超级用户账号")
        parser.add_argument("--no-demands", action="store_true", help="不生成一年的居民诉求（民心零距离）")
        parser.add_argument("--no-live", dest="live", action="store_false",
                            help="不生成截至今天的最近三周诉求（默认生成，让工作台上有正在办理的事项）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["accounts"]:
            from zongheng.lists import demo as lists_demo

            self._print_accounts(demo.demo_accounts() + lists_demo.accounts())
            return
        if opts["scale"] < 1:
            raise CommandError("--scale 至少为 1")
        if opts["reset"]:
            started = time.perf_counter()
            demo.reset()
            from zongheng.core.models import EarlyWarning  # warnings name rows that are gone

            EarlyWarning.objects.all().delete()
            self.stdout.write(f"已清空原有数据（{time.perf_counter() - started:.1f} 秒）")
        elif Org.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("数据库中已有组织，保留原有数据，不再构建演示数据。")
                return
            raise CommandError("数据库中已有组织。用 --reset 清空后重建，或用 --if-empty 跳过。")
        started = time.perf_counter()
        built = demo.build(seed=opts["seed"], scale=opts["scale"], year=opts["year"],
                           log=lambda msg: self.stdout.write(f"  {msg}"))
        if not opts["no_demands"]:
            from zongheng.demands import demo as demands_demo

            demands_started = time.perf_counter()
            demands_demo.build(built.districts[0], seed=opts["seed"], year=opts["year"],
                               log=lambda msg: self.stdout.write(f"  {msg}"))
            self.stdout.write(f"  一年的居民诉求已生成（{time.perf_counter() - demands_started:.1f} 秒）")
            if opts["live"]:
                live_started = time.perf_counter()
                demands_demo.build_live(built.districts[0], seed=opts["seed"],
                                        log=lambda msg: self.stdout.write(f"  {msg}"))
                self.stdout.write(f"  最近的诉求已生成（{time.perf_counter() - live_started:.1f} 秒）")
        from zongheng.meetings import demo as meetings_demo  # 联席会议: the year, its warnings, then the live slice

        meetings_demo.build(built.districts[0], seed=opts["seed"], year=opts["year"],
                            log=lambda msg: self.stdout.write(f"  {msg}"))
        if opts["live"]:
            meetings_demo.build_live(built.districts[0], seed=opts["seed"],
                                     log=lambda msg: self.stdout.write(f"  {msg}"))
        from zongheng.notices import demo as notices_demo  # 一传到底: the year's notices, then the live slice

        notices_demo.build(built.districts[0], seed=opts["seed"], year=opts["year"],
                           log=lambda msg: self.stdout.write(f"  {msg}"))
        if opts["live"]:
            notices_demo.build_live(built.districts[0], seed=opts["seed"],
                                    log=lambda msg: self.stdout.write(f"  {msg}"))
        from zongheng.cobuild import demo as cobuild_demo  # 一横: every district copy's units, then the live slice

        cobuild_started = time.perf_counter()
        for index, district in enumerate(built.districts):
            cobuild_demo.build(district, seed=opts["seed"] + index, year=opts["year"], accounts=index == 0,
                               log=(lambda msg: self.stdout.write(f"  {msg}")) if index == 0 else None)
        if opts["live"]:
            cobuild_demo.build_live(built.districts[0], seed=opts["seed"],
                                    log=lambda msg: self.stdout.write(f"  {msg}"))
        built.accounts = demo.demo_accounts()  # the liaison accounts are made with their units
        took = time.perf_counter() - cobuild_started
        self.stdout.write(f"  一横（驻区单位、认领书、结对、三张清单）已生成（{took:.1f} 秒）")
        from zongheng.members import demo as members_demo  # 我是党员我带头: the deeds first, the points last

        members_started = time.perf_counter()
        members_demo.build(built.districts[0], seed=opts["seed"], year=opts["year"],
                           log=lambda msg: self.stdout.write(f"  {msg}"))
        if opts["live"]:
            members_demo.build_live(built.districts[0], seed=opts["seed"],
                                    log=lambda msg: self.stdout.write(f"  {msg}"))
        built.accounts = demo.demo_accounts()
        took = time.perf_counter() - members_started
        self.stdout.write(f"  党员带头（报到、民情日记、活动、认领、积分）已生成（{took:.1f} 秒）")
        from zongheng.lists import demo as lists_demo  # 一清单: the year's lists (and the lead account), then today's

        lists_started = time.perf_counter()
        lists_demo.build(built.districts[0], seed=opts["seed"], year=opts["year"],
                         log=lambda msg: self.stdout.write(f"  {msg}"))
        if opts["live"]:
            lists_demo.build_live(built.districts[0], seed=opts["seed"],
                                  log=lambda msg: self.stdout.write(f"  {msg}"))
        built.accounts = demo.demo_accounts() + lists_demo.accounts()  # and the lead cadre's account
        took = time.perf_counter() - lists_started
        self.stdout.write(f"  一清单（任务清单、月报、季度调度、年度述评、项目清单、党建品牌）已生成（{took:.1f} 秒）")
        from django.db import connection
        from django.utils import timezone  # today's warnings, once every module's demo rows exist

        from zongheng.core import warnings as early_warnings

        if connection.vendor == "postgresql":  # fresh statistics after a bulk load: the planner's row estimates
            with connection.cursor() as cursor:  # (a year's figures joined stale estimates and took seconds)
                cursor.execute("ANALYZE")
        swept = early_warnings.sweep(timezone.now())
        self.stdout.write(f"  今日预警已核对：{sum(opened for opened, _ in swept.values())} 条")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"演示数据已建成：{built.root.name}，种子 {opts['seed']}，规模 {opts['scale']}，用时 {elapsed:.1f} 秒"))
        for key, label in LABELS.items():
            if key in built.counts:
                self.stdout.write(f"  {label:<10}{built.counts[key]:>8,}")
        self._print_accounts(built.accounts)

    def _print_accounts(self, rows: list[dict[str, str]]) -> None:
        if not rows:
            self.stdout.write("还没有演示账号。运行 python manage.py demo 构建演示数据。")
            return
        self.stdout.write("\n演示账号（仅限演示模式）：")
        self.stdout.write(f"  {'用户名':<10}{'角色':<14}{'组织':<16}姓名")
        for row in rows:
            self.stdout.write(f"  {row['username']:<12}{row['label']:<14}{row['org']:<16}{row['name']}")
        self.stdout.write(f"  密码：{demo.DEMO_PASSWORD}\n")
