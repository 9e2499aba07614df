"""一张网's annual report in the JSON API: ask for a report (organisation and year) → a job; the job's status and
progress; its files; an organisation's reports.

Same doors as the pages: ``require`` (no right anywhere → 403), organisations and jobs through the scoped lookups
(outside the scope → 404, like a missing row), the request through ``actions.do_request_report`` (audited; a bad
year → 400 with a Chinese message, nothing created), every download audited. The report is made by the
django-tasks worker: poll ``GET /net/reports/{id}`` until ``status`` is ``done`` (or ``failed``), then fetch the
files from ``files``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status

from zongheng.core.access import require
from zongheng.core.permissions import Perm
from zongheng.orgs.api import ERR, OrgRef, ValidationErrorOut

from . import actions, report, views_report
from .models import FORMATS, ReportJob

router = Router(tags=["net"])

MAX_ID = 2**63 - 1


LIST: dict[int, Any] = {401: ERR, 403: ERR, 422: ValidationErrorOut}
ONE: dict[int, Any] = LIST | {404: ERR}
WRITE: dict[int, Any] = ONE | {400: ERR}


class AnnualReportIn(Schema):
    org: int = Field(ge=1, le=MAX_ID, description="组织 id（区、街道、社区等，须在“生成年度工作报告”权限范围内）")
    year: int = Field(ge=0, le=9999, description="报告年度，2000 年至今年；超出范围答 400")


class AnnualReportFilesOut(Schema):
    docx: str | None = Field(None, description="Word 文档的下载地址；未完成为空")
    pdf: str | None = Field(None, description="PDF 的下载地址；未完成为空")
    xlsx: str | None = Field(None, description="配套数据表（.xlsx）的下载地址；未完成为空")


class AnnualReportOut(Schema):
    id: int
    org: OrgRef
    year: int
    title: str = Field(description="报告标题")
    status: Literal["queued", "running", "done", "failed"] = Field(
        description="queued 排队中、running 生成中、done 已完成、failed 失败")
    status_label: str
    stage: str = Field(description="正在进行的步骤")
    done: int = Field(description="已完成步骤")
    total: int = Field(description="总步骤")
    percent: int = Field(description="进度（%）")
    error: str = Field(description="失败原因；未失败为空字符串")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    as_of: dt.datetime | None = Field(description="报告数字的统计时点；未完成为空")
    files: AnnualReportFilesOut


class AnnualReportPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AnnualReportOut]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _out(job: ReportJob) -> dict[str, Any]:
    done = job.status == ReportJob.DONE
    files = {fmt: (reverse("api:net_report_file", kwargs={"id": job.pk, "fmt": fmt})
                   if done and job.file_of(fmt) else None) for fmt in FORMATS}
    return {"id": job.pk, "org": {"id": job.org.pk, "name": job.org.name}, "year": job.year, "title": job.title,
            "status": job.status, "status_label": job.get_status_display(), "stage": job.stage, "done": job.done,
            "total": job.total, "percent": job.percent, "error": job.error, "created_at": job.created_at,
            "finished_at": job.finished_at, "as_of": job.as_of, "files": files}


def _job(user: Any, id: int) -> ReportJob:
    require(user, Perm.NET_VIEW)
    return get_object_or_404(ReportJob.objects.restrict(user).select_related("org").defer("figures"), pk=id)


@router.post("/net/reports", response={201: AnnualReportOut, **WRITE}, summary="生成年度工作报告（后台进行，返回任务）")
def request_report(request: HttpRequest, payload: AnnualReportIn) -> Any:
    job = actions.do_request_report(_user(request), payload.org, payload.year)
    return Status(201, _out(job))


@router.get("/net/{org_id}/reports", response={200: AnnualReportPage, **ONE}, summary="某组织已生成的年度工作报告")
def list_reports(request: HttpRequest,
                 org_id: int = Path(..., ge=1, le=MAX_ID, description="组织 id；须在管辖范围内，否则 404"),
                 limit: int = Query(20, ge=1, le=100, description="每页条数（1–100）"),
                 offset: int = Query(0, ge=0, le=10**9, description="跳过的条数")) -> Any:
    user = _user(request)
    require(user, Perm.NET_VIEW)
    scope_org = report.report_org(user, org_id, Perm.NET_VIEW)
    qs = ReportJob.objects.filter(org=scope_org).select_related("org").defer("figures")
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_out(j) for j in qs[offset:offset + limit]]}


@router.get("/net/reports/{id}", response={200: AnnualReportOut, **ONE}, summary="年度工作报告的状态和进度")
def get_report(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    return _out(_job(_user(request), id))


_FILE_RESPONSE = {"responses": {"200": {
    "description": "报告文件（附件）：docx 为 Word 文档，pdf 为 PDF，xlsx 为配套数据表",
    "content": {mime: {"schema": {"type": "string", "format": "binary"}} for mime, _ in FORMATS.values()},
}}}


@router.get("/net/reports/{id}/{fmt}", response=ONE, url_name="net_report_file", openapi_extra=_FILE_RESPONSE,
            summary="下载年度工作报告（docx、pdf 或 xlsx）；未完成答 404")
def report_file(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID),
                fmt: Literal["docx", "pdf", "xlsx"] = Path(..., description="文件格式")) -> Any:
    user = _user(request)
    return views_report.download(user, _job(user, id), fmt)
