"""Routes of the inspections (巡查), included by ``lists.urls``."""

from django.urls import URLPattern, path

from . import views_inspections as v

urlpatterns: list[URLPattern] = [
    path("lists/inspections/", v.round_list, name="inspections"),
    path("lists/inspections/new/", v.round_new, name="inspection_new"),
    path("lists/inspections/<int:pk>/", v.round_detail, name="inspection"),
    path("lists/inspections/<int:pk>/move/<slug:move>/", v.round_move, name="inspection_move"),
    path("lists/inspections/<int:pk>/people/", v.round_people, name="inspection_people"),
    path("lists/inspections/<int:pk>/pick-target/", v.target_pick, name="inspection_target_pick"),
    path("lists/inspections/<int:pk>/teams/new/", v.team_new, name="inspection_team_new"),
    path("lists/inspections/<int:pk>/report.docx", v.round_docx, name="inspection_docx"),
    path("lists/inspections/teams/<int:pk>/targets/new/", v.target_new, name="inspection_target_new"),
    path("lists/inspections/targets/<int:pk>/", v.target_detail, name="inspection_target"),
    path("lists/inspections/targets/<int:pk>/people/", v.target_people, name="inspection_target_people"),
    path("lists/inspections/targets/<int:pk>/pick-owner/", v.owner_pick, name="inspection_owner_pick"),
    path("lists/inspections/targets/<int:pk>/findings/new/", v.finding_new, name="inspection_finding_new"),
    path("lists/inspections/findings/<int:pk>/items/new/", v.rect_new, name="inspection_rect_new"),
    path("lists/inspections/items/", v.rect_list, name="inspection_rects"),
    path("lists/inspections/items/export.xlsx", v.rect_export, name="inspection_rects_export"),
    path("lists/inspections/items/<int:pk>/", v.rect_detail, name="inspection_rect"),
    path("lists/inspections/items/<int:pk>/report/", v.rect_report, name="inspection_rect_report"),
    path("lists/inspections/items/<int:pk>/verify/<slug:move>/", v.rect_verify, name="inspection_rect_verify"),
    path("lists/inspections/evidence/<int:pk>/", v.evidence, name="inspection_evidence"),
]
