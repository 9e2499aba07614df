from django.urls import path  # noqa: F401

from . import open311, views, views_figures, views_public  # noqa: F401

app_name = "demands"

# Residents: public form, tracking, rating (views_public.py).
urlpatterns: list = []

# Staff workbench (views.py).
urlpatterns += []

# Figures: the three rates (views_figures.py).
urlpatterns += [
    path("demands/figures/", views_figures.figures_page, name="figures"),
    path("demands/figures/export.xlsx", views_figures.figures_export, name="figures_export"),
    path("demands/figures/list/", views_figures.figures_list, name="figures_list"),
]
