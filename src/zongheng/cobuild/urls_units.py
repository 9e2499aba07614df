"""Routes of 一横 — units, councils and unit performance (included by ``cobuild.urls``)."""

from django.urls import URLPattern, path

from . import views_units as v

urlpatterns: list[URLPattern] = [
    path("cobuild/units/", v.unit_list, name="unit_list"),
    path("cobuild/units/export.xlsx", v.unit_export, name="unit_export"),
    path("cobuild/units/pick/", v.unit_pick, name="unit_pick"),
    path("cobuild/units/new/", v.unit_create, name="unit_create"),
    path("cobuild/units/import/", v.unit_import, name="unit_import"),
    path("cobuild/units/import/template.xlsx", v.unit_import_template, name="unit_import_template"),
    path("cobuild/units/<int:pk>/", v.unit_detail, name="unit_detail"),
    path("cobuild/units/<int:pk>/edit/", v.unit_edit, name="unit_edit"),
    path("cobuild/units/<int:pk>/liaisons/", v.unit_liaison_add, name="unit_liaison_add"),
    path("cobuild/units/<int:pk>/liaisons/<int:post_pk>/end/", v.unit_liaison_end, name="unit_liaison_end"),
    path("cobuild/councils/", v.council_list, name="council_list"),
    path("cobuild/councils/export.xlsx", v.council_export, name="council_export"),
    path("cobuild/councils/new/", v.council_create, name="council_create"),
    path("cobuild/councils/<int:pk>/", v.council_detail, name="council_detail"),
    path("cobuild/councils/<int:pk>/edit/", v.council_edit, name="council_edit"),
    path("cobuild/councils/<int:pk>/members.xlsx", v.council_members_export, name="council_members_export"),
    path("cobuild/councils/<int:pk>/members/new/", v.council_member_add, name="council_member_add"),
    path("cobuild/councils/members/<int:pk>/end/", v.council_member_end, name="council_member_end"),
    path("cobuild/performance/", v.perf_list, name="perf_list"),
    path("cobuild/performance/export.xlsx", v.perf_export, name="perf_export"),
    path("cobuild/performance/units/<int:pk>.xlsx", v.perf_unit_export, name="perf_unit_export"),
    path("cobuild/performance/units/<int:pk>/<slug:figure>/", v.perf_rows, name="perf_rows"),
]
