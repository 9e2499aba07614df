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
from zongheng.core.permissions import Perm

from . import actions, exports, selectors
from .forms import AckForm, ComposeForm
from .models import NoticeAttachment

PAGE_SIZE = 50


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------- my notices (self-service)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的通知: every notice sent to me (withdrawn ones leave), unread and to-acknowledge first to see."""
    state = request.GET.get("state", "")
    page = Paginator(selectors.inbox(request.user, state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/mine.html", {"page": page, "state": state, "query": _query(request),
                                                  "now": timezone.now()})


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
        "page": page, "rows": rows, "month": month, "query": _query(request),
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
        d = form.cleaned_data
        send = request.POST.get("send") == "1"
        try:
            notice = actions.do_create_notice(
                user, {"title": d["title"], "body": d["body"], "sender_org": d["sender_org"],
                       "needs_ack": d["needs_ack"], "due_at": d["due_at"],
                       "remind_interval_hours": d["remind_interval_hours"] or 24},
                d["audience"], attachments=request.FILES.getlist("attachments"), send=send)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if send:
                messages.success(request, f"通知已发送给 {notice.recipients.count()} 人")
            else:
                messages.success(request, "草稿已保存")
            return redirect("notices:progress", pk=notice.pk)
    return render(request, "notices/compose.html", {"form": form}, status=400 if form.errors else 200)


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
                                                  "state_label": label, "level": level, "query": _query(request)})


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
