"""Routes of 一横 — lists (included by ``cobuild.urls``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
