"""The annual work report's pages (年度工作报告): an organisation's report page (choose a year, generate, the
earlier reports), a job's page that follows its progress (htmx polling, no inline script) and the downloads.

Reads need ``net.view`` on the organisation, generating needs ``net.report`` (no right anywhere → 403; an
organisation or a report outside the scope → 404, like a missing one). A bad year is answered with a Chinese
message and status 400, and nothing is created. Every request for a report and every download is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from zongheng.core.access import in_scope, require
from zongheng.core.errors import ActionError
from zongheng.core.exports import attachment
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm

from . import actions, report
from .models import FORMATS, ReportJob

PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest, org_id: int) -> HttpResponse:
    require(request.user, Perm.NET_VIEW)
    org = report.report_org(request.user, org_id, Perm.NET_VIEW)
    now = timezone.now()
    error, status = "", 200
    chosen = str(report.default_year(org, now))
    if request.method == "POST":
        chosen = request.POST.get("year", "")[:10]
        try:
            job = actions.do_request_report(request.user, org.pk, chosen, now=now)
        except ActionError as exc:
            error, status = exc.message, 400
        else:
            return redirect("net:report_job", job.pk)
    this_year = Period.current("year", now).year
    jobs = ReportJob.objects.filter(org=org).select_related("requested_by__person", "org").defer("figures")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "net/report.html", {
        "org": org, "years": [str(y) for y in range(this_year, report.MIN_YEAR - 1, -1)], "chosen": chosen,
        "error": error, "can_generate": in_scope(request.user, Perm.NET_REPORT, org.path), "page": page,
        "formats": FORMATS,
    }, status=status)


def _job(request: HttpRequest, pk: int) -> ReportJob:
    require(request.user, Perm.NET_VIEW)
    return get_object_or_404(ReportJob.objects.restrict(request.user).select_related("org", "requested_by__person")
                             .defer("figures"), pk=pk)


@login_required
@require_safe
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A report's progress (refreshes itself while it runs), then its three files."""
    job = _job(request, pk)
    return render(request, "net/report_job.html", {"job": job, "formats": FORMATS})


@login_required
@require_safe
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "net/report_job_status.html", {"job": _job(request, pk), "formats": FORMATS})


@login_required
@require_safe
def job_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """One of a finished report's files (docx, pdf, xlsx), named after the report."""
    job = _job(request, pk)
    if fmt not in FORMATS:
        raise Http404("没有这种格式的文件")
    return download(request.user, job, fmt)


def download(user: Any, job: ReportJob, fmt: str) -> HttpResponse:
    """The file as an attachment, the download audited; 404 while the report is not finished."""
    stored = job.file_of(fmt)
    if job.status != ReportJob.DONE or not stored:
        raise Http404("报告还没有生成完成")
    with stored.open("rb") as fh:
        data = fh.read()
    actions.do_record_download(user, job, fmt)
    suffix = "（配套数据表）" if fmt == "xlsx" else ""
    return attachment(data, f"{job.title}{suffix}.{fmt}", FORMATS[fmt][0])
