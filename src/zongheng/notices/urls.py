from django.urls import path

from . import views

app_name = "notices"

urlpatterns: list = [
    path("notices/", views.sent, name="sent"),
    path("notices/export.xlsx", views.sent_export, name="sent_export"),
    path("notices/new/", views.compose, name="compose"),
    path("notices/pick/", views.pick, name="pick"),
    path("notices/lists/", views.lists, name="lists"),
    path("notices/lists/new/", views.list_new, name="list_new"),
    path("notices/lists/people/", views.list_people, name="list_people"),
    path("notices/lists/<int:pk>/", views.list_edit, name="list_edit"),
    path("notices/lists/<int:pk>/delete/", views.list_delete, name="list_delete"),
    path("notices/mine/", views.mine, name="mine"),
    path("notices/mine/export.xlsx", views.mine_export, name="mine_export"),
    path("notices/mine/<int:pk>/", views.read, name="read"),
    path("notices/mine/<int:pk>/ack/", views.ack, name="ack"),
    path("notices/<int:pk>/attachments/<int:att_pk>/", views.attachment, name="attachment"),
    path("notices/<int:pk>/progress/", views.progress, name="progress"),
    path("notices/<int:pk>/progress/rows/", views.rows, name="rows"),
    path("notices/<int:pk>/progress/export.xlsx", views.export_pending, name="export_pending"),
    path("notices/<int:pk>/edit/", views.edit, name="edit"),
    path("notices/<int:pk>/send/", views.send, name="send"),
    path("notices/<int:pk>/remind/", views.remind, name="remind"),
    path("notices/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
