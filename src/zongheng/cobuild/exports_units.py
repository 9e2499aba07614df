"""Spreadsheets of 一横's units part: the unit list (the import's columns, so it can be edited and imported
again), councils and their members, and unit performance (all units, or one unit with its rows)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from zongheng.core.exports import XLSX_MIME, _cell, xlsx_response

from . import performance
from .importer_units import HEADERS
from .models import Council, CouncilMember, Unit


def unit_row(u: Unit) -> list[Any]:
    return [u.name, u.credit_code or "", u.get_type_display(), u.get_level_display(), u.place.code or u.place.name,
            u.address, "系统管理" if u.party_management == "system" else "属地管理", u.party_org_name,
            u.secretary_name, u.members_count if u.members_count is not None else "",
            u.joined_on.isoformat() if u.joined_on else ""]


def units_xlsx(units: Iterable[Unit]) -> HttpResponse:
    return xlsx_response("驻区单位.xlsx", "驻区单位", [*HEADERS, "所在街道/社区名称"],
                         ([*unit_row(u), u.place.name] for u in units))


def councils_xlsx(councils: Iterable[Council]) -> HttpResponse:
    rows = ([c.org.name, c.name, c.term_starts_on.isoformat(), c.term_ends_on.isoformat() if c.term_ends_on else "",
             getattr(c, "n_members", "")] for c in councils)
    headers = ["街道/社区", "名称", "本届开始", "本届结束", "在任委员数"]
    return xlsx_response("大工委大党委.xlsx", "大工委大党委", headers, rows)


def member_row(m: CouncilMember) -> list[Any]:
    where = m.unit.name if m.unit else (m.sent_from.name if m.sent_from else "")
    return [m.name, m.get_seat_display(), where, m.get_rank_display(), m.post, m.council_post,
            m.starts_on.isoformat(), m.ends_on.isoformat() if m.ends_on else ""]


MEMBER_HEADERS = ["姓名", "席位", "所在单位/派出街道", "职级", "单位职务", "委员会职务", "任职日期", "离任日期"]


def members_xlsx(council: Council, members: Iterable[CouncilMember]) -> HttpResponse:
    return xlsx_response(f"{council.name}委员.xlsx", "委员", MEMBER_HEADERS, (member_row(m) for m in members))


PERF_HEADERS = ["单位", "所在街道/社区", *performance.FIGURES.values()]


def performance_xlsx(year: int, units: list[Unit], perfs: dict[int, performance.Performance]) -> HttpResponse:
    rows = ([u.name, u.place.name, *(getattr(perfs[u.pk], k) for k in performance.FIGURES)] for u in units)
    return xlsx_response(f"驻区单位履职情况_{year}.xlsx", f"{year}年履职情况", PERF_HEADERS, rows)


def unit_performance_xlsx(unit: Unit, year: int, perf: performance.Performance,
                          rows: dict[str, tuple[list[str], list[list[Any]]]]) -> HttpResponse:
    """One unit's record for its superior's assessment: the figures, then one sheet of rows per figure."""
    wb = Workbook()
    bold = Font(bold=True)
    ws = wb.active
    ws.title = "履职情况"
    ws.append([f"{unit.name} {year} 年共驻共建履职情况"])
    ws["A1"].font = bold
    ws.append(["所在街道/社区", unit.place.name])
    ws.append(["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    ws.append([])
    ws.append(["指标", "数值", "单位"])
    for c in ws[5]:
        c.font = bold
    for key, label, value in perf.figures():
        ws.append([label, value, performance.UNITS_OF[key]])
    ws.column_dimensions["A"].width = 26
    for key, label in performance.FIGURES.items():
        headers, body = rows[key]
        sheet = wb.create_sheet(label[:31])
        sheet.append(headers)
        for c in sheet[1]:
            c.font = bold
        for row in body:
            sheet.append([_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{unit.name}_{year}年履职情况.xlsx')}"
    return response
