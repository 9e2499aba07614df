"""Pages of the task list's files: the import (form, errors row by row, template) and the exports (the list
as .xlsx, the month's reports and the annual review as .docx)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from zongheng.core.access import has_perm, require
from zongheng.core.errors import ActionError
from zongheng.core.exports import XLSX_MIME
from zongheng.core.permissions import Perm

from . import exports_tasks as exports
from . import importer_tasks as importer
from .forms_files import ImportForm, parse_month
from .models import TaskList
from .selectors_tasks import require_view

RECENT = 20


def _visible(user: Any) -> Any:
    return TaskList.objects.restrict(user, Perm.LIST_VIEW).select_related("org")


@login_required
@require_http_methods(["GET", "POST"])
def task_list_import(request: HttpRequest) -> HttpResponse:
    """导入任务清单: all or nothing; the problems listed row by row."""
    user = request.user
    require(user, Perm.LIST_CONFIGURE)
    posted = request.method == "POST"
    form = ImportForm(user, request.POST if posted else None, request.FILES if posted else None)
    plan = None
    status = 200
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            plan = importer.do_import_task_list(user, data["org"], data["year"], data["file"], title=data["title"],
                                                report_day=data["report_day"], file_name=data["file"].name)
        except ActionError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            if plan.ok and plan.task_list is not None:
                replaced = "（已替换原清单）" if plan.replaces is not None else ""
                messages.success(request, f"已导入“{plan.task_list.title}”：{len(plan.tasks)} 项任务、"
                                          f"{len(plan.documents)} 个来源文件、{len(plan.standards)} 项标准{replaced}")
                return redirect(f"{reverse('lists:import')}?list={plan.task_list.pk}")
            status = 400
    elif posted:
        status = 400
    return render(request, "lists/import.html", {
        "form": form, "plan": plan, "sheets": importer.SHEETS, "recent": _visible(user)[:RECENT],
        "can_view": has_perm(user, Perm.LIST_VIEW)}, status=status)


@login_required
def task_list_import_template(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.LIST_CONFIGURE)
    return exports.download(importer.template_bytes(), XLSX_MIME, "任务清单模板.xlsx")


def _task_list(request: HttpRequest, pk: int) -> TaskList:
    """The list, for a ``list.view`` holder or a lead cadre (who may hold no post); out of scope: 404."""
    require_view(request.user)
    return get_object_or_404(_visible(request.user), pk=pk)


@login_required
def task_list_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    task_list = _task_list(request, pk)
    content = exports.task_list_xlsx(request.user, task_list, timezone.localdate())
    return exports.download(content, XLSX_MIME, f"{task_list.title}.xlsx")


@login_required
def task_list_export_reports_docx(request: HttpRequest, pk: int) -> HttpResponse:
    task_list = _task_list(request, pk)
    month = parse_month(request.GET.get("month"), task_list.year, timezone.localdate())
    content = exports.reports_docx(request.user, task_list, month)
    return exports.download(content, exports.DOCX_MIME, f"{task_list.title}_{month:%Y年%m月}进展.docx")


@login_required
def task_list_export_annual_docx(request: HttpRequest, pk: int) -> HttpResponse:
    task_list = _task_list(request, pk)
    content = exports.annual_docx(request.user, task_list)
    return exports.download(content, exports.DOCX_MIME, f"{task_list.title}_年度述评.docx")
