"""xlsx lists and the .docx minutes (会议纪要)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from zongheng.core.exports import xlsx_response

from .models import Meeting, Resolution

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def meetings_xlsx(qs: QuerySet[Meeting]) -> HttpResponse:
    headers = ["会议类型", "召开组织", "所属期间", "召开时间", "地点", "状态", "实际召开时间", "补开", "议程"]

    def rows() -> Iterator[Sequence[Any]]:
        for m in qs.iterator(chunk_size=2000):
            yield [m.type.name, m.org.name, m.period_label, _local(m.scheduled_at), m.place, m.get_status_display(),
                   _local(m.held_at), "是" if m.held_at and m.is_makeup else "", m.agenda]

    return xlsx_response("会议.xlsx", "会议", headers, rows())


def compliance_xlsx(title: str, rows: Iterable[Sequence[Any]]) -> HttpResponse:
    headers = ["组织", "会议类型", "期间", "召开情况", "实际召开时间"]
    return xlsx_response(f"{title}.xlsx", title, headers, rows)


def resolutions_xlsx(qs: QuerySet[Resolution], today: dt.date) -> HttpResponse:
    headers = ["议定事项", "会议", "责任组织", "责任人", "完成时限", "状态", "逾期", "办结时间"]

    def rows() -> Iterator[Sequence[Any]]:
        for r in qs.iterator(chunk_size=2000):
            overdue = r.status == "open" and r.due_on < today
            yield [r.text, str(r.meeting), r.owner_org.name, r.owner_person.name if r.owner_person else "",
                   r.due_on.isoformat(), r.get_status_display(), "是" if overdue else "", _local(r.done_at)]

    return xlsx_response("议定事项.xlsx", "议定事项", headers, rows())


def minutes_docx(meeting: Meeting) -> HttpResponse:
    """会议纪要 as Word: title, date, place, attendance, minutes, resolutions."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    title = doc.add_heading(f"{meeting.org.name}{meeting.type.name}纪要", level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"所属期间：{meeting.period_label}")
    doc.add_paragraph(f"时间：{_local(meeting.held_at or meeting.scheduled_at)}")
    doc.add_paragraph(f"地点：{meeting.place}")
    attendances = list(meeting.attendances.select_related("person").order_by("id"))
    for status, label in (("present", "出席"), ("excused", "请假"), ("absent", "缺席")):
        names = [a.person.name for a in attendances if a.status == status]
        if names:
            doc.add_paragraph(f"{label}（{len(names)}人）：{'、'.join(names)}")
    if meeting.agenda:
        doc.add_heading("议程", level=2)
        for para in meeting.agenda.split("\n"):
            if para.strip():
                doc.add_paragraph(para.strip())
    doc.add_heading("会议纪要", level=2)
    for para in (meeting.minutes or "（尚未记录）").split("\n"):
        if para.strip():
            doc.add_paragraph(para.strip())
    resolutions = list(meeting.resolutions.select_related("owner_org", "owner_person").order_by("id"))
    if resolutions:
        doc.add_heading("议定事项", level=2)
        for i, r in enumerate(resolutions, 1):
            owner = r.owner_org.name + (f"（{r.owner_person.name}）" if r.owner_person else "")
            doc.add_paragraph(f"{i}. {r.text}　责任单位：{owner}　完成时限：{r.due_on:%Y年%m月%d日}")
    buf = io.BytesIO()
    doc.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=DOCX_MIME)
    name = f"{meeting.org.name}{meeting.period}{meeting.type.name}纪要.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
