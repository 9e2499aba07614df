from django.urls import path

from . import views

app_name = "net"

urlpatterns = [
    path("net/", views.home, name="home"),
    path("net/<int:org_id>/", views.dashboard, name="dashboard"),
    path("net/<int:org_id>/rows/<str:code>/", views.rows, name="rows"),
]
