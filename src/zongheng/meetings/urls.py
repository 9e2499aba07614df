from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/export.xlsx", views.meeting_export, name="export"),
    path("meetings/compliance/", views.compliance, name="compliance"),
    path("meetings/compliance/export.xlsx", views.compliance_export, name="compliance_export"),
    path("meetings/new/", views.meeting_new, name="new"),
    path("meetings/pick/", views.pick, name="pick"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("meetings/<int:pk>/record/", views.meeting_record, name="record"),
    path("meetings/<int:pk>/attachments/", views.meeting_attach, name="attach"),
    path("meetings/<int:pk>/attachments/<int:att_pk>/", views.meeting_attachment, name="attachment"),
    path("meetings/<int:pk>/minutes.docx", views.minutes_docx, name="minutes_docx"),
    path("meetings/<int:pk>/resolutions/", views.resolution_add, name="resolution_add"),
    path("meetings/resolutions/", views.resolution_list, name="resolutions"),
    path("meetings/resolutions/export.xlsx", views.resolution_export, name="resolutions_export"),
    path("meetings/resolutions/<int:pk>/", views.resolution_detail, name="resolution"),
    path("meetings/types/", views.type_list, name="types"),
    path("meetings/types/<int:pk>/", views.type_edit, name="type_edit"),
]
