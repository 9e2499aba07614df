from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from . import audit_display
from .access import at_root, path_q, require, scope_paths
from .exports import xlsx_response
from .landing import landing_url
from .models import AuditLog
from .paging import filter_query
from .permissions import Perm


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """After login: the page made for this person's role (``core.landing``)."""
    return redirect(landing_url(request.user))


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "请求有误", "请求内容无法处理。请返回上一页，检查后重新提交。")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您没有此项权限"
    return _error(request, 403, "没有权限", f"{message}。如需此项权限，请联系上级组织。")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "页面不存在", "您要找的页面不存在，或不在您的管辖范围内。")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "页面已过期",
                  "表单的安全校验未通过（可能是页面停留太久或已在别处退出）。请返回上一页，刷新后重新提交。")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def display(request: HttpRequest) -> HttpResponse:
    """Large-text and high-contrast modes (适老化), remembered in a cookie."""
    back = request.GET.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    response = redirect(back)
    for param, cookie in (("large", "zh_large"), ("contrast", "zh_contrast")):
        if param in request.GET:
            response.set_cookie(cookie, "1" if request.GET[param] == "1" else "0", max_age=365 * 86400,
                                samesite="Lax", secure=not settings.DEBUG and request.is_secure())
    return response


def audit_in_scope(user: Any) -> QuerySet[AuditLog]:
    """The records an auditor may read: those of organisations in their scope.

    Records that belong to no organisation (accounts, platform-wide configuration, rows
    written before records carried an organisation) are read only at the root.
    """
    q = path_q("org_path", scope_paths(user, Perm.AUDIT_VIEW))
    if at_root(user, Perm.AUDIT_VIEW):
        q |= Q(org_path="")
    return AuditLog.objects.filter(q)


def _audit_queryset(request: HttpRequest) -> QuerySet[AuditLog]:
    qs = audit_in_scope(request.user).select_related("actor")
    params = request.GET
    if q := params.get("q", "").strip()[:100]:
        qs = qs.filter(Q(object_repr__contains=q) | Q(request_id=q))
    if actor := params.get("actor", "").strip()[:150]:
        qs = qs.filter(actor_label__contains=actor)
    if action := params.get("action", "").strip()[:64]:
        qs = qs.filter(action=action)
    if org := params.get("org", "").strip():
        qs = qs.filter(path_q("org_path", audit_display.org_paths_named(request.user, org)))
    if object_type := params.get("object_type", "").strip():
        qs = qs.filter(object_type=object_type)
    if object_id := params.get("object_id", "").strip():
        qs = qs.filter(object_id=object_id)
    if start := params.get("from", "").strip():
        qs = qs.filter(at__date__gte=start) if _is_date(start) else qs.none()
    if end := params.get("to", "").strip():
        qs = qs.filter(at__date__lte=end) if _is_date(end) else qs.none()
    return qs


def _is_date(value: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def audit_list(request: HttpRequest) -> HttpResponse:
    """审计日志: searchable by the auditor role, within their scope; read-only for everyone."""
    require(request.user, Perm.AUDIT_VIEW)
    qs = _audit_queryset(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {"page": page, "entries": audit_display.describe(page.object_list, request.user),
               "query": filter_query(request), "actions": audit_display.action_choices()}
    return render(request, "core/audit_list.html", context)


def audit_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.AUDIT_VIEW)
    qs = _audit_queryset(request)[:100_000]

    def rows() -> Iterator[tuple[Any, ...]]:
        chunk: list[AuditLog] = []
        for log in qs.iterator(chunk_size=2000):
            chunk.append(log)
            if len(chunk) == 2000:
                yield from _export_rows(chunk, request.user)
                chunk = []
        yield from _export_rows(chunk, request.user)

    headers = ["时间", "操作人", "IP", "操作", "对象类型", "对象编号", "对象", "改动", "请求编号"]
    return xlsx_response("审计日志.xlsx", "审计日志", headers, rows())


def _export_rows(logs: list[AuditLog], user: Any) -> Iterator[tuple[Any, ...]]:
    for entry in audit_display.describe(logs, user):
        log = entry.log
        yield (log.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), log.actor_label, log.ip or "", entry.action,
               entry.object_kind, log.object_id, log.object_repr, audit_display.changes_text(entry), log.request_id)
