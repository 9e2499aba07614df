"""Member import (pages): upload, preview (mapping, organisations, mode), confirm, progress,
the refused rows and the problem list as .xlsx, and the people export for editing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from zongheng.core import audit
from zongheng.core.access import has_perm, in_scope, require
from zongheng.core.errors import ActionError
from zongheng.core.exports import XLSX_MIME, xlsx_response
from zongheng.core.permissions import Perm

from . import exports, importer
from .models import ImportJob, ImportStatus, Org, Person
from .resolve import ResolvedChoiceField, as_pk, org_choices, refusal
from .roster import FIELDS, MAX_ROWS

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
        label="党员名册文件（.xlsx 或 .csv，不超过 10 MB）",
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
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(
                "只能上传 .xlsx 格式的 Excel 文件或 .csv 文件（.xls 请先用 Excel 或 WPS 另存为 .xlsx）")
        if upload.size > importer.MAX_FILE_BYTES:
            raise forms.ValidationError("文件超过 10 MB，请拆分后分批导入")
        try:
            upload.seek(0)
            self.data_rows = importer.count_rows(upload, name)
            if self.data_rows > MAX_ROWS:
                raise forms.ValidationError(f"文件超过 {MAX_ROWS} 行，请拆分后分批导入")
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
            _run(job)
            return redirect("orgs:import_job", pk=job.pk)
    recent = _jobs(request.user)[:20]
    return render(request, "orgs/import.html", {
        "form": form, "recent": recent, "columns": importer.COLUMNS,
        "can_reveal": has_perm(request.user, Perm.PERSON_REVEAL),
    })


def _run(job: ImportJob) -> None:
    """Small files are analysed (or imported) at once; large ones in the django-tasks worker."""
    if job.total_rows <= settings.IMPORT_INLINE_MAX_ROWS:
        importer.run_job(job.pk)
    else:
        from .tasks import run_import

        run_import.enqueue(job.pk)


def template(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.PERSON_IMPORT)
    response = HttpResponse(importer.template_bytes(), content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('党员名册模板.xlsx')}"
    return response


ERRORS_SHOWN = 500


def _job_context(job: ImportJob) -> dict[str, Any]:
    errors = job.errors or []
    preview = job.preview or {}
    return {
        "job": job, "errors": errors[:ERRORS_SHOWN], "error_count": len(errors),
        "bad_rows": len({e.get("row") for e in errors if e.get("row")}),
        "more_errors": len(errors) > ERRORS_SHOWN, "Status": ImportStatus, "preview": preview,
        "counts": preview.get("counts") or {},
    }


FIELD_CHOICES = [("", "不导入"), *((f.key, f.header) for f in FIELDS)]


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.PERSON_IMPORT)
    job = get_object_or_404(_jobs(request.user), pk=pk)
    context = _job_context(job)
    context["field_choices"] = FIELD_CHOICES
    columns = [*context["preview"].get("columns", []), *context["preview"].get("dropped", [])]
    context["all_columns"] = sorted(columns, key=lambda c: c["index"])
    return render(request, "orgs/import_job.html", context)


def _preview_job(request: HttpRequest, pk: int) -> ImportJob:
    require(request.user, Perm.PERSON_IMPORT)
    return get_object_or_404(_jobs(request.user), pk=pk)


@require_POST
def job_options(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk changes the preview: column mapping, sheet, hidden rows, mode, organisation picks."""
    job = _preview_job(request, pk)
    post = request.POST
    keys = {key for key, _ in FIELD_CHOICES}
    mapping: dict[int, str] = {}
    for name in post:
        value = post.get(name, "")
        if name.startswith("map_") and name[4:].isdigit() and value in keys:
            mapping[int(name[4:])] = value
    picks: dict[str, int] = {}
    for name in post:
        value = post.get(name, "").strip()
        if name.startswith(("pick_", "code_")) and value:
            text = post.get(f"text_{name[5:]}", "")
            if name.startswith("code_"):  # a code typed in: looked up among the orgs the importer may use
                found = org_choices(request.user, Perm.PERSON_IMPORT).filter(code=value).first()
                if found is None:
                    messages.error(request, f"组织代码“{value}”不存在或不在您的管辖范围内")
                    continue
                value = str(found.pk)
            pk_value = as_pk(value)
            if text and pk_value is not None:
                picks[text] = pk_value

    def change(options: importer.Options) -> None:
        sheets = (job.preview or {}).get("sheets") or []
        current = (job.preview or {}).get("sheet") or ""
        wanted = post["sheet"] if post.get("sheet") in sheets else current
        if wanted == current:
            options.mapping.update(mapping)
        else:  # a mapping belongs to a sheet's columns: another sheet starts from its own headers
            options.mapping = {}
        options.sheet = wanted
        options.include_hidden = post.get("include_hidden") == "1"
        options.mode = "skip" if post.get("mode") == "skip" else "update"
        options.org_picks.update(picks)

    return _change_and_run(request, job, change, confirm=False)


def _change_and_run(request: HttpRequest, job: Any, change: Any, *, confirm: bool) -> HttpResponse:
    """Applies the clerk's change to a preview (or confirms it) and runs the job again; refusals in Chinese."""
    try:
        job = importer.do_change_options(request.user, job, change, confirm=confirm)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        _run(job)
    return redirect("orgs:import_job", pk=job.pk)


@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk confirms the preview: creates and updates are written, all or nothing."""
    job = _preview_job(request, pk)
    return _change_and_run(request, job, lambda options: None, confirm=True)


@require_POST
def job_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk gives up a preview: nothing is written, the uploaded roster is deleted."""
    job = _preview_job(request, pk)
    try:
        importer.do_discard_job(request.user, job)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("orgs:import_job", pk=job.pk)
    messages.success(request, f"已放弃导入“{job.file_name}”，上传的文件已删除")
    return redirect("orgs:import")


def job_refused(request: HttpRequest, pk: int) -> HttpResponse:
    """未导入的行: the refused rows with their original cells and the reason, to fix and re-upload alone."""
    job = _preview_job(request, pk)
    headers, rows = importer.refused_rows(job)
    reasons: dict[int, list[str]] = {}
    for e in job.errors or []:
        if e.get("row"):
            reasons.setdefault(e["row"], []).append(f"{e.get('column') or ''}：{e.get('message', '')}")
    body = [[*row[1:], *[""] * (len(headers) - len(row) + 1), "；".join(reasons.get(row[0], [])), row[0]]
            for row in rows]
    return xlsx_response(f"未导入的行_{job.pk}.xlsx", "未导入的行", [*headers, "问题", "原行号"], body)


def export_for_editing(request: HttpRequest) -> HttpResponse:
    """导出名册（用于修改后导入）: the template's headers, organisation codes and 人员编号; numbers
    masked unless the exporter holds person.reveal on the whole organisation (then audited)."""
    require(request.user, Perm.PERSON_IMPORT)
    targets = import_targets(request.user)
    org = None
    if request.GET.get("org"):
        try:
            org = resolve_import_target(request.user, request.GET["org"])
        except ActionError as exc:
            raise Http404(exc.message) from exc
    else:
        org = targets.first()
    if org is None:
        raise Http404("没有可导出的组织")
    reveal = request.GET.get("reveal") == "1" and in_scope(request.user, Perm.PERSON_REVEAL, org.path)
    people = Person.objects.restrict(request.user, Perm.PERSON_IMPORT).filter(org_path__startswith=org.path)
    response = exports.people_edit_xlsx(org, people, reveal=reveal)
    if reveal:
        audit.record(request.user, "person.export_reveal", org, after={"people": people.count()})
    return response


def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx partial the progress page polls every second until the job finishes."""
    require(request.user, Perm.PERSON_IMPORT)
    job = get_object_or_404(_jobs(request.user), pk=pk)
    return render(request, "orgs/import_status.html", _job_context(job))


def job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.PERSON_IMPORT)
    job = get_object_or_404(_jobs(request.user), pk=pk)
    rows = [(e.get("row") or "整个文件", e.get("column") or "", e.get("message", ""), e.get("value") or "")
            for e in job.errors or []]
    return xlsx_response(f"导入错误_{job.pk}.xlsx", "导入错误", ["行号", "列", "原因", "填写的值"], rows)
