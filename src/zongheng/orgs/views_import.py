"""Member import from .xlsx (pages): upload, template, progress and the list of bad rows."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from zongheng.core.access import require
from zongheng.core.errors import ActionError
from zongheng.core.exports import XLSX_MIME, xlsx_response
from zongheng.core.permissions import Perm

from . import importer
from .models import ImportJob, ImportStatus, Org
from .resolve import ResolvedChoiceField, as_pk, org_choices, refusal

TARGET_MAX_RANK = 50  # offer orgs down to grids as import targets


def import_targets(user: Any) -> Any:
    """Organisations a roster may be imported into: in the user's import scope, down to grids."""
    return org_choices(user, Perm.PERSON_IMPORT).filter(level__rank__lte=TARGET_MAX_RANK)


def resolve_import_target(user: Any, value: Any) -> Org:
    pk = as_pk(value)
    org = import_targets(user).filter(pk=pk).first() if pk is not None else None
    if org is None:
        raise ActionError(refusal("所选组织"))
    return org


class ImportForm(forms.Form):
    org = ResolvedChoiceField(
        label="导入到组织", queryset=Org.objects.none(), error_messages={"required": "请选择导入到哪个组织"},
        help_text="文件中的“所在组织”须是该组织或其下级（可填组织代码或组织全称）",
    )
    file = forms.FileField(
        label="党员名册文件（.xlsx，不超过 10 MB）",
        error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的"},
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        field: Any = self.fields["org"]
        field.queryset = import_targets(user)
        field.resolve = lambda value: resolve_import_target(user, value)
        self.data_rows = 0

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("只能上传 .xlsx 格式的 Excel 文件（.xls 或 .csv 请先另存为 .xlsx）")
        if upload.size > importer.MAX_FILE_BYTES:
            raise forms.ValidationError("文件超过 10 MB，请拆分后分批导入")
        try:
            upload.seek(0)
            self.data_rows = importer.count_data_rows(upload)
        except importer.ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        finally:
            upload.seek(0)
        return upload


def _jobs(user: Any) -> Any:
    return ImportJob.objects.restrict(user).select_related("org", "created_by")


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.PERSON_IMPORT)
    posted = request.method == "POST"
    form = ImportForm(request.user, request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            job = importer.do_create_job(request.user, form.cleaned_data["org"], form.cleaned_data["file"],
                                         form.data_rows)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if form.data_rows <= settings.IMPORT_INLINE_MAX_ROWS:
                importer.run_job(job.pk)
            else:
                from .tasks import run_import

                run_import.enqueue(job.pk)
            return redirect("orgs:import_job", pk=job.pk)
    recent = _jobs(request.user)[:20]
    return render(request, "orgs/import.html", {"form": form, "recent": recent, "columns": importer.COLUMNS})


def template(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.PERSON_IMPORT)
    response = HttpResponse(importer.template_bytes(), content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('党员名册模板.xlsx')}"
    return response


ERRORS_SHOWN = 500


def _job_context(job: ImportJob) -> dict[str, Any]:
    errors = job.errors or []
    return {
        "job": job, "errors": errors[:ERRORS_SHOWN], "error_count": len(errors),
        "bad_rows": len({e.get("row") for e in errors if e.get("row")}),
        "more_errors": len(errors) > ERRORS_SHOWN, "Status": ImportStatus,
    }


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.PERSON_IMPORT)
    job = get_object_or_404(_jobs(request.user), pk=pk)
    return render(request, "orgs/import_job.html", _job_context(job))


def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx partial the progress page polls every second until the job finishes."""
    require(request.user, Perm.PERSON_IMPORT)
    job = get_object_or_404(_jobs(request.user), pk=pk)
    return render(request, "orgs/import_status.html", _job_context(job))


def job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.PERSON_IMPORT)
    job = get_object_or_404(_jobs(request.user), pk=pk)
    rows = [(e.get("row") or "整个文件", e.get("column") or "", e.get("message", "")) for e in job.errors or []]
    return xlsx_response(f"导入错误_{job.pk}.xlsx", "导入错误", ["行号", "列", "原因"], rows)
