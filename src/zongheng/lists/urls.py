"""Routes of 一清单: each part (the task list, its files — imports and exports —, the project list) its own."""

import importlib

from django.urls import URLPattern

app_name = "lists"

PARTS = (
    "urls_tasks",
    "urls_files",
    "urls_projects",
    "urls_funds",
    "urls_inspections",
    "urls_evaluations",
    "urls_cadres",
    "urls_standards",
)

urlpatterns: list[URLPattern] = []
for _name in PARTS:
    urlpatterns += importlib.import_module(f"{__package__}.{_name}").urlpatterns
