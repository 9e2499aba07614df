"""Exports of the task list: the list as .xlsx, laid out as a district prints it (and as the import reads it,
plus the read-only 状态 and 进度), the month's progress reports and the annual review as .docx.

Rows come through the scoped querysets (a street exports its share, a lead cadre the tasks they lead);
status and progress only from ``progress.py``. A constant number of queries whatever the list's size.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch
from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from zongheng.core.exports import XLSX_MIME, _cell, attachment
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from . import progress
from .choices import ReviewResult, TaskStatus
from .importer_tasks import (
    DOC_COLUMNS,
    READ_ONLY_HEADERS,
    SHEET_DOCS,
    SHEET_STANDARDS,
    SHEET_TASKS,
    STANDARD_COLUMNS,
    TASK_COLUMNS,
    milestone_line,
    person_label,
)
from .models import AnnualReview, Milestone, ProgressReport, Task, TaskList

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_STATUS = dict(TaskStatus.choices)
_RESULT = dict(ReviewResult.choices)


def download(content: bytes, mime: str, filename: str) -> HttpResponse:
    return attachment(content, filename, mime)


def scoped_tasks(user: Any, task_list: TaskList) -> Any:
    return Task.objects.restrict(user, Perm.LIST_VIEW).filter(task_list=task_list)


def percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('1'))}%"


# ---------------------------------------------------------------- the list as .xlsx


def _org_labels(orgs: list[Org]) -> dict[int, str]:
    """A unit's name, or its code when another organisation bears the same name (so the import finds it)."""
    names = {o.name for o in orgs}
    shared = set(Org.objects.filter(name__in=sorted(names)).values("name").annotate(n=Count("id"))
                 .filter(n__gt=1).values_list("name", flat=True)) if names else set()
    return {o.pk: (o.code if o.name in shared and o.code else o.name) for o in orgs}


def _person_labels(people: list[Person]) -> dict[int, str]:
    """A cadre's name — with their organisation, or their 人员编号, when another person bears it (one query)."""
    names = sorted({p.name for p in people})
    by_name: Counter[str] = Counter()
    by_org: Counter[tuple[str, int]] = Counter()
    for name, org_id in Person.objects.filter(name__in=names).values_list("name", "org_id") if names else ():
        by_name[name] += 1
        by_org[(name, org_id)] += 1
    return {p.pk: person_label(p.name, p.org.name, p.pk, shared_name=by_name[p.name] > 1,
                               shared_in_org=by_org[(p.name, p.org_id)] > 1) for p in people}


def task_list_rows(user: Any, task_list: TaskList, day: dt.date) -> list[list[Any]]:
    """The 任务清单 rows the user may see: the import's columns, then 状态 and 进度."""
    board = progress.read(task_list, day)
    tasks = list(scoped_tasks(user, task_list)
                 .select_related("parent", "document", "org", "lead__org", "pledge_by__org")
                 .prefetch_related(Prefetch("standards", to_attr="std_list"),
                                   Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "id"),
                                            to_attr="ms_list"))
                 .order_by("code", "id"))
    labels = _org_labels(list({t.org_id: t.org for t in tasks}.values()))
    people = _person_labels([p for t in tasks for p in (t.lead, t.pledge_by) if p is not None])
    rows = []
    for t in tasks:
        rows.append([
            t.code, t.parent.code if t.parent else "", t.title, t.category, t.weight,
            t.document.title if t.document else "", "、".join(sorted(s.code for s in t.std_list)),
            people[t.lead_id] if t.lead_id else "", labels[t.org_id], t.starts_on.isoformat(), t.ends_on.isoformat(),
            t.goal, t.measures, "\n".join(milestone_line(m.due_on, m.title, m.weight) for m in t.ms_list),
            people[t.pledge_by_id] if t.pledge_by_id else "", t.pledge_on.isoformat() if t.pledge_on else "",
            t.pledge_text,
            _STATUS[board.status[t.pk]], percent(board.progress[t.pk]),
        ])
    return rows


def task_list_xlsx(user: Any, task_list: TaskList, day: dt.date) -> bytes:
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def sheet(title: str, headers: list[str], rows: list[list[Any]], widths: dict[int, int],
              caption: str = "") -> None:
        ws = wb.create_sheet(title)
        for i in range(len(headers)):
            ws.column_dimensions[_letter(i)].width = widths.get(i, 14)
        if caption:
            c = WriteOnlyCell(ws, value=_cell(caption))
            c.font = Font(bold=True, size=14)
            ws.append([c])
        head = []
        for h in headers:
            c = WriteOnlyCell(ws, value=h)
            c.font = bold
            head.append(c)
        ws.append(head)
        for row in rows:
            cells = []
            for v in row:
                c = WriteOnlyCell(ws, value=_cell(v))
                c.alignment = wrap
                cells.append(c)
            ws.append(cells)

    headers = [c.header for c in TASK_COLUMNS] + list(READ_ONLY_HEADERS)
    wide = {i: 36 for i, c in enumerate(TASK_COLUMNS) if c.key in ("title", "goal", "measures", "roadmap",
                                                                    "pledge_text")}
    sheet(SHEET_TASKS, headers, task_list_rows(user, task_list, day), wide,
          caption=f"{task_list.title}（导出日期 {day.isoformat()}）")
    docs = [[d.get_kind_display(), d.title, d.doc_no, d.issued_on.isoformat() if d.issued_on else ""]
            for d in task_list.documents.order_by("kind", "id")]
    sheet(SHEET_DOCS, [c.header for c in DOC_COLUMNS], docs, {1: 40})
    stds = [[s.code, s.group, s.title, s.text] for s in task_list.standards.order_by("code")]
    sheet(SHEET_STANDARDS, [c.header for c in STANDARD_COLUMNS], stds, {2: 40, 3: 60})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


# ---------------------------------------------------------------- .docx


def _document(title: str) -> Any:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    heading = doc.add_heading(title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def _save(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _labelled(label: str, text: str) -> str:
    lines = [line.strip() for line in (text or "").split("\n") if line.strip()] or ["无"]
    return "\n".join([f"{label}：{lines[0]}", *lines[1:]])


def _piece(doc: Any, heading: str, lines: list[str]) -> None:
    """One piece: its heading, then one paragraph whose lines are line breaks. The heading's style is set by
    its id (python-docx looks a style up by name through every style, each time: slow on a long list)."""
    style_id = getattr(doc, "_zh_heading2", None)
    if style_id is None:
        style_id = doc._zh_heading2 = doc.styles["Heading 2"].style_id
    doc.add_paragraph(heading)._p.get_or_add_pPr().style = style_id
    doc.add_paragraph("\n".join(lines))


def reports_docx(user: Any, task_list: TaskList, month: dt.date) -> bytes:
    """月度进展: for the month, per task piece in the viewer's scope — carrying organisation, what was done,
    the milestone, problems, the review result; pieces running that month without a report are named 未报送."""
    month = progress.month_start(month)
    end = progress.month_end(month)
    reports = {r.task_id: r for r in ProgressReport.objects.restrict(user, Perm.LIST_VIEW)
               .filter(task__task_list=task_list, month=month).select_related("milestone")}
    tasks = list(scoped_tasks(user, task_list).select_related("org")
                 .annotate(n_children=Count("children")).order_by("code", "id"))
    doc = _document(f"{task_list.title}\n{month.year}年{month.month}月工作进展")
    shown = [t for t in tasks if t.pk in reports or (not t.n_children and t.starts_on <= end and t.ends_on >= month)]
    filed = sum(1 for t in shown if t.pk in reports)
    doc.add_paragraph(f"本月应报送 {len(shown)} 项，已报送 {filed} 项，未报送 {len(shown) - filed} 项。")
    for t in shown:
        lines = [f"承办单位：{t.org.name}"]
        report = reports.get(t.pk)
        if report is None:
            _piece(doc, f"{t.code} {t.title}", [*lines, "本月进展：未报送"])
            continue
        lines.append(_labelled("本月完成情况", report.done))
        m = report.milestone
        lines.append(f"对应节点：{m.due_on:%Y-%m-%d} {m.title}" if m else "对应节点：无")
        lines.append(_labelled("存在问题", report.problems))
        result = _RESULT.get(report.result, "待审核") if report.result else "待审核"
        note = f"（{report.review_note}）" if report.review_note else ""
        lines.append(f"审核结果：{result}{note}")
        _piece(doc, f"{t.code} {t.title}", lines)
    return _save(doc)


def annual_docx(user: Any, task_list: TaskList) -> bytes:
    """年度述评: per task piece in the viewer's scope its score and comments, then totals per organisation."""
    reviews = list(AnnualReview.objects.filter(task__in=scoped_tasks(user, task_list))
                   .select_related("task", "task__org").order_by("task__code", "task_id"))
    doc = _document(f"{task_list.title}\n{task_list.year}年度述评")
    doc.add_paragraph(f"共述评 {len(reviews)} 项任务。")
    totals: dict[int, list[Any]] = defaultdict(lambda: ["", 0, Decimal(0)])
    for r in reviews:
        t = r.task
        _piece(doc, f"{t.code} {t.title}", [f"承办单位：{t.org.name}", f"得分：{r.score}",
                                             _labelled("述评意见", r.comments)])
        total = totals[t.org_id]
        total[0] = t.org.name
        total[1] += 1
        total[2] += r.score
    doc.add_heading("各单位得分汇总", level=2)
    table = doc.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ("单位", "述评任务数", "总分", "平均分"), strict=True):
        cell.text = text
    for name, count, score in sorted(totals.values(), key=lambda v: (-v[2] / v[1], v[0])):
        cells = table.add_row().cells
        for cell, text in zip(cells, (name, str(count), str(score), f"{score / count:.1f}"), strict=True):
            cell.text = text
    return _save(doc)


XLSX = XLSX_MIME
