"""一张网's writes: asking for an annual report, generating it (the worker), and recording a download.

Every one runs in a transaction and leaves an audit record; the generation is queued with
``transaction.on_commit`` so the worker never looks for a job that is not committed yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.access import require
from zongheng.core.errors import ActionError
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm

from . import exports, report
from .models import FORMATS, ReportJob

# The steps a generation reports its progress by (the job's ``done`` of ``total``).
STEPS = ("统计各项数字", "整理认领书、结对和品牌清单", "生成 Word 文档", "生成配套数据表", "生成 PDF")
STALE_AFTER = dt.timedelta(minutes=30)  # an unfinished job older than this no longer stands in for a new request


def checked_year(value: Any, now: dt.datetime) -> int:
    """The year asked for, between ``report.MIN_YEAR`` and this year; ActionError in Chinese otherwise."""
    text = str(value if value is not None else "").strip()
    this_year = Period.current("year", now).year
    if not (text.isdigit() and len(text) <= 4):
        raise ActionError(f"请选择报告年度（{report.MIN_YEAR}–{this_year} 年）")
    year = int(text)
    if not report.MIN_YEAR <= year <= this_year:
        raise ActionError(f"报告年度应在 {report.MIN_YEAR} 年至 {this_year} 年之间，不能是 {year} 年")
    return year


@transaction.atomic
def do_request_report(user: Any, org_value: Any, year_value: Any, *, now: dt.datetime | None = None) -> ReportJob:
    """生成年度工作报告: a job for the organisation and year, queued for the worker. No right anywhere → 403; an
    organisation outside the user's ``net.report`` scope (or missing) → 404; a bad year → ActionError. A request
    while the same report is still being made returns that job instead of a second one."""
    now = now or timezone.now()
    require(user, Perm.NET_REPORT)
    org = report.report_org(user, org_value, Perm.NET_REPORT)
    year = checked_year(year_value, now)
    pending = (ReportJob.objects.select_for_update().filter(org=org, year=year, created_at__gte=now - STALE_AFTER,
                                                            status__in=[ReportJob.QUEUED, ReportJob.RUNNING])
               .select_related("org").first())
    if pending is not None:
        return pending
    job = ReportJob.objects.create(org=org, org_path=org.path, year=year, requested_by=user, total=len(STEPS))
    audit.record(user, "net.report.request", job, after={"org": org.pk, "org_name": org.name, "year": year})
    from .tasks import generate_report

    transaction.on_commit(lambda: generate_report.enqueue(job.pk))
    return job


def _progress(job_id: int, step: int) -> None:
    """Reported outside any transaction, so the page polling the job sees it at once."""
    ReportJob.objects.filter(pk=job_id).update(status=ReportJob.RUNNING, stage=STEPS[step], done=step,
                                               total=len(STEPS))


def do_generate(job_id: int, *, now: dt.datetime | None = None) -> str:
    """Makes a job's three files (the worker's task): the figures, the lists, the .docx, the .xlsx and the PDF,
    progress after each step; then stores the files and what the report printed, and records it. A job already
    finished is left as it is. Returns the final status."""
    job = ReportJob.objects.select_related("org", "org__level").get(pk=job_id)
    if job.is_finished:
        return job.status
    now = now or timezone.now()
    try:
        content = report.build(job.org, job.year, now, on_step=lambda i: _progress(job.pk, i))
        _progress(job.pk, 2)
        docx = exports.docx_bytes(content)
        _progress(job.pk, 3)
        xlsx = exports.xlsx_bytes(content)
        _progress(job.pk, 4)
        pdf = exports.pdf_bytes(content)
    except Exception as exc:  # the job must end in a state the page can show
        with transaction.atomic():
            ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.FAILED, finished_at=timezone.now(),
                                                       error=f"生成失败：{type(exc).__name__}"[:300])
            audit.record(None, "net.report.failed", job, after={"error": type(exc).__name__})
        raise
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().select_related("org").get(pk=job.pk)
        stem = f"report-{job.pk}-{job.year}"
        job.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
        job.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        job.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        job.figures = content.printed
        job.as_of = content.as_of
        job.status, job.stage, job.done, job.total = ReportJob.DONE, "", len(STEPS), len(STEPS)
        job.finished_at = timezone.now()
        job.save()
        audit.record(None, "net.report.generated", job,
                     after={"year": job.year, "figures": len(job.figures),
                            "bytes": {"docx": len(docx), "xlsx": len(xlsx), "pdf": len(pdf)}})
    return job.status


@transaction.atomic
def do_record_download(user: Any, job: ReportJob, fmt: str) -> None:
    """A report's file handed to a user: recorded (the workbook lists the records behind every figure)."""
    if fmt not in FORMATS:
        raise ActionError("文件格式应为 docx、pdf 或 xlsx")
    audit.record(user, "net.report.download", job, after={"format": fmt, "year": job.year})
