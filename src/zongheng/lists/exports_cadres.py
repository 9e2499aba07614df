"""The year's cadre records as .xlsx: one sheet of the monthly cadre stars (月度干部之星), one of the promotions
(提拔重用), each row with the front-line work it cites. Rows come through the scoped querysets (the viewer's
subtree, or their own record); names and organisations only — no personal data. Three queries for the rows and the
citations whatever the year's size."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.db.models import Q
from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from zongheng.core.exports import XLSX_MIME, _cell

from . import selectors_cadres as sel
from .models_cadres import Citation

STAR_HEADERS = ["月份", "姓名", "所在组织", "事迹", "引用的一线工作"]
PROMOTION_HEADERS = ["任职日期", "姓名", "所在组织", "原职务", "新职务", "任职文号", "提拔理由", "引用的一线工作"]


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title=title)
    bold = Font(bold=True)
    cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        cells.append(cell)
    ws.append(cells)
    for row in rows:
        ws.append([_cell(v) for v in row])


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
    wb = Workbook(write_only=True)
    _sheet(wb, "月度干部之星", STAR_HEADERS, [
        [f"{s.month:%Y-%m}", s.person.name, s.org.name, s.deeds, "；".join(cited.get(("star", s.pk), []))]
        for s in stars])
    _sheet(wb, "提拔重用", PROMOTION_HEADERS, [
        [p.promoted_on, p.person.name, p.org.name, p.from_post, p.to_post, p.doc_no, p.reason,
         "；".join(cited.get(("promotion", p.pk), []))] for p in promotions])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def year_response(user: Any, year: int) -> HttpResponse:
    response = HttpResponse(year_workbook(user, year), content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{year}年干部之星和提拔重用.xlsx')}"
    return response
