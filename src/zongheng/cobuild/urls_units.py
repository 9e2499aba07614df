"""Routes of 一横 — units (included by ``cobuild.urls``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
