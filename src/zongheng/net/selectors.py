"""一张网's reads: the organisation a dashboard is for (the one scoped lookup of every door — page, API, report),
its children, the period asked for, and the dashboard's figures (``core.metrics``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from zongheng.core import metrics as mx
from zongheng.core import snapshot
from zongheng.core.access import in_scope
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm
from zongheng.orgs import selectors as org_selectors
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org
from zongheng.orgs.resolve import as_pk

# The levels a dashboard is drawn for: regular organisations down to the grid (central households and
# stationed units are counted in their grid's and community's figures, and have no dashboard of their own).
DASHBOARD_EXCLUDED_LEVELS = ("household", "unit")


def dashboard_orgs(user: Any, perm: str = Perm.NET_VIEW,
                   excluded: tuple[str, ...] = DASHBOARD_EXCLUDED_LEVELS) -> QuerySet[Org]:
    """The organisations whose dashboard (or, with the report's levels and right, annual report) ``user`` may
    open: regular organisations of the subtrees where they hold ``perm``, less the ``excluded`` levels."""
    return Org.objects.restrict(user, perm).filter(kind=OrgKind.REGULAR).exclude(level__code__in=excluded)


def dashboard_org(user: Any, value: Any, perm: str = Perm.NET_VIEW,
                  excluded: tuple[str, ...] = DASHBOARD_EXCLUDED_LEVELS) -> Org:
    """The organisation ``value`` (an id) among ``dashboard_orgs``: THE lookup of every door of 一张网 (pages,
    API, map, report); else 404 (missing or out of scope look the same)."""
    pk = as_pk(value)
    org = (dashboard_orgs(user, perm, excluded).select_related("level").filter(pk=pk).first()
           if pk is not None else None)
    if org is None:
        raise Http404("未找到，或不在您的管辖范围内")
    return org


def top_org(user: Any) -> Org | None:
    """The highest organisation of the user's dashboard scope (the first, by path)."""
    return org_selectors.scope_roots(user, Perm.NET_VIEW).select_related("level").order_by("path").first()


def children(org: Org) -> list[Org]:
    """The children a dashboard breaks its figures down by: regular organisations one step below."""
    return list(Org.objects.filter(path__startswith=org.path, depth=org.depth + 1, kind=OrgKind.REGULAR)
                .exclude(level__code__in=DASHBOARD_EXCLUDED_LEVELS).select_related("level").order_by("path"))


def period_of(text: str | None, org: Org, now: dt.datetime, kind: str = "year") -> Period:
    """The period named by ``text`` (ValueError with a Chinese message when malformed); empty: the latest
    period of ``kind`` with data in the organisation's subtree."""
    text = (text or "").strip()
    if text:
        return Period.parse(text)
    kind = kind if kind in ("month", "quarter", "year") else "year"
    if org_selectors.reads_snapshot(org):  # a district or above: a query per dated source (~24; ~190 ms in a city)
        return snapshot.read_through(f"net.latest:{kind}:{org.path}",
                                     lambda: mx.latest_period(kind, org.path, now), now)[0]
    return mx.latest_period(kind, org.path, now)


def period_choices(period: Period, now: dt.datetime) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods offered by the selector, grouped: the last six years, the quarters of the shown year and the
    one before, the months of the shown year (the one asked for is always among them)."""
    this = Period.current("year", now).year
    last = max(this, period.year)
    years = [Period("year", y) for y in range(last, last - 6, -1)]
    quarters = [Period("quarter", y, q) for y in (period.year, period.year - 1) for q in (4, 3, 2, 1)]
    months = [Period("month", period.year, m) for m in range(12, 0, -1)]
    groups = [("年度", years), ("季度", quarters), ("月份", months)]
    out = []
    for name, items in groups:
        if period not in items and period.kind == {"年度": "year", "季度": "quarter", "月份": "month"}[name]:
            items.insert(0, period)
        out.append((name, [(str(p), p.label) for p in items]))
    return out


@dataclass
class Panel:
    key: str
    label: str
    readings: list[mx.Reading]

    @property
    def headline(self) -> mx.Reading | None:
        """The figure the panel's chart shows by child: the first marked headline, else the first."""
        for r in self.readings:
            if r.metric.headline:
                return r
        return self.readings[0] if self.readings else None


@dataclass
class Panels:
    """A dashboard's figures by panel, and when they were counted: ``as_of`` is None when counted now, the
    snapshot's moment for a district and above (``orgs.selectors.reads_snapshot``)."""

    panels: list[Panel]
    as_of: dt.datetime | None = None


def panels(org: Org, kids: list[Org], period: Period, now: dt.datetime) -> Panels:
    """Every registered figure of ``org`` (and its children) for ``period``, by panel: one query per source for
    the period and one per source for the previous period — or, for a district and above, the numbers an earlier
    request counted (``core.snapshot``; only the numbers are kept, the figures' definitions are this process's)."""
    codes = [m.code for m in mx.metrics()]
    paths = [k.path for k in kids]
    as_of = None
    if org_selectors.reads_snapshot(org):
        def count() -> dict[str, tuple[Any, Any, dict[str, Any]]]:
            found = mx.read(codes, org.path, paths, period, now)
            return {code: (r.value, r.previous, r.children) for code, r in found.items()}

        key = "net.figures:" + hashlib.sha256(f"{org.path}|{period}|{','.join(paths)}".encode()).hexdigest()
        numbers, as_of = snapshot.read_through(key, count, now)
        readings = {code: mx.Reading(m, *numbers[code]) for code in numbers if (m := mx.metric(code))}
    else:
        readings = mx.read(codes, org.path, paths, period, now)
    out = []
    for key, label in mx.PANELS:
        items = [readings[m.code] for m in mx.metrics(key) if m.code in readings]
        if items:
            out.append(Panel(key, label, items))
    return Panels(out, as_of)


def can_open_rows(user: Any, code: str, org: Org) -> bool:
    """Whether ``user`` may open the rows of figure ``code`` for ``org`` (the source's right there)."""
    return in_scope(user, mx.source_of(code).perm, org.path)
