"""Open311 GeoReport v2 under /open311/v2/ (open311.py)."""

from django.urls import path  # noqa: F401

from . import open311  # noqa: F401

app_name = "open311"

urlpatterns: list = []
