from . import urls_agreements, urls_lists, urls_units

app_name = "cobuild"

urlpatterns = urls_units.urlpatterns + urls_agreements.urlpatterns + urls_lists.urlpatterns
