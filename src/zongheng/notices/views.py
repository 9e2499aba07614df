"""Pages of 一传到底: my notices (self-service), sent notices, compose, progress with drill-down,
the rows behind each figure, reminders, withdrawal and the exports.

Reads go through ``selectors`` (out of scope → 404, no right → 403); every write is one ``do_*``
action whose ``ActionError`` is shown in Chinese and changes nothing.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import in_scope, require, scope_paths
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm

from . import actions, exports, selectors
from .forms import AckForm, ComposeForm, ListForm, draft_initial, picker_targets
from .models import NoticeAttachment, NoticeStatus

PAGE_SIZE = 50


# ---------------------------------------------------------------- my notices (self-service)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的通知: every notice sent to me (withdrawn ones leave), unread and to-acknowledge first to see."""
    state = request.GET.get("state", "")
    page = Paginator(selectors.inbox(request.user, state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/mine.html", {"page": page, "state": state, "query": filter_query(request),
                                                  "now": timezone.now()})


@login_required
def mine_export(request: HttpRequest) -> HttpResponse:
    """我的通知 as .xlsx (the same filter as the page)."""
    return exports.inbox_xlsx(selectors.inbox(request.user, request.GET.get("state", "")))


@login_required
def read(request: HttpRequest, pk: int) -> HttpResponse:
    """One of my notices: opening it marks it read; the 回执 form when it asks for one."""
    row = selectors.my_recipient(request.user, pk)
    actions.do_mark_read(request.user, row)
    notice = row.notice
    context = {"row": row, "notice": notice, "attachments": list(notice.attachments.all()), "form": AckForm(),
               "now": timezone.now()}
    return render(request, "notices/read.html", context)


@login_required
@require_POST
def ack(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.my_recipient(request.user, pk)
    form = AckForm(request.POST)
    if not form.is_valid():
        messages.error(request, "回执留言不能超过 200 字")
        return redirect("notices:read", pk=pk)
    try:
        actions.do_acknowledge(request.user, row, form.cleaned_data["reply"])
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已回执")
    return redirect("notices:read", pk=pk)


@login_required
def attachment(request: HttpRequest, pk: int, att_pk: int) -> FileResponse:
    """An attachment, for a recipient of the notice or whoever may see its progress (no public URL)."""
    user = request.user
    mine_ok = bool(getattr(user, "person_id", None)) and selectors.inbox(user).filter(notice_id=pk).exists()
    if not mine_ok:
        require(user, Perm.NOTICE_VIEW)
        selectors.viewable(user, pk)
    item = get_object_or_404(NoticeAttachment, pk=att_pk, notice_id=pk)
    content_type = mimetypes.guess_type(item.name)[0] or "application/octet-stream"
    return FileResponse(item.file.open("rb"), content_type=content_type, as_attachment=True, filename=item.name)


# ---------------------------------------------------------------- sent notices


@login_required
def sent(request: HttpRequest) -> HttpResponse:
    """通知: the notices sent in the name of organisations in my scope, with their progress."""
    require(request.user, Perm.NOTICE_VIEW)
    month = request.GET.get("month", "")
    page = Paginator(selectors.sent_in_scope(request.user, month), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.counts_for([n.pk for n in page])
    rows = [(n, counts[n.pk]) for n in page]
    return render(request, "notices/sent.html", {
        "page": page, "rows": rows, "month": month, "query": filter_query(request),
        "can_send": bool(request.user.is_authenticated and scope_paths(request.user, Perm.NOTICE_SEND)),
    })


@login_required
def sent_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.NOTICE_VIEW)
    return exports.sent_xlsx(selectors.sent_in_scope(request.user, request.GET.get("month", "")))


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    """起草通知: title, body, attachments, audience (subtrees, levels, roles or a saved list), 回执 and due time."""
    user = request.user
    require(user, Perm.NOTICE_SEND)
    form = ComposeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        send = request.POST.get("send") == "1"
        try:
            notice = actions.do_create_notice(user, form.action_data(), form.cleaned_data["audience"],
                                              attachments=request.FILES.getlist("attachments"), send=send)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            return _saved(request, notice, send)
    return render(request, "notices/compose.html", {"form": form, "title": "起草通知"},
                  status=400 if form.errors else 200)


def _saved(request: HttpRequest, notice: Any, send: bool) -> HttpResponse:
    if send:
        messages.success(request, f"通知已发送给 {notice.recipients.count()} 人")
    else:
        messages.success(request, "草稿已保存，可在通知列表中找到它继续修改或发送")
    return redirect("notices:progress", pk=notice.pk)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改草稿: the compose form, prefilled; saving again or sending. Only a draft: one already sent
    or withdrawn (e.g. from another tab) is refused in Chinese and nothing changes."""
    notice, _ = _for_sender(request, pk)
    if notice.status != NoticeStatus.DRAFT:
        messages.error(request, "该通知已发送或已撤回，不能再修改")
        return redirect("notices:progress", pk=pk)
    user = request.user
    form = ComposeForm(request.POST or None, user=user, initial=draft_initial(notice))
    if request.method == "POST" and form.is_valid():
        send = request.POST.get("send") == "1"
        try:
            notice = actions.do_update_draft(user, notice, form.action_data(), form.cleaned_data["audience"],
                                             attachments=request.FILES.getlist("attachments"), send=send)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            return _saved(request, notice, send)
    context = {"form": form, "title": "修改草稿", "notice": notice, "attachments": list(notice.attachments.all())}
    return render(request, "notices/compose.html", context, status=400 if form.errors else 200)


@login_required
def pick(request: HttpRequest) -> HttpResponse:
    """The organisation picker of the compose and saved-list pages (htmx): the whole subtree of the
    organisations where the user holds notice.send. ``field``: the form field the ticks are named like."""
    from zongheng.orgs.picker import render_pick

    require(request.user, Perm.NOTICE_SEND)
    field = request.GET.get("field", "targets")
    if field not in ("targets", "orgs"):
        raise Http404
    return render_pick(request, picker_targets(request.user), name=field, multiple=True)


# ---------------------------------------------------------------- saved lists (保存的名单)


@login_required
def lists(request: HttpRequest) -> HttpResponse:
    """保存的名单: the lists owned by organisations where I may send notices."""
    require(request.user, Perm.NOTICE_SEND)
    page = Paginator(selectors.lists_in_scope(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/lists.html", {"page": page, "query": filter_query(request)})


def _list_page(request: HttpRequest, form: ListForm, saved: Any = None) -> HttpResponse:
    title = f"修改名单：{saved.name}" if saved else "新建名单"
    return render(request, "notices/list_form.html", {"form": form, "saved": saved, "title": title},
                  status=400 if form.errors else 200)


@login_required
def list_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.NOTICE_SEND)
    form = ListForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = actions.do_create_list(user, d["owner_org"], d["name"], d["orgs"], d["persons"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"名单“{saved.name}”已保存")
            return redirect("notices:lists")
    return _list_page(request, form)


@login_required
def list_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    saved = selectors.list_for(user, pk)
    initial = {"name": saved.name, "owner_org": saved.owner_org_id,
               "orgs": list(saved.orgs.values_list("pk", flat=True)),
               "persons": list(saved.persons.values_list("pk", flat=True))}
    form = ListForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = actions.do_update_list(user, saved, d["owner_org"], d["name"], d["orgs"], d["persons"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"名单“{saved.name}”已保存")
            return redirect("notices:lists")
    return _list_page(request, form, saved)


@login_required
@require_POST
def list_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = selectors.list_for(request.user, pk)
    try:
        actions.do_delete_list(request.user, saved)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"名单“{saved.name}”已删除（已发出的通知不受影响）")
    return redirect("notices:lists")


@login_required
def list_people(request: HttpRequest) -> HttpResponse:
    """The person search of a saved list (htmx): people of the chosen owner organisation's subtree whose
    name matches, at most a screenful, phones masked; the ticked ones stay on top."""
    from zongheng.orgs.resolve import as_pk

    from . import resolve

    user = request.user
    require(user, Perm.NOTICE_SEND)
    q = request.GET.get("person_q", "").strip()[:40]
    context: dict[str, Any] = {"q": q, "people": [], "more": 0, "owner": None}
    try:
        owner = resolve.resolve_owner_org(user, request.GET.get("owner_org"))
    except ActionError:
        return render(request, "notices/_person_results.html", context)
    ticked = [pk for pk in (as_pk(v) for v in request.GET.getlist("persons")[:5000]) if pk is not None]
    kept = list(resolve.people_choices(user).filter(pk__in=ticked, org_path__startswith=owner.path)
                .select_related("org").order_by("name", "pk")) if ticked else []
    found, total = selectors.people_under(owner, q, exclude=[p.pk for p in kept])
    context.update(owner=owner, people=[(p, True) for p in kept] + [(p, False) for p in found],
                   more=max(total - len(found), 0))
    return render(request, "notices/_person_results.html", context)


# ---------------------------------------------------------------- progress


def _node_arg(request: HttpRequest) -> Any:
    return request.GET.get("org") or request.POST.get("org") or None


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """阅读与回执进度: by level and by child organisation of the current node, one level at a time."""
    user = request.user
    require(user, Perm.NOTICE_VIEW)
    notice, node = selectors.viewable(user, pk, _node_arg(request))
    data = selectors.progress(notice, node)
    crumbs = []
    if node.path != notice.org_path:
        from zongheng.orgs.models import Org

        top = len(notice.org_path)
        prefixes = [node.path[:i] for i in range(top, len(node.path), 4)]
        crumbs = [o for o in Org.objects.filter(path__in=prefixes).order_by("path")
                  if selectors.may_view_all(user, notice) or in_scope(user, Perm.NOTICE_VIEW, o.path)]
    can_send = selectors.may_send(user, notice)
    context = {
        "notice": notice, "node": node, "data": data, "crumbs": crumbs, "can_send": can_send,
        "attachments": list(notice.attachments.all()),
        "pending_label": "未回执" if notice.needs_ack else "未读",
        "pending_state": "unacked" if notice.needs_ack else "unread",
        "now": timezone.now(),
    }
    return render(request, "notices/progress.html", context)


@login_required
def rows(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipients a figure counts (names shown, phones masked), paginated."""
    user = request.user
    require(user, Perm.NOTICE_VIEW)
    notice, node = selectors.viewable(user, pk, _node_arg(request))
    state = request.GET.get("state", "all")
    if state not in selectors.STATES and state != "pending":
        raise Http404
    level = request.GET.get("level", "")
    found = selectors.rows(notice, node, state, level, direct=request.GET.get("direct") == "1")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    label = selectors.STATES[state][0] if state in selectors.STATES else "未答复"
    return render(request, "notices/rows.html", {"notice": notice, "node": node, "page": page, "state": state,
                                                  "state_label": label, "level": level, "query": filter_query(request)})


@login_required
def export_pending(request: HttpRequest, pk: int) -> HttpResponse:
    """The non-responders (or any state) of a node as .xlsx (phones masked)."""
    user = request.user
    require(user, Perm.NOTICE_VIEW)
    notice, node = selectors.viewable(user, pk, _node_arg(request))
    state = request.GET.get("state", "unacked" if notice.needs_ack else "unread")
    if state not in selectors.STATES and state != "pending":
        raise Http404
    return exports.rows_xlsx(notice, node, selectors.rows(notice, node, state, request.GET.get("level", ""),
                                                             direct=request.GET.get("direct") == "1"))


# ---------------------------------------------------------------- writes of the sender


def _back(notice_pk: int, org: Any) -> str:
    url = reverse("notices:progress", args=[notice_pk])
    return f"{url}?org={org}" if org else url


def _for_sender(request: HttpRequest, pk: int) -> tuple[Any, Any]:
    user = request.user
    require(user, Perm.NOTICE_SEND)
    notice, node = selectors.viewable(user, pk, _node_arg(request))
    if not selectors.may_send(user, notice):
        raise PermissionDenied("只有发文组织可以发送、催办或撤回该通知")
    return notice, node


@login_required
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    notice, _ = _for_sender(request, pk)
    try:
        count = actions.do_send_notice(request.user, notice)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"通知已发送给 {count} 人")
    return redirect("notices:progress", pk=pk)


@login_required
@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    """一键催办 everyone under the node who has not answered (never twice within the interval)."""
    notice, node = _for_sender(request, pk)
    try:
        done = actions.do_remind(request.user, notice, node)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        text = f"已催办 {done.reminded} 人（站内提醒，有手机号的同时发送短信）"
        if done.skipped:
            text += f"；{done.skipped} 人在 {notice.remind_interval_hours} 小时内已催办过，本次跳过"
        messages.success(request, text)
    return redirect(_back(pk, _node_arg(request)))


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice, _ = _for_sender(request, pk)
    try:
        actions.do_withdraw_notice(request.user, notice)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "通知已撤回：接收人的待办中不再显示，阅读和回执记录保留")
    return redirect("notices:progress", pk=pk)
