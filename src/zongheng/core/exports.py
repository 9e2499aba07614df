"""One way to write a list to .xlsx, used by every list page's export."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


Sheet = tuple[str, Sequence[Any], Iterable[Sequence[Any]]]  # (title, headers, rows)


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """Sheets written in openpyxl's write-only mode (rows may be a generator): a bold header row, then the rows,
    every cell through ``_cell`` — text a user typed never runs as a formula."""
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            ws.append([_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return workbook_bytes([(title, headers, rows)])


def _cell(value: Any) -> Any:
    # Defuse spreadsheet formula injection from user-entered text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def xlsx_response(filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    return attachment(xlsx_bytes(title, headers, rows), filename)


def attachment(content: bytes, filename: str, mime: str = XLSX_MIME) -> HttpResponse:
    """A download: ``content`` as an attachment named ``filename`` (UTF-8, any characters)."""
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
