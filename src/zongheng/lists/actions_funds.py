"""Every write of 财政保障: set a budget line, allocate down the tree, record spending, reverse a wrong entry,
record a community's office space and its workers' pay, configure the space standard and the city's reference.

Each ``do_*`` runs in one transaction, checks the right through ``selectors_funds``, writes the audit record
and raises ``ActionError`` (Chinese) when refused — then nothing is written. Money only moves after the
organisation's year (``FundAccount``) is locked with ``select_for_update`` and its balance re-read from the
ledger, so two allocations or spendings arriving at once can never take more than the balance: the second waits
for the first and then sees what is left. Locks are always taken ancestor first (a giver before its receiver),
so two writers never wait on each other in a circle.

The year of an allocation or a spending is the year of its date (a reversal belongs to the year of what it
reverses).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.access import require_at_root
from zongheng.core.errors import ActionError
from zongheng.core.errors import checked_text as _text
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Level, Org

from . import funds
from . import selectors_funds as sel
from .actions_tasks import _check_upload as check_upload
from .models_funds import (
    BudgetCategory,
    BudgetLine,
    FundAccount,
    FundAllocation,
    FundSpending,
    OfficeSpace,
    PayReference,
    SpaceStandard,
    WorkerPay,
)

MONEY_MAX = Decimal("999999999999.99")
AREA_MAX = Decimal("999999.99")
ALLOCATION_FIELDS = ["year", "giver", "receiver", "amount", "allocated_on", "purpose", "reverses"]
SPENDING_FIELDS = ["org", "year", "spent_on", "amount", "purpose", "voucher", "reverses"]
SPACE_FIELDS = ["org", "year", "area", "measured_on", "note", "evidence"]
PAY_FIELDS = ["org", "year", "worker_name", "post", "annual_pay"]
NOT_YOURS = "您不能管理该单位的经费"


def amount_of(value: Any, label: str = "金额", *, limit: Decimal = MONEY_MAX, zero: bool = False) -> Decimal:
    """A typed amount (元 or m²): a number with at most two decimals, above zero, within ``limit``."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ActionError(f"{label}须为数字") from exc
    if not amount.is_finite():
        raise ActionError(f"{label}须为数字")
    if amount != amount.quantize(Decimal("0.01")):
        raise ActionError(f"{label}最多保留两位小数")
    if amount < 0 or (amount == 0 and not zero):
        raise ActionError(f"{label}须大于零")
    if amount > limit:
        raise ActionError(f"{label}过大")
    return amount.quantize(Decimal("0.01"))


def year_of(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise ActionError("年度须为四位数字") from exc
    if not 2000 <= year <= 2100:
        raise ActionError("年度须在 2000 到 2100 之间")
    return year


def _date(value: Any, label: str, today: dt.date) -> dt.date:
    if not isinstance(value, dt.date):
        raise ActionError(f"请填写{label}")
    if not 2000 <= value.year <= 2100:
        raise ActionError(f"{label}须在 2000 到 2100 年之间")
    if value > today:
        raise ActionError(f"{label}不能晚于今天")
    return value


def _by(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def lock_account(org: Org, year: int) -> FundAccount:
    """The organisation's year, created if new, locked until the transaction ends."""
    acc, _ = FundAccount.objects.get_or_create(org=org, year=year, defaults={"org_path": org.path})
    return FundAccount.objects.select_for_update().get(pk=acc.pk)


def _snap(row: Any, fields: list[str]) -> dict[str, Any]:
    """The audit snapshot, a file by its stored name."""
    out = audit.snapshot(row, [f for f in fields if f not in ("voucher", "evidence")])
    for name in ("voucher", "evidence"):
        if name in fields:
            out[name] = getattr(row, name).name or ""
    return out


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


# ---------------------------------------------------------------- budget


@transaction.atomic
def do_set_budget(user: Any, org: Org, year: Any, category: Any, amount: Any, note: Any = "") -> BudgetLine | None:
    """编制预算: set (or change) one line of a district's yearly budget; an amount of 0 removes the line. A cut
    may not leave the district's balance below zero (money already allocated or spent stays covered)."""
    if not isinstance(org, Org) or not sel.may_budget(user, org):
        raise ActionError("只有区（市）级组织部门可以编制本级党建经费预算")
    year = year_of(year)
    if category not in BudgetCategory.values:
        raise ActionError("请选择预算类别")
    amount = amount_of(amount, zero=True)
    note = _text(note, "说明", 200)
    lock_account(org, year)
    line = BudgetLine.objects.filter(org=org, year=year, category=category).first()
    old = line.amount if line else Decimal("0")
    if amount < old and funds.balance(org.path, year) - (old - amount) < 0:
        left = funds.balance(org.path, year)
        raise ActionError(f"调减后预算不足以覆盖已下拨和已支出的经费（当前余额 {_yuan(left)}）")
    before = audit.snapshot(line, ["category", "amount", "note"]) if line else None
    if amount == 0:
        if line is None:
            raise ActionError("该类别尚无预算，金额须大于零")
        audit.record(user, "lists.budget_set", line, before=before, after={"amount": "0"})
        line.delete()
        return None
    if line is None:
        line = BudgetLine(org=org, org_path=org.path, year=year, category=category, created_by=_by(user))
    line.amount, line.note = amount, note
    line.save()
    audit.record(user, "lists.budget_set", line, before=before,
                 after=audit.snapshot(line, ["category", "amount", "note"]))
    return line


# ---------------------------------------------------------------- allocation


@transaction.atomic
def do_allocate(user: Any, giver: Org, receiver: Org, amount: Any, allocated_on: Any, purpose: Any,
                *, today: dt.date | None = None) -> FundAllocation:
    """下拨: pass money from ``giver`` to an organisation inside its subtree, never more than the giver holds."""
    today = today or timezone.localdate()
    if not isinstance(giver, Org) or not sel.may_manage(user, giver):
        raise ActionError(NOT_YOURS)
    if not isinstance(receiver, Org) or not (receiver.path.startswith(giver.path) and receiver.depth > giver.depth):
        raise ActionError("只能下拨给本单位的下级组织")
    if not sel.may_manage(user, receiver):
        raise ActionError("接收单位不存在或不在您的管辖范围内")
    amount = amount_of(amount)
    day = _date(allocated_on, "下拨日期", today)
    purpose = _text(purpose, "用途", 200, required=True)
    lock_account(giver, day.year)
    left = funds.balance(giver.path, day.year)
    if amount > left:
        raise ActionError(f"可下拨余额不足：{giver.name}{day.year}年尚余 {_yuan(left)}，不能下拨 {_yuan(amount)}")
    FundAccount.objects.get_or_create(org=receiver, year=day.year, defaults={"org_path": receiver.path})
    row = FundAllocation.objects.create(year=day.year, giver=giver, giver_path=giver.path, receiver=receiver,
                                        receiver_path=receiver.path, amount=amount, allocated_on=day,
                                        purpose=purpose, created_by=_by(user))
    audit.record(user, "lists.fund_allocate", row, after=audit.snapshot(row, ALLOCATION_FIELDS),
                 org_path=giver.path)
    return row


@transaction.atomic
def do_reverse_allocation(user: Any, row: FundAllocation, reason: Any, *, today: dt.date | None = None
                          ) -> FundAllocation:
    """冲销下拨: take a wrong allocation back — only while the receiver still holds the money."""
    today = today or timezone.localdate()
    reason = _text(reason, "冲销理由", 180, required=True)
    if not sel.may_manage(user, row.giver):
        raise ActionError(NOT_YOURS)
    lock_account(row.giver, row.year)
    lock_account(row.receiver, row.year)
    row = FundAllocation.objects.select_related("giver", "receiver").get(pk=row.pk)
    if row.reverses_id is not None:
        raise ActionError("冲销记录不能再冲销")
    if FundAllocation.objects.filter(reverses=row).exists():
        raise ActionError("这笔下拨已经冲销过了")
    left = funds.balance(row.receiver_path, row.year)
    if left < row.amount:
        raise ActionError(f"{row.receiver.name}已将这笔经费下拨或支出（尚余 {_yuan(left)}），不能冲销")
    back = FundAllocation.objects.create(
        year=row.year, giver=row.giver, giver_path=row.giver_path, receiver=row.receiver,
        receiver_path=row.receiver_path, amount=-row.amount, allocated_on=max(today, row.allocated_on)
        if today.year == row.year else row.allocated_on, purpose=f"冲销：{reason}", reverses=row,
        created_by=_by(user))
    audit.record(user, "lists.fund_allocation_reverse", back, after=audit.snapshot(back, ALLOCATION_FIELDS),
                 org_path=row.giver_path)
    return back


# ---------------------------------------------------------------- spending


@transaction.atomic
def do_spend(user: Any, org: Org, amount: Any, spent_on: Any, purpose: Any, voucher: Any = None,
             *, today: dt.date | None = None) -> FundSpending:
    """登记支出: what the organisation spent of what it holds (never more than its balance)."""
    today = today or timezone.localdate()
    if not isinstance(org, Org) or not sel.may_manage(user, org):
        raise ActionError(NOT_YOURS)
    amount = amount_of(amount)
    day = _date(spent_on, "支出日期", today)
    purpose = _text(purpose, "用途", 200, required=True)
    lock_account(org, day.year)
    left = funds.balance(org.path, day.year)
    if amount > left:
        raise ActionError(f"余额不足：{org.name}{day.year}年尚余 {_yuan(left)}，不能支出 {_yuan(amount)}")
    row = FundSpending(org=org, org_path=org.path, year=day.year, spent_on=day, amount=amount, purpose=purpose,
                       created_by=_by(user))
    if voucher:
        check_upload(voucher, "凭证")
        row.voucher = voucher
    row.save()
    audit.record(user, "lists.fund_spend", row, after=_snap(row, SPENDING_FIELDS))
    return row


@transaction.atomic
def do_reverse_spending(user: Any, row: FundSpending, reason: Any, *, today: dt.date | None = None) -> FundSpending:
    """冲销支出: a wrong spending entry is undone by a negative entry (the ledger is never edited)."""
    today = today or timezone.localdate()
    reason = _text(reason, "冲销理由", 180, required=True)
    if not sel.may_manage(user, row.org):
        raise ActionError(NOT_YOURS)
    lock_account(row.org, row.year)
    row = FundSpending.objects.select_related("org").get(pk=row.pk)
    if row.reverses_id is not None:
        raise ActionError("冲销记录不能再冲销")
    if FundSpending.objects.filter(reverses=row).exists():
        raise ActionError("这笔支出已经冲销过了")
    back = FundSpending.objects.create(
        org=row.org, org_path=row.org_path, year=row.year,
        spent_on=max(today, row.spent_on) if today.year == row.year else row.spent_on, amount=-row.amount,
        purpose=f"冲销：{reason}", reverses=row, created_by=_by(user))
    audit.record(user, "lists.fund_spending_reverse", back, after=_snap(back, SPENDING_FIELDS))
    return back


# ---------------------------------------------------------------- office space and pay


@transaction.atomic
def do_record_space(user: Any, org: Org, area: Any, measured_on: Any, note: Any = "", evidence: Any = None,
                    *, today: dt.date | None = None) -> OfficeSpace:
    """登记办公用房: a community's area as measured on a day (one record per year; a new measurement replaces
    the year's, audited before and after)."""
    today = today or timezone.localdate()
    if not isinstance(org, Org) or org.level.code != sel.COMMUNITY or not sel.may_manage(user, org):
        raise ActionError("社区不存在或不在您的管辖范围内")
    area = amount_of(area, "面积", limit=AREA_MAX)
    day = _date(measured_on, "测量日期", today)
    note = _text(note, "说明", 200)
    row = OfficeSpace.objects.select_for_update().filter(org=org, year=day.year).first()
    before = _snap(row, SPACE_FIELDS) if row else None
    if row is None:
        row = OfficeSpace(org=org, org_path=org.path, year=day.year)
    row.area, row.measured_on, row.note, row.recorded_by = area, day, note, _by(user)
    if evidence:
        check_upload(evidence, "佐证附件")
        row.evidence = evidence
    row.save()
    audit.record(user, "lists.space_record", row, before=before, after=_snap(row, SPACE_FIELDS))
    return row


@transaction.atomic
def do_record_pay(user: Any, org: Org, year: Any, worker_name: Any, post: Any, annual_pay: Any) -> WorkerPay:
    """登记报酬: a worker's post and annual pay in a community for a year (the same name again changes it)."""
    if not isinstance(org, Org) or org.level.code != sel.COMMUNITY or not sel.may_manage(user, org):
        raise ActionError("社区不存在或不在您的管辖范围内")
    year = year_of(year)
    name = _text(worker_name, "姓名", 50, required=True)
    post = _text(post, "岗位", 40, required=True)
    pay = amount_of(annual_pay, "年报酬", limit=Decimal("9999999.99"))
    row = WorkerPay.objects.select_for_update().filter(org=org, year=year, worker_name=name).first()
    before = audit.snapshot(row, PAY_FIELDS) if row else None
    if row is None:
        row = WorkerPay(org=org, org_path=org.path, year=year, worker_name=name)
    row.post, row.annual_pay, row.recorded_by = post, pay, _by(user)
    row.save()
    audit.record(user, "lists.pay_record", row, before=before, after=audit.snapshot(row, PAY_FIELDS))
    return row


@transaction.atomic
def do_remove_pay(user: Any, row: WorkerPay) -> None:
    if not sel.may_manage(user, row.org):
        raise ActionError("社区不存在或不在您的管辖范围内")
    audit.record(user, "lists.pay_remove", row, before=audit.snapshot(row, PAY_FIELDS))
    row.delete()


# ---------------------------------------------------------------- configuration (the root)


@transaction.atomic
def do_set_space_standard(user: Any, level_code: Any, min_area: Any) -> SpaceStandard:
    """配置办公用房标准 (list.configure at the root)."""
    require_at_root(user, Perm.LIST_CONFIGURE)
    level = Level.objects.filter(code=str(level_code or "")).first()
    if level is None:
        raise ActionError("请选择层级")
    area = amount_of(min_area, "最低面积", limit=AREA_MAX)
    row = SpaceStandard.objects.select_for_update().filter(level=level).first()
    before = {"min_area": str(row.min_area)} if row else None
    row = row or SpaceStandard(level=level)
    row.min_area = area
    row.save()
    audit.record(user, "lists.space_standard", row, before=before, after={"level": level.code, "min_area": str(area)})
    return row


@transaction.atomic
def do_set_pay_reference(user: Any, year: Any, city: Any, annual_pay: Any) -> PayReference:
    """配置全市社区工作者报酬参考 (list.configure at the root)."""
    require_at_root(user, Perm.LIST_CONFIGURE)
    year = year_of(year)
    city = _text(city, "城市", 40, required=True)
    pay = amount_of(annual_pay, "人均年报酬", limit=Decimal("9999999.99"))
    row = PayReference.objects.select_for_update().filter(year=year).first()
    before = audit.snapshot(row, ["year", "city", "annual_pay"]) if row else None
    row = row or PayReference(year=year)
    row.city, row.annual_pay = city, pay
    row.save()
    audit.record(user, "lists.pay_reference", row, before=before,
                 after=audit.snapshot(row, ["year", "city", "annual_pay"]))
    return row
