"""Routes of this part of 一清单 (included by ``lists.urls``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
