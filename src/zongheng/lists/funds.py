"""财政保障's figures: the ONE place every funds, office-space and pay figure is computed, one function each.

Pages, the API, the exports, the hub and the dashboard (issue 11) call these; nothing stores a total. Money is
yuan as ``Decimal`` with two decimals; a growth or a share is a ``Decimal`` percentage with one decimal, or
``None`` when there is nothing to compare with ("no records" — never a made-up 0).

An organisation's own account in a year (``account``):
    budget (its budget lines) + received (allocations to it) − allocated (allocations from it) − spent = balance.
A subtree's (``subtree`` and, per child in one grouped query each, ``children``):
    budget (lines inside) + inflow (allocations from above into it) − spent (inside) = balance held inside.
Allocations only go down inside the giver's subtree, so nothing flows out of a subtree except spending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Length, Substr

from zongheng.core.access import steplen
from zongheng.orgs.models import Org

from .models_funds import BudgetLine, FundAllocation, FundSpending, OfficeSpace, PayReference, SpaceStandard, WorkerPay

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
COMMUNITY = "community"
NO_RECORDS = "暂无记录"


def _sum(qs: QuerySet[Any], name: str = "amount") -> Decimal:
    value = qs.aggregate(s=Sum(name))["s"]
    return Decimal(value or 0).quantize(Decimal("0.01"))


def percent(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """part / whole as a percentage with one decimal; None when whole is zero or missing."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def growth(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Year-on-year growth in % (one decimal); None when last year has no records (nothing to grow from)."""
    if current is None or not previous:
        return None
    return percent(Decimal(current) - Decimal(previous), previous)


# ---------------------------------------------------------------- one organisation's account


@dataclass(frozen=True)
class Account:
    """经费账户: an organisation's own money in a year."""

    budget: Decimal
    received: Decimal
    allocated: Decimal
    spent: Decimal

    @property
    def balance(self) -> Decimal:
        return self.budget + self.received - self.allocated - self.spent

    @property
    def spent_share(self) -> Decimal | None:
        return percent(self.spent, self.budget + self.received)


def budget(path: str, year: int) -> Decimal:
    """预算: the sum of the organisation's budget lines of the year."""
    return _sum(BudgetLine.objects.filter(org_path=path, year=year))


def received(path: str, year: int) -> Decimal:
    """收到下拨: allocations to the organisation (reversals subtract)."""
    return _sum(FundAllocation.objects.filter(receiver_path=path, year=year))


def allocated(path: str, year: int) -> Decimal:
    """下拨: allocations from the organisation to its subtree (reversals subtract)."""
    return _sum(FundAllocation.objects.filter(giver_path=path, year=year))


def spent(path: str, year: int) -> Decimal:
    """支出: the organisation's own spending (reversals subtract)."""
    return _sum(FundSpending.objects.filter(org_path=path, year=year))


def account(path: str, year: int) -> Account:
    """All four of an organisation's own figures (three queries)."""
    flows = FundAllocation.objects.filter(Q(receiver_path=path) | Q(giver_path=path), year=year).aggregate(
        got=Sum("amount", filter=Q(receiver_path=path)), gave=Sum("amount", filter=Q(giver_path=path)))
    return Account(budget=budget(path, year), received=Decimal(flows["got"] or 0).quantize(Decimal("0.01")),
                   allocated=Decimal(flows["gave"] or 0).quantize(Decimal("0.01")), spent=spent(path, year))


def balance(path: str, year: int) -> Decimal:
    """余额: what the organisation holds and may still allocate or spend."""
    return account(path, year).balance


# ---------------------------------------------------------------- subtrees


@dataclass
class Subtree:
    """A subtree's money in a year: its budget lines, what came from above, what was spent inside."""

    budget: Decimal = ZERO
    inflow: Decimal = ZERO
    spent: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.budget + self.inflow

    @property
    def balance(self) -> Decimal:
        return self.total - self.spent

    @property
    def spent_share(self) -> Decimal | None:
        return percent(self.spent, self.total)


def subtree(path: str, year: int) -> Subtree:
    """The subtree of ``path`` as one (three queries)."""
    return children(path, year, [path], own=True).get(path, Subtree())


def children(parent_path: str, year: int, child_paths: list[str] | None = None, *, own: bool = False
             ) -> dict[str, Subtree]:
    """{child path: Subtree} for the direct children of ``parent_path`` (or, with ``own``, for ``parent_path``
    itself): three GROUP BY queries whatever the size of the tree. ``child_paths`` limits the answer to those."""
    n = len(parent_path) + (0 if own else steplen())
    out: dict[str, Subtree] = {p: Subtree() for p in (child_paths or [])}

    def grouped(qs: QuerySet[Any], path_field: str) -> list[tuple[str, Decimal]]:
        qs = qs.annotate(_len=Length(path_field)).filter(_len__gte=n)
        rows = (qs.annotate(head=Substr(path_field, 1, n)).values("head").annotate(s=Sum("amount"))
                .values_list("head", "s"))
        return [(head, Decimal(s or 0).quantize(CENT)) for head, s in rows]

    prefix = {"org_path__startswith": parent_path}
    for head, s in grouped(BudgetLine.objects.filter(year=year, **prefix), "org_path"):
        out.setdefault(head, Subtree()).budget = s
    # From above: the giver is outside the child's subtree (allocations go down, so: a shorter path).
    inflow = (FundAllocation.objects.filter(year=year, receiver_path__startswith=parent_path)
              .annotate(_glen=Length("giver_path")).filter(_glen__lt=n))
    for head, s in grouped(inflow, "receiver_path"):
        out.setdefault(head, Subtree()).inflow = s
    for head, s in grouped(FundSpending.objects.filter(year=year, **prefix), "org_path"):
        out.setdefault(head, Subtree()).spent = s
    if child_paths is not None:
        return {p: out[p] for p in child_paths}
    return out


def budget_series(path: str, years: list[int]) -> dict[int, Decimal]:
    """{year: budget} of an organisation for the years asked (one query) — the 正常增长机制 year by year."""
    rows = dict(BudgetLine.objects.filter(org_path=path, year__in=years).values("year")
                .annotate(s=Sum("amount")).values_list("year", "s"))
    return {y: Decimal(rows.get(y) or 0).quantize(Decimal("0.01")) for y in years}


def budget_growth(path: str, year: int) -> Decimal | None:
    """Budget growth over last year in % (None when last year had no budget)."""
    series = budget_series(path, [year - 1, year])
    return growth(series[year], series[year - 1])


def budget_by_category(path: str, year: int) -> dict[str, Decimal]:
    """{category: amount} of an organisation's budget (one query)."""
    return {c: Decimal(s) for c, s in BudgetLine.objects.filter(org_path=path, year=year).values("category")
            .annotate(s=Sum("amount")).values_list("category", "s")}


# ---------------------------------------------------------------- office space


@dataclass(frozen=True)
class SpaceRow:
    org: Org
    area: Decimal | None  # None: no measurement recorded for the year
    standard: Decimal | None

    @property
    def meets(self) -> bool:
        return self.area is not None and self.standard is not None and self.area >= self.standard


def communities(path: str) -> QuerySet[Org]:
    """The communities (standing ones) in the subtree of ``path``."""
    return Org.objects.filter(path__startswith=path, level__code=COMMUNITY, kind="regular")


def space_standard(level_code: str = COMMUNITY) -> Decimal | None:
    """The configured least area (m²) for a level, or None when none is configured."""
    value = SpaceStandard.objects.filter(level__code=level_code).values_list("min_area", flat=True).first()
    return Decimal(value) if value is not None else None


def space_rows(path: str, year: int, orgs: list[Org] | None = None) -> list[SpaceRow]:
    """Each community's area against the standard (three queries; ``orgs`` a page of the communities)."""
    orgs = list(communities(path).order_by("path")) if orgs is None else orgs
    areas = dict(OfficeSpace.objects.filter(year=year, org__in=orgs).values_list("org_id", "area"))
    standard = space_standard()
    return [SpaceRow(o, Decimal(areas[o.pk]) if o.pk in areas else None, standard) for o in orgs]


@dataclass(frozen=True)
class SpaceFigures:
    communities: int
    measured: int
    meeting: int
    total_area: Decimal
    standard: Decimal | None

    @property
    def share(self) -> Decimal | None:
        """The share of communities meeting the standard (of all communities in the subtree)."""
        return percent(self.meeting, self.communities)


def space_figures(path: str, year: int) -> SpaceFigures:
    """How many communities meet the office-space standard, of how many (three queries)."""
    standard = space_standard()
    rows = OfficeSpace.objects.filter(year=year, org_path__startswith=path, org__level__code=COMMUNITY,
                                      org__kind="regular")
    agg = rows.aggregate(n=Count("pk"), total=Coalesce(Sum("area"), ZERO),
                         ok=Count("pk", filter=Q(area__gte=standard) if standard is not None else Q(pk__in=[])))
    return SpaceFigures(communities=communities(path).count(), measured=agg["n"], meeting=agg["ok"],
                        total_area=Decimal(agg["total"]), standard=standard)


def space_growth(path: str, year: int) -> Decimal | None:
    """增空间: growth of the communities' total office area over last year in % (None without last year's)."""
    totals = dict(OfficeSpace.objects.filter(org_path__startswith=path, year__in=[year - 1, year],
                                             org__level__code=COMMUNITY)
                  .values("year").annotate(s=Sum("area")).values_list("year", "s"))
    return growth(totals.get(year), totals.get(year - 1))


# ---------------------------------------------------------------- workers' pay


@dataclass(frozen=True)
class PayRow:
    org_id: int
    org_path: str
    headcount: int
    total: Decimal

    @property
    def average(self) -> Decimal:
        return (self.total / self.headcount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def pay_reference(year: int) -> PayReference | None:
    """The city's configured reference pay for the year (None when not configured)."""
    return PayReference.objects.filter(year=year).first()


def pay_rows(path: str, year: int) -> list[PayRow]:
    """Per community: headcount and total pay of its workers, highest average first (one query)."""
    rows = (WorkerPay.objects.filter(org_path__startswith=path, year=year).values("org_id", "org_path")
            .annotate(n=Count("pk"), s=Sum("annual_pay")).values_list("org_id", "org_path", "n", "s"))
    out = [PayRow(org_id, org_path, n, Decimal(s)) for org_id, org_path, n, s in rows]
    return sorted(out, key=lambda r: (-r.average, r.org_path))


def pay_average(path: str, year: int) -> Decimal | None:
    """The average annual pay per worker in the subtree (None without records)."""
    agg = WorkerPay.objects.filter(org_path__startswith=path, year=year).aggregate(n=Count("pk"), s=Sum("annual_pay"))
    if not agg["n"]:
        return None
    return (Decimal(agg["s"]) / agg["n"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def pay_ratio(average: Decimal | None, reference: Decimal | None) -> Decimal | None:
    """Average pay against the city's reference, in % (None when either is missing)."""
    return percent(average, reference)


def pay_rank(rows: list[PayRow], org_id: int) -> tuple[int, int] | None:
    """(rank, of how many) of a community by average pay among ``rows`` (ties share a rank)."""
    mine = next((r for r in rows if r.org_id == org_id), None)
    if mine is None:
        return None
    return 1 + sum(1 for r in rows if r.average > mine.average), len(rows)


def pay_growth(path: str, year: int) -> Decimal | None:
    """增报酬: growth of the average pay per worker over last year in % (None without last year's records)."""
    return growth(pay_average(path, year), pay_average(path, year - 1))


# ---------------------------------------------------------------- 三增三减


@dataclass(frozen=True)
class Figure:
    label: str
    value: Decimal | None  # None: no records show it
    note: str = ""
    url_name: str = ""
    unit: str = "%"

    @property
    def text(self) -> str:
        return NO_RECORDS if self.value is None else f"{self.value}{self.unit}"


@dataclass(frozen=True)
class ThreeUpThreeDown:
    """三增三减: 增报酬、增空间、增权力; 减负、减压、减责 — only what the records can show."""

    figures: list[Figure] = field(default_factory=list)


def raise_pay(path: str, year: int) -> Figure:
    return Figure("增报酬", pay_growth(path, year), "社区工作者人均年报酬较上年增长", "lists:funds_pay")


def raise_space(path: str, year: int) -> Figure:
    return Figure("增空间", space_growth(path, year), "社区办公用房总面积较上年增长", "lists:funds_space")


def raise_power(path: str, year: int) -> Figure:
    """增权力: no record of the platform shows it (the rights given to communities are not recorded)."""
    return Figure("增权力", None, "平台没有记录社区权力清单")


def reduce_load(path: str, year: int) -> Figure:
    return Figure("减负", None, "平台没有记录考核、台账事项的减少")


def reduce_pressure(path: str, year: int) -> Figure:
    return Figure("减压", None, "平台没有记录下派事项的减少")


def reduce_duty(path: str, year: int) -> Figure:
    return Figure("减责", None, "平台没有记录社区责任事项的减少")


def three_up_three_down(path: str, year: int) -> ThreeUpThreeDown:
    return ThreeUpThreeDown([f(path, year) for f in (raise_pay, raise_space, raise_power, reduce_load,
                                                        reduce_pressure, reduce_duty)])

