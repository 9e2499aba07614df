"""Routes of 标准化建设 ("1+9"): score cards, the ranking inside the viewer's subtree, scoring, the framework."""

from django.urls import path

from . import views_standards as v

urlpatterns = [
    path("lists/standards/", v.ranking, name="standard_ranking"),
    path("lists/standards/export.xlsx", v.ranking_export, name="standard_ranking_export"),
    path("lists/standards/framework/", v.framework, name="standard_framework"),
    path("lists/standards/orgs/<int:pk>/", v.card, name="standard_card"),
    path("lists/standards/orgs/<int:pk>/assess/", v.assess, name="standard_assess"),
    path("lists/standards/assessments/<int:pk>/file/", v.evidence, name="standard_evidence"),
]
