"""Routes of activities (included by ``members.urls``)."""

from django.urls import URLPattern, path

from . import views_activities as views

urlpatterns: list[URLPattern] = [
    path("members/activities/", views.activity_list, name="activities"),
    path("members/activities/export.xlsx", views.activity_export, name="activities_export"),
    path("members/activities/pick/", views.activity_pick, name="activity_pick"),
    path("members/activities/new/", views.activity_new, name="activity_new"),
    path("members/activities/mine/", views.my_activities, name="my_activities"),
    path("members/activities/figures/", views.activity_figures, name="activity_figures"),
    path("members/activities/signups/", views.activity_signups, name="activity_signups"),
    path("members/activities/signups/export.xlsx", views.activity_signups_export, name="activity_signups_export"),
    path("members/activities/signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("members/activities/<int:pk>/", views.activity_detail, name="activity"),
    path("members/activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("members/activities/<int:pk>/transition/", views.activity_transition, name="activity_transition"),
    path("members/activities/<int:pk>/signup/", views.activity_sign_up, name="activity_signup"),
    path("members/activities/<int:pk>/residents/", views.activity_resident, name="activity_resident"),
    path("members/activities/<int:pk>/attendance/", views.activity_attendance, name="activity_attendance"),
    path("members/activities/<int:pk>/roster.xlsx", views.activity_roster, name="activity_roster"),
    path("members/activities/<int:pk>/join/", views.activity_public, name="activity_public"),
]
