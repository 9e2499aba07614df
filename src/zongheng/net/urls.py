from django.urls import path

from . import views, views_map

app_name = "net"

urlpatterns = [
    path("net/", views.home, name="home"),
    path("net/<int:org_id>/", views.dashboard, name="dashboard"),
    path("net/<int:org_id>/rows/<str:code>/", views.rows, name="rows"),
    path("net/<int:org_id>/map/", views_map.grid_map, name="map"),
    path("net/<int:org_id>/map/geojson/", views_map.map_data, name="map_data"),
]

from . import views_report  # noqa: E402  (the annual report's pages)

urlpatterns += [
    path("net/<int:org_id>/report/", views_report.report_page, name="report"),
    path("net/reports/<int:pk>/", views_report.job_page, name="report_job"),
    path("net/reports/<int:pk>/status/", views_report.job_status, name="report_job_status"),
    path("net/reports/<int:pk>/<str:fmt>/", views_report.job_file, name="report_file"),
]
