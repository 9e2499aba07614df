"""Routes of 民情日记 (included by ``members.urls``)."""

from django.urls import URLPattern, path

from . import views_visits as v

urlpatterns: list[URLPattern] = [
    path("members/visits/", v.visit_list, name="visits"),
    path("members/visits/export.xlsx", v.visit_export, name="visits_export"),
    path("members/visits/counts/", v.visit_counts, name="visits_counts"),
    path("members/visits/pick-org/", v.org_pick, name="visits_org_pick"),
    path("members/visits/pick/", v.household_pick, name="visit_pick"),
    path("members/visits/new/", v.visit_new, name="visit_new"),
    path("members/visits/<int:pk>/", v.visit_detail, name="visit"),
    path("members/visits/<int:pk>/edit/", v.visit_edit, name="visit_edit"),
    path("members/visits/<int:pk>/demand/", v.visit_raise, name="visit_raise"),
]
