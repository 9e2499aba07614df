"""Open311 GeoReport v2 under /open311/v2/ (open311.py): every resource as .json or .xml."""

from django.urls import re_path

from . import open311

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns: list = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[-a-zA-Z0-9_]{1,32})" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<ref>[-A-Za-z0-9]{1,20})" + FMT, open311.request_detail, name="request"),
]
