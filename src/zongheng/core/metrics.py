"""一张网's figures: every module registers the figures it owns; the dashboard, the annual report and the API
iterate them (the ground imports no module).

Two registries:

- a **source** (``register_source``) is a kind of counted row — demands, meetings held, pairings, fund
  allocations … — given as a function ``rows(period, now) -> QuerySet`` of the rows that belong to a period
  (a flow: rows dated in the period; a stock: rows standing at the period's end, or during it), the name of
  the field that holds each row's organisation path (``path``: "path", "org_path", "grid_path" …), the right a
  viewer needs to open the rows (``perm``), how one row is shown on the rows page (``show(row) -> Row``) and the
  date field that tells the latest period with data (``dated``, optional);
- a **metric** (``register_metric``) is one figure: a source, a filter on its rows (``where``) and what is
  added up — the number of rows, or the sum of a field (``sum_of``: yuan, m²) — or the ratio of two other
  metrics (``ratio=(part, whole)``, shown as a percentage, nothing to count → ``None``).

Computation is set-based: ``grouped`` reads every metric of one source in ONE query (filtered aggregates,
``GROUP BY substr(path, 1, n)``) for all the organisations at one depth of a subtree; a source whose metrics
differ only by costly annotations (a task's status: correlated subqueries) names them in ``split``, and its query
groups by them too (``GROUP BY substr(path, 1, n), _status``): the database computes each row's annotation once
instead of once per metric, and each metric's filter is then tested on the groups (``holds``: equality and
``in`` on the split names, combined with and/or/not); the dashboard reads an
organisation and its children in that one query (the organisation's total is the sum of its children's groups
and of the rows on the organisation itself), so a dashboard runs a constant number of queries whatever the
size of the data or of the tree. ``rows`` gives exactly the rows a figure counts (the list each number opens);
the tests compare the two for random scopes and periods.

Panels (``PANELS``) follow the article: the tree's coverage, the vertical linkage, the horizontal line, the
lists, the members and the residents' demands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Count, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr

from .periods import TZ, Period
from .pipeline import Pipeline

PANELS: tuple[tuple[str, str], ...] = (
    ("tree", "组织覆盖"),
    ("vertical", "纵向联动"),
    ("horizontal", "横向共建"),
    ("lists", "一清单"),
    ("members", "党员作用"),
    ("demands", "民心零距离"),
)
PANEL_LABELS = dict(PANELS)

Number = int | Decimal


@dataclass(frozen=True)
class Row:
    """One counted row as the rows page shows it."""

    title: str
    url: str | None = None  # its own page (scoped there too); None when it has none
    detail: str = ""  # a short line: organisation, date, amount …


@dataclass(frozen=True)
class Source:
    name: str  # "demands.demand"
    rows: Callable[[Period, dt.datetime], QuerySet[Any]]
    path: str  # the field holding a row's organisation path
    perm: str  # the right that opens the rows
    show: Callable[[Any], Row]
    dated: str | None = None  # a date/datetime field: the latest period with data
    label: str = ""  # what a row is, e.g. "诉求"
    split: tuple[str, ...] = ()  # annotations the metrics' filters test, grouped by instead of filtered on


@dataclass(frozen=True)
class Metric:
    code: str  # "demands.received"
    panel: str  # a key of PANELS
    label: str  # "受理诉求"
    source: str = ""  # a Source name ("" for a ratio)
    where: Q = field(default_factory=Q)
    sum_of: str | None = None  # add up this field instead of counting rows
    unit: str = "个"
    order: int = 0
    help: str = ""  # the definition in words, shown beside the figure
    ratio: tuple[str, str] | None = None  # (part code, whole code): a percentage
    headline: bool = False  # among the few figures a panel leads with (the chart's default)

    @property
    def is_ratio(self) -> bool:
        return self.ratio is not None


_SOURCES: dict[str, Source] = {}
_METRICS: dict[str, Metric] = {}


def register_source(name: str, rows: Callable[[Period, dt.datetime], QuerySet[Any]], *, path: str, perm: str,
                    show: Callable[[Any], Row], dated: str | None = None, label: str = "",
                    split: Sequence[str] = ()) -> None:
    _SOURCES[name] = Source(name, rows, path, perm, show, dated, label, tuple(split))


def register_metric(code: str, panel: str, label: str, *, source: str = "", where: Q | None = None,
                    sum_of: str | None = None, unit: str = "个", order: int = 0, help: str = "",
                    ratio: tuple[str, str] | None = None, headline: bool = False) -> None:
    """Add (or replace, by code) a figure. A ratio names two registered metrics of any sources."""
    if panel not in PANEL_LABELS:
        raise ValueError(f"unknown panel {panel!r}")
    if ratio is None and not source:
        raise ValueError(f"metric {code!r} needs a source or a ratio")
    _METRICS[code] = Metric(code, panel, label, source, where if where is not None else Q(), sum_of,
                            "%" if ratio else unit, order, help, ratio, headline)


def flag(q: Q) -> Case:
    """A boolean annotation of a source's rows — true where ``q`` holds, false otherwise (never NULL) — that a
    metric's ``where`` tests (``Q(_late=True)``) when a condition needs the period or ``now``."""
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def metrics(panel: str | None = None) -> list[Metric]:
    """The registered figures in panel order, then their own order."""
    rank = {key: i for i, (key, _) in enumerate(PANELS)}
    found = [m for m in _METRICS.values() if panel is None or m.panel == panel]
    return sorted(found, key=lambda m: (rank[m.panel], m.order, m.code))


def metric(code: str) -> Metric | None:
    return _METRICS.get(code)


def source(name: str) -> Source | None:
    return _SOURCES.get(name)


# ---------------------------------------------------------------- computing


def _needed(codes: Iterable[str]) -> list[Metric]:
    """The metrics named and, for a ratio, its two parts (unknown codes are ignored)."""
    out: dict[str, Metric] = {}
    for code in codes:
        m = _METRICS.get(code)
        if m is None:
            continue
        out[code] = m
        if m.ratio:
            for part in m.ratio:
                if part in _METRICS:
                    out[part] = _METRICS[part]
    return list(out.values())


def _aggregate(m: Metric) -> Any:
    if m.sum_of:
        return Sum(m.sum_of, filter=m.where)
    return Count("pk", filter=m.where)


def grouped(codes: Iterable[str], within: str, length: int, period: Period, now: dt.datetime
            ) -> dict[str, dict[str, Number]]:
    """{code: {path prefix of ``length``: value}} over the rows of ``period`` inside the subtree ``within``.

    One query per source (all its metrics as filtered aggregates); a row whose path is shorter than
    ``length`` (it sits on an organisation above that depth) is grouped under its own path. Ratios are
    computed per prefix from their parts. A prefix without rows is absent."""
    return grouped_periods({period: list(codes)}, within, length, now)[period]


def grouped_periods(codes: dict[Period, list[str]], within: str, length: int, now: dt.datetime
                    ) -> dict[Period, dict[str, dict[str, Number]]]:
    """``grouped`` for several periods at once (the codes wanted for each), all the queries in one pipeline."""
    with Pipeline() as pipeline:
        done = {period: _grouped(wanted, within, length, period, now, pipeline) for period, wanted in codes.items()}
        results = pipeline.results()
    return {period: read_out(results) for period, read_out in done.items()}


def _grouped(codes: Iterable[str], within: str, length: int, period: Period, now: dt.datetime, pipeline: Pipeline
             ) -> Callable[[list[list[dict[str, Any]]]], dict[str, dict[str, Number]]]:
    """``grouped``'s queries, added to ``pipeline`` (so that several periods' run while the next are built); the
    function that reads ``grouped``'s answer from the pipeline's results."""
    wanted = _needed(codes)
    by_source: dict[str, list[Metric]] = {}
    for m in wanted:
        if m.source:
            by_source.setdefault(m.source, []).append(m)
    queued: list[tuple[Source, list[Metric], int]] = []
    for name, group in by_source.items():
        src = _SOURCES[name]
        base = (src.rows(period, now).filter(**{f"{src.path}__startswith": within})
                .annotate(_node=Substr(src.path, 1, length)))
        if src.split:
            sums = {f"m{i}": Sum(m.sum_of) for i, m in enumerate(group) if m.sum_of}
            qs = base.values("_node", *src.split).annotate(_rows=Count("pk"), **sums).order_by()
        else:
            qs = base.values("_node").annotate(**{f"m{i}": _aggregate(m) for i, m in enumerate(group)}).order_by()
        queued.append((src, group, pipeline.add(qs)))

    def done(results: list[list[dict[str, Any]]]) -> dict[str, dict[str, Number]]:
        out: dict[str, dict[str, Number]] = {m.code: {} for m in wanted}
        for src, group, index in queued:
            for row in results[index]:
                for i, m in enumerate(group):
                    if src.split:
                        value = row[f"m{i}"] if m.sum_of else row["_rows"]
                        if value and holds(m.where, row):
                            values = out[m.code]
                            values[row["_node"]] = values.get(row["_node"], 0) + value
                    elif value := row[f"m{i}"]:
                        out[m.code][row["_node"]] = value
        for m in wanted:
            if m.ratio:
                part, whole = (out.get(c, {}) for c in m.ratio)
                out[m.code] = {k: r for k, w in whole.items() if (r := ratio(part.get(k, 0), w)) is not None}
        return out

    return done


def holds(q: Q, row: dict[str, Any]) -> bool:
    """Whether a metric's filter holds for one group of a split source (``row``: its split annotations' values).
    Only what a split source's filters need is understood — ``name``/``name__exact`` and ``name__in`` on those
    names, under and/or/not; anything else is a programming error (ValueError), never a silent miss."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(holds(child, row))
            continue
        key, wanted = child  # type: ignore[misc]  # a Q's leaf: (lookup, value)
        name, _, lookup = str(key).partition("__")
        if name not in row or lookup not in ("", "exact", "in"):
            raise ValueError(f"a split source's filter cannot test {key!r}")
        value = row[name]
        results.append(value in wanted if lookup == "in" else value == wanted)
    found = all(results) if q.connector == Q.AND else any(results)
    return not found if q.negated else found


def ratio(part: Number, whole: Number) -> Decimal | None:
    """part / whole as a percentage with one decimal; None when there is nothing to count."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class Reading:
    """One figure of one organisation: its value, the previous period's and the children's."""

    metric: Metric
    value: Number | None
    previous: Number | None = None
    children: dict[str, Number | None] = field(default_factory=dict)  # child path → value

    @property
    def change(self) -> Number | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _total(groups: dict[str, dict[str, Number]], m: Metric, keys: Iterable[str] | None = None) -> Number | None:
    """Sum of a metric over some prefixes (all by default); a ratio from the sums of its parts."""
    if m.ratio:
        part, whole = (_METRICS[c] for c in m.ratio)
        return ratio(_total(groups, part, keys) or 0, _total(groups, whole, keys) or 0)
    values = groups.get(m.code, {})
    chosen = values.values() if keys is None else (values.get(k, 0) for k in keys)
    return sum(chosen, 0)


def read(codes: Sequence[str], path: str, child_paths: Sequence[str], period: Period, now: dt.datetime, *,
         previous: bool = True) -> dict[str, Reading]:
    """The figures of the organisation at ``path`` — and of each child at ``child_paths`` (all one step
    below) — for ``period``, with the previous period's value of the organisation: one query per source for
    the period (children and total together) and one per source for the previous period."""
    from .access import steplen

    wanted = [m for m in metrics() if m.code in set(codes)]
    with Pipeline() as pipeline:  # the previous period's queries run while the period's are read, and so on
        this = _grouped(codes, path, len(path) + steplen(), period, now, pipeline)
        last = _grouped(codes, path, len(path), period.previous(), now, pipeline) if previous else None
        results = pipeline.results()
    now_groups = this(results)
    before = last(results) if last else {}
    out: dict[str, Reading] = {}
    for m in wanted:
        out[m.code] = Reading(
            m, _total(now_groups, m),
            _total(before, m) if previous else None,
            {c: _total(now_groups, m, [c]) for c in child_paths},
        )
    return out


_MODELS: dict[Any, Any] = {}  # a source's rows function → the model of its rows (code's metadata, not data)


def _model(src: Source, now: dt.datetime) -> Any:
    """The model a source counts: its queryset is built once per process to learn it (it runs no query)."""
    if src.rows not in _MODELS:
        _MODELS[src.rows] = src.rows(Period.current("year", now), now).model
    return _MODELS[src.rows]


def latest_period(kind: str, path: str, now: dt.datetime) -> Period:
    """The latest period of ``kind`` (not after ``now``) holding a dated row of any source inside ``path``:
    one query per dated source (pipelined: ``core.pipeline``); the current period when there is none."""
    latest: dt.date | None = None
    with Pipeline() as pipeline:
        for src in _SOURCES.values():
            if src.dated:
                model = _model(src, now)
                qs = model._default_manager.filter(**{f"{src.path}__startswith": path, f"{src.dated}__lte": now})
                # MAX over the whole filtered set: grouped by a constant, which Django leaves out of GROUP BY.
                pipeline.add(qs.order_by().values(_all=Value(1)).annotate(at=Max(src.dated)).values("at"))
        results = pipeline.results()
    for rows in results:
        at = rows[0]["at"] if rows else None
        if at is None:
            continue
        day = at.astimezone(TZ).date() if isinstance(at, dt.datetime) else at  # the local day, not UTC's
        latest = day if latest is None or day > latest else latest
    return Period.of(kind, latest) if latest else Period.current(kind, now)


def rows(code: str, path: str, period: Period, now: dt.datetime) -> QuerySet[Any]:
    """Exactly the rows a (non-ratio) metric counts for the organisation at ``path`` (the list its number
    opens); a ratio's rows are its part's."""
    m = _METRICS[code]
    if m.ratio:
        return rows(m.ratio[0], path, period, now)
    src = _SOURCES[m.source]
    return src.rows(period, now).filter(m.where).filter(**{f"{src.path}__startswith": path})


def source_of(code: str) -> Source:
    m = _METRICS[code]
    return _SOURCES[_METRICS[m.ratio[0]].source if m.ratio else m.source]
