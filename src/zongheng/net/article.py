"""The seed article's figures (``shared/seed/yingjiang-case-2018.txt``) and the registered figure that computes
each one: what the annual report prints and what the demo district must reproduce for 2018.

Each entry names a metric code (registered by the module that owns the records, ``<app>/metrics.py``), the
article's words, the range its words allow ("20多个" is 20–29, "近百件" is 90–99), and the window the article
counts over, relative to the report's year:

- ``year``: the report's year (a flow: rows dated in it; a stock: what stood during it);
- ``since_prev``: "2017年以来" / "去年以来" — the report's year and the one before (a flow, added up);
- ``prev_year``: the year before (the article's "在2017防汛工作中").

``compute(org, year, now)`` reads every entry for an organisation; ``check`` says which fall outside the
article's range. The demo district's 2018 must pass ``check``; for another seed or scope the report prints
whatever the records give.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from zongheng.core import metrics as mx
from zongheng.core.periods import Period


@dataclass(frozen=True)
class Figure:
    code: str
    words: str  # the article's words, e.g. "264个网格党组织"
    low: int
    high: int
    window: str = "year"  # year | since_prev | prev_year

    def periods(self, year: int) -> list[Period]:
        if self.window == "since_prev":
            return [Period("year", year - 1), Period("year", year)]
        if self.window == "prev_year":
            return [Period("year", year - 1)]
        return [Period("year", year)]


def exactly(code: str, words: str, n: int, window: str = "year") -> Figure:
    return Figure(code, words, n, n, window)


def more_than(code: str, words: str, n: int, window: str = "year") -> Figure:
    """"N多": at least N, below N plus one unit of its last significant digit (20多 → 20–29, 460多 → 460–469,
    2400多 → 2400–2499, 100多 → 100–199, 2000多万元 → 2000–2999万)."""
    step = 10 ** (len(str(n)) - len(str(n).rstrip("0")))
    return Figure(code, words, n, n + step - 1, window)


FIGURES: tuple[Figure, ...] = (
    # 一条纵轴
    exactly("tree.grids", "264个网格党组织", 264),
    exactly("tree.households", "1357个党员中心户", 1357),
    exactly("tree.temp_branches_set_up", "2017年以来在发展一线设立临时党支部64个", 64, "since_prev"),
    exactly("tree.temp_groups_set_up", "临时党小组156个", 156, "since_prev"),
    more_than("tree.functional", "“三缘”党支部、党小组20多个", 20),
    more_than("tree.teams", "活动队伍30多支", 30),
    exactly("tree.assistants_sent", "2018年下派社区书记助理31名", 31),
    exactly("lists.cadre_stars", "评出“月度干部之星”61名", 61, "since_prev"),
    exactly("lists.promotions", "提拔重用干部27名", 27, "since_prev"),
    # 一条横线
    exactly("horizontal.street_councils", "街道大工委6个", 6),
    exactly("horizontal.community_councils", "社区大党委31个", 31),
    more_than("horizontal.street_council_units", "60多家驻区企业、单位党组织负责人兼任街道大工委委员", 60),
    more_than("horizontal.community_council_units", "70多名驻区企业、单位党组织负责人进入了社区党委班子", 70),
    exactly("horizontal.county_cadres", "其中市直单位县处级领导干部21人", 21),
    more_than("horizontal.agreements", "签订项目认领书100多份", 100, "since_prev"),
    Figure("horizontal.problems_solved", "联动解决突出问题近百件", 90, 99, "since_prev"),
    exactly("horizontal.pairings_organs", "36个机关单位党组织与社区党组织结对共建", 36),
    exactly("horizontal.pairings_nonpublic", "45个非公企业和社会组织党组织结对共建", 45),
    exactly("horizontal.pairings_remote", "31个社区和苏浙沪等地先进社区签订结对共建协议", 31),
    more_than("horizontal.list_entries", "建立服务清单、需求清单200多个", 200, "since_prev"),
    more_than("horizontal.idle_resources", "有效整合闲置资源30多处", 30, "since_prev"),
    more_than("horizontal.funds_raised", "争取文明创建扶持资金50多万元", 500_000, "since_prev"),
    more_than("horizontal.space_m2", "支持驻地街道（乡）2400多平方米优质房产", 2400, "since_prev"),
    more_than("members.duty_members", "2017防汛工作中460多名党员主动认领防汛堤段", 460, "prev_year"),
    exactly("members.duty_km", "认领55公里防汛堤段", 55, "prev_year"),
    more_than("members.duty_residents", "带动2000多名群众投身防汛抗洪一线", 2000, "prev_year"),
    more_than("demands.received", "2018年集中办理民情事项900多件", 900),
    # 一套清单
    exactly("lists.tasks", "细化任务87大项", 87),
    exactly("lists.standards", "制定各类党建工作标准147项", 147),
    exactly("lists.special_projects", "6个专题项目作为区委常委领衔课题", 6),
    Figure("lists.brands", "楼宇党建示范基地、“阳光360”、“常青藤”志愿服务等党建品牌", 3, 99),
    more_than("lists.funds", "区财政每年安排2000多万元专项经费", 20_000_000),
    # 成效
    exactly("lists.rules", "出台党建联席会议、五位一体包保等配套制度17项", 17),
    more_than("members.participations", "凝聚带动党员干部、群众10000多人次参与", 10_000, "since_prev"),
)


def value(fig: Figure, path: str, year: int, now: dt.datetime) -> mx.Number | None:
    """The figure for the organisation at ``path``: its metric over the window's periods, added up (None when
    the metric is not registered)."""
    return _values([fig], path, year, now)[fig.code]


def compute(path: str, year: int, now: dt.datetime) -> dict[str, mx.Number | None]:
    return _values(FIGURES, path, year, now)


def _values(figures: Iterable[Figure], path: str, year: int, now: dt.datetime) -> dict[str, mx.Number | None]:
    """``value`` of each figure, read together: one grouped read per period the windows cover (the year and the one
    before), each source's figures in one query, all pipelined — not a query per figure and period."""
    known = [fig for fig in figures if mx.metric(fig.code) is not None]
    by_period: dict[Period, list[str]] = {}
    for fig in known:
        for period in fig.periods(year):
            by_period.setdefault(period, []).append(fig.code)
    groups = mx.grouped_periods(by_period, path, len(path), now)
    out: dict[str, mx.Number | None] = {fig.code: None for fig in figures}
    for fig in known:
        out[fig.code] = sum((groups[p].get(fig.code, {}).get(path, 0) or 0 for p in fig.periods(year)), 0)
    return out


def check(path: str, year: int, now: dt.datetime) -> list[tuple[Figure, mx.Number | None]]:
    """The entries whose computed value falls outside the article's range (or has no metric)."""
    values = compute(path, year, now)
    return [(fig, values[fig.code]) for fig in FIGURES
            if values[fig.code] is None or not fig.low <= values[fig.code] <= fig.high]  # type: ignore[operator]
