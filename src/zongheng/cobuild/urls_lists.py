"""Routes of 一横 — the three lists, matching and their figures (included by ``cobuild.urls``)."""

from django.urls import URLPattern, path

from . import views_lists as v

urlpatterns: list[URLPattern] = [
    path("cobuild/lists/", v.lists_home, name="lists_home"),
    # The pickers of the forms (htmx), one per kind of reference.
    path("cobuild/lists/pick/community/", v.lists_pick, {"kind": "community"}, name="lists_pick_community"),
    path("cobuild/lists/pick/unit/", v.lists_pick, {"kind": "unit"}, name="lists_pick_unit"),
    path("cobuild/lists/pick/place/", v.lists_pick, {"kind": "place"}, name="lists_pick_place"),
    path("cobuild/needs/", v.need_list, name="need_list"),
    path("cobuild/needs/export.xlsx", v.need_export, name="need_export"),
    path("cobuild/needs/new/", v.need_new, name="need_new"),
    path("cobuild/needs/<int:pk>/", v.need_detail, name="need_detail"),
    path("cobuild/needs/<int:pk>/edit/", v.need_edit, name="need_edit"),
    path("cobuild/needs/<int:pk>/close/", v.need_close, name="need_close"),
    path("cobuild/needs/<int:pk>/proposals/", v.need_proposals, name="need_proposals"),
    path("cobuild/needs/<int:pk>/accept/", v.need_accept, name="need_accept"),
    path("cobuild/resources/", v.resource_list, name="resource_list"),
    path("cobuild/resources/export.xlsx", v.resource_export, name="resource_export"),
    path("cobuild/resources/new/", v.resource_new, name="resource_new"),
    path("cobuild/resources/<int:pk>/", v.resource_detail, name="resource_detail"),
    path("cobuild/resources/<int:pk>/edit/", v.resource_edit, name="resource_edit"),
    path("cobuild/services/", v.service_list, name="service_list"),
    path("cobuild/services/export.xlsx", v.service_export, name="service_export"),
    path("cobuild/services/new/", v.service_new, name="service_new"),
    path("cobuild/services/<int:pk>/edit/", v.service_edit, name="service_edit"),
    path("cobuild/matches/", v.match_list, name="match_list"),
    path("cobuild/matches/export.xlsx", v.match_export, name="match_export"),
]
