"""Pages of 标准化建设 ("1+9"): an organisation's score card for a quarter, the ranking of a level inside the
viewer's subtree (paginated, .xlsx), the assessment form (assessed indicators only, for assessors above the
organisation), the framework, and an assessment's evidence file (served only in scope).

Scope: ``list.view`` on the organisation (else 404, like a missing one); the ranking only inside an organisation
the viewer holds ``list.view`` on; scoring only with ``standard.assess`` strictly above (else 403).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from zongheng.core import indicators as registry
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.indicators import Quarter
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from . import actions_standards as actions
from . import selectors_standards as sel
from . import standards
from .exports_standards import cards_xlsx
from .forms_standards import AssessForm
from .models_standards import Assessment, Method
from .views_tasks import _attachment

PAGE_SIZE = 20


def _quarter(request: HttpRequest) -> tuple[Quarter, str]:
    """The quarter asked for, or the current one with the Chinese reason the asked one was refused."""
    today = timezone.localdate()
    try:
        return sel.quarter_param(request.GET.get("period"), today), ""
    except ValueError as exc:
        return Quarter.of(today), str(exc)


def card_url(org_id: int, quarter: Quarter) -> str:
    return f"{reverse('lists:standard_card', args=[org_id])}?{urlencode({'period': quarter.key})}"


def ranking_url(org_id: int, level: str, quarter: Quarter) -> str:
    return f"{reverse('lists:standard_ranking')}?{urlencode({'org': org_id, 'level': level, 'period': quarter.key})}"


@login_required
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """一个组织的季度评分卡: each indicator's value (computed ones open their rows) and score, the total."""
    user = request.user
    sel.require_view(user)
    org = sel.org_for(user, pk)
    quarter, error = _quarter(request)
    the_card = standards.card_for(org, quarter, timezone.now())
    parent = sel.parent_of(org)
    rank_link = ""
    if parent is not None and in_scope(user, Perm.LIST_VIEW, parent.path):
        rank_link = ranking_url(parent.pk, org.level.code, quarter)
    return render(request, "lists/standards/card.html", {
        "org": org, "card": the_card, "quarter": quarter, "error": error,
        "quarters": [(q, card_url(org.pk, q)) for q in sel.recent_quarters(timezone.localdate())],
        "can_assess": sel.may_assess(user, org.path) and any(ln.pending or not ln.computed for ln in the_card.lines),
        "assess_url": f"{reverse('lists:standard_assess', args=[org.pk])}?{urlencode({'period': quarter.key})}",
        "rank_link": rank_link, "parent": parent,
        "below": [(lv, ranking_url(org.pk, lv.code, quarter)) for lv in sel.levels_below(org)],
    }, status=400 if error else 200)


def _ranking_args(request: HttpRequest) -> tuple[Org, str, list[Any], Quarter, str]:
    user = request.user
    sel.require_view(user)
    raw = request.GET.get("org")
    org = sel.org_for(user, raw) if raw else sel.top_org(user)
    if org is None:
        raise Http404
    levels = sel.levels_below(org)
    level = str(request.GET.get("level") or "")
    codes = [lv.code for lv in levels]
    if level not in codes:
        level = codes[0] if codes else ""
    quarter, error = _quarter(request)
    return org, level, levels, quarter, error


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    """本辖区排名: the cards of one level inside an organisation the viewer oversees, ranked inside it only."""
    org, level, levels, quarter, error = _ranking_args(request)
    ranked = standards.ranking(org, level, quarter, timezone.now()) if level else []
    page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({"org": org.pk, "level": level, "period": quarter.key})
    return render(request, "lists/standards/ranking.html", {
        "org": org, "level": level, "quarter": quarter, "error": error, "page": page, "query": query,
        "levels": [(lv, ranking_url(org.pk, lv.code, quarter)) for lv in levels],
        "quarters": [(q, ranking_url(org.pk, level, q)) for q in sel.recent_quarters(timezone.localdate())],
        "export_url": f"{reverse('lists:standard_ranking_export')}?{query}",
        "rows": [(c, card_url(c.org.id, quarter)) for c in page],
    }, status=400 if error else 200)


@login_required
def ranking_export(request: HttpRequest) -> HttpResponse:
    org, level, _, quarter, error = _ranking_args(request)
    if error:
        raise Http404
    ranked = standards.ranking(org, level, quarter, timezone.now()) if level else []
    return cards_xlsx(f"{org.name}_{quarter.label}_标准化建设评分.xlsx", "标准化建设评分", ranked)


def _ids(indicator_pk: int) -> str:
    """One form per indicator on the page: element ids unique per form (labels point at their own field)."""
    return f"id_i{indicator_pk}_%s"


@login_required
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    """人工评分: the assessed indicators of the organisation's card, for an assessor strictly above it."""
    user = request.user
    sel.require_view(user)
    org = sel.org_for(user, pk)
    if not sel.may_assess(user, org.path):
        raise PermissionDenied(actions.REFUSED)
    quarter, error = _quarter(request)
    if error:
        messages.error(request, error)
        return redirect(card_url(org.pk, quarter))
    the_card = standards.card_for(org, quarter, timezone.now())
    lines = [ln for ln in the_card.lines if ln.indicator.method == Method.ASSESSED]
    status = 200
    failed: dict[int, AssessForm] = {}
    if request.method == "POST":
        form = AssessForm(request.POST, request.FILES)
        wanted = next((ln for ln in lines if form.data.get("indicator") == str(ln.indicator.pk)), None)
        if wanted is None:
            raise Http404
        form = AssessForm(request.POST, request.FILES, indicator=wanted.indicator, auto_id=_ids(wanted.indicator.pk))
        if form.is_valid():
            try:
                actions.do_assess(user, org, quarter, wanted.indicator, form.cleaned_data)
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已为“{wanted.indicator.name}”评分")
                return redirect(f"{reverse('lists:standard_assess', args=[org.pk])}?"
                                f"{urlencode({'period': quarter.key})}")
        failed[wanted.indicator.pk] = form
        status = 400
    rows = []
    for ln in lines:
        a = ln.assessment
        initial = {"score": a.score, "evidence": a.evidence} if a else None
        rows.append((ln, failed.get(ln.indicator.pk)
                     or AssessForm(initial=initial, indicator=ln.indicator, auto_id=_ids(ln.indicator.pk))))
    return render(request, "lists/standards/assess.html", {
        "org": org, "quarter": quarter, "rows": rows, "card_url": card_url(org.pk, quarter),
        "action": f"{reverse('lists:standard_assess', args=[org.pk])}?{urlencode({'period': quarter.key})}",
    }, status=status)


@login_required
def framework(request: HttpRequest) -> HttpResponse:
    """标准体系: the "1+9" standards, their indicators, maxima and how each is scored."""
    sel.require_view(request.user)
    fw = standards.active_framework()
    kinds = [(k, [(ind, registry.indicator(ind.source)) for ind in fw.items.get(k.pk, [])]) for k in fw.kinds]
    return render(request, "lists/standards/framework.html", {"fw": fw.framework, "kinds": kinds})


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """An assessment's evidence file, served only to those who may read the organisation's card."""
    sel.require_view(request.user)
    row = Assessment.objects.restrict(request.user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return _attachment(row.evidence_file)
