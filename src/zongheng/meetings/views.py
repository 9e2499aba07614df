"""Pages of the meetings module: list and compliance, detail, schedule, record, resolutions, types.

Reads through restricted querysets (out of scope → 404, no right → 403); every write is one
``do_*`` action whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, in_scope, require, require_at_root
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org
from zongheng.orgs.picker import path_labels
from zongheng.orgs.resolve import as_pk

from . import actions, exports, resolve, selectors
from .choices import RECORDED_ATTENDANCE, AttendanceStatus, MeetingStatus, ResolutionStatus
from .forms import (
    CancelForm,
    EditForm,
    ProgressForm,
    RecordForm,
    ResolutionForm,
    ScheduleForm,
    TypeForm,
    schedule_org_choices,
)
from .models import Meeting, MeetingAttachment, MeetingType
from .periods import period_of

PAGE_SIZE = 50


def _require_view_or_self(user: Any) -> None:
    """meeting.view somewhere, or a person record (invited people see their own meetings)."""
    if not has_perm(user, Perm.MEETING_VIEW) and not getattr(user, "person_id", None):
        raise PermissionDenied("您没有此项权限")


def _errors(request: HttpRequest, exc: ActionError) -> None:
    messages.error(request, exc.message)


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(selectors.meetings_in_scope(request.user), pk=pk)


def _changeable(request: HttpRequest, pk: int) -> Meeting:
    require(request.user, Perm.MEETING_CHANGE)
    m = _meeting(request, pk)
    if not in_scope(request.user, Perm.MEETING_CHANGE, m.org_path):
        raise PermissionDenied("该会议不在您的会议管理范围内")
    return m


# ---------------------------------------------------------------- lists


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """会议: meetings in scope (and those the user is invited to), with filters."""
    _require_view_or_self(request.user)
    qs = selectors.meeting_list(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": filter_query(request), "types": list(MeetingType.objects.all()),
               "statuses": MeetingStatus.choices, "can_change": has_perm(request.user, Perm.MEETING_CHANGE),
               "can_configure": has_perm(request.user, Perm.MEETING_CONFIGURE)}
    return render(request, "meetings/list.html", context)


@login_required
def meeting_export(request: HttpRequest) -> HttpResponse:
    _require_view_or_self(request.user)
    return exports.meetings_xlsx(selectors.meeting_list(request.user, request.GET)[:100_000])


def _recent(current: Any, count: int = 6) -> list[Any]:
    out = [current]
    while len(out) < count:
        out.append(out[-1].previous())
    return out


def _compliance_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    require(user, Perm.MEETING_VIEW)
    types = list(MeetingType.objects.filter(enabled=True))
    if not types:
        raise Http404
    scope = Org.objects.restrict(user, Perm.MEETING_VIEW)
    mtype = next((t for t in types if t.code == request.GET.get("type")), None) or next(
        (t for t in types if selectors.applicable_orgs(t, scope).exists()), types[0])
    now = timezone.now()
    current = period_of(mtype.cadence, timezone.localdate())
    try:
        period = mtype.period(request.GET["period"]) if request.GET.get("period") else current.previous()
    except ValueError as exc:
        messages.error(request, str(exc))
        period = current.previous()
    orgs = selectors.applicable_orgs(mtype, Org.objects.restrict(user, Perm.MEETING_VIEW)).order_by("path")
    if (under := request.GET.get("org", "")).isdigit() and len(under) <= 18:
        path = scope.filter(pk=int(under)).values_list("path", flat=True).first()
        orgs = orgs.filter(path__startswith=path) if path else orgs.none()
    return {"mtype": mtype, "types": types, "period": period, "orgs": orgs, "now": now,
            "periods": _recent(current)}


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    """召开情况: per organisation held on time / late (补开) / not held for a type and period."""
    ctx = _compliance_context(request)
    page = Paginator(ctx["orgs"], PAGE_SIZE).get_page(request.GET.get("page"))
    cells = selectors.compliance(ctx["mtype"], ctx["period"], list(page.object_list), ctx["now"])
    ctx.update(page=page, rows=[(o, cells[o.pk]) for o in page.object_list], query=filter_query(request))
    return render(request, "meetings/compliance.html", ctx)


@login_required
def compliance_export(request: HttpRequest) -> HttpResponse:
    ctx = _compliance_context(request)
    orgs = list(ctx["orgs"][:20000])
    cells = selectors.compliance(ctx["mtype"], ctx["period"], orgs, ctx["now"])
    rows = [(o.name, ctx["mtype"].name, ctx["period"].label, cells[o.pk].label,
             timezone.localtime(cells[o.pk].held_at).strftime("%Y-%m-%d %H:%M") if cells[o.pk].held_at else "")
            for o in orgs]
    return exports.compliance_xlsx("会议召开情况", rows)


# ---------------------------------------------------------------- one meeting


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view_or_self(request.user)
    m = _meeting(request, pk)
    can_change = in_scope(request.user, Perm.MEETING_CHANGE, m.org_path)
    attendances = list(m.attendances.select_related("person"))
    present = sum(1 for a in attendances if a.status == AttendanceStatus.PRESENT)
    context = {
        "m": m, "attendances": attendances, "present": present, "invited": len(attendances),
        "quorum_met": m.type.quorum_met(present, len(attendances)),
        "resolutions": list(m.resolutions.select_related("owner_org", "owner_person")),
        "attachments": list(m.attachments.all()), "paragraphs": [p for p in m.minutes.split("\n") if p.strip()],
        "can_change": can_change, "allowed": actions.allowed_actions(m) if can_change else [],
        "resolution_form": ResolutionForm(user=request.user, org=m.org) if can_change and m.status == "held" else None,
        "cancel_form": CancelForm(initial={"version": m.version}), "today": timezone.localdate(),
    }
    return render(request, "meetings/detail.html", context)


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    """安排会议 (or, for a past period, 补开)."""
    user = request.user
    require(user, Perm.MEETING_CHANGE)
    initial: dict[str, Any] = {}
    for key in ("type", "period"):
        if request.GET.get(key):
            initial[key] = request.GET[key][:32]
    if request.GET.get("org", "").isdigit():
        initial["org"] = int(request.GET["org"])
    form = ScheduleForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            m = actions.do_schedule(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已安排会议，参会人员 {m.attendances.count()} 名")
            return redirect("meetings:detail", pk=m.pk)
    return render(request, "meetings/form.html", {"form": form, "title": "安排会议", "button": "安排"})


@login_required
def pick(request: HttpRequest) -> HttpResponse:
    """The 召开组织 picker of 安排会议 (htmx): organisations where the user holds meeting.change; with
    ``kind=opt&type=<id>`` the organisations a meeting type may be switched on for."""
    from zongheng.orgs.picker import render_pick

    if request.GET.get("kind") == "opt":  # 配置会议类型: the organisations a type may be switched on for
        require_at_root(request.user, Perm.MEETING_CONFIGURE)
        mtype = get_object_or_404(MeetingType, pk=as_pk(request.GET.get("type")) or 0)
        return render_pick(request, resolve.opt_in_choices(request.user, mtype), name="add_orgs", multiple=True)
    require(request.user, Perm.MEETING_CHANGE)
    return render_pick(request, schedule_org_choices(request.user), name="org", multiple=False)


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    m = _changeable(request, pk)
    form = EditForm(request.POST or None, initial={"scheduled_at": timezone.localtime(m.scheduled_at),
                                                   "place": m.place, "agenda": m.agenda, "version": m.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            actions.do_edit(request.user, m, data, expected_version=version)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "会议安排已修改")
            return redirect("meetings:detail", pk=m.pk)
    return render(request, "meetings/form.html", {"form": form, "title": f"修改会议安排：{m}", "button": "保存",
                                                  "m": m})


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    m = _changeable(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请说明取消原因")
    else:
        try:
            actions.do_cancel(request.user, m, form.cleaned_data["reason"],
                              expected_version=form.cleaned_data["version"])
            messages.success(request, "会议已取消")
        except ActionError as exc:
            _errors(request, exc)
    return redirect("meetings:detail", pk=m.pk)


@login_required
def meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    """记录召开情况: attendance (one row of radio buttons per invitee), time, minutes."""
    m = _changeable(request, pk)
    attendances = list(m.attendances.select_related("person"))
    initial = {"held_at": timezone.localtime(m.held_at or min(m.scheduled_at, timezone.now())),
               "minutes": m.minutes, "version": m.version}
    form = RecordForm(request.POST or None, initial=initial)
    chosen = {a.person_id: request.POST.get(f"a{a.person_id}", a.status) for a in attendances}
    if request.method == "POST" and form.is_valid():
        statuses = {pid: s for pid, s in chosen.items() if s in RECORDED_ATTENDANCE}
        try:
            actions.do_record(request.user, m, {**form.cleaned_data, "attendance": statuses},
                              expected_version=form.cleaned_data["version"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            m.refresh_from_db()
            present = sum(1 for s in statuses.values() if s == AttendanceStatus.PRESENT)
            if m.type.quorum_met(present, len(attendances)):
                messages.success(request, "会议召开情况已记录")
            else:
                messages.warning(request, "已记录，但出席人数未达法定人数（未达法定人数的会议不计入按期召开）")
            return redirect("meetings:detail", pk=m.pk)
    rows = [(a, chosen[a.person_id]) for a in attendances]
    return render(request, "meetings/record.html", {"m": m, "form": form, "rows": rows,
                                                    "choices": [(v, AttendanceStatus(v).label)
                                                                for v in RECORDED_ATTENDANCE]})


@login_required
@require_POST
def meeting_attach(request: HttpRequest, pk: int) -> HttpResponse:
    m = _changeable(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
    else:
        try:
            actions.do_add_attachment(request.user, m, upload)
            messages.success(request, "附件已上传")
        except ActionError as exc:
            _errors(request, exc)
    return redirect("meetings:detail", pk=m.pk)


@login_required
def meeting_attachment(request: HttpRequest, pk: int, att_pk: int) -> FileResponse:
    _require_view_or_self(request.user)
    m = _meeting(request, pk)
    att = get_object_or_404(MeetingAttachment, pk=att_pk, meeting=m)
    ctype = mimetypes.guess_type(att.file.name)[0] or "application/octet-stream"
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=ctype)


@login_required
def minutes_docx(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view_or_self(request.user)
    return exports.minutes_docx(_meeting(request, pk))


@login_required
@require_POST
def resolution_add(request: HttpRequest, pk: int) -> HttpResponse:
    m = _changeable(request, pk)
    form = ResolutionForm(request.POST, user=request.user, org=m.org)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    else:
        try:
            actions.do_add_resolution(request.user, m, form.cleaned_data)
            messages.success(request, "议定事项已登记")
        except ActionError as exc:
            _errors(request, exc)
    return redirect("meetings:detail", pk=m.pk)


# ---------------------------------------------------------------- resolutions


@login_required
def resolution_list(request: HttpRequest) -> HttpResponse:
    _require_view_or_self(request.user)
    today = timezone.localdate()
    qs = selectors.resolution_list(request.user, request.GET, today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "meetings/resolutions.html", {"page": page, "query": filter_query(request), "today": today,
                                                         "state": request.GET.get("state", "")})


@login_required
def resolution_export(request: HttpRequest) -> HttpResponse:
    _require_view_or_self(request.user)
    today = timezone.localdate()
    return exports.resolutions_xlsx(selectors.resolution_list(request.user, request.GET, today)[:100_000], today)


@login_required
def resolution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view_or_self(request.user)
    r = get_object_or_404(selectors.resolutions_in_scope(request.user), pk=pk)
    may = actions.may_update_resolution(request.user, r) and r.status == ResolutionStatus.OPEN
    form = ProgressForm(request.POST or None) if may else None
    if request.method == "POST":
        if not may:
            raise PermissionDenied("您不能更新该议定事项")
        if form is not None and form.is_valid():
            try:
                actions.do_resolution_progress(request.user, r, form.cleaned_data["text"],
                                               done=form.cleaned_data["done"])
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已办结" if form.cleaned_data["done"] else "进展已更新")
                return redirect("meetings:resolution", pk=r.pk)
    return render(request, "meetings/resolution.html", {"r": r, "form": form, "progress": list(r.progress.all()),
                                                        "today": timezone.localdate()})


# ---------------------------------------------------------------- configuration (区委组织部)


@login_required
def type_list(request: HttpRequest) -> HttpResponse:
    require_at_root(request.user, Perm.MEETING_CONFIGURE)
    types = MeetingType.objects.prefetch_related("levels").annotate(opted_count=Count("opted"))
    return render(request, "meetings/types.html", {"types": list(types)})


@login_required
def type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """配置会议类型: on/off, quorum, and (opt-in) the selected organisations — listed a page at a time, each
    with a 移出 box; more are added with the picker (the page never lists every organisation)."""
    require_at_root(request.user, Perm.MEETING_CONFIGURE)
    mtype = get_object_or_404(MeetingType, pk=pk)
    opted = Org.objects.filter(pk__in=mtype.opted.values("org_id")).order_by("path")
    page = Paginator(opted, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page)
    form = TypeForm(request.POST or None, user=request.user, mtype=mtype, shown=shown, initial={
        "enabled": mtype.enabled, "opt_in": mtype.opt_in, "quorum_num": mtype.quorum_num,
        "quorum_den": mtype.quorum_den})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        add, remove = data.pop("add_orgs") or [], [int(v) for v in data.pop("remove_orgs") or []]
        try:
            actions.do_configure_type(request.user, mtype, data, add=add, remove=remove)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"“{mtype.name}”已保存")
            return redirect("meetings:type_edit", pk=mtype.pk)
    paths = path_labels(shown)
    return render(request, "meetings/type_edit.html", {"form": form, "mtype": mtype, "page": page,
                                                      "rows": [(o, paths[o.pk]) for o in shown]},
                  status=400 if form.errors else 200)
