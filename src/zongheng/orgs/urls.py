from django.urls import path

from . import views, views_import, views_public

app_name = "orgs"

# Pages of the org tree, people and posts (views.py).
urlpatterns = [
    path("orgs/", views.tree, name="tree"),
    path("orgs/<int:pk>/", views.org_detail, name="org"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
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
]
