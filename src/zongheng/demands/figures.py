"""The figures of 民心零距离 — 响应率, 解决率, 满意率 and the rest — defined once, here.

See ``docs/demands.md`` for the same definitions in words. For an organisation ``org``
and a period (a month, quarter or year in Asia/Shanghai):

- **counted** (诉求数): demands received in the period whose grid lies in ``org``'s
  subtree, excluding rejected (不予受理) and merged (已合并) ones;
- **response_due** (应响应): counted demands whose first response deadline has passed at
  ``now``, or that were already accepted — a demand not yet due is not yet counted against anyone;
- **responded**: counted demands first accepted no later than their first response
  deadline (``first_accepted_at <= first_response_due_at``); 响应率 = responded / response_due;
- **resolution_due** (应办结): counted demands whose resolution deadline has passed at ``now``, or
  that are already closed;
- **resolved**: counted demands closed with an answer (status ``closed``); 解决率 = resolved / resolution_due;
- **rated**: counted demands with a rating; **satisfied**: rated ones with
  ``rating >= settings.DEMAND_SATISFIED_RATING``; 满意率 = satisfied / rated;
- **answered**: counted demands with an answer time; 平均办理时长 = mean of
  ``answered_at - received_at`` over them, in hours;
- **overdue** (超时): counted demands still open whose current deadline has passed at ``now``.

A rate with an empty denominator is ``None`` (shown as "—"). The pages open on the latest
period with data (``latest_period``), not on an empty current year. Every figure has a filter
(``figure_q``) so that each number links to exactly the rows it counts. Roll-ups use one
grouped query for all children of an organisation (``GROUP BY substr(grid_path, 1, n)``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from zongheng.core.periods import Period
from zongheng.core.snapshot import read_through
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org
from zongheng.orgs.selectors import reads_snapshot

from .actions import overdue_q
from .choices import Status
from .models import Demand

__all__ = ["Period"]  # the period type lives in core; re-exported for the module's callers

EXCLUDED = (Status.REJECTED, Status.MERGED)
FIGURES = ("counted", "response_due", "responded", "resolution_due", "resolved", "rated", "satisfied", "answered",
           "overdue")
FIGURE_LABELS = {
    "counted": "诉求数", "response_due": "应响应", "responded": "按时响应", "resolution_due": "应办结",
    "resolved": "已办结", "rated": "已评价", "satisfied": "满意", "answered": "已答复", "overdue": "超时未办",
}
# Each rate in plain words, for the page itself (the same words as the definitions above).
RATE_HELP = (
    ("响应率", "按时接单的诉求 ÷ 应响应的诉求。应响应：首次响应时限已过，或已经接单的诉求；"
               "还没到响应时限、也还没接单的诉求暂不计入。按时接单：首次接单时间不晚于首次响应时限。"),
    ("解决率", "已办结的诉求 ÷ 应办结的诉求。应办结：办结时限已过，或已经办结的诉求；"
               "还没到办结时限、也还没办结的诉求暂不计入。"),
    ("满意率", "评分不低于 {satisfied} 星的诉求 ÷ 已评价的诉求（只计最初反映问题的居民的评价）。"),
    ("平均办理时长", "从受理到答复的平均小时数，只计已答复的诉求。"),
    ("超时", "尚未答复、已超过当前时限（未接单看响应时限，已接单看办结时限）的诉求件数。"),
)


# ---------------------------------------------------------------- the definitions


def counted_q(org: Org, period: Period) -> Q:
    """The counted set: received in the period, grid in the org's subtree, not rejected or merged."""
    return (
        Q(grid_path__startswith=org.path, received_at__gte=period.start, received_at__lt=period.end)
        & ~Q(status__in=EXCLUDED)
    )


def figure_q(figure: str, now: dt.datetime | None = None) -> Q:
    """The rows of a figure within the counted set."""
    if figure == "counted":
        return Q()
    if figure == "response_due":
        return Q(first_response_due_at__lt=now or timezone.now()) | Q(first_accepted_at__isnull=False)
    if figure == "resolution_due":
        return Q(resolution_due_at__lt=now or timezone.now()) | Q(status=Status.CLOSED)
    if figure == "responded":
        return Q(first_accepted_at__isnull=False, first_accepted_at__lte=F("first_response_due_at"))
    if figure == "resolved":
        return Q(status=Status.CLOSED)
    if figure == "rated":
        return Q(rating__isnull=False)
    if figure == "satisfied":
        return Q(rating__isnull=False, rating__gte=settings.DEMAND_SATISFIED_RATING)
    if figure == "answered":
        return Q(answered_at__isnull=False)
    if figure == "overdue":
        return overdue_q(now or timezone.now())
    raise ValueError(f"未知的统计项：{figure}")


def figure_filter(org: Org, period: Period, figure: str, now: dt.datetime | None = None) -> QuerySet[Demand]:
    """Exactly the demands a figure counts (the list each number links to)."""
    return Demand.objects.filter(counted_q(org, period) & figure_q(figure, now))


@dataclass
class Figures:
    counted: int = 0
    response_due: int = 0
    responded: int = 0
    resolution_due: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    answered: int = 0
    overdue: int = 0
    handling: dt.timedelta = dt.timedelta(0)  # total answered_at − received_at over answered ones
    by_status: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def _rate(n: int, d: int) -> float | None:
        return n / d if d else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.response_due)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved, self.resolution_due)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def avg_handling_hours(self) -> float | None:
        return self.handling.total_seconds() / 3600 / self.answered if self.answered else None

    def __add__(self, other: Figures) -> Figures:
        """The figures of two disjoint sets of demands together (every figure is a count or a sum)."""
        by_status = dict(self.by_status)
        for status, n in other.by_status.items():
            by_status[status] = by_status.get(status, 0) + n
        return Figures(**{name: getattr(self, name) + getattr(other, name) for name in FIGURES},
                       handling=self.handling + other.handling, by_status=by_status)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counted": self.counted, "response_due": self.response_due, "responded": self.responded,
            "resolution_due": self.resolution_due, "resolved": self.resolved,
            "rated": self.rated, "satisfied": self.satisfied, "answered": self.answered, "overdue": self.overdue,
            "response_rate": self.response_rate, "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate, "avg_handling_hours": self.avg_handling_hours,
            "by_status": dict(self.by_status),
        }


def _aggregates(now: dt.datetime) -> dict[str, Any]:
    """The counts of one (node, status) group; the status itself gives 已办结 and the count by status."""
    duration = ExpressionWrapper(F("answered_at") - F("received_at"), output_field=DurationField())
    out: dict[str, Any] = {name: Count("id", filter=figure_q(name, now))
                           for name in FIGURES if name not in ("counted", "resolved")}
    out["counted"] = Count("id")
    out["handling"] = Sum(duration, filter=figure_q("answered"))
    return out


def _figures(row: dict[str, Any]) -> Figures:
    handling = row.get("handling") or dt.timedelta(0)
    if not isinstance(handling, dt.timedelta):  # some backends return microseconds
        handling = dt.timedelta(microseconds=int(handling))
    counted = int(row["counted"])
    return Figures(
        **{name: int(row.get(name) or 0) for name in FIGURES}
        | {"resolved": counted if row["status"] == Status.CLOSED else 0},
        handling=handling, by_status={row["status"]: counted},
    )


def grouped_figures(within: Org, period: Period, prefix_len: int, now: dt.datetime | None = None
                    ) -> dict[str, Figures]:
    """Figures for every node whose path has length ``prefix_len`` inside ``within``: one query, grouped by
    node and status (a filtered count per status cost more than the groups: issue 14)."""
    now = now or timezone.now()
    rows = (
        Demand.objects.filter(counted_q(within, period))
        .annotate(node=Substr("grid_path", 1, prefix_len))
        .values("node", "status")
        .annotate(**_aggregates(now))
        .order_by()
    )
    out: dict[str, Figures] = {}
    for row in rows:
        node = row["node"]
        out[node] = out[node] + _figures(row) if node in out else _figures(row)
    for f in out.values():  # the statuses in the workflow's order, as the API has always listed them
        f.by_status = {s: f.by_status[s] for s in Status.values if s in f.by_status}
    return out


def org_figures(org: Org, period: Period, now: dt.datetime | None = None) -> Figures:
    """The figures of one organisation (its whole subtree): one query."""
    return grouped_figures(org, period, len(org.path), now).get(org.path, Figures())


def latest_period(org: Org, kind: str = "year", now: dt.datetime | None = None) -> Period:
    """The latest period of ``kind`` holding a counted demand of ``org``'s subtree (one query);
    the current one when there is none."""
    from django.db.models import Max

    latest = (
        Demand.objects.filter(grid_path__startswith=org.path).exclude(status__in=EXCLUDED)
        .aggregate(at=Max("received_at"))["at"]
    )
    return Period.current(kind, latest or now)


def figure_children(org: Org) -> list[Org]:
    """The children shown in a roll-up: regular orgs above the household level (demands sit in grids)."""
    return list(
        Org.objects.filter(path__startswith=org.path, depth=org.depth + 1, kind=OrgKind.REGULAR)
        .exclude(level__code="household")
        .select_related("level")
        .order_by("path")
    )


@dataclass
class RollUp:
    org: Org
    period: Period
    total: Figures
    children: list[tuple[Org, Figures]]
    as_of: dt.datetime | None = None  # a snapshot's time (a district and above); None: computed now


def roll_up(org: Org, period: Period, now: dt.datetime | None = None, *, snapshot: bool = False) -> RollUp:
    """The org and each of its children: two queries whatever the number of children or demands.

    One pass over the period's demands: grouped by the child their grid lies under, and the org's total is
    the sum of all the groups — those of the children shown, of the others (temporary groups, households)
    and of demands whose grid is the org itself — so it equals ``org_figures`` (tests/demands/test_figures.py)
    at half the cost of a second scan (issue 14, item 4).

    With ``snapshot`` (the figures page, its export and the API) a district or an organisation above it
    (``orgs.selectors.reads_snapshot``) reads the groups counted by an earlier request (``core.snapshot``), and
    ``as_of`` says when they were counted; the lists behind the numbers stay live.
    """
    now = now or timezone.now()
    children = figure_children(org)
    if not children:
        return RollUp(org=org, period=period, total=org_figures(org, period, now), children=[])
    length = len(org.path) + Org.steplen
    as_of = None
    if snapshot and reads_snapshot(org):
        by_node, as_of = read_through(f"demands.figures:{org.path}:{period}",
                                      lambda: grouped_figures(org, period, length, now), now)
    else:
        by_node = grouped_figures(org, period, length, now)
    return RollUp(
        org=org, period=period, total=sum(by_node.values(), Figures()),
        children=[(c, by_node.get(c.path, Figures())) for c in children], as_of=as_of,
    )


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
