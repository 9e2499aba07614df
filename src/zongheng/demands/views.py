"""Staff workbench of 民心零距离: queue, detail with the actions allowed now, staff entry,
stations, listening sessions and notifications.

Reads go through restricted querysets (out of scope → 404, no right → 403); every write is
one ``do_*`` action whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, in_scope, require
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org
from zongheng.orgs.picker import path_labels, render_pick

from . import actions, exports, selectors
from .choices import Channel, Status
from .forms import (
    AnswerForm,
    AssignForm,
    BulkAssignForm,
    ListeningSessionForm,
    MergeForm,
    NoteForm,
    ReasonForm,
    ReportForm,
    StaffDemandForm,
    StationForm,
    VersionForm,
    WhistleForm,
    merge_target,
)
from .models import Demand, DemandFollower, DemandPhoto, ListeningSession, Summons
from .related import demand_links, session_links
from .workflow import TRANSITIONS

PAGE_SIZE = 50


class QueuePaginator(Paginator):
    """The queue's pages; over a very large scope the total is capped (the page says “超过”, core/pager.html
    “以上”)."""

    capped = False

    @property
    def count(self) -> int:  # type: ignore[override]
        if not hasattr(self, "_count"):
            self._count, self.capped = selectors.capped_count(self.object_list)  # type: ignore[arg-type]
        return self._count

# action: (permission on the demand, form class, button label, needs a parent org)
HANDLE_ACTIONS = ["accept", "start", "answer", "return", "escalate"]
DISPATCH_ACTIONS = ["assign", "whistle", "reject", "merge"]
FORMS: dict[str, type[djforms.Form]] = {
    "accept": VersionForm, "start": NoteForm, "answer": AnswerForm, "return": ReasonForm, "escalate": ReasonForm,
    "assign": AssignForm, "whistle": WhistleForm, "reject": ReasonForm, "merge": MergeForm, "report": ReportForm,
}
ONE_BUTTON = (VersionForm,)  # nothing to fill in: the form is its button, shown on the page
HINTS = {
    "return": "退回给上级组织重新派单，请说明理由",
    "escalate": "超出本级办理能力时上报上级组织",
    "reject": "不属于平台受理范围；理由会展示给居民",
    "merge": "与另一件尚未答复的诉求重复时合并，居民会继续关注并评价保留的诉求",
    "whistle": "街道吹哨、部门报到：召集同一区内街道、社区及以下的组织共同办理",
}


def _detail_url(demand: Demand) -> str:
    return reverse("demands:detail", kwargs={"pk": demand.pk})


# ---------------------------------------------------------------- queue


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """诉求工作台: demands of the user's scope with filters, countdowns and bulk assignment."""
    user = request.user
    require(user, Perm.DEMAND_VIEW)
    now = timezone.now()
    page = QueuePaginator(selectors.queue(user, request.GET, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(d, selectors.countdown(d, now), d.is_open and d.current_due_at < now) for d in page]
    can_dispatch = has_perm(user, Perm.DEMAND_DISPATCH)
    context = {
        "page": page,
        "rows": rows,
        "rows_html": _queue_rows(rows, can_dispatch),
        "query": filter_query(request),
        "statuses": Status.choices,
        "channels": Channel.choices,
        "categories": list(selectors.categories()),
        "can_dispatch": can_dispatch,
        "can_enter": has_perm(user, Perm.DEMAND_ENTER),
        # The grid filter and the bulk-assign target are pickers loaded on demand (pick): the page holds
        # no list that grows with the tree, only the grid chosen now (issue 14, item 1).
        "pick_url": reverse("demands:pick"),
        "grid_pick_url": reverse("demands:pick") + "?kind=grid",
        **_grid_filter(user, request.GET.get("grid", "")),
    }
    return render(request, "demands/queue.html", context)


def _queue_rows(rows: list[tuple[Demand, str, bool]], can_dispatch: bool) -> list[str]:
    """The queue's table rows as escaped HTML (``format_html``), built in Python: the template engine's
    per-variable lookups were most of the page's CPU (issue 14, item 1). One ``reverse`` for all the links."""
    from django.utils.html import format_html
    from django.utils.text import Truncator

    detail = reverse("demands:detail", kwargs={"pk": 0})[:-2]  # "/demands/" + pk + "/"
    out: list[str] = []
    for d, left, late in rows:
        tick = format_html('<td><input type="checkbox" name="ids" value="{}" aria-label="选择 {}"></td>', d.pk, d.ref) \
            if can_dispatch else ""
        due = format_html('<span class="countdown{}" data-due="{}">{}</span>', " error" if late else "",
                          timezone.localtime(d.current_due_at).isoformat(), left) if left else ""
        out.append(format_html(
            '<tr>{}<td><a href="{}{}/">{}</a></td><td class="hide-sm">{}</td><td>{}</td>'
            '<td class="hide-sm">{}</td><td class="hide-sm">{}</td><td><span class="badge">{}</span></td>'
            '<td>{}</td><td class="hide-sm">{}</td></tr>',
            tick, detail, d.pk, d.ref, d.category.name, Truncator(d.description).chars(40), d.grid.name, d.org.name,
            d.get_status_display(), due, d.phone_masked))
    return out


def _grid_filter(user: Any, value: str) -> dict[str, Any]:
    """What the queue's grid picker shows before it is opened: "全部", "未定网格" and the grid chosen now.

    The chosen grid is looked up in the user's scope (another grid's id shows nothing, and filters nothing:
    ``selectors.filter_demands``).
    """
    from zongheng.orgs.resolve import as_pk

    pk = as_pk(value)
    chosen = list(selectors.grids_in_scope(user).filter(pk=pk).select_related("level")) if pk else []
    paths = path_labels(chosen) if chosen else {}
    return {
        "grid_items": [(o, paths.get(o.pk, ""), True) for o in chosen],
        "grid_fixed": [("", "全部网格", value == "" or (pk is not None and not chosen)),
                       ("none", "未定网格（待派给所属网格）", value == "none")],
    }


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The queue with the same filters as .xlsx (phones masked)."""
    require(request.user, Perm.DEMAND_VIEW)
    now = timezone.now()
    return exports.queue_xlsx(selectors.queue(request.user, request.GET, now=now), now)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """批量派单: all the ticked demands to one org, in one transaction (all or nothing)."""
    user = request.user
    require(user, Perm.DEMAND_DISPATCH)
    back = reverse("demands:queue")
    query = request.POST.get("query", "")
    if query:
        back += "?" + query.lstrip("?")
    form = BulkAssignForm(request.POST, user=user)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect(back)
    ids = set(form.cleaned_data["ids"])
    demands = list(selectors.demands_in_scope(user, Perm.DEMAND_DISPATCH).filter(pk__in=ids).order_by("pk"))
    if len(demands) != len(ids):
        messages.error(request, f"所选诉求中有 {len(ids) - len(demands)} 件不在您的派单范围内，未作任何改动")
        return redirect(back)
    refused = [d.ref for d in demands if d.status not in TRANSITIONS["assign"][0]]
    if refused:
        messages.error(request, f"以下诉求当前状态不能派单：{'、'.join(refused)}。未作任何改动")
        return redirect(back)
    org = form.cleaned_data["org"]
    try:
        count = actions.do_bulk_assign(user, demands, org)
    except ActionError as e:
        messages.error(request, f"批量派单未完成，未作任何改动：{e.message}")
        return redirect(back)
    messages.success(request, f"已将 {count} 件诉求派至{org.name}")
    return redirect(back)


# ---------------------------------------------------------------- detail and actions


@dataclass
class Rights:
    handle: bool
    dispatch: bool


def _rights(user: Any, demand: Demand) -> Rights:
    def can(perm: str) -> bool:  # the holder and those above it (actions.may_act)
        return actions.may_act(user, perm, demand)

    return Rights(handle=can(Perm.DEMAND_HANDLE), dispatch=can(Perm.DEMAND_DISPATCH))


def _allowed(action: str, demand: Demand) -> bool:
    if demand.status not in TRANSITIONS[action][0]:
        return False
    if action in ("return", "escalate"):
        return demand.org.depth > 1
    return True


def allowed_actions(user: Any, demand: Demand) -> list[str]:
    """The staff actions this user may take on this demand now (table × rights)."""
    rights = _rights(user, demand)
    out = [a for a in HANDLE_ACTIONS if rights.handle and _allowed(a, demand)]
    out += [a for a in DISPATCH_ACTIONS if rights.dispatch and _allowed(a, demand)]
    return out


def _reportable(user: Any, demand: Demand, summons: list[Summons]) -> list[Summons]:
    if demand.status not in TRANSITIONS["report"][0]:
        return []
    return [s for s in summons if s.reported_at is None and in_scope(user, Perm.DEMAND_HANDLE, s.org.path)]


def _demand(user: Any, pk: int) -> Demand:
    """The demand in the user's scope (else 404), with what its page shows: the category, grid and holder joined,
    and of the station, the listening session, the demand it was merged into and its followers only the values
    shown (``station_name`` … ``followers_n``) — not three more whole rows and a count query (issue 14, item 1)."""
    followers = (DemandFollower.objects.filter(demand=OuterRef("pk")).order_by().values("demand")
                 .annotate(n=Count("pk")).values("n"))
    qs = selectors.demands_in_scope(user).select_related("category", "grid__level", "org").annotate(
        station_name=F("station__name"), session_held_on=F("listening_session__held_on"),
        session_place=F("listening_session__place"), merged_into_ref=F("merged_into__ref"),
        followers_n=Coalesce(Subquery(followers), 0))
    return get_object_or_404(qs, pk=pk)


def _action_forms(user: Any, demand: Demand, names: list[str], opened: set[str]) -> list[dict[str, Any]]:
    """The action cards of the detail page. A form is built only for the actions in ``opened`` (asked for with
    ``?form=``, or shown again with its errors) and for those with nothing to fill in (接单: one button); the
    others are cards that load their form on demand (``_action_form_partial``), so a page renders no form its
    viewer does not open (issue 14, item 1)."""
    initial = {"version": demand.version}
    page = _detail_url(demand)
    out = []
    for name in names:
        cls = FORMS[name]
        entry: dict[str, Any] = {"name": name, "label": TRANSITIONS[name][2], "hint": HINTS.get(name, ""),
                                 "load_url": f"{page}?{urlencode({'form': name})}", "form": None}
        if name in opened or cls in ONE_BUTTON:
            kw: dict[str, Any] = {"initial": initial, "prefix": name}
            if cls is AssignForm:
                kw.update(user=user, pick_url=reverse("demands:pick_for", args=[demand.pk, "assign"]))
            elif cls is WhistleForm:
                # The page shows a picker (pick_for lists the targets on demand); the targets are read when the
                # form is posted (_run), not to render it.
                kw.update(targets=Org.objects.none(),
                          pick_url=reverse("demands:pick_for", args=[demand.pk, "whistle"]))
            entry["form"] = cls(**kw)
        out.append(entry)
    return out


def _action_form_partial(request: HttpRequest, demand: Demand, name: str) -> HttpResponse:
    """One action's form, asked for by its card on the detail page (htmx); an action the viewer can no longer
    take (the demand moved on since the page was shown) answers a notice in its place, never the form."""
    if name not in allowed_actions(request.user, demand):
        return render(request, "demands/_action_gone.html", {"demand": demand})
    entry = _action_forms(request.user, demand, [name], {name})[0]
    return render(request, "demands/_action_form.html", {"demand": demand, **entry})


class FormInvalid(Exception):
    """An action's form did not validate: the page is shown again with it (what was typed is kept)."""

    def __init__(self, form: djforms.Form) -> None:
        super().__init__("invalid")
        self.form = form


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.DEMAND_VIEW)
    demand = _demand(user, pk)
    asked = str(request.GET.get("form") or "")
    if asked and request.headers.get("HX-Request") == "true":
        response = _action_form_partial(request, demand, asked)
    else:
        response = _detail_page(request, demand, opened={asked})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _detail_page(request: HttpRequest, demand: Demand, bound: tuple[str, djforms.Form] | None = None,
                 status: int = 200, revealed_phone: str = "", opened: set[str] | None = None) -> HttpResponse:
    """The detail page; ``bound`` (action name, form) replaces that action's empty form, errors and text kept."""
    user = request.user
    summons = list(demand.summons.select_related("org").order_by("requested_at", "id").only(
        "demand", "org", "org__name", "org__path", "requested_at", "reported_at", "report"))
    reports: list[dict[str, Any]] = [
        {"summons": s, "form": ReportForm(initial={"version": demand.version, "summons": s.pk}, prefix="report")}
        for s in _reportable(user, demand, summons)
    ]
    now = timezone.now()
    opened = set(opened or ()) | ({bound[0]} if bound is not None else set())
    forms = _action_forms(user, demand, allowed_actions(user, demand), opened)
    if bound is not None:
        for f in forms:
            if f["name"] == bound[0]:
                f["form"], f["invalid"] = bound[1], True
        for r in reports if bound[0] == "report" else []:
            if str(r["summons"].pk) == str(bound[1].data.get("report-summons", "")):
                r["form"] = bound[1]
    context: dict[str, Any] = {
        "demand": demand,
        "countdown": selectors.countdown(demand, now),
        "overdue": demand.is_open and demand.current_due_at < now,
        "photos": list(demand.photos.order_by("id")),
        "events": [(e, TRANSITIONS[e.action][2] if e.action in TRANSITIONS else e.action)
                   for e in demand.events.annotate(by_org_name=F("by_org__name")).order_by("seq")],
        "summons": summons,
        "followers": demand.followers_n,  # type: ignore[attr-defined]  # annotated by _demand
        "merged": list(demand.merged.order_by("id").values_list("ref", flat=True)),
        "forms": forms,
        "reports": reports,
        "can_call": bool(demand.phone_enc) and actions.may_act(user, Perm.DEMAND_HANDLE, demand),
        "revealed_phone": revealed_phone,
        "links": demand_links(user, demand),
    }
    return render(request, "demands/detail.html", context, status=status)


@login_required
def photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A demand's photo, served only to staff who may see the demand (never a public MEDIA URL)."""
    require(request.user, Perm.DEMAND_VIEW)
    demand = _demand(request.user, pk)
    item = get_object_or_404(DemandPhoto, pk=photo_pk, demand=demand)
    content_type = mimetypes.guess_type(item.image.name)[0] or "application/octet-stream"
    response = FileResponse(item.image.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _run(request: HttpRequest, demand: Demand, name: str) -> str:
    """Validate the posted form of action ``name`` and call its action; returns the success message."""
    user = request.user
    kw: dict[str, Any] = {"prefix": name}
    if name == "assign":
        kw["user"] = user
    elif name == "whistle":
        kw["targets"] = selectors.whistle_targets(demand)
    form = FORMS[name](request.POST, **kw)
    if not form.is_valid():
        if name == "merge":
            first = next(iter(form.errors.values()))[0]
            raise ActionError(str(first))
        raise FormInvalid(form)
    d = form.cleaned_data
    v = d["version"]
    calls: dict[str, Callable[[], Any]] = {
        "accept": lambda: actions.do_accept(user, demand, expected_version=v),
        "start": lambda: actions.do_start(user, demand, note=d.get("note", ""), expected_version=v),
        "answer": lambda: actions.do_answer(user, demand, d.get("answer", ""), expected_version=v),
        "return": lambda: actions.do_return(user, demand, d.get("reason", ""), expected_version=v),
        "escalate": lambda: actions.do_escalate(user, demand, reason=d.get("reason", ""), expected_version=v),
        "assign": lambda: actions.do_assign(user, demand, d["org"], note=d.get("note", ""), expected_version=v),
        "whistle": lambda: actions.do_whistle(user, demand, list(d["orgs"]), note=d.get("note", ""),
                                              expected_version=v),
        "reject": lambda: actions.do_reject(user, demand, d.get("reason", ""), expected_version=v),
    }
    if name == "merge":
        into = merge_target(user, d["into"])
        if into is None:
            raise ActionError("未找到该编号的诉求，或该诉求不在您的范围内")
        actions.do_merge_checked(user, demand, into, expected_version=v)
        return f"已合并到 {into.ref}"
    if name == "report":
        summons = get_object_or_404(Summons.objects.select_related("org"), pk=d["summons"], demand=demand)
        actions.do_report_checked(user, summons, d["report"], expected_version=v)
        return f"{summons.org.name}已报到"
    try:
        calls[name]()
    except ActionError as e:
        e.form = form  # type: ignore[attr-defined]  # act() shows it again, with what was typed
        raise
    return f"已{TRANSITIONS[name][2]}"


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """POST one action's form from the detail page: no right → 403; refused → message, nothing changes."""
    user = request.user
    require(user, Perm.DEMAND_VIEW)
    if action not in FORMS:
        raise Http404
    demand = _demand(user, pk)
    rights = _rights(user, demand)
    if action in HANDLE_ACTIONS and not rights.handle:
        raise PermissionDenied("您不能办理该诉求")
    if action in DISPATCH_ACTIONS and not rights.dispatch:
        raise PermissionDenied("您不能为该诉求派单、吹哨、合并或不予受理")
    if action == "report":
        summons_pk = request.POST.get("report-summons", "")
        mine = [s for s in demand.summons.select_related("org") if str(s.pk) == summons_pk]
        if not mine or not in_scope(user, Perm.DEMAND_HANDLE, mine[0].org.path):
            raise PermissionDenied("您不是该报到单位的人员")
    try:
        done = _run(request, demand, action)
    except FormInvalid as e:
        # Shown again with the typed text and the field's plain message (no redirect that would lose it).
        messages.error(request, "未提交：请按提示修改后再提交")
        return _detail_page(request, demand, (action, e.form), status=400)
    except ActionError as e:
        messages.error(request, e.message)
        form = getattr(e, "form", None)
        if form is not None and action in ("answer", "return", "escalate", "reject", "start"):
            # The text is kept; the form now carries the demand's current version (the page shows its state).
            fresh = _demand(user, pk)
            data = request.POST.copy()
            data[f"{action}-version"] = str(fresh.version)
            return _detail_page(request, fresh, (action, FORMS[action](data, prefix=action)), status=400)
    else:
        messages.success(request, done)
    return redirect(_detail_url(demand))


@login_required
@require_POST
def reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """回访居民: the full phone for the holder of the demand and those above it (audited); htmx gets the number."""
    user = request.user
    require(user, Perm.DEMAND_HANDLE)
    demand = _demand(user, pk)
    if not actions.may_act(user, Perm.DEMAND_HANDLE, demand):
        raise PermissionDenied("只有当前承办组织及其上级可以查看居民的完整电话")
    try:
        value = actions.do_reveal_resident_phone(user, demand)
    except ActionError as e:
        messages.error(request, e.message)
        return redirect(_detail_url(demand))
    if getattr(request, "htmx", False):
        return render(request, "demands/_phone.html", {"demand": demand, "revealed_phone": value})
    response = _detail_page(request, demand, revealed_phone=value)
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- the searchable picker (issue 13, item 10)

# picker: the form field its choices are submitted as, and whether several may be chosen
PICKERS = {"bulk": ("org", False), "assign": ("assign-org", False), "whistle": ("whistle-orgs", True),
           "grid": ("grid", False), "figures": ("org", False), "entry": ("grid", False),
           "station": ("org", False), "session": ("org", False)}


def _render_pick(request: HttpRequest, targets: Any, kind: str, anchors: list[str],
                 fixed: list[tuple[str, str, bool]] | None = None) -> HttpResponse:
    """The matching targets (orgs.picker: sensible first, with their paths); the ticked ones stay on top."""
    name, multiple = PICKERS[kind]
    return render_pick(request, targets, name=name, multiple=multiple, anchors=anchors, fixed=fixed)


@login_required
def pick(request: HttpRequest) -> HttpResponse:
    """The pickers of the lists (htmx), matching the typed text: 批量派单's dispatch targets; with ``kind=grid``
    the grids of the user's scope (the queue's grid filter); with ``kind=figures`` the organisations whose
    figures the user may open; with ``kind=entry`` the grids the user may enter demands for (登记诉求); with
    ``kind=station`` / ``kind=session`` the organisations a 民心驿站 / a 每月一听 session may belong to."""
    user = request.user
    if request.GET.get("kind") == "figures":  # the figures page's org (views_figures.figure_orgs)
        from .views_figures import figure_orgs

        require(user, Perm.DEMAND_VIEW)
        return _render_pick(request, figure_orgs(user).order_by("path"), "figures", [])
    if request.GET.get("kind") == "entry":  # 登记诉求's grid: the grids the user may enter demands for
        require(user, Perm.DEMAND_ENTER)
        return _render_pick(request, selectors.entry_grids(user), "entry", [])
    if request.GET.get("kind") == "station":  # 设立民心驿站: where (the dispatch targets)
        require(user, Perm.DEMAND_DISPATCH)
        return _render_pick(request, selectors.dispatch_targets(user), "station", [])
    if request.GET.get("kind") == "session":  # 每月一听: which organisation held it
        require(user, Perm.DEMAND_ENTER)
        return _render_pick(request, _session_targets(user), "session", [])
    if request.GET.get("kind") == "grid":
        require(user, Perm.DEMAND_VIEW)
        chosen = request.GET.get("grid", "")
        fixed = [("", "全部网格", chosen == ""), ("none", "未定网格（待派给所属网格）", chosen == "none")]
        return _render_pick(request, selectors.grids_in_scope(user).order_by("path"), "grid", [], fixed)
    require(user, Perm.DEMAND_DISPATCH)
    return _render_pick(request, selectors.dispatch_targets(user), "bulk", [])


@login_required
def pick_for(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The assign / whistle picker of one demand (htmx): only for who may dispatch it now."""
    user = request.user
    require(user, Perm.DEMAND_VIEW)
    if kind not in ("assign", "whistle"):
        raise Http404
    demand = _demand(user, pk)
    if not _rights(user, demand).dispatch:
        raise PermissionDenied("您不能为该诉求派单或吹哨")
    targets = selectors.dispatch_targets(user) if kind == "assign" else selectors.whistle_targets(demand)
    anchors = selectors.grid_anchors(demand)
    if kind == "whistle":  # what other modules propose first (一横: units whose resources fit the demand)
        from .suggest import whistle_suggestions

        anchors = whistle_suggestions(demand) + anchors
    return _render_pick(request, targets, kind, anchors)


# ---------------------------------------------------------------- staff entry


@login_required
def staff_create(request: HttpRequest) -> HttpResponse:
    """登记诉求: received at a 民心驿站, by phone or at a 每月一听 session."""
    user = request.user
    require(user, Perm.DEMAND_ENTER)
    initial: dict[str, Any] = {"channel": Channel.PHONE}
    if request.GET.get("session", "").isdigit():
        initial.update(channel=Channel.LISTENING, listening_session=int(request.GET["session"]))
    elif request.GET.get("station", "").isdigit():
        initial.update(channel=Channel.STATION, station=int(request.GET["station"]))
    form = StaffDemandForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            demand, code = actions.do_submit_demand(user, form.action_data())
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            # The tracking code is shown once, on this page, for the staff member to hand to the resident.
            return render(request, "demands/staff_created.html", {
                "demand": demand, "code": code,
                "can_view": selectors.demands_in_scope(user).filter(pk=demand.pk).exists(),
            })
    return render(request, "demands/staff_form.html", {"form": form})


# ---------------------------------------------------------------- stations


@login_required
def stations(request: HttpRequest) -> HttpResponse:
    """民心驿站: the stations of the user's scope; dispatchers may set one up."""
    user = request.user
    require(user, Perm.DEMAND_ENTER)
    can_create = has_perm(user, Perm.DEMAND_DISPATCH)
    form = StationForm(request.POST or None, targets=selectors.dispatch_targets(user)) if can_create else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("您不能设立民心驿站")
        if form.is_valid():
            d = form.cleaned_data
            try:
                station = actions.do_create_station(user, d["org"], d["name"], d["address"])
            except ActionError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, f"已设立民心驿站“{station.name}”")
                return redirect("demands:stations")
    rows = selectors.stations_in_scope(user).annotate(demand_count=Count("demands")).order_by("org__path", "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demands/stations.html", {"page": page, "query": "", "form": form})


# ---------------------------------------------------------------- 每月一听


def _session_targets(user: Any) -> Any:
    return Org.objects.restrict(user, Perm.DEMAND_ENTER).exclude(level__code="household").order_by("path")


@login_required
def listening(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.DEMAND_ENTER)
    form = ListeningSessionForm(request.POST or None, targets=_session_targets(user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            session = actions.do_create_listening_session(user, d["org"], d)
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"已登记{session.held_on:%Y年%m月%d日}的每月一听")
            return redirect("demands:listening_detail", pk=session.pk)
    rows = selectors.sessions_in_scope(user).annotate(demand_count=Count("demands")).order_by("-held_on", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demands/listening.html", {"page": page, "query": "", "form": form})


@login_required
def listening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.DEMAND_ENTER)
    session: ListeningSession = get_object_or_404(selectors.sessions_in_scope(user).select_related("created_by"),
                                                  pk=pk)
    demands = list(
        selectors.demands_in_scope(user).filter(listening_session=session).select_related("category", "grid", "org")
        .order_by("received_at", "id")
    )
    return render(request, "demands/listening_detail.html", {"session": session, "demands": demands,
                                                             "links": session_links(request.user, session)})


# ---------------------------------------------------------------- notifications


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's in-app notifications, unread first."""
    user: Any = request.user
    rows = (
        selectors.notifications_for(user).select_related("demand")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demands/notifications.html", {"page": page, "query": ""})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one, several or all of the user's notifications read."""
    user: Any = request.user
    if request.POST.get("all") == "1":
        unread = selectors.notifications_for(user).filter(read_at__isnull=True)
        ids = list(unread.values_list("pk", flat=True))
    else:
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    count = actions.mark_read(request.user, ids)
    messages.success(request, f"已将 {count} 条通知标为已读")
    return redirect("demands:notifications")
