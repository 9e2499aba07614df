"""财政保障 in the demo district, generated from the seed (another seed: other but consistent figures).

``build(district, seed, year)`` writes the year before the article's and the article's year (2017 and 2018):
- the district's budget lines (2018: 2,000+万元 in all, grown over 2017 — "正常增长机制"), allocated early in the
  year to the 6 streets, which pass most of it on to their 31 communities; every organisation spends of what it
  holds through the year (never more: each allocation and spending is a share of what is left);
- each community's office space (2017: some below the standard; 2018: every one meets it — "在全市率先达标");
- each community's workers' pay (8–15 workers, posts and annual pay) above the city's reference, configured
  for both years ("全市最高" among the city's figures is not a record the platform holds; the pay page shows
  each community against the reference and ranked inside the district).
``build_live(district, seed, today)`` writes last year in full and this year with allocations in the first
quarter and spending up to today, so every page has live work.

Every row goes in with ``bulk_create``; nothing is typed as a total: the pages compute every figure.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.utils import timezone

from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org

from . import demo_words as words
from .models_funds import (
    BudgetCategory,
    BudgetLine,
    FundAccount,
    FundAllocation,
    FundSpending,
    OfficeSpace,
    PayReference,
    WorkerPay,
)

CITY = "安庆市"
SHARES = {BudgetCategory.SITE: 0.25, BudgetCategory.WORK: 0.20, BudgetCategory.PAY: 0.33,
          BudgetCategory.PROJECT: 0.14, BudgetCategory.ACTIVITY: 0.08}
POSTS = ["社区党委书记", "居委会主任", "社区党委副书记", "居委会副主任", "社区专职工作者", "社区专职工作者",
         "网格员", "网格员", "网格员"]
GIVEN = list("华明建国英玉芳秀兰军伟丽静敏强磊洋勇艳杰娟涛超霞平刚桂")
SPEND_PURPOSES = ["党群服务中心设施维护", "党员教育培训", "主题党日活动", "党建阵地标识更新", "志愿服务活动物资",
                  "困难党员走访慰问", "网格党支部工作经费", "党建项目实施", "社区活动场地租用", "学习资料印制"]
STANDARD = Decimal("300")


def _yuan(x: float) -> Decimal:
    return Decimal(int(x)).quantize(Decimal("0.01"))


def _thousands(x: float | Decimal) -> Decimal:
    """A budget figure as a district types it: whole thousands of yuan."""
    return Decimal(int(float(x) / 1000) * 1000).quantize(Decimal("0.01"))


class _Funds:
    def __init__(self, district: Org, rng: random.Random) -> None:
        self.district, self.rng = district, rng
        self.streets = list(Org.objects.filter(path__startswith=district.path, depth=district.depth + 1,
                                               kind=OrgKind.REGULAR, level__code="street").order_by("path"))
        self.communities: dict[int, list[Org]] = {
            s.pk: list(Org.objects.filter(path__startswith=s.path, depth=s.depth + 1, kind=OrgKind.REGULAR,
                                          level__code="community").order_by("path")) for s in self.streets}
        self.budgets: list[BudgetLine] = []
        self.allocations: list[FundAllocation] = []
        self.spendings: list[FundSpending] = []
        self.accounts: list[FundAccount] = []

    def all_communities(self) -> list[Org]:
        return [c for s in self.streets for c in self.communities[s.pk]]

    # ------------------------------------------------------------ money

    def year(self, year: int, total: Decimal, until: dt.date) -> None:
        """A year's budget, its allocation down (first quarter) and spending up to ``until``."""
        rng = self.rng
        left = total
        cats = list(SHARES)
        for i, cat in enumerate(cats):
            amount = left if i == len(cats) - 1 else _thousands(float(total) * SHARES[cat] * rng.uniform(0.9, 1.1))
            left -= amount
            self.budgets.append(BudgetLine(org=self.district, org_path=self.district.path, year=year, category=cat,
                                           amount=amount, note=f"{year}年城市基层党建专项经费"))
        holds: dict[int, Decimal] = {self.district.pk: total}
        orgs = [self.district, *self.streets, *self.all_communities()]
        self.accounts += [FundAccount(org=o, org_path=o.path, year=year) for o in orgs]
        start = dt.date(year, 1, 1)
        # District → streets: 55–70 % of the budget, by a weight per street (number of communities).
        down = float(total) * rng.uniform(0.55, 0.70)
        weights = [len(self.communities[s.pk]) * rng.uniform(0.8, 1.2) for s in self.streets]
        for street, w in zip(self.streets, weights, strict=True):
            amount = _yuan(down * w / sum(weights))
            self._allocate(self.district, street, amount, start + dt.timedelta(days=rng.randint(15, 60)), until,
                           holds, f"{year}年街道党建经费")
        # Streets → communities: 60–80 % of what each street received.
        for street in self.streets:
            kids = self.communities[street.pk]
            if not kids:
                continue
            share = float(holds.get(street.pk, Decimal(0))) * rng.uniform(0.6, 0.8)
            for kid in kids:
                amount = _yuan(share / len(kids) * rng.uniform(0.85, 1.0))
                self._allocate(street, kid, amount, start + dt.timedelta(days=rng.randint(61, 90)), until, holds,
                               f"{year}年社区党建工作经费")
        # Spending through the year: each organisation spends 65–95 % of what it holds, month by month.
        end = min(until, dt.date(year, 12, 31))
        for org in orgs:
            held = holds.get(org.pk, Decimal(0))
            if held <= 0:
                continue
            aim = float(held) * rng.uniform(0.65, 0.95)
            n = rng.randint(4, 10) if org.pk != self.district.pk else rng.randint(10, 18)
            first = 30 if org.pk == self.district.pk else 91  # after the money arrived (allocated by day 90)
            days = sorted(start + dt.timedelta(days=rng.randint(first, 364)) for _ in range(n))
            for day in days:
                if day > end:
                    continue
                amount = _yuan(aim / n * rng.uniform(0.7, 1.3))
                if amount <= 0 or amount > holds[org.pk]:
                    continue
                holds[org.pk] -= amount
                self.spendings.append(FundSpending(org=org, org_path=org.path, year=year, spent_on=day,
                                                   amount=amount, purpose=rng.choice(SPEND_PURPOSES)))

    def _allocate(self, giver: Org, receiver: Org, amount: Decimal, day: dt.date, until: dt.date,
                  holds: dict[int, Decimal], purpose: str) -> None:
        if day > until or amount <= 0 or amount > holds.get(giver.pk, Decimal(0)):
            return
        holds[giver.pk] -= amount
        holds[receiver.pk] = holds.get(receiver.pk, Decimal(0)) + amount
        self.allocations.append(FundAllocation(year=day.year, giver=giver, giver_path=giver.path, receiver=receiver,
                                               receiver_path=receiver.path, amount=amount, allocated_on=day,
                                               purpose=purpose))

    # ------------------------------------------------------------ space and pay

    def space(self, year: int, areas: dict[int, Decimal], *, all_meet: bool, until: dt.date) -> list[OfficeSpace]:
        rows = []
        rng = self.rng
        for i, c in enumerate(self.all_communities()):
            before = areas.get(c.pk)
            if before is None:  # the first year: spread around the standard, the first few below it
                area = Decimal(rng.randint(180, 290) if i % 7 == 0 else rng.randint(200, 460))
            else:
                area = (before * Decimal(str(round(rng.uniform(1.0, 1.25), 3)))).quantize(Decimal("1"))
            if all_meet and area < STANDARD:
                area = STANDARD + rng.randint(5, 120)
            areas[c.pk] = area
            day = min(dt.date(year, rng.randint(3, 9), rng.randint(1, 28)), until)
            rows.append(OfficeSpace(org=c, org_path=c.path, year=year, area=area, measured_on=day,
                                    note="社区党群服务中心办公和服务用房"))
        return rows

    def pay(self, year: int, reference: Decimal, staff: dict[int, list[tuple[str, str]]]) -> list[WorkerPay]:
        rng = self.rng
        rows = []
        for c in self.all_communities():
            people = staff.get(c.pk)
            if people is None:
                n = rng.randint(8, 15)
                names: set[str] = set()
                while len(names) < n:
                    names.add(rng.choice(words.SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))))
                people = [(name, POSTS[min(i, len(POSTS) - 1)]) for i, name in enumerate(sorted(names))]
                staff[c.pk] = people
            for name, post in people:
                lift = 1.30 if post in POSTS[:2] else 1.15 if post in POSTS[2:4] else 1.05
                pay = (reference * Decimal(str(round(lift * rng.uniform(1.0, 1.2), 4)))).quantize(
                    Decimal("100"), rounding=ROUND_DOWN)
                rows.append(WorkerPay(org=c, org_path=c.path, year=year, worker_name=name, post=post,
                                      annual_pay=pay))
        return rows

    def write(self, spaces: list[OfficeSpace], pays: list[WorkerPay]) -> None:
        FundAccount.objects.bulk_create(self.accounts, ignore_conflicts=True)
        BudgetLine.objects.bulk_create(self.budgets)
        FundAllocation.objects.bulk_create(self.allocations)
        FundSpending.objects.bulk_create(self.spendings)
        OfficeSpace.objects.bulk_create(spaces)
        WorkerPay.objects.bulk_create(pays)


def _total(rng: random.Random) -> Decimal:
    """The article's year: 2,000+万元 (20–24 million yuan)."""
    return _thousands(rng.uniform(20_000_000, 24_000_000))


def _reference(rng: random.Random, year: int) -> Decimal:
    return Decimal(int(36000 * (1.06 ** (year - 2017)) * rng.uniform(0.97, 1.03) / 100) * 100)


def _two_years(district: Org, rng: random.Random, year: int, total: Decimal, until: dt.date,
               log: Callable[[str], None]) -> None:
    f = _Funds(district, rng)
    last = _thousands(total / Decimal(str(round(1 + rng.uniform(0.08, 0.20), 3))))
    f.year(year - 1, last, dt.date(year - 1, 12, 31))
    f.year(year, total, until)
    areas: dict[int, Decimal] = {}
    spaces = f.space(year - 1, areas, all_meet=False, until=dt.date(year - 1, 12, 31))
    spaces += f.space(year, areas, all_meet=True, until=until)
    staff: dict[int, list[tuple[str, str]]] = {}
    pays = []
    for y in (year - 1, year):
        ref = _reference(rng, y)
        PayReference.objects.update_or_create(year=y, defaults={"city": CITY, "annual_pay": ref})
        pays += f.pay(y, ref, staff)
    f.write(spaces, pays)
    log(f"财政保障：{year - 1}、{year} 年预算 {last:,.0f} / {total:,.0f} 元，下拨 {len(f.allocations)} 笔、"
        f"支出 {len(f.spendings)} 笔；办公用房 {len(spaces)} 条、报酬 {len(pays)} 条")


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> None:
    log = log or (lambda _msg: None)
    if BudgetLine.objects.filter(org_path=district.path, year=year).exists():
        log(f"{year} 年党建经费已存在，不再生成")
        return
    rng = random.Random(seed * 101 + year)
    _two_years(district, rng, year, _total(rng), dt.date(year, 12, 31), log)


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> Any:
    log = log or (lambda _msg: None)
    today = today or timezone.localdate()
    if BudgetLine.objects.filter(org_path=district.path, year__in=[today.year - 1, today.year]).exists():
        log(f"{today.year} 年党建经费已存在，不再生成")
        return None
    rng = random.Random(seed * 103 + today.year)
    grown = _total(rng) * Decimal(str(round(1.07 ** (today.year - 2018), 4)))
    _two_years(district, rng, today.year, _thousands(grown), today, log)
    return None
