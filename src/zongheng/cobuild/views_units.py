"""Pages of 一横's units part: stationed units (list, register, edit, import/export, the unit page — a
liaison's landing page — and its liaisons), councils (大工委/大党委: list, terms, members, the council page)
and unit performance (figures per unit per year, each opening its rows, .xlsx per unit and for all).

Reads through restricted querysets (out of scope → 404, no right → 403); every write is one ``do_*``
action whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, in_scope, require, roles_grantable_on
from zongheng.core.errors import ActionError
from zongheng.core.exports import XLSX_MIME
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Post

from . import actions_units as actions
from . import exports_units as exports
from . import importer_units as importer
from . import matching, performance
from . import selectors_units as selectors
from .choices import UnitLevel, UnitType
from .forms_units import CouncilEditForm, CouncilForm, EndForm, ImportForm, LiaisonForm, MemberForm, UnitForm
from .models import CouncilMember, Unit
from .resolve import side_org_choices

PAGE_SIZE = 50
EXPORT_MAX = 20_000


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return timezone.localdate().year


ALL_PLACES = "全部街道和社区"


def _place_context(request: HttpRequest) -> dict[str, Any]:
    """The street/community filter: the chosen one (checked, with its path) and "全部" to clear it."""
    from zongheng.orgs.picker import path_labels

    place = selectors.place_filter(request.user, request.GET.get("place"))
    items = [(place, path_labels([place])[place.pk], True)] if place is not None else []
    return {"place": place, "pick_url": reverse("cobuild:unit_pick"), "place_items": items,
            "place_fixed": [("", ALL_PLACES, place is None)]}


# ---------------------------------------------------------------- units


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """驻区单位: the units in scope, filtered by street/community (the shared picker), name, type and level."""
    require(request.user, Perm.COBUILD_VIEW)
    qs = selectors.unit_list(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cobuild/unit_list.html", {
        "page": page, "query": filter_query(request), "types": UnitType.choices, "levels": UnitLevel.choices,
        "can_change": has_perm(request.user, Perm.COBUILD_CHANGE),
        "can_configure": has_perm(request.user, Perm.COBUILD_CONFIGURE), **_place_context(request)})


@login_required
def unit_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    return exports.units_xlsx(selectors.unit_list(request.user, request.GET)[:EXPORT_MAX])


@login_required
def unit_pick(request: HttpRequest) -> HttpResponse:
    """The street/community picker (htmx) of the filters (view scope) and of the forms (``perm=change``)."""
    from zongheng.orgs.picker import render_pick

    require(request.user, Perm.COBUILD_VIEW)
    perm = Perm.COBUILD_CHANGE if request.GET.get("perm") == "change" else Perm.COBUILD_VIEW
    name = request.GET.get("name", "")
    field = name if name in ("place", "org") else "place"
    fixed = [("", ALL_PLACES, False)] if perm == Perm.COBUILD_VIEW else None
    return render_pick(request, side_org_choices(request.user, perm), name=field, multiple=False, fixed=fixed)


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    """登记驻区单位: its node in the tree (level 驻区单位) under the chosen street/community, and its record."""
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    initial = {"place": request.GET["place"]} if request.GET.get("place", "").isdigit() else {}
    form = UnitForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = actions.do_create_unit(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记驻区单位“{unit.name}”，并在组织树中{unit.place.name}之下建立了它的节点")
            return redirect("cobuild:unit_detail", pk=unit.pk)
    return render(request, "cobuild/unit_form.html", {"form": form, "title": "登记驻区单位", "button": "登记"})


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    unit = selectors.unit_for(user, pk, Perm.COBUILD_CHANGE)
    initial = {k: getattr(unit, k) for k in actions.EDITABLE}
    form = UnitForm(request.POST or None, user=user, unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_unit(user, unit, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("cobuild:unit_detail", pk=unit.pk)
    return render(request, "cobuild/unit_form.html", {"form": form, "unit": unit, "title": f"修改：{unit.name}",
                                                      "button": "保存"})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit page (a liaison's landing page): commitments and items due, pairings, resources, the demands
    summoned to it, its council seats, liaisons and this year's performance."""
    user = request.user
    require(user, Perm.COBUILD_VIEW)
    unit = selectors.unit_for(user, pk)
    today = timezone.localdate()
    year = _year(request)
    data = selectors.unit_page(user, unit, today)
    for r in data.resources:  # 平方米, 人次, 元 … beside each quantity
        r.unit_word = matching.kind_unit(r.kind)  # type: ignore[attr-defined]
    perf = performance.unit_performance([unit], year)[unit.pk]
    can_change = in_scope(user, Perm.COBUILD_CHANGE, unit.org_path)
    may_appoint = can_change and Role.LIAISON in roles_grantable_on(user, unit.org_path)
    return render(request, "cobuild/unit_detail.html", {
        "unit": unit, "d": data, "today": today, "perf": perf, "year": year, "can_change": can_change,
        "other_years": [y for y in (today.year, today.year - 1) if y != year],
        "may_appoint": may_appoint, "can_progress": in_scope(user, Perm.COBUILD_PROGRESS, unit.org_path),
        "can_handle": in_scope(user, Perm.DEMAND_HANDLE, unit.org_path),
        "end_form": EndForm(initial={"ends_on": today}),
    })


@login_required
def unit_liaison_add(request: HttpRequest, pk: int) -> HttpResponse:
    """任命联络员: a post of role 驻区单位联络员 on the unit's node (orgs' do_create_post)."""
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    unit = selectors.unit_for(user, pk, Perm.COBUILD_CHANGE)
    form = LiaisonForm(request.POST or None, user=user, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            post = actions.do_appoint_liaison(user, unit, person=d.get("person"), name=d.get("name") or "",
                                              phone=d.get("phone") or "", starts_on=d["starts_on"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已任命{post.person.name}为{unit.name}的联络员")
            return redirect("cobuild:unit_detail", pk=unit.pk)
    return render(request, "cobuild/unit_liaison_form.html", {"form": form, "unit": unit})


@login_required
@require_POST
def unit_liaison_end(request: HttpRequest, pk: int, post_pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    unit = selectors.unit_for(user, pk, Perm.COBUILD_CHANGE)
    post = get_object_or_404(Post.objects.select_related("person"), pk=post_pk, org_id=unit.org_id,
                             role=Role.LIAISON)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "离任日期格式不正确")
    else:
        try:
            actions.do_end_liaison(user, unit, post, form.cleaned_data.get("ends_on"))
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{post.person.name}的联络员职务已结束")
    return redirect("cobuild:unit_detail", pk=unit.pk)


@login_required
def unit_import(request: HttpRequest) -> HttpResponse:
    """导入驻区单位 (.xlsx): all or nothing; the problems listed row by row."""
    user = request.user
    require(user, Perm.COBUILD_CONFIGURE)
    form = ImportForm(request.POST or None, request.FILES or None)
    plan = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        plan = importer.do_import_units(user, upload, upload.name)
        if plan.ok:
            messages.success(request, f"已导入：新登记 {len(plan.creates)} 个单位，更新 {len(plan.updates)} 个单位")
            return redirect("cobuild:unit_list")
        status = 400
    return render(request, "cobuild/unit_import.html", {"form": form, "plan": plan, "columns": importer.COLUMNS},
                  status=status)


@login_required
def unit_import_template(request: HttpRequest) -> HttpResponse:
    from urllib.parse import quote

    require(request.user, Perm.COBUILD_CONFIGURE)
    response = HttpResponse(importer.template_bytes(), content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('驻区单位名册模板.xlsx')}"
    return response


# ---------------------------------------------------------------- councils


@login_required
def council_list(request: HttpRequest) -> HttpResponse:
    """大工委/大党委: the councils of the streets and communities in scope (and those a unit in scope sits on)."""
    require(request.user, Perm.COBUILD_VIEW)
    qs = selectors.council_list(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cobuild/council_list.html", {
        "page": page, "query": filter_query(request), "can_change": has_perm(request.user, Perm.COBUILD_CHANGE),
        **_place_context(request)})


@login_required
def council_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    return exports.councils_xlsx(selectors.council_list(request.user, request.GET)[:EXPORT_MAX])


@login_required
def council_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    form = CouncilForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            council = actions.do_create_council(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已建立{council.name}（{council.term_starts_on:%Y-%m-%d} 起）")
            return redirect("cobuild:council_detail", pk=council.pk)
    return render(request, "cobuild/council_form.html", {"form": form, "title": "新建大工委/大党委（一届）",
                                                         "button": "建立"})


@login_required
def council_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    council = selectors.council_for(user, pk)
    if not selectors.may_change(user, council.org_path):
        raise Http404
    initial = {"name": council.name, "term_starts_on": council.term_starts_on, "term_ends_on": council.term_ends_on}
    form = CouncilEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_council(user, council, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("cobuild:council_detail", pk=council.pk)
    return render(request, "cobuild/council_form.html", {"form": form, "council": council,
                                                         "title": f"修改：{council.name}", "button": "保存"})


@login_required
def council_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The council page: members with seat, rank and post; each member unit's commitments; its meetings."""
    user = request.user
    require(user, Perm.COBUILD_VIEW)
    council = selectors.council_for(user, pk)
    everyone = list(selectors.council_members(council, current=False))
    members = [m for m in everyone if m.ends_on is None]
    meetings, meetings_total = selectors.council_meetings(council)
    can_change = selectors.may_change(user, council.org_path)
    commitments = selectors.commitments(council, members)
    # A member's unit is a link only for whoever may open its page (a liaison sees the other members' names).
    named = {m.unit_id for m in members if m.unit_id} | {c.unit.pk for c in commitments}
    reachable = set(selectors.units_in_scope(user).filter(pk__in=named).values_list("pk", flat=True))
    return render(request, "cobuild/council_detail.html", {
        "council": council, "members": members, "former": [m for m in everyone if m.ends_on is not None],
        "commitments": commitments, "reachable": reachable, "meetings": meetings,
        "meetings_total": meetings_total, "can_change": can_change,
        "can_meetings": in_scope(user, Perm.MEETING_VIEW, council.org_path),
        "end_form": EndForm(initial={"ends_on": timezone.localdate()}), "today": timezone.localdate(),
    })


@login_required
def council_members_export(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    council = selectors.council_for(request.user, pk)
    return exports.members_xlsx(council, selectors.council_members(council, current=False))


@login_required
def council_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    council = selectors.council_for(user, pk, Perm.COBUILD_CHANGE)
    form = MemberForm(request.POST or None, user=user, council=council,
                      initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.do_add_member(user, council, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已增补{member.name}为{council.name}{member.council_post}")
            return redirect("cobuild:council_detail", pk=council.pk)
    return render(request, "cobuild/council_member_form.html", {"form": form, "council": council})


@login_required
@require_POST
def council_member_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    member = get_object_or_404(CouncilMember.objects.filter(
        council__in=selectors.councils_in_scope(user, Perm.COBUILD_CHANGE)).select_related("council"), pk=pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "离任日期格式不正确")
    else:
        try:
            actions.do_end_member(user, member, form.cleaned_data.get("ends_on"))
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{member.name}已离任")
    return redirect("cobuild:council_detail", pk=member.council_id)


# ---------------------------------------------------------------- performance


@login_required
def perf_list(request: HttpRequest) -> HttpResponse:
    """驻区单位履职情况: per unit, for a year, the five figures (each opening its rows)."""
    require(request.user, Perm.COBUILD_VIEW)
    year = _year(request)
    qs = selectors.unit_list(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    units = list(page.object_list)
    perfs = performance.unit_performance(units, year)
    rows = [(u, perfs[u.pk]) for u in units]
    return render(request, "cobuild/unit_performance.html", {
        "page": page, "rows": rows, "year": year, "years": list(range(timezone.localdate().year, 2017, -1)),
        "figures": performance.FIGURES, "short": performance.SHORT, "query": filter_query(request),
        **_place_context(request)})


@login_required
def perf_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    year = _year(request)
    units = list(selectors.unit_list(request.user, request.GET)[:EXPORT_MAX])
    return exports.performance_xlsx(year, units, performance.unit_performance(units, year))


def _perf_unit(request: HttpRequest, pk: int) -> tuple[Unit, int]:
    require(request.user, Perm.COBUILD_VIEW)
    return selectors.unit_for(request.user, pk), _year(request)


@login_required
def perf_unit_export(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's year record (.xlsx): the figures and a sheet of rows per figure, for its superior's assessment."""
    unit, year = _perf_unit(request, pk)
    perf = performance.unit_performance([unit], year)[unit.pk]
    rows = {key: (performance.ROW_HEADERS[key], [r.cells for r in performance.figure_rows(unit.pk, year, key)])
            for key in performance.FIGURES}
    return exports.unit_performance_xlsx(unit, year, perf, rows)


@login_required
def perf_rows(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    """The rows one figure of one unit counts."""
    if figure not in performance.FIGURES:
        raise Http404
    unit, year = _perf_unit(request, pk)
    perf = performance.unit_performance([unit], year)[unit.pk]
    rows = performance.figure_rows(unit.pk, year, figure)
    return render(request, "cobuild/unit_perf_rows.html", {
        "unit": unit, "year": year, "figure": figure, "label": performance.FIGURES[figure],
        "value": getattr(perf, figure), "headers": performance.ROW_HEADERS[figure], "rows": rows,
        "can_meetings": has_perm(request.user, Perm.MEETING_VIEW), "figures": performance.FIGURES})
