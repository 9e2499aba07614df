from django.urls import include, path

from zongheng.api import api
from zongheng.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("start/", core_views.start, name="start"),
    path("api/v1/", api.urls),
    path("display/", core_views.display, name="display"),
    path("accounts/", include("zongheng.accounts.urls")),
    # Before the modules' "" includes: Open311 clients call it often and no "" route can match its prefix,
    # so resolving a request here no longer tries every route of every module first.
    path("open311/v2/", include("zongheng.demands.open311_urls")),
    path("", include("zongheng.core.urls")),
    path("", include("zongheng.orgs.urls")),
    path("", include("zongheng.demands.urls")),
    path("", include("zongheng.meetings.urls")),
    path("", include("zongheng.notices.urls")),
    path("", include("zongheng.cobuild.urls")),
    path("", include("zongheng.members.urls")),
    path("", include("zongheng.lists.urls")),
    path("", include("zongheng.net.urls")),
]

handler400 = "zongheng.core.views.bad_request"
handler403 = "zongheng.core.views.forbidden"
handler404 = "zongheng.core.views.not_found"
# 500 stays Django's view: it renders templates/500.html without context processors, so it
# works even when the database does not answer.
