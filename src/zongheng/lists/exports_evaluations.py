"""述职评议 exports: the round's results (.xlsx: per subject the per-group means, weighted total, grade and rank;
a second sheet of the votes — with the raters' names only when the round is not anonymous) and a subject's
述职评议结果通知书 (.docx: their scores, grade, rank and the comments, never who gave them). Both read the figures
from ``scoring.results`` (the one computation); the views check who may download what."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from zongheng.core.exports import workbook_bytes

from . import scoring
from .exports_tasks import _document, _save
from .models_evaluations import EvalRound, EvalScore, EvalSubject, EvalVote


def results_xlsx(round_: EvalRound) -> bytes:
    """Two sheets (``core.exports.workbook_bytes``: a comment typed as a formula is written as text): 评议结果
    (from ``scoring.results``) and 评分明细 (every vote: its group, its rater — or （匿名） — its item scores, total
    and comment). Four queries past the results' five, whatever the number of votes."""
    res = scoring.results(round_)
    results = (["名次", "述职人", "所在组织", *[f"{name}（{w}%）" for _, name, w in res.groups], "综合得分", "等次"],
               [[row.rank, row.name, row.org_name, *[g.mean for g in row.groups], row.total, row.grade]
                for row in res.rows])
    items = list(round_.items.values_list("pk", "title"))
    scores: dict[int, dict[int, Decimal]] = {}
    for vote_id, item_id, score in EvalScore.objects.filter(vote__round=round_).values_list("vote_id", "item_id",
                                                                                              "score"):
        scores.setdefault(vote_id, {})[item_id] = score
    votes = (EvalVote.objects.filter(round=round_).order_by("subject__org_path", "subject_id", "group__order", "pk")
             .values_list("pk", "subject__person__name", "group__name", "rater__person__name", "sheet__number",
                          "comment"))

    def detail() -> Iterator[list[Any]]:
        for pk, subject, group, rater, sheet, comment in votes:
            mine = scores.get(pk, {})
            who = "（匿名）" if round_.anonymous else (rater or f"纸质评分表 {sheet or ''}")
            yield [subject, group, who, *[mine.get(i) for i, _ in items], sum(mine.values()), comment]

    return workbook_bytes([
        ("评议结果", *results),
        ("评分明细", ["述职人", "评议主体", "评议人 / 评分表", *[title for _, title in items], "合计", "评议意见"],
         detail()),
    ])


def notice_docx(round_: EvalRound, subject: EvalSubject) -> bytes:
    res = scoring.results(round_)
    row = res.for_subject(subject.pk)
    ranked = sum(1 for r in res.rows if r.rank is not None)
    doc: Any = _document("述职评议结果通知书")
    doc.add_paragraph(f"{subject.person.name}同志（{subject.org.name}）：")
    doc.add_paragraph(f"{round_.org.name}{round_.period}「{round_.title}」结果如下。")
    if row is None or row.total is None:
        doc.add_paragraph("本轮没有收到对您的评分。")
    else:
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("评议主体", "权重", "平均分"), strict=True):
            cell.text = text
        for g in row.groups:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = g.name, f"{g.weight}%"
            cells[2].text = str(g.mean) if g.mean is not None else "无人评分"
        doc.add_paragraph(f"综合得分：{row.total}　等次：{row.grade or '—'}　名次：第 {row.rank} 名（共 {ranked} 人）")
    doc.add_paragraph("评议意见：")
    comments = scoring.comments_for(subject.pk)
    for c in comments or ["无"]:
        doc.add_paragraph(c, style="List Bullet")
    doc.add_paragraph(f"{round_.org.name}")
    return _save(doc)
