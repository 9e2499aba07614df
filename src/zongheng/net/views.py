"""一张网's pages: one dashboard per organisation (district, street, community, grid) and the rows behind each
figure.

Reads: ``require(net.view)`` (no right anywhere → 403), the organisation through ``selectors.dashboard_org``
(outside the scope → 404). A figure links to its rows only where the viewer holds the right of the module that
owns them (``can_open_rows``); the rows page checks the same. A malformed period is answered with a Chinese
message and status 400, never with another period's figures.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zongheng.core import metrics as mx
from zongheng.core import snapshot
from zongheng.core.access import require
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from . import maps
from . import selectors as s
from .layout import CARDS

PER_PAGE = 50


def rows_url(org: Org, code: str, period: Period) -> str:
    return reverse("net:rows", args=[org.pk, code]) + "?" + urlencode({"period": str(period)})


def dashboard_url(org: Org, period: Period | None = None) -> str:
    url = reverse("net:dashboard", args=[org.pk])
    return url + "?" + urlencode({"period": str(period)}) if period else url


def show(value: mx.Number | None, metric: mx.Metric) -> str:
    """A figure as printed: "—" when a ratio has nothing to count; thousands separated; a percentage with %."""
    if value is None:
        return "—"
    if metric.is_ratio:
        return f"{value}%"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return f"{value:,}"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's top organisation."""
    require(request.user, Perm.NET_VIEW)
    org = s.top_org(request.user)
    if org is None:
        raise Http404("未找到，或不在您的管辖范围内")
    query = request.GET.urlencode()
    return redirect(dashboard_url(org) + (f"?{query}" if query else ""))


def _period(request: HttpRequest, org: Org, now: Any) -> tuple[Period | None, str]:
    try:
        return s.period_of(request.GET.get("period"), org, now, request.GET.get("kind", "year")), ""
    except ValueError as exc:
        return None, f"统计期间“{request.GET.get('period', '')[:20]}”无法识别：{exc}"


def _figure(request: HttpRequest, org: Org, period: Period, r: mx.Reading) -> dict[str, Any]:
    """One figure as the dashboard shows it: value, unit, the previous period's value and the change (a ratio's in
    percentage points), and the link to its rows when the viewer may open them."""
    m = r.metric
    change = r.change
    shown_change = None
    if change:
        sign, size = ("+", change) if change > 0 else ("−", -change)
        shown_change = f"{sign}{size} 个百分点" if m.is_ratio else f"{sign}{show(size, m)}"
    return {
        "code": m.code, "label": m.label, "unit": "" if m.is_ratio else m.unit, "help": m.help,
        "value": show(r.value, m), "previous": show(r.previous, m), "change": shown_change,
        "url": rows_url(org, m.code, period) if s.can_open_rows(request.user, m.code, org) else None,
    }


def _chart(panel: s.Panel, kids: list[Org]) -> dict[str, Any] | None:
    """The data of a panel's bar chart: every figure of the panel by child organisation (the viewer picks which;
    the headline first). The table of the children says the same."""
    head = panel.headline
    if head is None or not kids:
        return None
    ordered = [head] + [r for r in panel.readings if r is not head]
    return {"names": [k.name for k in kids],
            "series": [{"label": r.metric.label, "unit": "%" if r.metric.is_ratio else r.metric.unit,
                        "values": [None if r.children.get(k.path) is None else float(r.children[k.path] or 0)
                                   for k in kids]} for r in ordered]}


def _cells(values: list[str]) -> SafeString:
    """A row's number cells, each escaped, as one string: a city's table is 100 children × ~20 figures per panel,
    and the template's loop over ~11,000 cells cost ~60 ms of a snapshot's ~160 (``bench/README.md``)."""
    return mark_safe("".join(f'<td class="num">{escape(v)}</td>' for v in values))  # noqa: S308 - each escaped


def _panel(request: HttpRequest, org: Org, period: Period, p: s.Panel) -> dict[str, Any]:
    """A panel's figures as this viewer sees them (a number links to its rows only where they may open them)."""
    figures = [_figure(request, org, period, r) for r in p.readings]
    by_code = {f["code"]: f for f in figures}
    return {"key": p.key, "label": p.label, "figures": figures,
            "cards": [by_code[c] for c in CARDS.get(p.key, ()) if c in by_code] or figures[:6]}


def _by_child(p: s.Panel, kids: list[Org], kid_urls: dict[int, str]) -> dict[str, Any]:
    """A panel's chart and table by child organisation: the same for every viewer of the organisation (numbers, and
    links to the children's own dashboards, which whoever sees the organisation may open)."""
    chart = _chart(p, kids)

    def row(k: Org) -> dict[str, Any]:
        values = [show(r.children.get(k.path), r.metric) for r in p.readings]
        return {"org": k, "url": kid_urls[k.pk], "values": values, "cells": _cells(values)}

    return {
        "key": p.key, "label": p.label, "chart": chart, "chart_id": f"chart-{p.key}",
        "chart_choices": [(i, series["label"]) for i, series in enumerate(chart["series"])] if chart else [],
        "table": [row(k) for k in kids], "columns": [r.metric.label for r in p.readings],
    }


def _children_html(org: Org, period: Period, read: s.Panels, kids: list[Org]) -> tuple[dict[str, str], list[Any]]:
    """Each panel's part by child organisation, rendered: ({panel key: HTML}, the parts rendered by this request).

    Of a snapshot (a district and above) it is rendered once per snapshot and kept beside it: a city's parts are
    100 children × ~107 figures, the chart data and the table, ~40% of the page's work, and they hold nothing that
    differs between viewers. Live pages (a street and below: a handful of children) render them each time."""
    def render_all() -> tuple[dict[str, str], list[Any]]:
        kid_urls = {k.pk: dashboard_url(k, period) for k in kids}
        parts = [_by_child(p, kids, kid_urls) for p in read.panels]
        return {part["key"]: render_to_string("net/_by_child.html", {"p": part}) for part in parts}, parts

    if read.as_of is None:
        return render_all()
    key = "net.children:" + hashlib.sha256(
        f"{org.path}|{period}|{','.join(k.path for k in kids)}|{get_script_prefix()}|{read.as_of.isoformat()}".encode()
    ).hexdigest()
    html, _ = snapshot.read_through(key, lambda: render_all()[0], read.as_of)
    return html, []


@login_required
def dashboard(request: HttpRequest, org_id: int) -> HttpResponse:
    require(request.user, Perm.NET_VIEW)
    org = s.dashboard_org(request.user, org_id)
    now = timezone.now()
    period, error = _period(request, org, now)
    parent = None
    if org.depth > 1:
        parent = s.dashboard_orgs(request.user).filter(path=org.path[:-Org.steplen]).first()
    context: dict[str, Any] = {"org": org, "parent": parent, "period": period, "error": error,
                               "typed_period": request.GET.get("period", "")[:20]}
    if period is None:
        context["period_groups"] = s.period_choices(mx.latest_period("year", org.path, now), now)
        return render(request, "net/dashboard.html", context, status=400)
    kids = s.children(org)
    read = s.panels(org, kids, period, now)
    children, parts = _children_html(org, period, read, kids)
    panels = [_panel(request, org, period, p) | {"by_child": mark_safe(children[p.key])}  # noqa: S308 - rendered
              for p in read.panels]
    for panel, part in zip(panels, parts, strict=False):  # a live page's rows by child, as rendered
        panel.update(table=part["table"], columns=part["columns"])
    context.update(
        period_groups=s.period_choices(period, now), previous=period.previous(), panels=panels,
        as_of=read.as_of, snapshot_minutes=snapshot.minutes(),
        grid_map=maps.choices_context(org, request.GET.get("map")),  # the grid map's section (net/_map.html)
    )
    return render(request, "net/dashboard.html", context)


@login_required
def rows(request: HttpRequest, org_id: int, code: str) -> HttpResponse:
    """Exactly the rows a figure counts, for the organisation and period, fifty a page."""
    require(request.user, Perm.NET_VIEW)
    org = s.dashboard_org(request.user, org_id)
    metric = mx.metric(code)
    if metric is None or not s.can_open_rows(request.user, code, org):
        raise Http404("未找到，或不在您的管辖范围内")
    now = timezone.now()
    period, error = _period(request, org, now)
    if period is None:
        return render(request, "net/rows.html", {"org": org, "metric": metric, "error": error}, status=400)
    src = mx.source_of(code)
    qs = mx.rows(code, org.path, period, now).order_by("-pk")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "net/rows.html", {
        "org": org, "metric": metric, "period": period, "page": page, "source": src,
        "items": [src.show(obj) for obj in page.object_list],
        "back": dashboard_url(org, period),
        "query": urlencode({"period": str(period)}),
    })
