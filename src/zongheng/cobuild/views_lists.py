"""Pages of the three lists (需求清单, 资源清单, 服务清单), the proposals of a need or a resource, accepting a
match, the matches, and the lists' figures.

Reads through the scoped selectors (no right → 403, out of scope → 404); every write is one ``do_*`` action
whose ``ActionError`` is shown in Chinese and changes nothing. Pages run a constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, in_scope, require
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm
from zongheng.orgs.picker import render_pick

from . import actions_lists as actions
from . import exports_lists as exports
from . import matching, resolve
from . import selectors_lists as sel
from .choices import NeedState, ResourceKind
from .figures_lists import figures
from .forms_lists import AcceptForm, NeedEditForm, NeedForm, ResourceForm, ServiceForm
from .models import Need, Resource, Service

PAGE_SIZE = 50
RECENT_SESSIONS = 8


def _page(request: HttpRequest, qs: Any, kind_of: Any = None) -> Any:
    """One page of ``qs``; with ``kind_of`` (row → kind), each row gets ``unit_word`` (平方米, 元 …)."""
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    if kind_of is not None:
        for row in page:
            row.unit_word = matching.kind_unit(kind_of(row))
    return page


def _list_context(request: HttpRequest, **kw: Any) -> dict[str, Any]:
    return {"query": filter_query(request), "kinds": ResourceKind.choices,
            "can_change": has_perm(request.user, Perm.COBUILD_CHANGE), **kw}


def _changeable(request: HttpRequest, row: Any, path: str) -> None:
    if not in_scope(request.user, Perm.COBUILD_CHANGE, path):
        raise PermissionDenied("该条目不在您的维护范围内")


# ---------------------------------------------------------------- overview and picker


@login_required
def lists_home(request: HttpRequest) -> HttpResponse:
    """三张清单: the figures (each opening its rows) and the ways into the lists."""
    require(request.user, Perm.COBUILD_VIEW)
    return render(request, "cobuild/lists_home.html", {"figures": figures(request.user),
                                                       "can_change": has_perm(request.user, Perm.COBUILD_CHANGE)})


@login_required
def lists_pick(request: HttpRequest, kind: str) -> HttpResponse:
    """The pickers of the lists' forms (htmx): communities, units (their tree nodes) or places."""
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    if kind == "community":
        targets = resolve.side_org_choices(user, levels=resolve.COMMUNITY_LEVELS)
        name = "org"
    elif kind == "unit":
        targets, name = sel.unit_node_choices(user), "unit"
    elif kind == "place":
        targets, name = sel.place_choices(user), "place"
    else:
        raise Http404
    return render_pick(request, targets, name=name, multiple=False)


# ---------------------------------------------------------------- needs


@login_required
def need_list(request: HttpRequest) -> HttpResponse:
    """需求清单: needs in scope, with what is met and what is still lacking."""
    require(request.user, Perm.COBUILD_VIEW)
    page = _page(request, sel.need_list(request.user, request.GET), lambda n: n.kind)
    return render(request, "cobuild/need_list.html", _list_context(request, page=page, states=NeedState.choices))


@login_required
def need_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    return exports.needs_xlsx(sel.need_list(request.user, request.GET))


def _from_demand(user: Any, value: str) -> tuple[dict[str, Any], Any]:
    """The initial data of a need made from a demand (by id or by its 编号), through the scoped lookup."""
    from zongheng.demands.suggest import excerpt

    value = value.strip()[:20]
    if not value.isdigit():
        found = sel.demand_choices(user).filter(ref=value).first()
        if found is None:
            raise ActionError(sel.refusal("诉求"))
        value = str(found.pk)
    demand = sel.resolve_demand_for_need(user, value)
    text = excerpt(demand.description, 2000)
    community = sel.community_for_path(demand.grid_path)
    kinds = matching.kinds_for_demand(demand.category.code, demand.description)
    initial = {"title": excerpt(demand.description, 60),
               "detail": f"来自诉求 {demand.ref}（{demand.category.name}）：{text}",
               "kind": kinds[0] if kinds else ResourceKind.OTHER, "demand": demand.pk, "quantity": 1}
    if community is not None:
        initial["org"] = community.pk
    return initial, demand


def _from_session(user: Any, value: str) -> tuple[dict[str, Any], Any]:
    session = sel.resolve_session_for_need(user, value)
    community = sel.community_for_path(session.org.path)
    initial = {"title": f"{session.held_on:%Y-%m-%d} 每月一听：{session.place}"[:200],
               "detail": session.summary[:5000], "listening_session": session.pk, "quantity": 1,
               "kind": ResourceKind.OTHER}
    if community is not None:
        initial["org"] = community.pk
    return initial, session


@login_required
def need_new(request: HttpRequest) -> HttpResponse:
    """登记需求; ``?demand=<id 或编号>`` or ``?session=<id>`` turns a demand or a 每月一听 session into a need
    in one step (its text and community filled in, the link kept)."""
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    initial: dict[str, Any] = {}
    source: dict[str, Any] = {}
    try:
        if request.GET.get("demand"):
            initial, source["demand"] = _from_demand(user, request.GET["demand"])
        elif request.GET.get("session"):
            initial, source["session"] = _from_session(user, request.GET["session"])
    except ActionError as exc:
        messages.error(request, exc.message)
    if (org := request.GET.get("org", "")).isdigit() and "org" not in initial:
        initial["org"] = int(org)
    form = NeedForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            need = actions.do_create_need(user, form.action_data())
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已登记需求，下面是平台建议对接的资源")
            return redirect("cobuild:need_proposals", pk=need.pk)
    sessions = list(sel.session_choices(user).order_by("-held_on", "-id")[:RECENT_SESSIONS]) if not source else []
    return render(request, "cobuild/need_form.html", {"form": form, "title": "登记需求", "button": "登记",
                                                      "source": source, "sessions": sessions})


def _need(request: HttpRequest, pk: int) -> Need:
    require(request.user, Perm.COBUILD_VIEW)
    return get_object_or_404(sel.needs_in_scope(request.user).select_related("demand", "listening_session"), pk=pk)


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    matches = list(need.matches.select_related("resource", "resource__unit", "item", "item__agreement"))
    met = sum(m.quantity for m in matches)
    return render(request, "cobuild/need_detail.html", {
        "need": need, "matches": matches, "met": met, "lacking": max(need.quantity - met, 0),
        "unit_word": matching.kind_unit(need.kind),
        "can_change": in_scope(request.user, Perm.COBUILD_CHANGE, need.org_path)})


@login_required
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    require(request.user, Perm.COBUILD_CHANGE)
    _changeable(request, need, need.org_path)
    initial = {"kind": need.kind, "title": need.title, "detail": need.detail, "quantity": need.quantity}
    form = NeedEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_need(request.user, need, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("cobuild:need_detail", pk=need.pk)
    return render(request, "cobuild/need_form.html", {"form": form, "title": f"修改需求：{need.title}",
                                                      "button": "保存", "need": need})


@login_required
@require_POST
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    require(request.user, Perm.COBUILD_CHANGE)
    _changeable(request, need, need.org_path)
    try:
        actions.do_close_need(request.user, need)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "需求已关闭")
    return redirect("cobuild:need_detail", pk=need.pk)


@login_required
def need_proposals(request: HttpRequest, pk: int) -> HttpResponse:
    """建议对接: the resources proposed for a need, each with its reason; who maintains the need accepts."""
    need = _need(request, pk)
    lacking = matching.need_remaining(need)
    proposals = matching.proposals_for_need(need)
    return render(request, "cobuild/need_proposals.html", {
        "need": need, "proposals": proposals, "lacking": lacking, "unit_word": matching.kind_unit(need.kind),
        "can_accept": in_scope(request.user, Perm.COBUILD_CHANGE, need.org_path) and need.state == NeedState.OPEN})


@login_required
@require_POST
def need_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """确认对接: one proposal becomes a match and an agreement item (资源联享)."""
    need = _need(request, pk)
    require(request.user, Perm.COBUILD_CHANGE)
    _changeable(request, need, need.org_path)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请从建议中选择资源，对接数量须为正整数")
        return redirect("cobuild:need_proposals", pk=need.pk)
    try:
        resource = sel.resolve_proposed_resource(need, form.cleaned_data["resource"])
        match = actions.do_accept_match(request.user, need, resource, quantity=form.cleaned_data.get("quantity"))
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("cobuild:need_proposals", pk=need.pk)
    messages.success(request, f"已确认对接：{resource.unit.name}“{resource.title}”{match.quantity} "
                              f"{matching.kind_unit(resource.kind)}，已列入认领书《{match.item.agreement.title}》")
    return redirect("cobuild:need_detail", pk=need.pk)


# ---------------------------------------------------------------- resources


@login_required
def resource_list(request: HttpRequest) -> HttpResponse:
    """资源清单: what units offer, with capacity taken and left."""
    require(request.user, Perm.COBUILD_VIEW)
    page = _page(request, sel.resource_list(request.user, request.GET), lambda r: r.kind)
    return render(request, "cobuild/resource_list.html", _list_context(request, page=page))


@login_required
def resource_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    return exports.resources_xlsx(sel.resource_list(request.user, request.GET))


@login_required
def resource_new(request: HttpRequest) -> HttpResponse:
    """登记资源 (cadres over the unit; a liaison reports progress on items, not here)."""
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    initial: dict[str, Any] = {"active": True}
    if (unit := request.GET.get("unit", "")).isdigit():
        found = sel.unit_node_choices(user).filter(unit__pk=int(unit)).values_list("pk", flat=True).first()
        if found:
            initial["unit"] = found
    form = ResourceForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            resource = actions.do_create_resource(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已登记资源")
            return redirect("cobuild:resource_detail", pk=resource.pk)
    return render(request, "cobuild/resource_form.html", {"form": form, "title": "登记资源", "button": "登记"})


def _resource(request: HttpRequest, pk: int) -> Resource:
    require(request.user, Perm.COBUILD_VIEW)
    return get_object_or_404(sel.resources_in_scope(request.user).select_related("place__level"), pk=pk)


@login_required
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A resource: its matches and the needs it could meet (each opening that need's proposals)."""
    resource = _resource(request, pk)
    matches = list(resource.matches.select_related("need", "need__org", "item"))
    proposals = matching.proposals_for_resource(resource)
    # A proposed need opens its proposals only for whoever may see that need (a unit's liaison reads the title).
    visible = set(Need.objects.restrict(request.user).filter(pk__in=[p.need.pk for p in proposals])
                  .values_list("pk", flat=True))
    return render(request, "cobuild/resource_detail.html", {
        "resource": resource, "matches": matches, "proposals": proposals, "visible_needs": visible,
        "unit_word": matching.kind_unit(resource.kind),
        "can_change": in_scope(request.user, Perm.COBUILD_CHANGE, resource.unit_path)})


@login_required
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource(request, pk)
    require(request.user, Perm.COBUILD_CHANGE)
    _changeable(request, resource, resource.unit_path)
    initial = {f: getattr(resource, f) for f in ("kind", "title", "detail", "capacity", "area_m2", "availability",
                                                 "idle", "active")}
    initial["place"] = resource.place_id
    form = ResourceForm(request.POST or None, user=request.user, edit=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_resource(request.user, resource, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("cobuild:resource_detail", pk=resource.pk)
    return render(request, "cobuild/resource_form.html", {"form": form, "title": f"修改资源：{resource.title}",
                                                          "button": "保存", "resource": resource})


# ---------------------------------------------------------------- services


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    """服务清单: what communities provide."""
    require(request.user, Perm.COBUILD_VIEW)
    page = _page(request, sel.service_list(request.user, request.GET))
    return render(request, "cobuild/service_list.html", _list_context(request, page=page))


@login_required
def service_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    return exports.services_xlsx(sel.service_list(request.user, request.GET))


@login_required
def service_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.COBUILD_CHANGE)
    initial: dict[str, Any] = {"active": True}
    if (org := request.GET.get("org", "")).isdigit():
        initial["org"] = int(org)
    form = ServiceForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_create_service(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已登记服务")
            return redirect("cobuild:service_list")
    return render(request, "cobuild/service_form.html", {"form": form, "title": "登记服务", "button": "登记"})


@login_required
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    service: Service = get_object_or_404(sel.services_in_scope(request.user), pk=pk)
    require(request.user, Perm.COBUILD_CHANGE)
    _changeable(request, service, service.org_path)
    initial = {f: getattr(service, f) for f in ("kind", "title", "detail", "schedule", "active")}
    form = ServiceForm(request.POST or None, user=request.user, edit=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_service(request.user, service, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("cobuild:service_list")
    return render(request, "cobuild/service_form.html", {"form": form, "title": f"修改服务：{service.title}",
                                                         "button": "保存", "service": service})


# ---------------------------------------------------------------- matches


@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    """资源对接: accepted matches, each with its agreement item."""
    require(request.user, Perm.COBUILD_VIEW)
    page = _page(request, sel.match_list(request.user, request.GET), lambda m: m.resource.kind)
    # The need opens only for whoever may see it (a unit's liaison sees its resources' matches, not the needs).
    visible = set(Need.objects.restrict(request.user).filter(pk__in=[m.need_id for m in page])
                  .values_list("pk", flat=True))
    return render(request, "cobuild/match_list.html", _list_context(request, page=page, visible_needs=visible))


@login_required
def match_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.COBUILD_VIEW)
    return exports.matches_xlsx(sel.match_list(request.user, request.GET))
