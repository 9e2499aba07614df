"""The demands module's standardisation indicators (registered in ``hooks.py``): 诉求解决率 and 诉求满意率.

Both read the module's own figures (``figures.grouped_figures``: the definitions of the figures page, one
GROUP BY per depth over the demands of the organisations' subtrees received in the quarter), so a score card
and the figures page never disagree; each value opens the figures page's list of the demands it counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from zongheng.core.indicators import OrgRef, Quarter, Reading, common_prefix
from zongheng.orgs.models import Org

from . import figures as f

RESOLUTION = "demand.resolution"
SATISFACTION = "demand.satisfaction"


def by_org(orgs: Sequence[OrgRef], quarter: Quarter, now: dt.datetime) -> dict[int, f.Figures]:
    period = f.Period("quarter", quarter.year, quarter.number)
    by_len: dict[int, list[OrgRef]] = {}
    for o in orgs:
        by_len.setdefault(len(o.path), []).append(o)
    out: dict[int, f.Figures] = {}
    for length, group in by_len.items():
        common = common_prefix(o.path for o in group)
        grouped = f.grouped_figures(Org(path=common), period, length, now)
        for o in group:
            out[o.id] = grouped.get(o.path, f.Figures())
    return out


def _rate(part: str, whole: str, figure: str) -> Callable[[Sequence[OrgRef], Quarter, dt.datetime], dict[int, Reading]]:
    def compute(orgs: Sequence[OrgRef], quarter: Quarter, now: dt.datetime) -> dict[int, Reading]:
        from .views_figures import list_url

        period = f.Period("quarter", quarter.year, quarter.number)
        figs = by_org(orgs, quarter, now)
        return {o.id: Reading.ratio(getattr(figs[o.id], part), getattr(figs[o.id], whole),
                                    list_url(Org(pk=o.id, path=o.path), period, figure)) for o in orgs}

    return compute


def register() -> None:
    from zongheng.core.indicators import register_indicator

    register_indicator(RESOLUTION, "诉求解决率", (), _rate("resolved", "resolution_due", "resolved"),
                       "本季度受理、已到办结时限或已办结的居民诉求中已办结的占比（与诉求统计页同一口径）")
    register_indicator(SATISFACTION, "诉求满意率", (), _rate("satisfied", "rated", "satisfied"),
                       "本季度受理、居民已评价的诉求中满意的占比（与诉求统计页同一口径）")
