"""挂牌亮相: the public directory, no login. Owned by the directory work."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def directory(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/directory.html", {})
