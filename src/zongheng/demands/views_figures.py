"""Pages of the figures: the three rates for an org and its children, and the list behind each number.

Definitions live in ``figures.py`` (and ``docs/demands.md``); the page explains each rate itself
(``figures.RATE_HELP``), opens on the latest period with data and answers a malformed period
or figure with a Chinese message and status 400, showing no figures for a period never asked for.
Reads: ``require(demand.view)`` (no right anywhere → 403), the org picked from ``Org.objects.restrict`` (outside the
scope → 404). Every number links to ``figures_list``, which shows exactly the rows it counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from zongheng.core import snapshot
from zongheng.core.access import require
from zongheng.core.exports import xlsx_response
from zongheng.core.permissions import Perm
from zongheng.orgs import selectors as org_selectors
from zongheng.orgs.models import Org

from . import figures
from .figures import FIGURE_LABELS, FIGURES, Figures, Period

PER_PAGE = 50
COLUMNS = ["组织", "诉求数", "响应率", "解决率", "满意率", "平均办理时长（小时）", "超时"]


def _org(request: HttpRequest) -> Org:
    """The org asked for (in the user's scope, else 404), or the user's first top scope."""
    user = request.user
    pk = request.GET.get("org", "").strip()
    if pk:
        if not pk.isdigit() or len(pk) > 18:
            raise Http404
        return get_object_or_404(Org.objects.restrict(user, Perm.DEMAND_VIEW).select_related("level"), pk=int(pk))
    root = org_selectors.scope_roots(user, Perm.DEMAND_VIEW).order_by("path").first()
    if root is None:  # require() has passed, so this cannot normally happen
        raise Http404
    return root


def _period(request: HttpRequest, org: Org) -> tuple[Period | None, str]:
    """The period asked for (default: the latest year with data) — or None and a Chinese message
    for a malformed one: the page says so (400) instead of silently showing another period."""
    text = request.GET.get("period", "").strip()
    if not text:
        return figures.latest_period(org), ""
    try:
        return Period.parse(text), ""
    except ValueError as exc:
        return None, f"统计期间“{text[:20]}”无法识别：{exc}"


def _bad_period(request: HttpRequest, org: Org, error: str) -> HttpResponse:
    """The figures page with the message and the form (the typed text kept), no figures: 400."""
    context = {"org": org, "period": None, "error": error, "typed_period": request.GET.get("period", "")[:20],
               **_org_options(request), "org_items": _chosen(org),
               "period_choices": _period_choices(figures.latest_period(org)), "rate_help": _rate_help()}
    return render(request, "demands/figures.html", context, status=400)


def figure_orgs(user: Any) -> Any:
    """The organisations whose figures the user may open: standing ones of their scope, households left out."""
    return Org.objects.restrict(user, Perm.DEMAND_VIEW).exclude(level__code="household").filter(kind="regular")


def _org_options(request: HttpRequest) -> dict[str, Any]:
    """The org filter is a picker loaded on demand (``views.pick?kind=figures``, issue 14 item 1): the page
    carries only the org shown now, never the list of the scope's organisations."""
    return {"org_pick_url": reverse("demands:pick") + "?kind=figures"}


def _chosen(org: Org) -> list[tuple[Org, str, bool]]:
    from zongheng.orgs.picker import path_labels

    return [(org, path_labels([org]).get(org.pk, ""), True)]


def _rate_help() -> list[tuple[str, str]]:
    satisfied = figures.settings.DEMAND_SATISFIED_RATING
    return [(name, text.format(satisfied=satisfied)) for name, text in figures.RATE_HELP]


def list_links(org: Org, period: Period) -> Callable[[str], str]:
    """The address of the list behind each figure (a name of ``FIGURES``: an identifier, nothing to encode) of
    ``org`` and ``period``: the page's address, organisation and period encoded once — a city's figures page has
    100 rows of eight links."""
    prefix = reverse("demands:figures_list") + "?" + urlencode({"org": org.pk, "period": str(period)}) + "&figure="
    return lambda figure: prefix + figure


def list_url(org: Org, period: Period, figure: str) -> str:
    return list_links(org, period)(figure)


_ROW = """<tr{}>
<th scope="row">{}</th>
<td class="num"><a href="{}">{}</a></td>
<td class="num"><a href="{}">{}</a><br><a class="help" href="{}" aria-label="按时响应/应响应 {}">{}</a></td>
<td class="num"><a href="{}">{}</a><br><a class="help" href="{}" aria-label="已办结/应办结 {}">{}</a></td>
<td class="num"><a href="{}" title="满意/已评价 {}">{}</a><br><span class="help">{}</span></td>
<td class="num hide-sm"><a href="{}">{}</a></td>
<td class="num"><a href="{}">{}</a></td>
</tr>
"""


def row_html(r: dict[str, Any], *, is_total: bool = False) -> SafeString:
    """A row of the table, every part escaped: a city's page has 100 of them, and as an included template they were
    two thirds of the page's work (~2,300 variable lookups)."""
    name = (format_html("<strong>{}（合计）</strong>", r["org"].name) if is_total
            else format_html('<a href="{}">{}</a>', r["drill"], r["org"].name))
    counted, response, resolution = r["counted"], r["response"], r["resolution"]
    satisfaction, handling, overdue = r["satisfaction"], r["handling"], r["overdue"]
    return format_html(_ROW, mark_safe(' class="total"') if is_total else "", name, counted[1], counted[0],
                       response[2], response[0], response[3], response[1], response[1],
                       resolution[2], resolution[0], resolution[3], resolution[1], resolution[1],
                       satisfaction[2], satisfaction[1], satisfaction[0], satisfaction[1],
                       handling[1], handling[0], overdue[1], overdue[0])


def _cells(org: Org, period: Period, f: Figures) -> dict[str, Any]:
    """One table row: each number with the list it counts."""
    link = list_links(org, period)

    return {
        "org": org, "f": f,
        "counted": (f.counted, link("counted")),
        "response": (figures.percent(f.response_rate), f"{f.responded}/{f.response_due}", link("responded"),
                     link("response_due")),
        "resolution": (figures.percent(f.resolution_rate), f"{f.resolved}/{f.resolution_due}", link("resolved"),
                       link("resolution_due")),
        "satisfaction": (figures.percent(f.satisfaction_rate), f"{f.satisfied}/{f.rated}", link("satisfied")),
        "handling": (figures.hours(f.avg_handling_hours), link("answered")),
        "overdue": (f.overdue, link("overdue")),
        "drill": reverse("demands:figures") + "?" + urlencode({"org": org.pk, "period": str(period)}),
    }


def _period_choices(period: Period) -> list[tuple[str, str]]:
    year = period.year
    out = [(str(year), f"{year}年")]
    out += [(f"{year}-Q{q}", f"{year}年第{q}季度") for q in range(1, 5)]
    out += [(f"{year}-{m:02d}", f"{year}年{m}月") for m in range(1, 13)]
    return out


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.DEMAND_VIEW)
    org = _org(request)
    period, error = _period(request, org)
    if period is None:
        return _bad_period(request, org, error)
    roll = figures.roll_up(org, period, snapshot=True)
    total = _cells(org, period, roll.total)
    rows = [_cells(child, period, f) for child, f in roll.children]
    context = {
        "org": org, "period": period, "error": error, "typed_period": str(period),
        "total": total, "rows": rows,
        "table": mark_safe("".join([*(row_html(row) for row in rows), row_html(total, is_total=True)])),  # noqa: S308
        **_org_options(request), "org_items": _chosen(org),
        "period_choices": _period_choices(period),
        "export_query": urlencode({"org": org.pk, "period": str(period)}),
        "rate_help": _rate_help(), "as_of": roll.as_of,
        "snapshot_minutes": snapshot.minutes(),
    }
    return render(request, "demands/figures.html", context)


@login_required
def figures_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.DEMAND_VIEW)
    org = _org(request)
    period, error = _period(request, org)
    if period is None:
        return _bad_period(request, org, error)
    roll = figures.roll_up(org, period, snapshot=True)

    def row(o: Org, f: Figures) -> list[Any]:
        def pct(r: float | None) -> float | None:
            return None if r is None else round(r * 100, 1)

        hours = f.avg_handling_hours
        return [o.name, f.counted, f.response_due, pct(f.response_rate), f.resolution_due, pct(f.resolution_rate),
                pct(f.satisfaction_rate), None if hours is None else round(hours, 1), f.overdue]

    rows = [row(org, roll.total)] + [row(c, f) for c, f in roll.children]
    # The rates' denominators (demands already due, see figures.py) are columns of their own.
    headers = [COLUMNS[0], COLUMNS[1], "应响应", "响应率（%）", "应办结", "解决率（%）", "满意率（%）", COLUMNS[5],
               COLUMNS[6]]
    return xlsx_response(f"诉求统计-{org.name}-{period}.xlsx", f"诉求统计 {period}", headers, rows)


@login_required
def figures_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.DEMAND_VIEW)
    org = _org(request)
    period, error = _period(request, org)
    if period is None:
        return _bad_period(request, org, error)
    figure = request.GET.get("figure", "counted").strip() or "counted"
    if figure not in FIGURES:
        names = "、".join(FIGURE_LABELS.values())
        return _bad_period(request, org, f"未知的统计项“{figure[:20]}”，可查看的统计项：{names}")
    qs = (
        figures.figure_filter(org, period, figure)
        .select_related("category", "grid", "org")
        .order_by("-received_at", "-id")
    )
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "org": org, "period": period, "figure": figure, "figure_label": FIGURE_LABELS[figure],
        "error": error, "page": page,
        "query": urlencode({"org": org.pk, "period": str(period), "figure": figure}),
        "back": reverse("demands:figures") + "?" + urlencode({"org": org.pk, "period": str(period)}),
        "figure_links": [(name, FIGURE_LABELS[name], list_url(org, period, name)) for name in FIGURES],
    }
    return render(request, "demands/figures_list.html", context)
