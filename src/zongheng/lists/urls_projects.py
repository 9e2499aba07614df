"""Routes of the project list (included by ``lists.urls``); the brand pages under /brands/ are public."""

from django.urls import URLPattern, path

from . import views_projects as v

urlpatterns: list[URLPattern] = [
    path("lists/projects/", v.project_list, name="projects"),
    path("lists/projects/new/", v.project_new, name="project_new"),
    path("lists/projects/export.xlsx", v.project_export, name="projects_export"),
    path("lists/projects/pick-org/", v.org_pick, name="project_org_pick"),
    path("lists/projects/<int:pk>/", v.project_detail, name="project"),
    path("lists/projects/<int:pk>/edit/", v.project_edit, name="project_edit"),
    path("lists/projects/<int:pk>/move/<slug:move>/", v.project_move, name="project_move"),
    path("lists/brands/", v.brand_admin, name="brands_admin"),
    path("lists/brands/new/", v.brand_new, name="brand_new"),
    path("lists/brands/pick-org/", v.brand_org_pick, name="brand_org_pick"),
    path("lists/brands/<int:pk>/edit/", v.brand_edit, name="brand_edit"),
    path("brands/", v.brand_index, name="brands"),
    path("brands/<slug:slug>/", v.brand_public, name="brand"),
]
