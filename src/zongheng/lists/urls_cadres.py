"""Routes of the cadre records (月度干部之星, 提拔重用; included by ``lists.urls``)."""

from django.urls import URLPattern, path

from . import views_cadres as v

urlpatterns: list[URLPattern] = [
    path("lists/cadres/stars/", v.stars, name="cadre_stars"),
    path("lists/cadres/stars/new/", v.star_new, name="cadre_star_new"),
    path("lists/cadres/stars/<int:pk>/withdraw/", v.star_withdraw, name="cadre_star_withdraw"),
    path("lists/cadres/promotions/", v.promotions, name="cadre_promotions"),
    path("lists/cadres/promotions/new/", v.promotion_new, name="cadre_promotion_new"),
    path("lists/cadres/promotions/<int:pk>/withdraw/", v.promotion_withdraw, name="cadre_promotion_withdraw"),
    path("lists/cadres/people/<int:pk>/", v.person, name="cadre_person"),
    path("lists/cadres/pick/people/", v.people, name="cadre_pick_people"),
    path("lists/cadres/pick/work/", v.work, name="cadre_pick_work"),
    path("lists/cadres/export.xlsx", v.export, name="cadre_export"),
]
