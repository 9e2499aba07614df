"""The annual work report's content (年度工作报告), in the shape of the seed article: what the .docx, the PDF and the
.xlsx (``exports``) all print, built once from the records for an organisation and a year.

Every number comes from the records:

- the article's figures through ``article.compute`` (each over its own window: the year, "since last year", the
  year before), printed in the article's sentences;
- every figure registered with ``core.metrics`` for the year and the organisation's subtree (with the year before
  beside it), one summary table per panel;
- the lists the article names (claim agreements, pairings, brands): exactly the rows the corresponding figures
  count (``core.metrics.rows``, one definition with the figure; none while a figure is not registered) —
  capped in the document, with the total;
- the organisations below the reported one, by level (the tree, as it stood during the year).

A figure without records (its metric not registered yet, or nothing counted) prints as ``NO_RECORD``, never as an
invented number. The fixed prose is template text and holds no number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Model, Q, QuerySet, Subquery

from zongheng.core import metrics as mx
from zongheng.core.periods import TZ, Period
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.metrics import standing_orgs
from zongheng.orgs.models import Org

from . import article, selectors
from .models import report_title

NO_RECORD = "暂无记录"
DOC_ROWS = 60  # rows of a list printed in the document (all of them, up to XLSX_ROWS, go to the .xlsx)
XLSX_ROWS = 1000  # rows per figure or list in the .xlsx
MIN_YEAR = 2000

# Where each panel's summary table stands in the article's outline; a panel not named here goes to the appendix.
PANEL_SECTION = {"tree": "vertical", "vertical": "vertical", "horizontal": "horizontal", "members": "horizontal",
                 "demands": "horizontal", "lists": "lists"}


# ---------------------------------------------------------------- printing numbers


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros (12.50 → "12.5", 3E+2 → "300")."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def number_text(value: mx.Number | None, unit: str, *, is_ratio: bool = False) -> str:
    """A figure as the report prints it: "264个", "52.34万元", "85.2%"; ``NO_RECORD`` when nothing was counted (no
    metric, no rows, or a ratio of nothing)."""
    if value is None or (not is_ratio and not value):
        return NO_RECORD
    if is_ratio:
        return f"{_plain(Decimal(value))}%"
    amount = Decimal(value)
    if unit == "元" and abs(amount) >= 10_000:
        return f"{_plain(amount / 10_000)}万元"
    return f"{_plain(amount)}{unit}"


# ---------------------------------------------------------------- content


@dataclass
class Printed:
    """One article figure as printed."""

    figure: article.Figure
    value: mx.Number | None
    unit: str
    text: str  # "264个" or NO_RECORD
    window: str  # "2018年", "2017年以来"

    @property
    def code(self) -> str:
        return self.figure.code


@dataclass
class Para:
    text: str


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


Block = Para | Table


@dataclass
class Section:
    heading: str
    level: int  # 1: 一、…; 2: (一)…
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Listing:
    """One list the article names (agreements, pairings, brands): its rows (at most ``XLSX_ROWS``) and total."""

    key: str
    title: str
    unit: str
    headers: list[str]
    rows: list[list[Any]]
    total: int
    source: str  # "figures": the rows the registered figures count; "none": a figure is not registered


@dataclass
class Content:
    org: Org
    year: int
    as_of: dt.datetime
    title: str
    subtitle: str
    figures: dict[str, Printed]
    readings: dict[str, mx.Reading]  # every registered metric for the year (with the year before)
    listings: dict[str, Listing]
    levels: list[tuple[str, int]]  # (level name, organisations below the reported one)
    sections: list[Section] = field(default_factory=list)

    @property
    def printed(self) -> dict[str, str]:
        """Every number the report prints, by figure code (article figures, then registered metrics): what a job
        keeps, so two generations can be compared."""
        out = {code: p.text for code, p in self.figures.items()}
        for code, r in self.readings.items():
            out[f"metric:{code}"] = number_text(r.value, r.metric.unit, is_ratio=r.metric.is_ratio)
        for key, listing in self.listings.items():
            out[f"list:{key}"] = str(listing.total)
        return out


def window_words(fig: article.Figure, year: int) -> str:
    if fig.window == "since_prev":
        return f"{year - 1}年以来"
    if fig.window == "prev_year":
        return f"{year - 1}年"
    return f"{year}年"


def article_figures(path: str, year: int, now: dt.datetime) -> dict[str, Printed]:
    values = article.compute(path, year, now)
    out = {}
    for fig in article.FIGURES:
        m = mx.metric(fig.code)
        unit = m.unit if m is not None else ""
        value = values[fig.code]
        out[fig.code] = Printed(fig, value, unit, number_text(value, unit, is_ratio=bool(m and m.is_ratio)),
                                window_words(fig, year))
    return out


def levels_below(org: Org, year: int, now: dt.datetime) -> list[tuple[str, int]]:
    """The regular organisations standing below ``org`` during the year, counted by level (one query): the levels
    above the grid (grids and central households are figures of their own; stationed units are not the tree's)."""
    from zongheng.orgs.models import Level

    grid_rank = Level.objects.filter(code="grid").values("rank")[:1]
    rows = (standing_orgs(Period("year", year), now)
            .filter(path__startswith=org.path, depth__gt=org.depth, kind=OrgKind.REGULAR,
                    level__rank__lt=Subquery(grid_rank))
            .values("level__name", "level__rank").annotate(n=Count("pk")).order_by("level__rank"))
    return [(r["level__name"], r["n"]) for r in rows]


# ---------------------------------------------------------------- the lists the article names


@dataclass(frozen=True)
class ListingSpec:
    key: str
    title: str
    unit: str
    codes: tuple[str, ...]  # the article figures whose rows the list shows
    model: Callable[[], type[Model]]
    prepare: Callable[[QuerySet[Any], int], QuerySet[Any]]  # joins, counts and order for printing
    headers: tuple[str, ...]
    cells: Callable[[Any], list[Any]]


def _agreement_model() -> type[Model]:
    from zongheng.cobuild.models import Agreement

    return Agreement


def _agreements_prepare(qs: QuerySet[Any], year: int) -> QuerySet[Any]:
    return qs.select_related("org", "unit").annotate(n_items=Count("items")).order_by("signed_on", "pk")


def _agreement_cells(a: Any) -> list[Any]:
    return [a.signed_on, a.org.name, a.unit.name, a.title, a.n_items, a.get_state_display()]


def _pairing_model() -> type[Model]:
    from zongheng.cobuild.models import Pairing

    return Pairing


def _pairings_prepare(qs: QuerySet[Any], year: int) -> QuerySet[Any]:
    p = Period("year", year)
    held = Q(activities__held_on__gte=p.start_date, activities__held_on__lt=p.end_date)
    return (qs.select_related("org", "unit").annotate(held=Count("activities", filter=held))
            .order_by("org_path", "partner_kind", "pk"))


def _pairing_cells(p: Any) -> list[Any]:
    from zongheng.cobuild.choices import PartnerKind

    kind = p.get_partner_kind_display() if p.partner_kind == PartnerKind.OUTSIDE or p.unit is None \
        else f"{p.unit.get_type_display()}党组织"
    return [p.org.name, kind, p.partner_label, p.starts_on, p.held, p.required_per_year]


def _brand_model() -> type[Model]:
    from zongheng.lists.models import Brand

    return Brand


def _brands_prepare(qs: QuerySet[Any], year: int) -> QuerySet[Any]:
    return qs.select_related("org").annotate(n_projects=Count("projects")).order_by("named_on", "pk")


def _brand_cells(b: Any) -> list[Any]:
    return [b.name, b.org.name, b.named_on, b.n_projects]


LISTINGS: tuple[ListingSpec, ...] = (
    ListingSpec("agreements", "项目认领书", "份", ("horizontal.agreements",), _agreement_model,
                _agreements_prepare, ("签订日期", "街道/社区", "认领单位", "认领书名称", "认领项目数", "状态"),
                _agreement_cells),
    ListingSpec("pairings", "结对共建", "对",
                ("horizontal.pairings_organs", "horizontal.pairings_nonpublic", "horizontal.pairings_remote"),
                _pairing_model, _pairings_prepare,
                ("社区", "结对对象类型", "结对对象", "结对日期", "年内共建活动（次）", "每年至少（次）"),
                _pairing_cells),
    ListingSpec("brands", "党建品牌", "个", ("lists.brands",), _brand_model, _brands_prepare,
                ("品牌名称", "所属组织", "命名日期", "品牌项目数"), _brand_cells),
)


def _figure_rows(spec: ListingSpec, path: str, year: int, now: dt.datetime) -> QuerySet[Any] | None:
    """The rows the list's figures count (all of them registered, over the rows of ``spec.model``), or None."""
    model = spec.model()
    wanted = Q()
    any_code = False
    for fig in article.FIGURES:
        if fig.code not in spec.codes:
            continue
        m = mx.metric(fig.code)
        if m is None or m.is_ratio or mx.source_of(fig.code).rows(Period("year", year), now).model is not model:
            return None
        for period in fig.periods(year):
            wanted |= Q(pk__in=mx.rows(fig.code, path, period, now).values("pk"))
        any_code = True
    return model._default_manager.filter(wanted) if any_code else None


def listing(spec: ListingSpec, path: str, year: int, now: dt.datetime, limit: int | None = None) -> Listing:
    qs = _figure_rows(spec, path, year, now)
    source = "figures"
    if qs is None:  # a figure of the list is not registered: nothing is listed rather than rows counted otherwise
        qs, source = spec.model()._default_manager.none(), "none"
    total = qs.count()
    rows = [spec.cells(obj) for obj in spec.prepare(qs, year)[:limit or XLSX_ROWS]]
    return Listing(spec.key, spec.title, spec.unit, list(spec.headers), rows, total, source)


# ---------------------------------------------------------------- building


def build(org: Org, year: int, now: dt.datetime, on_step: Callable[[int], None] | None = None) -> Content:
    """The whole report of ``org`` for ``year``, read at ``now`` (steps 0 and 1 reported through ``on_step``)."""
    step = on_step or (lambda i: None)
    step(0)
    period = Period("year", year)
    figures = article_figures(org.path, year, now)
    codes = [m.code for m in mx.metrics()]
    readings = mx.read(codes, org.path, [], period, now)
    levels = levels_below(org, year, now)
    step(1)
    listings = {spec.key: listing(spec, org.path, year, now) for spec in LISTINGS}
    local = now.astimezone(TZ)
    content = Content(
        org=org, year=year, as_of=now, title=report_title(org.name, year),
        subtitle=(f"（本报告所有数字均由系统按截至 {local:%Y年%m月%d日 %H:%M} 的记录自动统计；"
                  f"“{NO_RECORD}”表示系统中尚无相应记录）"),
        figures=figures, readings=readings, listings=listings, levels=levels,
    )
    content.sections = outline(content)
    return content


# ---------------------------------------------------------------- the article's outline


def _area(org: Org) -> str:
    """"全区", "全街道", "全社区" …: how the report names its own scope."""
    return f"全{org.level.name}" if org.level.name else org.name


def panel_table(content: Content, panel: str) -> Table | None:
    items = [r for r in content.readings.values() if r.metric.panel == panel]
    if not items:
        return None
    rows = [[r.metric.label,
             number_text(r.value, r.metric.unit, is_ratio=r.metric.is_ratio),
             number_text(r.previous, r.metric.unit, is_ratio=r.metric.is_ratio),
             r.metric.help] for r in items]
    return Table(f"{mx.PANEL_LABELS[panel]}（{content.org.name}，{content.year}年）",
                 ["指标", f"{content.year}年", f"{content.year - 1}年", "口径"], rows,
                 "数字按本组织及其全部下级的记录统计；比例为年内记录之比。")


def listing_table(content: Content, key: str) -> Table:
    lst = content.listings[key]
    shown = lst.rows[:DOC_ROWS]
    cap = f"，此处列出前 {len(shown)} {lst.unit}，完整清单见配套数据表" if lst.total > len(shown) else ""
    note = f"共 {lst.total} {lst.unit}{cap}。" if lst.total else f"{NO_RECORD}。"
    return Table(f"{lst.title}（{content.org.name}，{content.year}年）", lst.headers,
                 [[cell_text(v) for v in row] for row in shown], note)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


# The article's figures named without their numbers (the summary table's first column).
LABELS: dict[str, str] = {
    "tree.grids": "网格党组织", "tree.households": "党员中心户",
    "tree.temp_branches_set_up": "在发展一线设立临时党支部",
    "tree.temp_groups_set_up": "在发展一线设立临时党小组", "tree.functional": "“三缘”党支部、党小组",
    "tree.teams": "功能型党组织的活动队伍", "tree.assistants_sent": "下派社区书记助理",
    "lists.cadre_stars": "评出“月度干部之星”", "lists.promotions": "提拔重用干部",
    "horizontal.street_councils": "街道大工委", "horizontal.community_councils": "社区大党委",
    "horizontal.street_council_units": "驻区单位党组织负责人兼任街道大工委委员",
    "horizontal.community_council_units": "驻区单位党组织负责人进入社区党委班子",
    "horizontal.county_cadres": "其中市直单位县处级领导干部", "horizontal.agreements": "签订项目认领书",
    "horizontal.problems_solved": "联动解决突出问题", "horizontal.pairings_organs": "机关单位党组织结对共建",
    "horizontal.pairings_nonpublic": "非公企业和社会组织党组织结对共建",
    "horizontal.pairings_remote": "与外地先进社区结对共建", "horizontal.list_entries": "服务清单、需求清单",
    "horizontal.idle_resources": "整合闲置资源", "horizontal.funds_raised": "争取文明创建扶持资金",
    "horizontal.space_m2": "支持驻地街道（乡）优质房产", "members.duty_members": "防汛中认领堤段的党员",
    "members.duty_km": "党员认领的防汛堤段", "members.duty_residents": "党员带动投身防汛的群众",
    "demands.received": "集中办理民情事项", "lists.tasks": "细化任务（大项）", "lists.standards": "党建工作标准",
    "lists.special_projects": "区委常委领衔的专题项目", "lists.brands": "城市基层党建品牌",
    "lists.funds": "城市基层党建专项经费", "lists.rules": "配套制度",
    "members.participations": "党员干部、群众参与（人次）",
}


def label(p: Printed) -> str:
    if p.code in LABELS:
        return LABELS[p.code]
    m = mx.metric(p.code)
    return m.label if m is not None else p.code


def outline(c: Content) -> list[Section]:
    """The sections of the report, in the article's order, with the figures in its sentences; tables are numbered
    in the order they stand."""
    f = {code: p.text for code, p in c.figures.items()}
    y, prev = c.year, c.year - 1
    area = _area(c.org)

    def panels_of(section: str) -> list[Block]:
        return [t for key, _ in mx.PANELS if PANEL_SECTION.get(key) == section
                and (t := panel_table(c, key)) is not None]

    levels = "、".join(f"{name}{n}个" for name, n in c.levels)
    below = f"辖{levels}；" if levels else ""
    sections = [
        Section("一、基本情况", 1, [
            Para(f"{c.org.name}{y}年{below}有网格党组织{f['tree.grids']}、党员中心户{f['tree.households']}。"),
            Para(f"{y}年，{c.org.name}以“一纵一横一清单”建设为抓手，推动城市范围内各领域基层党组织互联互通、"
                 "共驻共建、共融共享，着力构建“纵向延伸到底、横向覆盖到边”的城市基层党建“一张网”。本报告按系统记录，"
                 "从纵向联动、横向融合、清单推进三个方面报告全年工作及成效。"),
        ]),
        Section("二、做法与成效", 1),
        Section("（一）一条“纵轴”抓联动", 2, [
            Para(f"一是推进纵向延伸。规范建设区、街道、社区、网格和党员中心户各级主体架构，{area}现有网格党组织"
                 f"{f['tree.grids']}、党员中心户{f['tree.households']}，并逐一挂牌、公开“亮相”，"
                 "实现党的声音“一传到底”、党的领导“一呼百应”。"),
            Para(f"二是推进全面覆盖。树立“组织设立在一线、活动开展在一线、干部使用在一线”的工作导向，{prev}年以来，"
                 f"在发展一线设立临时党支部{f['tree.temp_branches_set_up']}、临时党小组"
                 f"{f['tree.temp_groups_set_up']}，评出“月度干部之星”{f['lists.cadre_stars']}，提拔重用干部"
                 f"{f['lists.promotions']}。坚持以“地缘、业缘、趣缘”为纽带推进功能型党组织建设，现有“三缘”党支部、"
                 f"党小组{f['tree.functional']}，吸引凝聚群众组成活动队伍{f['tree.teams']}。"),
            Para(f"三是推进纵向联动。区、街道、社区党建联席会议按期召开，{y}年下派社区书记助理"
                 f"{f['tree.assistants_sent']}。年初建立各级任务清单，年底向上级党组织述职、接受评议考核。"
                 "组织覆盖和纵向联动的各项数字见下表。"),
            *panels_of("vertical"),
        ]),
        Section("（二）一条“横线”促融合", 2, [
            Para(f"一是广泛开展共驻共建。规范建立街道大工委{f['horizontal.street_councils']}、社区大党委"
                 f"{f['horizontal.community_councils']}；驻区企业、单位党组织负责人兼任街道大工委委员"
                 f"{f['horizontal.street_council_units']}，进入社区党委班子{f['horizontal.community_council_units']}，"
                 f"其中市直单位县处级领导干部{f['horizontal.county_cadres']}。以党建联建、事务联办、资源联享为内容，"
                 f"{prev}年以来签订项目认领书{f['horizontal.agreements']}，联动解决突出问题"
                 f"{f['horizontal.problems_solved']}。"),
            listing_table(c, "agreements"),
            Para(f"二是广泛开展结对共建。机关单位党组织与社区党组织结对共建{f['horizontal.pairings_organs']}，"
                 f"非公企业和社会组织党组织与社区党组织结对共建{f['horizontal.pairings_nonpublic']}，"
                 f"社区与苏浙沪等地先进社区签订结对共建协议{f['horizontal.pairings_remote']}。"
                 "各结对年内联办活动情况见下表。"),
            listing_table(c, "pairings"),
            Para(f"三是广泛联管共建。建立“我是党员我带头”教育管理平台，以双联双管党员为重点实行积分管理。"
                 f"{prev}年防汛工作中，主动认领防汛堤段的党员{f['members.duty_members']}，认领堤段"
                 f"{f['members.duty_km']}，带动群众{f['members.duty_residents']}投身防汛抗洪一线。推广“民心零距离”"
                 f"工程，{y}年集中办理民情事项{f['demands.received']}。"),
            *panels_of("horizontal"),
        ]),
    ]
    names = "、".join(str(row[0]) for row in c.listings["brands"].rows[:5])
    sections.append(Section("（三）一套“清单”抓推进", 2, [
        Para(f"一是建立任务清单。细化任务{f['lists.tasks']}，制定各类党建工作标准{f['lists.standards']}，"
             "实行“一项工程一名县处级干部领衔”，坚持“每月督查”促进度、“每季例会”抓调度、“每年述评”压责任。"),
        Para(f"二是建立项目清单。推行书记认领项目与基层申报项目“双轮驱动”，遴选专题项目{f['lists.special_projects']}"
             f"作为区委常委领衔课题组织实施；培育城市基层党建品牌{f['lists.brands']}"
             + (f"，包括{names}等" if names else "") + "。"),
        listing_table(c, "brands"),
        Para(f"三是建立保障清单。改进述职评议、建立巡查制度，{y}年安排城市基层党建专项经费{f['lists.funds']}，"
             "保障城市基层党建工作的开展。"),
        *panels_of("lists"),
    ]))
    sections.append(Section("三、成效", 1, [
        Para(f"（一）党的领导更加顺畅。围绕“一纵一横一清单”出台配套制度{f['lists.rules']}，形成“上有所呼、下有所应、"
             f"一呼百应”的良好态势。{prev}年以来，凝聚带动党员干部、群众{f['members.participations']}参与。"),
        Para(f"（二）资源整合更加高效。{prev}年以来建立服务清单、需求清单{f['horizontal.list_entries']}，"
             f"有效整合闲置资源{f['horizontal.idle_resources']}，争取文明创建扶持资金{f['horizontal.funds_raised']}，"
             f"成员单位支持驻地街道（乡）优质房产{f['horizontal.space_m2']}。"),
        Para("（三）责任体系更加完善。围绕“一纵一横一清单”建立各级组织任务清单，实行清单化管理，推进“每月一评”、"
             "“双述双评”，压实城市范围内各领域基层党组织的责任。"),
        Table(f"主要数字一览（{c.org.name}，{y}年）", ["序号", "事项", "统计期间", "数值"],
              [[str(i), label(p), p.window, p.text] for i, p in enumerate(c.figures.values(), 1)],
              "数值均由系统按记录统计。"),
    ]))
    sections.append(Section("四、经验与启示", 1, [
        Para("（一）推进城市基层党建，必须强化组织联结。纵向上推进区、街道、社区、网格和党员中心户各级体系建设，"
             "横向上全面建立街道大工委、社区大党委，构建“一纵一横”相对稳定的网络体系。"),
        Para("（二）推进城市基层党建，必须强化制度保障。及时出台双联双管、双述双评等配套制度，以制度约束兼职委员，"
             "做到“凡事有人负责、凡事有章可依”。"),
        Para("（三）推进城市基层党建，必须强化顶层设计。将参加街道大工委、社区大党委和履职情况纳入驻区单位党建工作考核，"
             "提高驻区单位参与共建的积极性。"),
    ]))
    extra: list[Block] = [t for key, _ in mx.PANELS if key not in PANEL_SECTION
                          and (t := panel_table(c, key)) is not None]
    if extra:
        sections.append(Section("附：其他指标", 1, extra))
    number = 0
    for section in sections:
        for block in section.blocks:
            if isinstance(block, Table):
                number += 1
                block.title = f"表{number}　{block.title}"
    return sections


# ---------------------------------------------------------------- which organisations have reports

# A report is for a district, a street or a community (or a city, township, village): not for a grid or a
# central household, whose figures are parts of their community's.
REPORT_EXCLUDED_LEVELS = ("grid", "household", "unit")


def report_orgs(user: Any, perm: str) -> QuerySet[Org]:
    """The organisations whose annual report ``user`` may read (``net.view``) or generate (``net.report``)."""
    return selectors.dashboard_orgs(user, perm, REPORT_EXCLUDED_LEVELS)


def report_org(user: Any, value: Any, perm: str) -> Org:
    """The organisation ``value`` (an id) if ``user`` holds ``perm`` on it and it has reports; else 404 (missing
    and out of scope look the same) — the dashboard's lookup with the report's levels."""
    return selectors.dashboard_org(user, value, perm, REPORT_EXCLUDED_LEVELS)


def default_year(org: Org, now: dt.datetime) -> int:
    """The last full year with data in the organisation's subtree (the year before this one when none)."""
    this_year = Period.current("year", now)
    before = this_year.start - dt.timedelta(microseconds=1)
    return mx.latest_period("year", org.path, before).year
