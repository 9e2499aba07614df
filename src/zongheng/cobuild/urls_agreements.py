"""Routes of 一横 — agreements (included by ``cobuild.urls``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
