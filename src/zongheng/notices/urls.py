from django.urls import path

from . import views

app_name = "notices"

urlpatterns: list = [
    path("notices/", views.sent, name="sent"),
    path("notices/export.xlsx", views.sent_export, name="sent_export"),
    path("notices/new/", views.compose, name="compose"),
    path("notices/mine/", views.mine, name="mine"),
    path("notices/mine/<int:pk>/", views.read, name="read"),
    path("notices/mine/<int:pk>/ack/", views.ack, name="ack"),
    path("notices/<int:pk>/attachments/<int:att_pk>/", views.attachment, name="attachment"),
    path("notices/<int:pk>/progress/", views.progress, name="progress"),
    path("notices/<int:pk>/progress/rows/", views.rows, name="rows"),
    path("notices/<int:pk>/progress/export.xlsx", views.export_pending, name="export_pending"),
    path("notices/<int:pk>/send/", views.send, name="send"),
    path("notices/<int:pk>/remind/", views.remind, name="remind"),
    path("notices/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
