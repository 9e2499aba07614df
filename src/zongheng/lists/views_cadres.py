"""Pages of the cadre records: a month's cadre stars (月度干部之星, names and organisations — a public honour, no
personal data), a year's promotions (提拔重用), a person's record (their stars and promotions with the cited work,
each citation linking to its record when the viewer may open it), the forms of the district (``cadre.record``) with
the person search and the person's front-line work loaded on demand, the withdrawals, and the year's .xlsx.

No right at all → 403; a person or record out of scope → 404 like a missing one; every write is one ``do_*``
action of ``actions_cadres`` whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm
from zongheng.orgs.resolve import as_pk

from . import actions_cadres as actions
from . import frontline
from . import selectors_cadres as sel
from .exports_cadres import year_response
from .forms_cadres import PromotionForm, StarForm, data_of

PAGE_SIZE = 30
PICK_LIMIT = 20


def _month_shift(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


@login_required
def stars(request: HttpRequest) -> HttpResponse:
    """月度干部之星 of a month (default: this month) in the viewer's scope, with the cited work."""
    user = request.user
    sel.require_view(user)
    today = timezone.localdate()
    month = sel.parse_month(request.GET.get("month")) or today.replace(day=1)
    end = _month_shift(month, 1) - dt.timedelta(days=1)
    page = Paginator(sel.stars_in(user, month, end), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    cited = sel.cited(user, rows)
    return render(request, "lists/cadres/stars.html", {
        "month": month, "prev": _month_shift(month, -1), "next": _month_shift(month, 1) if month < today.replace(
            day=1) else None,
        "page": page, "rows": [(s, cited.get(("star", s.pk), [])) for s in rows], "query": filter_query(request),
        "can_view": True, "year_count": sel.stars_count(user, dt.date(month.year, 1, 1), dt.date(month.year, 12, 31)),
        "can_record": sel.may_record(user)})


@login_required
def promotions(request: HttpRequest) -> HttpResponse:
    """提拔重用 of a year (default: this year) in the viewer's scope, with the cited work and the figures."""
    user = request.user
    sel.require_view(user)
    year = sel.parse_year(request.GET.get("year")) or timezone.localdate().year
    start, end = sel.year_bounds(year)
    page = Paginator(sel.promotions_in(user, start, end), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    cited = sel.cited(user, rows)
    starred, promoted = sel.promoted_with_star(user, start, end)
    return render(request, "lists/cadres/promotions.html", {
        "year": year, "page": page, "rows": [(p, cited.get(("promotion", p.pk), [])) for p in rows],
        "query": filter_query(request), "starred": starred, "promoted": promoted,
        "share": sel.share_text(starred, promoted), "stars": sel.stars_count(user, start, end),
        "temps": sel.temp_orgs_opened(user, start, end), "can_record": sel.may_record(user), "can_view": True})


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's record: their stars and promotions (those the viewer may read) with the cited work."""
    user = request.user
    sel.require_view_own(user)
    who = sel.person_for_record(user, pk)
    star_rows = list(sel.stars(user).filter(person=who).order_by("-month")[:120])
    promo_rows = list(sel.promotions(user).filter(person=who).order_by("-promoted_on")[:60])
    cited = sel.cited(user, [*star_rows, *promo_rows])
    return render(request, "lists/cadres/person.html", {
        "who": who, "stars": [(s, cited.get(("star", s.pk), [])) for s in star_rows],
        "promotions": [(p, cited.get(("promotion", p.pk), [])) for p in promo_rows],
        "can_record": sel.may_record(user), "can_view": has_perm(user, Perm.LIST_VIEW)})


def _work_context(user: Any, person_value: Any, window: tuple[dt.date, dt.date] | None,
                  ticked: list[str]) -> dict[str, Any]:
    """The chosen person and their front-line work in the window, inside the recorder's scope."""
    pk = as_pk(person_value)
    who = sel.people_to_record(user).filter(pk=pk).first() if pk is not None else None
    works = frontline.find(who, *window, user) if who is not None and window is not None else []
    return {"who": who, "who_list": [who] if who else [], "window": window,
            "works": [(w, w.key in ticked) for w in works]}


def _star_window(value: Any) -> tuple[dt.date, dt.date] | None:
    month = sel.parse_month(value)
    return frontline.star_window(month) if month else None


def _promotion_window(value: Any) -> tuple[dt.date, dt.date] | None:
    try:
        day = dt.date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None
    return frontline.promotion_window(day) if 2000 <= day.year <= 2100 else None


@login_required
def star_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    sel.require_record(user)
    initial = {"month": f"{timezone.localdate():%Y-%m}"}
    form = StarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            star = actions.do_select_star(user, data_of(form))
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已评选{star.person.name}为{star.month:%Y年%m月}干部之星")
            return redirect(f"{_url('lists:cadre_stars')}?month={star.month:%Y-%m}")
    month = form.data.get("month") if form.is_bound else initial["month"]
    return render(request, "lists/cadres/star_form.html", {
        "form": form, **_work_context(user, form.person(), _star_window(month), form.cited())})


@login_required
def promotion_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    sel.require_record(user)
    form = PromotionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            promotion = actions.do_record_promotion(user, data_of(form))
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已记录{promotion.person.name}提拔重用")
            return redirect("lists:cadre_person", pk=promotion.person_id)
    return render(request, "lists/cadres/promotion_form.html", {
        "form": form, **_work_context(user, form.person(), _promotion_window(form.data.get("promoted_on")),
                                      form.cited())})


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """The person search of the forms (htmx): cadres in the recorder's scope whose name matches, a screenful."""
    user = request.user
    sel.require_record(user)
    q = request.GET.get("person_q", "").strip()[:40]
    found: list[Any] = []
    more = 0
    if q:
        qs = sel.people_to_record(user).filter(name__icontains=q).order_by("name", "pk")
        found = list(qs[:PICK_LIMIT])
        more = max(qs.count() - len(found), 0) if len(found) == PICK_LIMIT else 0
    return render(request, "lists/cadres/_people.html", {"q": q, "people": found, "more": more,
                                                          "pick_for": _for(request)})


def _for(request: HttpRequest) -> str:
    return "promotion" if request.GET.get("for") == "promotion" else "star"


@login_required
def work(request: HttpRequest) -> HttpResponse:
    """A person's front-line work for the form's period (htmx), inside the recorder's scope; ticked ones kept."""
    user = request.user
    sel.require_record(user)
    window = (_promotion_window(request.GET.get("promoted_on")) if _for(request) == "promotion"
              else _star_window(request.GET.get("month")))
    ticked = [str(v)[:40] for v in request.GET.getlist("work")[:100]]
    return render(request, "lists/cadres/_work.html", _work_context(user, request.GET.get("person"), window, ticked))


@login_required
@require_POST
def star_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_record(user)
    star = sel.star_for(user, pk)
    try:
        actions.do_withdraw_star(user, star)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销该干部之星记录")
    return redirect("lists:cadre_person", pk=star.person_id)


@login_required
@require_POST
def promotion_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    sel.require_record(user)
    promotion = sel.promotion_for(user, pk)
    try:
        actions.do_withdraw_promotion(user, promotion)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销该提拔重用记录")
    return redirect("lists:cadre_person", pk=promotion.person_id)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    year = sel.parse_year(request.GET.get("year")) or timezone.localdate().year
    return year_response(user, year)


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
