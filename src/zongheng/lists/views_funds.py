"""Pages of 财政保障: the funds overview of an organisation and year (its own account, its subtree, each direct
child, the budget year by year with its growth), the ledgers behind every figure (allocations, spending), the
forms that move money (for those who manage it), office space and workers' pay against the configured standard
and reference, the configuration of those two, and the year's funds table as .xlsx.

Doors: anonymous → login; no ``list.view`` → 403; an organisation or a row outside the scope → 404 (also a
malformed id); a form only for a viewer who may use it now (``funds.manage`` on the organisation), else 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import steplen
from zongheng.core.errors import ActionError
from zongheng.core.exports import XLSX_MIME
from zongheng.core.paging import filter_query
from zongheng.orgs.models import Level, Org

from . import actions_funds as actions
from . import exports_funds as exports
from . import funds
from . import selectors_funds as sel
from .forms_funds import (
    AllocateForm,
    BudgetForm,
    PayForm,
    ReferenceForm,
    ReverseForm,
    SpaceForm,
    SpendForm,
    StandardForm,
)
from .models_funds import BudgetCategory, BudgetLine, OfficeSpace, PayReference, WorkerPay
from .views_tasks import _attachment

PAGE_SIZE = 30
YEARS_SHOWN = 5


def parse_year(value: Any, default: int) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else default


def _org_year(request: HttpRequest) -> tuple[Org, int]:
    """The page's organisation (``?org=``, scoped: 404 out of scope; default the top of the scope) and year."""
    user = request.user
    sel.require_view(user)
    raw = request.GET.get("org")
    org = sel.org_for(user, raw) if raw else sel.top_org(user)
    if org is None:
        raise PermissionDenied("您没有此项权限")
    return org, parse_year(request.GET.get("year"), timezone.localdate().year)


def _q(org: Org, year: int, **extra: Any) -> str:
    return urlencode({"org": org.pk, "year": year, **extra})


def _parent_path(org: Org) -> str:
    return org.path[:-steplen()]


def _require_manage(user: Any, org: Org) -> None:
    if not sel.may_manage(user, org):
        raise PermissionDenied("您不能管理该单位的经费")


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """财政保障: an organisation's year."""
    user = request.user
    org, year = _org_year(request)
    acc = funds.account(org.path, year)
    sub = funds.subtree(org.path, year)
    years = list(range(year - YEARS_SHOWN + 1, year + 1))
    series = funds.budget_series(org.path, years)
    growth_rows = [(y, series[y], funds.growth(series[y], series.get(y - 1)) if y > years[0] else None)
                   for y in years]
    if years[0] > 2000:
        first_prev = funds.budget_series(org.path, [years[0] - 1])[years[0] - 1]
        growth_rows[0] = (years[0], series[years[0]], funds.growth(series[years[0]], first_prev))
    page = Paginator(sel.children_of(org), PAGE_SIZE).get_page(request.GET.get("page"))
    kids = list(page)
    rollup = funds.children(org.path, year, [c.path for c in kids])
    by_cat = funds.budget_by_category(org.path, year)
    return render(request, "lists/funds/overview.html", {
        "section": "funds", "org": org, "year": year, "acc": acc, "sub": sub,
        "growth": funds.growth(series[year], series[year - 1]),
        "growth_rows": [r for r in growth_rows if r[1] or r[2] is not None],
        "categories": [(label, by_cat.get(code)) for code, label in BudgetCategory.choices if by_cat.get(code)],
        "children": [(c, rollup[c.path], _q(c, year)) for c in kids], "page": page,
        "query": filter_query(request), "q": _q(org, year), "q_prev": _q(org, year - 1), "q_next": _q(org, year + 1),
        "parent": sel.orgs_in_scope(user).filter(path=_parent_path(org)).first() if org.depth > 1 else None,
        "can_manage": sel.may_manage(user, org), "can_budget": sel.may_budget(user, org),
        "can_allocate": sel.may_manage(user, org) and sel.receiver_choices(user, org).exists(),
        "can_configure": sel.may_configure(user), "is_community": org.level.code == sel.COMMUNITY,
    })


@login_required
def allocation_list(request: HttpRequest) -> HttpResponse:
    """下拨明细: the allocations from (``dir=out``), to (``dir=in``) the organisation, or into its subtree from
    above (``dir=inflow``) — the rows behind the overview's figures."""
    user = request.user
    org, year = _org_year(request)
    way = request.GET.get("dir") if request.GET.get("dir") in ("in", "out", "inflow") else "out"
    qs = sel.allocations(user).filter(year=year)
    if way == "out":
        qs = qs.filter(giver_path=org.path)
    elif way == "in":
        qs = qs.filter(receiver_path=org.path)
    else:
        qs = qs.filter(receiver_path__startswith=org.path).exclude(giver_path__startswith=org.path)
    page = Paginator(qs.order_by("-allocated_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lists/funds/allocations.html", {
        "section": "funds", "org": org, "year": year, "way": way, "page": page, "query": filter_query(request),
        "q": _q(org, year), "total": funds._sum(qs)})


@login_required
def spending_list(request: HttpRequest) -> HttpResponse:
    """支出明细: the organisation's own spending, or its whole subtree's (``all=1``)."""
    user = request.user
    org, year = _org_year(request)
    whole = request.GET.get("all") == "1"
    qs = sel.spendings(user).filter(year=year)
    qs = qs.filter(org_path__startswith=org.path) if whole else qs.filter(org_path=org.path)
    page = Paginator(qs.order_by("-spent_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lists/funds/spendings.html", {
        "section": "funds", "org": org, "year": year, "whole": whole, "page": page,
        "query": filter_query(request), "q": _q(org, year), "total": funds._sum(qs)})


@login_required
def budget_list(request: HttpRequest) -> HttpResponse:
    """预算明细 and, for the district's 组织部, the form that sets a line."""
    user = request.user
    org, year = _org_year(request)
    can = sel.may_budget(user, org)
    form = BudgetForm(request.POST or None, initial={"year": year}) if can else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有区（市）级组织部门可以编制本级党建经费预算")
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.do_set_budget(user, org, d["year"], d["category"], d["amount"], d["note"])
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "预算已保存")
                return redirect(f"{reverse('lists:funds_budget')}?{_q(org, d['year'])}")
    lines = list(BudgetLine.objects.restrict(user).filter(org_path=org.path, year=year).order_by("category"))
    return render(request, "lists/funds/budget.html", {
        "section": "funds", "org": org, "year": year, "lines": lines, "total": sum(li.amount for li in lines),
        "form": form, "q": _q(org, year)}, status=400 if form is not None and form.errors else 200)


def _write(request: HttpRequest, form: Any, run: Any, done: str, back: str, title: str, org: Org,
           multipart: bool = False) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            run(form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            return redirect(back)
    return render(request, "lists/funds/form.html", {"section": "funds", "form": form, "title": title, "org": org,
                                                     "back": back, "multipart": multipart},
                  status=400 if form.errors else 200)


@login_required
def allocate(request: HttpRequest) -> HttpResponse:
    user = request.user
    org, year = _org_year(request)
    _require_manage(user, org)
    form = AllocateForm(request.POST or None, user=user, giver=org)
    back = f"{reverse('lists:funds')}?{_q(org, year)}"
    return _write(request, form, lambda d: actions.do_allocate(user, org, d["receiver"], d["amount"],
                                                               d["allocated_on"], d["purpose"]),
                  "经费已下拨", back, f"下拨经费：{org.name}", org)


@login_required
def spend(request: HttpRequest) -> HttpResponse:
    user = request.user
    org, year = _org_year(request)
    _require_manage(user, org)
    form = SpendForm(request.POST or None, request.FILES or None)
    back = f"{reverse('lists:funds_spendings')}?{_q(org, year)}"
    return _write(request, form, lambda d: actions.do_spend(user, org, d["amount"], d["spent_on"], d["purpose"],
                                                            d.get("voucher")),
                  "支出已登记", back, f"登记支出：{org.name}", org, multipart=True)


@login_required
def receiver_pick(request: HttpRequest) -> HttpResponse:
    """The allocation form's receiver picker (htmx): the giver's subtree where the user manages the funds."""
    from zongheng.orgs.picker import render_pick

    user = request.user
    sel.require_view(user)
    raw = request.GET.get("giver")
    giver = sel.org_for(user, raw) if raw else sel.top_org(user)
    if giver is None:
        raise PermissionDenied("您没有此项权限")
    _require_manage(user, giver)
    return render_pick(request, sel.receiver_choices(user, giver), name="receiver", multiple=False)


def _reversible(request: HttpRequest, row: Any, owner: Org, do_reverse: Any, *, what: str, url_name: str,
                template: str) -> HttpResponse:
    """An allocation's or a spending's page, with the form that reverses it for whoever manages ``owner`` while
    it is neither a reversal nor reversed already (the reversal, if any, read once)."""
    user = request.user
    reversal = type(row).objects.filter(reverses=row).first()
    can = row.reverses_id is None and reversal is None and sel.may_manage(user, owner)
    form = ReverseForm(request.POST or None) if can else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(f"这笔{what}不能由您冲销")
        if form.is_valid():
            try:
                do_reverse(user, row, form.cleaned_data["reason"])
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{what}已冲销")
                return redirect(url_name, pk=row.pk)
    return render(request, template, {
        "section": "funds", "row": row, "form": form, "reversal": reversal, "q": _q(owner, row.year)},
        status=400 if form is not None and form.errors else 200)


@login_required
def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sel.require_view(request.user)
    row = sel.allocation_for(request.user, pk)
    return _reversible(request, row, row.giver, actions.do_reverse_allocation, what="下拨",
                       url_name="lists:funds_allocation", template="lists/funds/allocation.html")


@login_required
def spending_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sel.require_view(request.user)
    row = sel.spending_for(request.user, pk)
    return _reversible(request, row, row.org, actions.do_reverse_spending, what="支出",
                       url_name="lists:funds_spending", template="lists/funds/spending.html")


@login_required
def spending_voucher(request: HttpRequest, pk: int) -> FileResponse:
    """A spending's voucher, served only to those who may see the spending."""
    sel.require_view(request.user)
    return _attachment(sel.spending_for(request.user, pk).voucher)


# ---------------------------------------------------------------- office space


@login_required
def space(request: HttpRequest) -> HttpResponse:
    """办公用房: each community of the subtree against the standard, and the share that meets it."""
    user = request.user
    org, year = _org_year(request)
    page = Paginator(funds.communities(org.path).order_by("path"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = funds.space_rows(org.path, year, list(page))
    records = {r.org_id: r for r in OfficeSpace.objects.filter(year=year, org__in=list(page))}
    return render(request, "lists/funds/space.html", {
        "section": "funds", "org": org, "year": year, "fig": funds.space_figures(org.path, year),
        "growth": funds.space_growth(org.path, year), "page": page, "query": filter_query(request),
        "rows": [(r, records.get(r.org.pk), sel.may_manage(user, r.org)) for r in rows], "q": _q(org, year),
        "can_configure": sel.may_configure(user)})


@login_required
def space_record(request: HttpRequest) -> HttpResponse:
    user = request.user
    org, year = _org_year(request)
    if org.level.code != sel.COMMUNITY:
        raise PermissionDenied("办公用房按社区登记")
    _require_manage(user, org)
    form = SpaceForm(request.POST or None, request.FILES or None)
    back_org = sel.orgs_in_scope(user).filter(path=_parent_path(org)).first() or org
    back = f"{reverse('lists:funds_space')}?{_q(back_org, year)}"
    return _write(request, form, lambda d: actions.do_record_space(user, org, d["area"], d["measured_on"], d["note"],
                                                                   d.get("evidence")),
                  "办公用房已登记", back, f"登记办公用房：{org.name}", org, multipart=True)


@login_required
def space_evidence(request: HttpRequest, pk: int) -> FileResponse:
    sel.require_view(request.user)
    return _attachment(sel.space_for(request.user, pk).evidence)


# ---------------------------------------------------------------- workers' pay


@login_required
def pay(request: HttpRequest) -> HttpResponse:
    """社区工作者报酬: each community's average against the city's reference, ranked inside the subtree; a
    community's own page lists its workers (names masked to those who do not manage its funds)."""
    user = request.user
    org, year = _org_year(request)
    ref = funds.pay_reference(year)
    ref_pay = ref.annual_pay if ref else None
    average = funds.pay_average(org.path, year)
    ctx: dict[str, Any] = {"section": "funds", "org": org, "year": year, "ref": ref, "average": average,
                           "ratio": funds.pay_ratio(average, ref_pay), "growth": funds.pay_growth(org.path, year),
                           "q": _q(org, year), "can_configure": sel.may_configure(user)}
    if org.level.code == sel.COMMUNITY:
        rows = WorkerPay.objects.restrict(user).filter(org=org, year=year).order_by("post", "id")
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        ctx.update(workers=[(r, sel.worker_name(user, r)) for r in page], page=page, query=filter_query(request),
                   can_manage=sel.may_manage(user, org), community=True)
        parent = sel.orgs_in_scope(user).filter(path=_parent_path(org)).first()
        if parent is not None:
            ranked = funds.pay_rows(parent.path, year)
            ctx["rank"] = funds.pay_rank(ranked, org.pk)
            ctx["rank_parent"] = parent
    else:
        ranked = funds.pay_rows(org.path, year)
        page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
        names = dict(Org.objects.filter(pk__in=[r.org_id for r in page]).values_list("pk", "name"))
        ctx.update(page=page, query=filter_query(request), community=False, ranked=[
            (i + page.start_index(), r, names.get(r.org_id, ""), funds.pay_ratio(r.average, ref_pay),
             _q_id(r.org_id, year))
            for i, r in enumerate(page)])
        ctx["above"] = sum(1 for r in ranked if ref_pay is not None and r.average > ref_pay)
        ctx["counted"] = len(ranked)
    return render(request, "lists/funds/pay.html", ctx)


def _q_id(org_id: int, year: int) -> str:
    return urlencode({"org": org_id, "year": year})


@login_required
def pay_record(request: HttpRequest) -> HttpResponse:
    user = request.user
    org, year = _org_year(request)
    if org.level.code != sel.COMMUNITY:
        raise PermissionDenied("报酬按社区登记")
    _require_manage(user, org)
    form = PayForm(request.POST or None, initial={"year": year})
    back = f"{reverse('lists:funds_pay')}?{_q(org, year)}"
    return _write(request, form, lambda d: actions.do_record_pay(user, org, d["year"], d["worker_name"], d["post"],
                                                                 d["annual_pay"]),
                  "报酬已登记", back, f"登记社区工作者报酬：{org.name}", org)


@login_required
@require_POST
def pay_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    row = sel.pay_for(user, pk)
    try:
        actions.do_remove_pay(user, row)
    except ActionError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, "已删除")
    return redirect(f"{reverse('lists:funds_pay')}?{_q(row.org, row.year)}")


# ---------------------------------------------------------------- configuration and export


@login_required
def configure(request: HttpRequest) -> HttpResponse:
    """办公用房标准 and 全市报酬参考 (list.configure at the root)."""
    from zongheng.core.access import require_at_root
    from zongheng.core.permissions import Perm

    user = request.user
    require_at_root(user, Perm.LIST_CONFIGURE)
    standard = funds.space_standard()
    which = request.POST.get("form") if request.method == "POST" else None
    sform = StandardForm(request.POST if which == "standard" else None, initial={"min_area": standard})
    rform = ReferenceForm(request.POST if which == "reference" else None,
                          initial={"year": timezone.localdate().year, "city": "安庆市"})
    bound = sform if which == "standard" else rform if which == "reference" else None
    if bound is not None and bound.is_valid():
        d = bound.cleaned_data
        try:
            if which == "standard":
                actions.do_set_space_standard(user, sel.COMMUNITY, d["min_area"])
            else:
                actions.do_set_pay_reference(user, d["year"], d["city"], d["annual_pay"])
        except ActionError as exc:
            bound.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("lists:funds_config")
    return render(request, "lists/funds/configure.html", {
        "section": "funds", "sform": sform, "rform": rform, "standard": standard,
        "level": Level.objects.filter(code=sel.COMMUNITY).first(),
        "references": list(PayReference.objects.order_by("-year")[:20])},
        status=400 if bound is not None and bound.errors else 200)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    org, year = _org_year(request)
    content = exports.funds_xlsx(user, org, year)
    return exports.download(content, XLSX_MIME, f"{org.name}{year}年党建经费.xlsx")
