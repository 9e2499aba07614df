"""The annual report's files, all from one ``report.Content``: the Word document (python-docx), the PDF (the same
sections as HTML, drawn by WeasyPrint with the Noto CJK fonts) and the companion workbook (``core.exports``: one
sheet per panel with its figures and, under each figure, the rows it counts — at most ``report.XLSX_ROWS`` a
figure, the cap stated where it applies)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from zongheng.core import metrics as mx
from zongheng.core.exports import Sheet, workbook_bytes
from zongheng.core.periods import TZ, Period

from . import report
from .report import NO_RECORD, Content, Para, Table

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# ---------------------------------------------------------------- Word

BODY_FONT, HEADING_FONT, SUBHEADING_FONT, TITLE_FONT = "仿宋", "黑体", "楷体", "宋体"


def _set_font(style_or_run: Any, east_asian: str, size: float | None = None, bold: bool | None = None) -> None:
    """Latin text in Times New Roman, Chinese in ``east_asian`` (Word reads ``w:eastAsia``); theme fonts removed so
    the heading styles do not fall back to the theme's."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    font = style_or_run.font
    font.name = "Times New Roman"
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), east_asian)


def docx_bytes(content: Content) -> bytes:
    """The report as a Word document: title, the four parts of the article with their sub-parts as headings, the
    paragraphs and the tables (caption above, note below)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    doc.core_properties.title = content.title
    doc.core_properties.author = content.org.name
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    styles = doc.styles
    _set_font(styles["Normal"], BODY_FONT, 14)
    _set_font(styles["Title"], TITLE_FONT, 20, bold=True)
    _set_font(styles["Heading 1"], HEADING_FONT, 15, bold=False)
    _set_font(styles["Heading 2"], SUBHEADING_FONT, 14, bold=True)
    _set_font(styles["Caption"], HEADING_FONT, 11, bold=False)
    for name in ("Heading 1", "Heading 2"):
        styles[name].paragraph_format.space_before = Pt(12)
        styles[name].paragraph_format.space_after = Pt(6)

    title = doc.add_paragraph(content.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = sub.add_run(content.subtitle)
    _set_font(run, BODY_FONT, 10.5)
    for part in content.sections:
        doc.add_heading(part.heading, level=part.level)
        for block in part.blocks:
            if isinstance(block, Para):
                p = doc.add_paragraph(block.text)
                p.paragraph_format.first_line_indent = Pt(28)
                p.paragraph_format.line_spacing = 1.5
                continue
            caption = doc.add_paragraph(block.title, style="Caption")
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            table = doc.add_table(rows=1 + len(block.rows), cols=len(block.headers))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for i, header in enumerate(block.headers):
                cell = table.rows[0].cells[i]
                cell.text = header
                for r in cell.paragraphs[0].runs:
                    _set_font(r, HEADING_FONT, 10)
            for j, row in enumerate(block.rows, 1):
                cells = table.rows[j].cells
                for i, value in enumerate(row):
                    cells[i].text = value
                    for r in cells[i].paragraphs[0].runs:
                        _set_font(r, BODY_FONT, 10)
            if block.note:
                note = doc.add_paragraph()
                _set_font(note.add_run(block.note), BODY_FONT, 10)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- PDF

STYLE = """
@page { size: A4; margin: 30mm 24mm 28mm;
  @bottom-center { content: counter(page); font-size: 10pt; color: #444; } }
html { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 12.5pt; line-height: 1.75;
  color: #111; }
h1.title { font-size: 20pt; text-align: center; line-height: 1.4; margin: 0 0 3mm; }
p.subtitle { font-size: 9.5pt; text-align: center; color: #333; text-indent: 0; margin-bottom: 8mm; }
h2, h3, caption { font-family: "Noto Sans CJK SC", sans-serif; }
h2 { font-size: 14pt; font-weight: normal; margin: 6mm 0 2mm; }
h3 { font-size: 13pt; font-weight: bold; margin: 4mm 0 2mm; }
p { text-indent: 2em; margin: 0 0 2mm; text-align: justify; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; line-height: 1.4; margin: 2mm 0 1mm; }
caption { font-size: 10.5pt; margin-bottom: 1.5mm; }
th, td { border: 0.5pt solid #777; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { break-inside: avoid; }
p.note { font-size: 9pt; text-indent: 0; color: #333; margin-bottom: 4mm; }
"""


def html(content: Content) -> str:
    return render_to_string("net/report_pdf.html", {"c": content, "sections": [
        {"heading": s.heading, "level": s.level,
         "blocks": [{"para": b.text} if isinstance(b, Para) else {"table": b} for b in s.blocks]}
        for s in content.sections]})


def pdf_bytes(content: Content) -> bytes:
    from weasyprint import CSS, HTML

    return bytes(HTML(string=html(content)).write_pdf(stylesheets=[CSS(string=STYLE)]))


# ---------------------------------------------------------------- the companion workbook


def _raw(value: mx.Number | None) -> Any:
    if value is None:
        return NO_RECORD
    return int(value) if isinstance(value, Decimal) and value == value.to_integral_value() else value


def _counted(obj: Any, m: mx.Metric) -> Any:
    """What one row adds to a summed figure (a plain field of the row), else ""."""
    if not m.sum_of or "__" in m.sum_of:
        return ""
    value = getattr(obj, m.sum_of, "")
    return _raw(value) if isinstance(value, int | Decimal) else value


def _panel_rows(content: Content, panel: str) -> Iterator[list[Any]]:
    path, period, now = content.org.path, Period("year", content.year), content.as_of
    items = [r for r in content.readings.values() if r.metric.panel == panel]
    for r in items:
        m = r.metric
        yield [m.label, _raw(r.value), m.unit, _raw(r.previous),
               report.number_text(r.value, m.unit, is_ratio=m.is_ratio), m.help]
    for r in items:
        m = r.metric
        qs = mx.rows(m.code, path, period, now)
        total = qs.count()
        yield []
        heading = f"【记录】{m.label}（{content.year}年）：共 {total} 条"
        if m.is_ratio and m.ratio:
            part = mx.metric(m.ratio[0])
            heading += f"，为比例的分子“{part.label if part else m.ratio[0]}”的记录"
        cap = report.XLSX_ROWS
        if total > cap:
            heading += f"，此处列出前 {cap} 条（完整记录请在一张网中点开该数字查看）"
        yield [heading]
        if not total:
            continue
        show = mx.source_of(m.code).show
        yield ["序号", "记录", "说明", "计入数值" if m.sum_of else "", "站内链接"]
        for i, obj in enumerate(qs.order_by("pk")[:cap], 1):
            row = show(obj)
            yield [i, row.title, row.detail, _counted(obj, m), row.url or ""]


def _listing_rows(lst: report.Listing) -> Iterator[list[Any]]:
    for row in lst.rows:
        yield list(row)
    if lst.total > len(lst.rows):
        yield [f"共 {lst.total} {lst.unit}，此处列出前 {len(lst.rows)} {lst.unit}"]


def xlsx_bytes(content: Content) -> bytes:
    """说明, the article's figures, one sheet per panel (figures, then each figure's rows), one per list."""
    local = content.as_of.astimezone(TZ)
    sheets: list[Sheet] = [
        ("说明", ["项目", "内容"], [
            ["报告", content.title],
            ["组织", content.org.name],
            ["年度", content.year],
            ["数据截至", f"{local:%Y-%m-%d %H:%M}"],
            ["口径", "所有数字均由系统按记录统计；“暂无记录”表示系统中尚无相应记录。"],
            ["明细上限", f"每个指标、每张清单最多列出 {report.XLSX_ROWS} 条记录，超出时在该处注明总数。"],
        ]),
        ("文章数字", ["序号", "事项", "统计期间", "数值", "单位", "报告所印", "指标代码"],
         [[i, report.label(p), p.window, _raw(p.value), p.unit, p.text, p.code]
          for i, p in enumerate(content.figures.values(), 1)]),
    ]
    for key, label in mx.PANELS:
        if any(r.metric.panel == key for r in content.readings.values()):
            sheets.append((label, ["指标", f"{content.year}年", "单位", f"{content.year - 1}年", "报告所印", "口径"],
                           _panel_rows(content, key)))
    for lst in content.listings.values():
        sheets.append((lst.title, lst.headers, _listing_rows(lst)))
    return workbook_bytes(sheets)


def tables_of(content: Content) -> list[Table]:
    """Every table of the document, in order (tests and the page read them)."""
    return [b for s in content.sections for b in s.blocks if isinstance(b, Table)]
