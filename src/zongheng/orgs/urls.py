from django.urls import path

from . import views, views_import, views_public

app_name = "orgs"

# Pages of the org tree, people and posts (views.py).
urlpatterns = [
    path("orgs/", views.tree, name="tree"),
    path("orgs/<int:pk>/", views.org_detail, name="org"),
    path("orgs/<int:pk>/export.xlsx", views.org_export, name="org_export"),
    path("orgs/<int:pk>/new/", views.org_create, name="org_create"),
    path("orgs/<int:pk>/edit/", views.org_edit, name="org_edit"),
    path("orgs/<int:pk>/move/", views.org_move, name="org_move"),
    path("orgs/<int:pk>/posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("people/", views.people, name="people"),
    path("people/export.xlsx", views.people_export, name="people_export"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
]

# Member import (views_import.py).
urlpatterns += [
    path("people/import/", views_import.upload, name="import"),
    path("people/import/template.xlsx", views_import.template, name="import_template"),
    path("people/import/<int:pk>/", views_import.job_detail, name="import_job"),
    path("people/import/<int:pk>/status/", views_import.job_status, name="import_status"),
    path("people/import/<int:pk>/errors.xlsx", views_import.job_errors, name="import_errors"),
]

# 挂牌亮相, public (views_public.py).
urlpatterns += [
    path("directory/", views_public.directory, name="directory"),
    path("directory/<int:pk>/", views_public.directory_org, name="directory_org"),
]
