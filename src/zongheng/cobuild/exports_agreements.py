"""The .xlsx lists of claim agreements, items and pairings (what the list pages show, filtered alike)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse

from zongheng.core.exports import xlsx_response

from .models import Agreement, AgreementItem, Pairing
from .pace import pace
from .selectors_agreements import item_flags


def _d(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def agreements_xlsx(qs: QuerySet[Agreement]) -> HttpResponse:
    headers = ["名称", "街道/社区", "认领单位", "签订日期", "履行开始", "履行结束", "状态", "认领项目数",
               "已完成项目数", "说明"]

    def rows() -> Iterator[Sequence[Any]]:
        for a in qs.iterator(chunk_size=2000):
            yield [a.title, a.org.name, a.unit.name, _d(a.signed_on), _d(a.starts_on), _d(a.ends_on),
                   a.get_state_display(), getattr(a, "item_count", ""), getattr(a, "done_count", ""), a.note]

    return xlsx_response("项目认领书.xlsx", "项目认领书", headers, rows())


def items_xlsx(qs: QuerySet[AgreementItem], today: dt.date) -> HttpResponse:
    headers = ["项目", "类别", "认领书", "街道/社区", "认领单位", "目标", "街道/社区责任人", "单位责任人", "完成时限",
               "进度（%）", "状态", "逾期", "完成日期", "按期完成", "解决问题数", "完成情况"]

    def rows() -> Iterator[Sequence[Any]]:
        for i in qs.iterator(chunk_size=2000):
            a = i.agreement
            yield [i.title, i.get_kind_display(), a.title, a.org.name, a.unit.name, i.target, i.org_owner,
                   i.unit_owner, _d(i.due_on), i.progress, i.get_state_display(),
                   "是" if item_flags(i, today)["overdue"] else "", _d(i.completed_on),
                   ("是" if i.on_time else "否") if i.completed_on else "", i.problems_solved, i.result]

    return xlsx_response("认领项目.xlsx", "认领项目", headers, rows())


def pairings_xlsx(qs: QuerySet[Pairing], today: dt.date) -> HttpResponse:
    headers = ["社区", "结对对象", "结对单位/外地社区", "所在省市", "结对日期", "结束日期", "每年至少活动次数",
               f"{today.year}年已开展", "按进度应开展", "落后于进度"]

    def rows() -> Iterator[Sequence[Any]]:
        for p in qs.iterator(chunk_size=2000):
            pc = pace(p, today)
            yield [p.org.name, p.get_partner_kind_display(), p.partner_label, p.partner_region, _d(p.starts_on),
                   _d(p.ends_on), p.required_per_year, pc.held, pc.expected, "是" if pc.behind else ""]

    return xlsx_response("结对共建.xlsx", "结对共建", headers, rows())
