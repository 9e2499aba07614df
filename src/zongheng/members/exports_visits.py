"""The 民情日记 list as .xlsx (the list page's filters; at most ``views_visits.EXPORT_MAX`` rows, constant queries)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

from zongheng.core.exports import xlsx_response

from .models import Visit

HEADERS = ["走访日期", "党员中心户", "联系户住址", "户主", "走访人", "群众反映的情况", "跟进和答复", "转为诉求",
           "诉求状态"]


def visit_row(v: Visit) -> list[Any]:
    demand = v.demand
    return [v.visited_on.isoformat(), v.central.name, v.household.address, v.household.contact_name, v.visitor.name,
            v.raised, v.follow_up, demand.ref if demand else "", demand.get_status_display() if demand else ""]


def visits_xlsx(visits: Iterable[Visit]) -> HttpResponse:
    return xlsx_response("民情日记.xlsx", "民情日记", HEADERS, (visit_row(v) for v in visits))
