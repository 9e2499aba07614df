from django.urls import path

from . import open311, views, views_figures, views_public  # noqa: F401

app_name = "demands"

# Residents: public form, tracking, rating (views_public.py).
urlpatterns: list = [
    path("demands/new/", views_public.submit, name="submit"),
    path("demands/track/", views_public.track, name="track"),
    path("demands/track/<str:code>/", views_public.track_code, name="track_code"),
    path("demands/rate/", views_public.rate, name="rate"),
    path("demands/reopen/", views_public.reopen, name="reopen"),
]

# Staff workbench (views.py).
urlpatterns += [
    path("demands/", views.queue, name="queue"),
    path("demands/export.xlsx", views.export, name="export"),
    path("demands/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("demands/pick/", views.pick, name="pick"),
    path("demands/<int:pk>/pick/<slug:kind>/", views.pick_for, name="pick_for"),
    path("demands/<int:pk>/", views.detail, name="detail"),
    path("demands/<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("demands/<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("demands/<int:pk>/phone/", views.reveal_phone, name="reveal_phone"),
    path("demands/new/staff/", views.staff_create, name="staff_create"),
    path("demands/stations/", views.stations, name="stations"),
    path("demands/listening/", views.listening, name="listening"),
    path("demands/listening/<int:pk>/", views.listening_detail, name="listening_detail"),
    path("demands/notifications/", views.notifications, name="notifications"),
    path("demands/notifications/read/", views.notifications_read, name="notifications_read"),
]

# Figures: the three rates (views_figures.py).
urlpatterns += [
    path("demands/figures/", views_figures.figures_page, name="figures"),
    path("demands/figures/export.xlsx", views_figures.figures_export, name="figures_export"),
    path("demands/figures/list/", views_figures.figures_list, name="figures_list"),
]

# Configuration (views_config.py): categories, deadline rules, holidays and 调休 (district organisation department).
from . import views_config  # noqa: E402

urlpatterns += [
    path("demands/config/", views_config.config, name="config"),
    path("demands/config/categories/new/", views_config.category_create, name="config_category_create"),
    path("demands/config/categories/<int:pk>/", views_config.category_edit, name="config_category_edit"),
    path("demands/config/rules/<int:pk>/", views_config.rule_edit, name="config_rule_edit"),
    path("demands/config/calendar/", views_config.calendar, name="config_calendar"),
    path("demands/config/calendar/<int:pk>/delete/", views_config.calendar_delete, name="config_calendar_delete"),
]
