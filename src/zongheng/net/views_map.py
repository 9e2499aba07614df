"""一张网's grid map (``maps.py`` computes it).

- ``map_data`` (``net:map_data``): the grids of an organisation's subtree as GeoJSON, shaded by one figure
  (``?map=<metric code>``, default ``maps.default_code()``) for a period (``?period=``; empty: the latest period
  with data, as on the dashboard) — what ``static/net/map.js`` draws.
- ``grid_map`` (``net:map``): the same grids as a table with the legend — the fragment the dashboard loads under
  the map (htmx), or, without JavaScript, a whole page with the form, the map and the table; the table is what a
  screen reader reads and what prints.

Reads: ``require(net.view)`` (no right → 403), the organisation through ``selectors.dashboard_org`` (outside the
scope or missing → 404, the same answer); an unknown figure or a malformed period → 400 with a Chinese message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from zongheng.core import metrics as mx
from zongheng.core.access import require
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from . import maps
from . import selectors as s
from .views import show

NOT_FOUND = "未找到，或不在您的管辖范围内"


def grid_url(pk: int, period: Period) -> str:
    """A grid's dashboard for the period."""
    return reverse("net:dashboard", args=[pk]) + "?" + urlencode({"period": str(period)})


def _read(request: HttpRequest, org: Org) -> tuple[maps.GridMap | None, str]:
    """The map asked for, or (None, a Chinese message)."""
    code = request.GET.get("map", "").strip()[:80] or maps.default_code()
    if code is None:
        return None, "还没有登记任何统计指标"
    metric = mx.metric(code)
    if metric is None:
        return None, f"统计指标“{code[:40]}”不存在，请从列表中选择"
    now = timezone.now()
    try:
        period = s.period_of(request.GET.get("period"), org, now)
    except ValueError as exc:
        return None, f"统计期间“{request.GET.get('period', '')[:20]}”无法识别：{exc}"
    return maps.read(org, metric, period, now), ""


@login_required
def map_data(request: HttpRequest, org_id: int) -> HttpResponse:
    require(request.user, Perm.NET_VIEW)
    try:
        org = s.dashboard_org(request.user, org_id)
    except Http404:
        return JsonResponse({"error": NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False})
    m, error = _read(request, org)
    if m is None:
        return JsonResponse({"error": error}, status=400, json_dumps_params={"ensure_ascii": False})
    data = maps.geojson(m, lambda pk: grid_url(pk, m.period), show)
    return JsonResponse(data, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False})


def table_context(m: maps.GridMap) -> dict[str, Any]:
    """The legend and the table rows of a map (the same classes as the map's colours)."""
    rows = []
    for g in m.grids:
        shade = g.shade(m.shades)
        rows.append({"name": g.name, "parent": g.parent, "url": grid_url(g.pk, m.period),
                     "display": show(g.value, m.metric), "shade": shade.label if shade else "",
                     "drawn": g.boundary is not None})
    return {"map": m, "rows": rows, "legend": m.shades, "missing": len(m.grids) - m.drawn,
            "unit": "%" if m.metric.is_ratio else m.metric.unit}


@login_required
def grid_map(request: HttpRequest, org_id: int) -> HttpResponse:
    require(request.user, Perm.NET_VIEW)
    org = s.dashboard_org(request.user, org_id)
    m, error = _read(request, org)
    context: dict[str, Any] = {"org": org, "error": error, "period": m.period if m else None,
                               "typed_period": request.GET.get("period", "")[:20],
                               "grid_map": maps.choices(request.GET.get("map"))}
    if m is not None:
        context |= table_context(m)
    fragment = request.headers.get("HX-Request") == "true"
    return render(request, "net/_map_table.html" if fragment else "net/map.html", context,
                  status=400 if error else 200)
