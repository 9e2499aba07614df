from django.urls import path

from . import views, views_import, views_public

app_name = "orgs"

# Pages of the org tree, people and posts (views.py).
urlpatterns = [
    path("orgs/", views.tree, name="tree"),
    path("orgs/<int:pk>/", views.org_detail, name="org"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
]

# Member import (views_import.py).
urlpatterns += []

# 挂牌亮相, public (views_public.py).
urlpatterns += [
    path("directory/", views_public.directory, name="directory"),
]
