from django.urls import path

from . import urls_agreements, urls_lists, urls_units, views_home

app_name = "cobuild"

urlpatterns = [path("cobuild/", views_home.home, name="home"),
               *urls_units.urlpatterns, *urls_agreements.urlpatterns, *urls_lists.urlpatterns]
