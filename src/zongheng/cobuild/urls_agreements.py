"""Routes of 一横 — claim agreements, their items, pairings and activities (included by ``cobuild.urls``)."""

from django.urls import URLPattern, path

from . import views_agreements as views

urlpatterns: list[URLPattern] = [
    path("cobuild/agreements/", views.agreement_list, name="agreements"),
    path("cobuild/agreements/export.xlsx", views.agreement_export, name="agreements_export"),
    path("cobuild/agreements/new/", views.agreement_new, name="agreement_new"),
    path("cobuild/agreements/pick/", views.pick, name="agr_pick"),
    path("cobuild/agreements/<int:pk>/", views.agreement_detail, name="agreement"),
    path("cobuild/agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("cobuild/agreements/<int:pk>/transition/", views.agreement_transition, name="agreement_transition"),
    path("cobuild/agreements/<int:pk>/items/", views.agreement_item_add, name="agreement_item_add"),
    path("cobuild/items/", views.item_list, name="items"),
    path("cobuild/items/export.xlsx", views.item_export, name="items_export"),
    path("cobuild/items/<int:pk>/", views.item_detail, name="item"),
    path("cobuild/items/<int:pk>/progress/", views.item_progress, name="item_progress"),
    path("cobuild/items/<int:pk>/complete/", views.item_complete, name="item_complete"),
    path("cobuild/items/<int:pk>/drop/", views.item_drop, name="item_drop"),
    path("cobuild/pairings/", views.pairing_list, name="pairings"),
    path("cobuild/pairings/export.xlsx", views.pairing_export, name="pairings_export"),
    path("cobuild/pairings/new/", views.pairing_new, name="pairing_new"),
    path("cobuild/pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("cobuild/pairings/<int:pk>/activities/", views.pairing_activity, name="pairing_activity"),
]
