"""我是党员我带头 in the JSON API: registration, visits, activities, points and campaigns (one router each)."""

import importlib

from ninja import Router

PARTS = ("api_registration", "api_visits", "api_activities", "api_points", "api_campaigns")

router = Router()
for _name in PARTS:
    router.add_router("", importlib.import_module(f"{__package__}.{_name}").router)
