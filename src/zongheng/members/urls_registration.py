"""Routes of 双联双管报到 (included by ``members.urls``)."""

from django.urls import URLPattern, path

from . import views_registration as v

urlpatterns: list[URLPattern] = [
    path("members/registrations/", v.registration_list, name="registrations"),
    path("members/registrations/export.xlsx", v.registration_export, name="registration_export"),
    path("members/registrations/pick/", v.registration_pick, name="registration_pick"),
    path("members/registrations/apply/", v.registration_apply, name="registration_apply"),
    path("members/registrations/enter/", v.registration_enter, name="registration_enter"),
    path("members/registrations/counts/", v.registration_counts, name="registration_counts"),
    path("members/registrations/counts/export.xlsx", v.registration_counts_export,
         name="registration_counts_export"),
    path("members/registrations/communities/<int:pk>/members/", v.registration_people, name="registration_people"),
    path("members/registrations/communities/<int:pk>/members.xlsx", v.registration_people_export,
         name="registration_people_export"),
    path("members/registrations/<int:pk>/", v.registration_detail, name="registration"),
    path("members/registrations/<int:pk>/act/", v.registration_act, name="registration_act"),
]
