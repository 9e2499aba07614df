"""The year's funds table of an organisation as .xlsx (scoped like the pages): its own account and each direct
child's subtree (budget, from above, spent, balance), then the allocations and the spending of the subtree."""

from __future__ import annotations

from typing import Any

from zongheng.core.exports import Sheet, workbook_bytes
from zongheng.orgs.models import Org

from . import funds
from . import selectors_funds as sel
from .exports_tasks import download

__all__ = ["download", "funds_xlsx"]


def funds_xlsx(user: Any, org: Org, year: int) -> bytes:
    acc = funds.account(org.path, year)
    sub = funds.subtree(org.path, year)
    kids = list(sel.children_of(org))
    roll = funds.children(org.path, year, [k.path for k in kids])
    head = ["单位", "预算（元）", "上级下拨（元）", "支出（元）", "余额（元）", "支出占比（%）"]
    rows: list[list[Any]] = [
        [f"{org.name}（本级）", acc.budget, acc.received, acc.spent, acc.balance, acc.spent_share],
        [f"{org.name}（含下级合计）", sub.budget, sub.inflow, sub.spent, sub.balance, sub.spent_share],
    ]
    rows += [[k.name, roll[k.path].budget, roll[k.path].inflow, roll[k.path].spent, roll[k.path].balance,
              roll[k.path].spent_share] for k in kids]
    sheets: list[Sheet] = [(f"{year}年经费总表", head, rows)]
    allocs = (sel.allocations(user).filter(year=year, receiver_path__startswith=org.path)
              .order_by("allocated_on", "id"))
    sheets.append(("下拨明细", ["日期", "下拨单位", "接收单位", "金额（元）", "用途", "冲销"], (
        [a.allocated_on, a.giver.name, a.receiver.name, a.amount, a.purpose, "是" if a.reverses_id else ""]
        for a in allocs.iterator(chunk_size=500))))
    spends = sel.spendings(user).filter(year=year, org_path__startswith=org.path).order_by("spent_on", "id")
    sheets.append(("支出明细", ["日期", "单位", "金额（元）", "用途", "冲销"], (
        [s.spent_on, s.org.name, s.amount, s.purpose, "是" if s.reverses_id else ""]
        for s in spends.iterator(chunk_size=500))))
    return workbook_bytes(sheets)
