"""Pages of the project list (项目清单): the list (filters kind, state, year; paging), a project's page with
its history and only the moves its viewer can make now, the create and edit forms, a move, the brand
administration (list.configure), and the PUBLIC brand pages (``/brands/`` and ``/brands/<slug>/``, no login):
the brand's name, summary and organisation, its projects' titles, summaries and outcomes — nothing else.

No right at all → 403; a project out of scope → 404 like a missing one; every write is one ``do_*`` action
of ``actions_projects`` whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm

from . import actions_projects as actions
from . import selectors_projects as selectors
from .choices import ProjectKind, ProjectMove, ProjectState
from .forms_projects import BrandForm, MoveForm, ProjectEditForm, ProjectForm

EXPORT_MAX = 20_000
EXPORT_HEADERS = ["年度", "类型", "项目名称", "实施单位", "认领书记", "领衔常委", "预算（万元）", "状态",
                  "进入状态日期", "实施成效"]
PAGE_SIZE = 50


def _require_view(user: Any) -> None:
    if not selectors.may_view(user):
        raise PermissionDenied("您没有此项权限")


def _require_configure(user: Any) -> None:
    if not has_perm(user, Perm.LIST_CONFIGURE):
        raise PermissionDenied("您没有此项权限")


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """项目清单: the projects of the user's scope (and those they claimed or lead)."""
    user = request.user
    _require_view(user)
    f = selectors.filters(request.GET)
    page = Paginator(selectors.project_list(user, f), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lists/project_list.html", {
        "section": "projects", "page": page, "query": filter_query(request), "f": f,
        "kinds": ProjectKind.choices, "states": ProjectState.choices,
        "can_create": selectors.may_create(user), "can_brand": has_perm(user, Perm.LIST_CONFIGURE)})


@login_required
def project_export(request: HttpRequest) -> HttpResponse:
    """项目清单.xlsx: the list page's rows (its filters, the user's scope), at most ``EXPORT_MAX``; one query."""
    from django.utils import timezone

    from zongheng.core.exports import xlsx_response

    user = request.user
    _require_view(user)
    kinds, states = dict(ProjectKind.choices), dict(ProjectState.choices)
    rows = selectors.project_list(user, selectors.filters(request.GET)).select_related(None).values_list(
        "year", "kind", "title", "org__name", "secretary__name", "lead__name", "budget", "state", "state_since",
        "outcome")[:EXPORT_MAX]
    return xlsx_response("项目清单.xlsx", "项目清单", EXPORT_HEADERS, (
        [year, kinds.get(kind, kind), title, org, secretary or "", lead or "", budget, states.get(state, state),
         timezone.localtime(since).strftime("%Y-%m-%d"), outcome]
        for year, kind, title, org, secretary, lead, budget, state, since, outcome in rows))


@login_required
def org_pick(request: HttpRequest) -> HttpResponse:
    """The create form's organisation picker (htmx): where the user may report (or configure)."""
    from zongheng.orgs.picker import render_pick

    user = request.user
    if not selectors.may_create(user):
        raise PermissionDenied("您没有此项权限")
    # A user who sets special projects may pick the district too (for a special one; the form's lookup by kind
    # refuses it for the others).
    kind = request.GET.get("kind") or ("special" if has_perm(user, Perm.LIST_CONFIGURE) else None)
    return render_pick(request, selectors.project_org_choices(user, kind), name="org", multiple=False)


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    """申报 / 认领 / 立专题项目."""
    user = request.user
    if not selectors.may_create(user):
        raise PermissionDenied("您没有此项权限")
    form = ProjectForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            project = actions.do_create_project(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "项目已提交，等待上级审核")
            return redirect("lists:project", pk=project.pk)
    return render(request, "lists/project_form.html", {"section": "projects", "form": form})


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_view(user)
    project = selectors.project_for(user, pk)
    return render(request, "lists/project_detail.html", {
        "section": "projects", "p": project, "events": selectors.history(project),
        "moves": selectors.moves_for(user, project), "can_edit": selectors.may_edit(user, project),
        "form": MoveForm(), "brands": list(project.brands.values_list("name", "slug"))})


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_view(user)
    project = selectors.project_for(user, pk)
    if not selectors.may_edit(user, project):
        raise PermissionDenied("只有项目实施单位可以修改，已评估的项目不能再修改")
    form = ProjectEditForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_project(user, project, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("lists:project", pk=project.pk)
    return render(request, "lists/project_edit.html", {"section": "projects", "form": form, "p": project})


@login_required
@require_POST
def project_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    """One step of the workflow (the table decides; the action says why not, in Chinese)."""
    user = request.user
    _require_view(user)
    project = selectors.project_for(user, pk)
    if move not in ProjectMove.values:
        raise Http404
    form = MoveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.do_move(user, project, move, note, evaluation=note if move == ProjectMove.EVALUATE else "")
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{ProjectMove(move).label}")
    return redirect("lists:project", pk=project.pk)


# ---------------------------------------------------------------- brand administration


@login_required
def brand_admin(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_configure(user)
    brands = list(selectors.brands_in_scope(user).order_by("-named_on", "name"))
    return render(request, "lists/brand_admin.html", {"section": "projects", "brands": brands})


@login_required
def brand_org_pick(request: HttpRequest) -> HttpResponse:
    from zongheng.orgs.picker import render_pick

    user = request.user
    _require_configure(user)
    return render_pick(request, selectors.brand_org_choices(user), name="org", multiple=False)


@login_required
def brand_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_configure(user)
    form = BrandForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            brand = actions.do_name_brand(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已命名党建品牌「{brand.name}」")
            return redirect("lists:brands_admin")
    return render(request, "lists/brand_form.html", {"section": "projects", "form": form, "brand": None})


@login_required
def brand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_configure(user)
    brand = selectors.brand_for(user, pk)
    form = BrandForm(request.POST or None, user=user, brand=brand)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_brand(user, brand, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("lists:brands_admin")
    return render(request, "lists/brand_form.html", {"section": "projects", "form": form, "brand": brand})


# ---------------------------------------------------------------- public pages (no login)


def brand_index(request: HttpRequest) -> HttpResponse:
    """党建品牌: every named brand, for residents."""
    return render(request, "lists/brand_index.html", {"brands": selectors.public_brands()})


def brand_public(request: HttpRequest, slug: str) -> HttpResponse:
    """A brand's public page: what it did, in its projects' own words (no people, budgets or notes)."""
    brand, projects = selectors.public_brand(slug)
    return render(request, "lists/brand_public.html", {"brand": brand, "projects": projects})
