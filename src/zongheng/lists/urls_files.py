"""Routes of this part of 一清单 (included by ``lists.urls``): the task list's import and exports."""

from django.urls import path

from . import views_files as v

urlpatterns = [
    path("lists/import/", v.task_list_import, name="import"),
    path("lists/import/template.xlsx", v.task_list_import_template, name="import_template"),
    path("lists/<int:pk>/export.xlsx", v.task_list_export_xlsx, name="export_xlsx"),
    path("lists/<int:pk>/reports.docx", v.task_list_export_reports_docx, name="export_reports_docx"),
    path("lists/<int:pk>/annual.docx", v.task_list_export_annual_docx, name="export_annual_docx"),
]
