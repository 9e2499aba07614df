from django.urls import include, path

from zongheng.api import api
from zongheng.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("display/", core_views.display, name="display"),
    path("accounts/", include("zongheng.accounts.urls")),
    path("", include("zongheng.core.urls")),
    path("", include("zongheng.orgs.urls")),
    path("", include("zongheng.demands.urls")),
    path("open311/v2/", include("zongheng.demands.open311_urls")),
]
