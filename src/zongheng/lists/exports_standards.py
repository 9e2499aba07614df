"""Export of 标准化建设: the quarter's score cards of a subtree's level, ranked, as .xlsx (the ranking page's
set, scoped the same way). Every figure comes from ``standards.cards``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse

from zongheng.core.exports import xlsx_response

from .standards import Card


def cards_xlsx(filename: str, title: str, cards: Sequence[Card]) -> HttpResponse:
    columns: dict[int, str] = {}
    for card in cards:
        for line in card.lines:
            columns.setdefault(line.indicator.pk, f"{line.indicator.name}（{line.indicator.max_score}分）")
    headers = ["排名", "组织", "层级", "适用标准", "得分", "满分", "得分率", "待评分指标", *columns.values()]

    def rows() -> Any:
        for card in cards:
            by_ind = {ln.indicator.pk: ln for ln in card.lines}
            cells: list[Any] = []
            for pk in columns:
                ln = by_ind.get(pk)
                if ln is None:
                    cells.append("")
                elif not ln.applies:
                    cells.append("不适用")
                elif ln.pending:
                    cells.append("待评分")
                else:
                    cells.append(float(ln.score or 0))
            yield [card.rank, card.org.name, card.target.level_name, card.kind.name if card.kind else "通用标准",
                   float(card.total), float(card.maximum), card.rate_text, card.pending, *cells]

    return xlsx_response(filename, title, headers, rows())
