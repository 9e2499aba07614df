"""Pages of 民情日记 (visits): the list (filters, paging, .xlsx), a visit's page, the record form (a phone, under a
minute; the concern becomes a demand in the same step), correcting a visit, turning its concern into a demand
later, and the counts per household (or child organisation) and month for the organisation above.

No right at all → 403; a visit out of scope → 404 like a missing one; every write is one ``do_*`` action of
``actions_visits`` whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm

from . import actions_visits as actions
from . import exports_visits as exports
from . import selectors_visits as selectors
from .forms_visits import VisitEditForm, VisitForm
from .models import Visit

PAGE_SIZE = 50
EXPORT_MAX = 20_000
ALL_ORGS = "全部（我的管辖范围）"


def _require_view(user: Any) -> None:
    if not selectors.may_view(user):
        raise PermissionDenied("您没有此项权限")


def _require_record(user: Any) -> None:
    if not selectors.may_record(user):
        raise PermissionDenied("您不能记民情日记：须担任中心户户主、网格长或社区职务，或是已到社区报到的党员")


def _demand_visible(user: Any, visit: Visit) -> bool:
    if not visit.demand_id:
        return False
    from zongheng.demands.selectors import demands_in_scope

    return demands_in_scope(user).filter(pk=visit.demand_id).exists()


# ---------------------------------------------------------------- list, export, pickers


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """民情日记: the visits of the user's scope (and their own), filtered by organisation, household, month or
    year, concern raised and demand."""
    user = request.user
    _require_view(user)
    f = selectors.filters(user, request.GET)
    page = Paginator(selectors.visit_list(user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    from zongheng.orgs.picker import path_labels

    items = [(f.org, path_labels([f.org])[f.org.pk], True)] if f.org is not None else []
    return render(request, "members/visits_list.html", {
        "section": "visits", "page": page, "query": filter_query(request), "f": f,
        "month_value": f.month.strftime("%Y-%m") if f.month else "",
        "can_filter_org": selectors.filters_orgs_below_households(user), "org_items": items,
        "org_pick_url": reverse("members:visits_org_pick"),
        "org_fixed": [("", ALL_ORGS, f.org is None)], "can_record": selectors.may_record(user),
        "can_count": has_perm(user, Perm.MEMBER_VIEW)})


@login_required
def visit_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_view(user)
    return exports.visits_xlsx(selectors.visit_list(user, selectors.filters(user, request.GET)), EXPORT_MAX)


@login_required
def org_pick(request: HttpRequest) -> HttpResponse:
    """The list's organisation filter (htmx): streets, communities, grids and central households of the scope."""
    from zongheng.orgs.picker import render_pick

    user = request.user
    if not has_perm(user, Perm.MEMBER_VIEW):
        raise PermissionDenied("您没有此项权限")
    return render_pick(request, selectors.filter_orgs(user), name="org", multiple=False,
                       fixed=[("", ALL_ORGS, False)])


@login_required
def household_pick(request: HttpRequest) -> HttpResponse:
    """The record form's household picker (htmx): the households the user may visit matching ``pick_q``."""
    user = request.user
    _require_record(user)
    q = request.GET.get("pick_q", "").strip()[:40]
    chosen = request.GET.get("household", "")
    kept = []
    if chosen.isdigit():
        kept = [h for h in [selectors.visit_households(user).filter(pk=int(chosen)).first()] if h is not None]
    found, total = selectors.pick_households(user, q)
    found = [h for h in found if not kept or h.pk != kept[0].pk]
    items = ([(h, selectors.household_label(h), True) for h in kept]
             + [(h, selectors.household_label(h), False) for h in found])
    return render(request, "members/visits_pick.html", {
        "items": items, "name": "household", "q": q, "more": max(total - len(found), 0)})


# ---------------------------------------------------------------- record, view, correct, raise


@login_required
def visit_new(request: HttpRequest) -> HttpResponse:
    """记民情日记: household, date (today), what was raised, follow-up; 转为居民诉求 in the same step."""
    user = request.user
    _require_record(user)
    initial: dict[str, Any] = {}
    if request.GET.get("household", "").isdigit():
        initial["household"] = int(request.GET["household"])
    form = VisitForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visit, code = actions.do_record_visit(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if code:  # the resident's tracking code is shown once, on this page, to hand to the household
                return _detail(request, selectors.visit_for(user, visit.pk), code=code,
                               notice="已记入民情日记，反映的情况已转为居民诉求")
            messages.success(request, "已记入民情日记")
            return redirect("members:visit", pk=visit.pk)
    return render(request, "members/visit_form.html", {"section": "visits", "form": form})


def _detail(request: HttpRequest, visit: Visit, *, code: str = "", notice: str = "") -> HttpResponse:
    user = request.user
    may_record = selectors.may_record_for(user, visit.household) if selectors.may_record(user) else False
    return render(request, "members/visit_detail.html", {
        "section": "visits", "visit": visit, "code": code, "notice": notice,
        "can_edit": may_record and selectors.is_recorder(user, visit),
        "can_raise": may_record and bool(visit.raised) and not visit.demand_id,
        "can_record": may_record,
        "demand_visible": _demand_visible(user, visit)})


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_view(user)
    return _detail(request, selectors.visit_for(user, pk))


@login_required
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """更正: the recorder fixes the text or adds the follow-up."""
    user = request.user
    _require_record(user)
    visit = selectors.editable_visit(user, pk)
    form = VisitEditForm(request.POST or None, visit=visit)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_visit(user, visit, form.changes())
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("members:visit", pk=visit.pk)
    return render(request, "members/visit_edit.html", {"section": "visits", "form": form, "visit": visit})


@login_required
@require_POST
def visit_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """转为居民诉求 (once) for a visit whose concern was not turned into a demand when it was recorded."""
    user = request.user
    _require_record(user)
    visit = selectors.visit_for(user, pk)
    if not selectors.may_record_for(user, visit.household):
        raise Http404
    try:
        visit, code = actions.do_raise_demand(user, visit)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("members:visit", pk=visit.pk)
    return _detail(request, selectors.visit_for(user, visit.pk), code=code, notice="反映的情况已转为居民诉求")


# ---------------------------------------------------------------- counts per household and month


def _end_month(request: HttpRequest) -> Any:
    today = timezone.localdate()
    end = selectors.month_of(request.GET.get("end"))
    if end is None or end > today:
        return today
    return end


@login_required
def visit_counts(request: HttpRequest) -> HttpResponse:
    """走访记录统计: for an organisation of the scope, each central household (or child organisation higher up;
    each linked household at a central household) × the last 12 months, each cell opening those visits.
    Records kept, never a quota or a ranking: rows stand in tree order."""
    user = request.user
    if not has_perm(user, Perm.MEMBER_VIEW):
        raise PermissionDenied("您没有此项权限")
    if request.GET.get("org"):
        org = selectors.org_filter(user, request.GET.get("org"))
        if org is None:
            raise Http404
    else:
        org = selectors.counts_root(user)
        if org is None:
            raise Http404
    end = _end_month(request)
    months = selectors.last_months(end)
    rows = selectors.counts(org, months)
    list_url = reverse("members:visits")
    table = []
    for row in rows:
        cells = [(n, f"{list_url}?{urlencode({row.filter_key: row.filter_value, 'month': m.strftime('%Y-%m')})}")
                 for n, m in zip(row.cells, months, strict=True)]
        table.append((row, cells))
    totals = [sum(row.cells[i] for row in rows) for i in range(len(months))]
    this_month = timezone.localdate().replace(day=1)
    later = min(selectors.shift_month(months[-1], 12), this_month)
    return render(request, "members/visits_counts.html", {
        "section": "visits", "org": org, "months": months, "table": table, "totals": totals,
        "total": sum(totals), "crumbs": selectors.crumbs(user, org),
        "org_url": f"{list_url}?{urlencode({'org': org.pk})}",
        "earlier": f"?{urlencode({'org': org.pk, 'end': selectors.shift_month(months[0], -1).strftime('%Y-%m')})}",
        "later": f"?{urlencode({'org': org.pk, 'end': later.strftime('%Y-%m')})}" if months[-1] < this_month else "",
        "by_household": org.level.code == "household",
        "years": [(y, f"?{urlencode({'org': org.pk, 'end': f'{y}-12'})}") for y in selectors.years_with_visits(org)],
        "end_year": months[-1].year if months[-1].month == 12 else None})
