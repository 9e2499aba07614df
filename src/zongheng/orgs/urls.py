from django.urls import path

from . import views, views_import, views_plaques, views_public

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

# 活动队伍 of functional orgs and 联系户 of central households (views.py).
urlpatterns += [
    path("orgs/<int:pk>/teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/export.xlsx", views.team_export, name="team_export"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:pk>/delete/", views.team_delete, name="team_delete"),
    path("teams/<int:pk>/participants/add/", views.team_participant_add, name="team_participant_add"),
    path("teams/<int:pk>/participants/new/", views.team_resident_create, name="team_resident_create"),
    path("teams/<int:pk>/participants/<int:person_pk>/remove/", views.team_participant_remove,
         name="team_participant_remove"),
    path("orgs/<int:pk>/households/new/", views.household_create, name="household_create"),
    path("orgs/<int:pk>/households/export.xlsx", views.households_export, name="households_export"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/delete/", views.household_delete, name="household_delete"),
]

# Member import (views_import.py).
urlpatterns += [
    path("people/import/", views_import.upload, name="import"),
    path("people/import/template.xlsx", views_import.template, name="import_template"),
    path("people/import/<int:pk>/", views_import.job_detail, name="import_job"),
    path("people/import/<int:pk>/status/", views_import.job_status, name="import_status"),
    path("people/import/<int:pk>/errors.xlsx", views_import.job_errors, name="import_errors"),
    path("people/import/<int:pk>/options/", views_import.job_options, name="import_options"),
    path("people/import/<int:pk>/confirm/", views_import.job_confirm, name="import_confirm"),
    path("people/import/<int:pk>/discard/", views_import.job_discard, name="import_discard"),
    path("people/import/<int:pk>/refused.xlsx", views_import.job_refused, name="import_refused"),
    path("people/export-for-editing.xlsx", views_import.export_for_editing, name="people_export_edit"),
]

# 挂牌亮相, public (views_public.py).
urlpatterns += [
    path("directory/", views_public.directory, name="directory"),
    path("directory/<int:pk>/", views_public.directory_org, name="directory_org"),
]

# 挂牌亮相 plaques as PDF (views_plaques.py): one grid public, many grids for staff.
urlpatterns += [
    path("directory/<int:pk>/plaque.pdf", views_plaques.grid_plaque, name="grid_plaque"),
    path("orgs/<int:pk>/plaques.pdf", views_plaques.org_plaques, name="org_plaques"),
    path("orgs/plaques/<int:pk>/", views_plaques.plaque_job, name="plaque_job"),
    path("orgs/plaques/<int:pk>/status/", views_plaques.plaque_job_status, name="plaque_job_status"),
    path("orgs/plaques/<int:pk>/plaques.pdf", views_plaques.plaque_job_pdf, name="plaque_job_pdf"),
]
