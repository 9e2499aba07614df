import importlib

from django.urls import path

from . import views_home

app_name = "members"

PARTS = ("urls_registration", "urls_visits", "urls_activities", "urls_points", "urls_campaigns")

urlpatterns = [path("members/", views_home.home, name="home"), path("members/me/", views_home.me, name="me")]
for _name in PARTS:
    urlpatterns += importlib.import_module(f"{__package__}.{_name}").urlpatterns
