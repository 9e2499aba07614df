"""Routes of duty campaigns (认领), included by ``members.urls`` (namespace ``members``)."""

from django.urls import URLPattern, path

from . import views_campaigns as views

urlpatterns: list[URLPattern] = [
    path("members/campaigns/", views.campaign_list, name="campaigns"),
    path("members/campaigns/export.xlsx", views.campaign_export, name="campaigns_export"),
    path("members/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("members/campaigns/pick/", views.campaign_pick, name="campaign_pick"),
    path("members/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("members/campaigns/<int:pk>/live/", views.campaign_live, name="campaign_live"),
    path("members/campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("members/campaigns/<int:pk>/transition/", views.campaign_transition, name="campaign_transition"),
    path("members/campaigns/<int:pk>/generate/", views.campaign_generate, name="campaign_generate"),
    path("members/campaigns/<int:pk>/clone/", views.campaign_clone, name="campaign_clone"),
    path("members/campaigns/<int:pk>/coverage.xlsx", views.campaign_coverage_export, name="campaign_coverage_export"),
    path("members/campaigns/<int:pk>/segments/", views.campaign_segments, name="campaign_segments"),
    path("members/campaigns/<int:pk>/segments/add/", views.campaign_segment_add, name="campaign_segment_add"),
    path("members/campaigns/segments/<int:pk>/", views.campaign_segment, name="campaign_segment"),
    path("members/campaigns/segments/<int:pk>/delete/", views.campaign_segment_delete,
         name="campaign_segment_delete"),
    path("members/campaigns/segments/<int:pk>/shifts/add/", views.campaign_shift_add, name="campaign_shift_add"),
    path("members/campaigns/shifts/", views.campaign_shifts, name="campaign_shifts"),
    path("members/campaigns/shifts/<int:pk>/", views.campaign_shift, name="campaign_shift"),
    path("members/campaigns/shifts/<int:pk>/delete/", views.campaign_shift_delete, name="campaign_shift_delete"),
    path("members/campaigns/shifts/<int:pk>/claim/", views.campaign_shift_claim, name="campaign_shift_claim"),
    path("members/campaigns/mine/", views.duty_claims, name="duty_claims"),
    path("members/campaigns/mine/<int:pk>/release/", views.duty_claim_release, name="duty_claim_release"),
    path("members/campaigns/mine/<int:pk>/check-in/", views.duty_claim_checkin, name="duty_claim_checkin"),
    path("members/campaigns/mine/<int:pk>/check-out/", views.duty_claim_checkout, name="duty_claim_checkout"),
    path("members/campaigns/mine/<int:pk>/companions/", views.duty_claim_companions, name="duty_claim_companions"),
    path("members/campaigns/roster/", views.campaign_roster, name="campaign_roster"),
    path("members/campaigns/roster/export.xlsx", views.campaign_roster_export, name="campaign_roster_export"),
]
