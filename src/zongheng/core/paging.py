"""The query string a list's page links carry: its filters, without the page number (the link sets it) and
without a picker's search box (``pick_q``: typing, not a filter)."""

from __future__ import annotations

from django.http import HttpRequest


def filter_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("pick_q", None)
    return query.urlencode()
