"""The task list's standardisation indicator (registered in ``hooks_standards.py``): 任务清单推进进度.

For each organisation: the weighted progress of the pieces of the quarter's year's task list(s) it (and its
subtree) carries, on the quarter's reading day — ``progress.Board.org_progress``, the one rule the hub, the
task pages and the exports read. Three queries for all the lists of the year (``progress.load_all``), whatever
the number of organisations; an organisation that carries nothing is not scored on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlencode

from django.urls import reverse

from zongheng.core.indicators import OrgRef, Quarter, Reading

from . import progress

CODE = "list.task_progress"


def task_progress(orgs: Sequence[OrgRef], quarter: Quarter, now: dt.datetime) -> dict[int, Reading]:
    boards = list(progress.load_all(quarter.reading_day(now), year=quarter.year).values())
    url = reverse("lists:tasks")
    # Only an organisation on the path of some piece carries anything: ask the board for those alone.
    carried = {t.org_path[:k] for b in boards for t in b.tasks.values() for k in range(1, len(t.org_path) + 1)}
    out: dict[int, Reading] = {}
    for o in orgs:
        link = f"{url}?{urlencode({'year': quarter.year, 'org': o.id, 'leaf': 1})}"
        values = [v for v in (b.org_progress(o.path) for b in boards) if v is not None] if o.path in carried else []
        if not values:
            out[o.id] = Reading("—", None, link)
            continue
        share = float(sum(values) / len(values))
        out[o.id] = Reading(f"{share * 100:.1f}%", min(max(share, 0.0), 1.0), link)
    return out


def register() -> None:
    from zongheng.core.indicators import register_indicator

    register_indicator(CODE, "任务清单推进进度", (), task_progress,
                       "本年度任务清单中本组织及下级承担的任务，按权重计算的路线图节点完成进度（季度末读数）")
