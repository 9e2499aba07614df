from django.urls import path

from . import views, views_todo

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    path("todo/", views_todo.todo, name="todo"),
    path("todo/figures/", views_todo.todo_figures, name="todo_figures"),
    path("warnings/", views_todo.warnings_list, name="warnings"),
    path("warnings/export.xlsx", views_todo.warnings_export, name="warnings_export"),
]
