"""标准化建设 in the demo district: the "1+9" framework and the assessed scores behind every score card.

``build(district, seed, year)`` makes sure the default framework exists (``standards_default``) and writes, from
``random.Random(seed)``, the assessed scores of every organisation below the district for each quarter of the
article's year — scored by the level above (a street's organisations by the 宜城路街道 secretary's demo account,
the others by the district's 组织部 account), each within its maximum and with its evidence. The computed
indicators need nothing: they read the demo's meetings, notices, demands, pairings, visits and task list.

``build_live(district, seed, today)`` writes this year's quarters up to today: the quarters already over scored
(a few left pending), the running quarter only partly scored, so the assessment pages have live work.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from zongheng.accounts.models import User
from zongheng.core.indicators import Quarter, local_midnight
from zongheng.orgs.models import Org

from . import standards, standards_default
from .models_standards import Assessment, Method

EVIDENCE = (
    "查阅会议记录和工作台账，制度落实到位。", "实地察看党群服务阵地，开放和服务记录完整。",
    "抽查党员教育培训记录，按计划开展。", "听取书记汇报并走访群众，反映良好。",
    "台账基本齐全，个别记录需补充完善。", "对照标准逐项检查，整改事项已落实。",
)


def _assessors(district: Org) -> list[tuple[str, Any]]:
    """(subtree path, assessor user): the street secretary's account for its street, the district's for the rest."""
    out = []
    for username in ("street", "district"):
        user = User.objects.filter(username=username, person__isnull=False).first()
        if user is None:
            continue
        from zongheng.core.access import post_paths

        for path in post_paths(user):
            if path.startswith(district.path):
                out.append((path, user))
    return sorted(out, key=lambda item: -len(item[0]))  # the nearest level above first


def _write(district: Org, quarters: list[Quarter], rng: random.Random, pending_share: dict[Quarter, float],
           today: dt.date) -> int:
    assessors = _assessors(district)
    if not assessors:
        return 0
    fw = standards.active_framework()
    targets = standards.targets(Org.objects.filter(path__startswith=district.path).exclude(pk=district.pk))
    rows = []
    for quarter in quarters:
        share = pending_share.get(quarter, 0.0)
        end = min(quarter.end, today + dt.timedelta(days=1))
        span = max((end - quarter.start).days, 1)
        for t in targets:
            assessor = next((u for path, u in assessors if t.ref.path.startswith(path) and t.ref.path != path), None)
            if assessor is None:
                continue
            for _, ind in fw.indicators_for(t):
                if ind.method != Method.ASSESSED or rng.random() < share:
                    continue
                steps = int(ind.max_score * 2)
                score = Decimal(rng.randint(int(steps * 0.6), steps)) / 2
                day = quarter.start + dt.timedelta(days=int(span * rng.uniform(0.7, 1.0)) - 1)
                at = local_midnight(min(day, today)) + dt.timedelta(hours=rng.randint(9, 17))
                rows.append(Assessment(indicator=ind, org_id=t.ref.id, org_path=t.ref.path, period=quarter.key,
                                       score=score, evidence=rng.choice(EVIDENCE), assessor=assessor, assessed_at=at))
    Assessment.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> int:
    standards_default.ensure()
    if Assessment.objects.filter(period__startswith=f"{year}-", org_path__startswith=district.path).exists():
        return 0
    rng = random.Random(f"standards:{seed}:{year}")
    quarters = [Quarter(year, n) for n in range(1, 5)]
    n = _write(district, quarters, rng, {}, dt.date(year, 12, 31))
    if log:
        log(f"{year} 年标准化建设：人工评分 {n} 项（四个季度，系统计算指标由各项记录得出）")
    return n


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> int:
    standards_default.ensure()
    today = today or timezone.localdate()
    if Assessment.objects.filter(period__startswith=f"{today.year}-", org_path__startswith=district.path).exists():
        if log:
            log(f"{today.year} 年标准化建设评分已存在，不再生成")
        return 0
    rng = random.Random(f"standards:{seed}:live")
    current = Quarter.of(today)
    quarters = [Quarter(today.year, n) for n in range(1, current.number + 1)]
    pending = {q: 0.05 for q in quarters} | {current: 0.7}
    n = _write(district, quarters, rng, pending, today)
    if log:
        log(f"{today.year} 年标准化建设：人工评分 {n} 项（本季度部分待评分）")
    return n
