"""The 民情日记 list as .xlsx (the list page's filters; at most ``views_visits.EXPORT_MAX`` rows, one query for the
rows: plain values, no model instances)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse

from zongheng.core.exports import xlsx_response

from .models import Visit

HEADERS = ["走访日期", "党员中心户", "联系户住址", "户主", "走访人", "群众反映的情况", "跟进和答复", "转为诉求",
           "诉求状态"]
FIELDS = ("visited_on", "central__name", "household__address", "household__contact_name", "visitor__name",
          "raised", "follow_up", "demand__ref", "demand__status")


def visits_xlsx(visits: QuerySet[Visit], limit: int) -> HttpResponse:
    from zongheng.demands.choices import Status

    status = dict(Status.choices)

    def row(values: tuple[Any, ...]) -> list[Any]:
        *head, ref, state = values
        return [head[0].isoformat(), *head[1:], ref or "", status.get(state, "") if state else ""]

    rows = visits.select_related(None).values_list(*FIELDS)[:limit]
    return xlsx_response("民情日记.xlsx", "民情日记", HEADERS, (row(v) for v in rows))
