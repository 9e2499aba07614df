"""Routes of the points part (积分), included by ``members.urls``."""

from django.urls import URLPattern, path

from . import views_points as v

urlpatterns: list[URLPattern] = [
    path("members/points/", v.points, name="points"),
    path("members/points/pick/", v.points_pick, name="points_pick"),
    path("members/points/totals.xlsx", v.points_totals_export, name="points_totals_export"),
    path("members/points/ledger.xlsx", v.points_ledger_export, name="points_ledger_export"),
    path("members/points/mine/", v.my_points, name="my_points"),
    path("members/points/people/<int:pk>/", v.points_person, name="points_person"),
    path("members/points/entries/<int:pk>/correct/", v.points_correct, name="points_correct"),
    path("members/points/claims/", v.points_claims, name="points_claims"),
    path("members/points/claims/new/", v.points_claim_new, name="points_claim_new"),
    path("members/points/claims/<int:pk>/", v.points_claim, name="points_claim"),
    path("members/points/claims/<int:pk>/withdraw/", v.points_claim_withdraw, name="points_claim_withdraw"),
    path("members/points/claims/<int:pk>/review/", v.points_claim_review, name="points_claim_review"),
    path("members/points/rules/", v.points_rules, name="points_rules"),
    path("members/points/rules/<int:pk>/edit/", v.points_rule_edit, name="points_rule_edit"),
    path("members/points/rules/<int:pk>/delete/", v.points_rule_delete, name="points_rule_delete"),
    path("members/points/rule-sets/<int:pk>/add/", v.points_rule_add, name="points_rule_add"),
    path("members/points/closings/", v.points_closings, name="points_closings"),
]
