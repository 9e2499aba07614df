"""一清单 in the JSON API: the task list and the project list (one router each)."""

import importlib

from ninja import Router

PARTS = (
    "api_tasks",
    "api_projects",
    "api_funds",
    "api_inspections",
    "api_evaluations",
    "api_cadres",
    "api_standards",
)

router = Router()
for _name in PARTS:
    router.add_router("", importlib.import_module(f"{__package__}.{_name}").router)
