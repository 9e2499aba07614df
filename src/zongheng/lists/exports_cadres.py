"""The year's cadre records as .xlsx: one sheet of the monthly cadre stars (月度干部之星), one of the promotions
(提拔重用), each row with the front-line work it cites. Rows come through the scoped querysets (the viewer's
subtree, or their own record); names and organisations only — no personal data. Three queries for the rows and the
citations whatever the year's size."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpResponse

from zongheng.core.exports import attachment, workbook_bytes

from . import selectors_cadres as sel
from .models_cadres import Citation

STAR_HEADERS = ["月份", "姓名", "所在组织", "事迹", "引用的一线工作"]
PROMOTION_HEADERS = ["任职日期", "姓名", "所在组织", "原职务", "新职务", "任职文号", "提拔理由", "引用的一线工作"]


def year_workbook(user: Any, year: int) -> bytes:
    start, end = sel.year_bounds(year)
    stars = list(sel.stars_in(user, start, end).order_by("month", "org_path", "id"))
    promotions = list(sel.promotions_in(user, start, end).order_by("promoted_on", "id"))
    cited: dict[tuple[str, int], list[str]] = {}
    if stars or promotions:
        for c in Citation.objects.filter(Q(star_id__in=[s.pk for s in stars])
                                         | Q(promotion_id__in=[p.pk for p in promotions])).order_by("id"):
            owner = ("star", c.star_id) if c.star_id else ("promotion", c.promotion_id or 0)
            cited.setdefault(owner, []).append(f"【{c.get_kind_display()}】{c.label}")
    return workbook_bytes([
        ("月度干部之星", STAR_HEADERS, [
            [f"{s.month:%Y-%m}", s.person.name, s.org.name, s.deeds, "；".join(cited.get(("star", s.pk), []))]
            for s in stars]),
        ("提拔重用", PROMOTION_HEADERS, [
            [p.promoted_on, p.person.name, p.org.name, p.from_post, p.to_post, p.doc_no, p.reason,
             "；".join(cited.get(("promotion", p.pk), []))] for p in promotions]),
    ])


def year_response(user: Any, year: int) -> HttpResponse:
    return attachment(year_workbook(user, year), f"{year}年干部之星和提拔重用.xlsx")
