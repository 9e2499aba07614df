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
