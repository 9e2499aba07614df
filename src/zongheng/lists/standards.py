"""The score card (标准化建设评分卡): the ONE scoring function of 1+9 standardisation.

For each organisation and quarter, the card lists the indicators of the general standard ("1") and of the
standard of the organisation's kind (one of the "9"), each with its value and score:

- a **computed** indicator reads ``core.indicators`` live (the module that owns the records computes it):
  score = max score × attainment (0–1), rounded to one decimal; an indicator with nothing to count this
  quarter (attainment None: no meeting was due, no pairing runs …) does not apply and counts neither in the
  total nor in the maximum;
- an **assessed** indicator reads its ``Assessment`` row; one not yet scored counts 0 and shows 待评分.

total = Σ scores of the applicable indicators; maximum = Σ their max scores; 得分率 = total ÷ maximum. A set
of cards is ranked by 得分率 (then total), competition ranking (1, 2, 2, 4). ``cards`` computes any number of
organisations in a constant number of queries: the framework (two), the organisations (one), the assessments
(one) and each computed indicator's own few — never one per organisation.

Nothing here is stored: the pages, the API, the export, the hub and the bench all call ``cards``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from zongheng.core import indicators as registry
from zongheng.core.indicators import OrgRef, Quarter
from zongheng.orgs.models import Org

from .models_standards import Assessment, Method, StandardFramework, StandardIndicator, StandardKind

TENTH = Decimal("0.1")
ID_LIST = 500  # up to this many organisations, their assessments are read by id


def score_of(max_score: Decimal, attainment: float) -> Decimal:
    """A computed indicator's score: max × attainment, one decimal (half up)."""
    return (max_score * Decimal(str(attainment))).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Target:
    """An organisation a card is computed for."""

    ref: OrgRef
    org_kind: str  # regular / functional / temp_branch …
    unit_type: str  # a stationed unit's type, "" otherwise
    level_name: str


@dataclass
class Line:
    indicator: StandardIndicator
    kind: StandardKind
    value: str
    score: Decimal | None  # None: does not apply this quarter
    url: str = ""
    assessment: Assessment | None = None

    @property
    def computed(self) -> bool:
        return self.indicator.method == Method.COMPUTED

    @property
    def pending(self) -> bool:
        return not self.computed and self.assessment is None

    @property
    def applies(self) -> bool:
        return self.score is not None


@dataclass
class Card:
    target: Target
    quarter: Quarter
    kind: StandardKind | None  # the organisation's own standard (one of the "9"); None: only the general one
    lines: list[Line] = field(default_factory=list)
    rank: int | None = None
    of: int | None = None  # the size of the set it was ranked in

    @property
    def org(self) -> OrgRef:
        return self.target.ref

    @property
    def total(self) -> Decimal:
        return sum((ln.score for ln in self.lines if ln.score is not None), Decimal(0))

    @property
    def maximum(self) -> Decimal:
        return sum((ln.indicator.max_score for ln in self.lines if ln.applies), Decimal(0))

    @property
    def rate(self) -> Decimal | None:
        return (self.total / self.maximum) if self.maximum else None

    @property
    def rate_text(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"

    @property
    def pending(self) -> int:
        return sum(1 for ln in self.lines if ln.pending)


# ---------------------------------------------------------------- the framework


@dataclass
class Framework:
    framework: StandardFramework | None
    kinds: list[StandardKind]
    items: dict[int, list[StandardIndicator]]  # kind id → its indicators

    @property
    def general(self) -> list[StandardKind]:
        return [k for k in self.kinds if k.general]

    def kind_of(self, target: Target) -> StandardKind | None:
        for k in self.kinds:
            if not k.general and k.matches(target.ref.level, target.org_kind, target.unit_type):
                return k
        return None

    def indicators_for(self, target: Target) -> list[tuple[StandardKind, StandardIndicator]]:
        own = self.kind_of(target)
        kinds = [*self.general, *([own] if own else [])]
        return [(k, ind) for k in kinds for ind in self.items.get(k.pk, [])]


def active_framework() -> Framework:
    """The active framework with its standards and indicators (two queries)."""
    fw = StandardFramework.objects.filter(active=True).order_by("id").first()
    if fw is None:
        return Framework(None, [], {})
    kinds = list(StandardKind.objects.filter(framework=fw).order_by("order", "id"))
    items: dict[int, list[StandardIndicator]] = {}
    for ind in StandardIndicator.objects.filter(kind__framework=fw).order_by("order", "id"):
        items.setdefault(ind.kind_id, []).append(ind)
    return Framework(fw, kinds, items)


# ---------------------------------------------------------------- organisations


def targets(orgs: QuerySet[Org]) -> list[Target]:
    """The organisations of ``orgs`` as card targets (one query)."""
    rows = orgs.values_list("pk", "path", "name", "level__code", "level__name", "kind", "unit__type").order_by("path")
    return [Target(OrgRef(pk, path, name, level or ""), kind, unit_type or "", level_name or "")
            for pk, path, name, level, level_name, kind, unit_type in rows]


# ---------------------------------------------------------------- the cards


def cards(orgs: Sequence[Target], quarter: Quarter, now: dt.datetime, fw: Framework | None = None) -> list[Card]:
    """The score cards of ``orgs`` for ``quarter`` as read at ``now`` (in the order given)."""
    fw = fw or active_framework()
    per_org = {t.ref.id: fw.indicators_for(t) for t in orgs}
    # Computed: one registry call per source, for the organisations whose card holds it.
    wanted: dict[str, list[OrgRef]] = {}
    for t in orgs:
        for _, ind in per_org[t.ref.id]:
            if ind.method == Method.COMPUTED:
                refs = wanted.setdefault(ind.source, [])
                if not refs or refs[-1].id != t.ref.id:
                    refs.append(t.ref)
    readings = {source: registry.compute(source, refs, quarter, now) for source, refs in wanted.items()}
    # Assessed: one query for the period over the smallest subtree holding the organisations.
    assessed = _assessments(orgs, quarter, fw)
    out = []
    for t in orgs:
        card = Card(t, quarter, fw.kind_of(t))
        for kind, ind in per_org[t.ref.id]:
            if ind.method == Method.COMPUTED:
                reading = readings.get(ind.source, {}).get(t.ref.id)
                if reading is None or reading.attainment is None:
                    card.lines.append(Line(ind, kind, reading.value if reading else "—", None,
                                           reading.url if reading else ""))
                else:
                    card.lines.append(Line(ind, kind, reading.value, score_of(ind.max_score, reading.attainment),
                                           reading.url))
            else:
                a = assessed.get((t.ref.id, ind.pk))
                card.lines.append(Line(ind, kind, "待评分" if a is None else f"{a.score}", Decimal(0) if a is None
                                       else a.score, assessment=a))
        out.append(card)
    return out


def _assessments(orgs: Sequence[Target], quarter: Quarter, fw: Framework) -> dict[tuple[int, int], Assessment]:
    if not orgs or fw.framework is None:
        return {}
    ids = {t.ref.id for t in orgs}
    rows = Assessment.objects.filter(period=quarter.key, indicator__kind__framework=fw.framework).order_by()
    if len(ids) <= ID_LIST:  # a page's few organisations: by id; the whole tree: by the subtree holding them
        rows = rows.filter(org_id__in=ids)
    else:
        rows = rows.filter(org_path__startswith=registry.common_prefix(t.ref.path for t in orgs))
    return {(a.org_id, a.indicator_id): a for a in rows if a.org_id in ids}


def ranked(items: Iterable[Card]) -> list[Card]:
    """The cards ranked by 得分率 then total (competition ranking); a card with nothing applicable ranks last."""
    def key(c: Card) -> tuple[Decimal, Decimal, str]:
        return (-(c.rate if c.rate is not None else Decimal(-1)), -c.total, c.org.path)

    out = sorted(items, key=key)
    for i, c in enumerate(out):
        prev = out[i - 1] if i else None
        same = prev is not None and prev.rate == c.rate and prev.total == c.total
        c.rank = prev.rank if same and prev is not None else i + 1
        c.of = len(out)
    return out


def card_for(org: Org, quarter: Quarter, now: dt.datetime) -> Card:
    """One organisation's card."""
    return cards(targets(Org.objects.filter(pk=org.pk)), quarter, now)[0]


def peers(parent: Org, level_code: str) -> QuerySet[Org]:
    """The organisations of a level inside ``parent``'s subtree (the set a ranking compares)."""
    return Org.objects.filter(path__startswith=parent.path, level__code=level_code).exclude(pk=parent.pk)


def ranking(parent: Org, level_code: str, quarter: Quarter, now: dt.datetime) -> list[Card]:
    """The cards of ``parent``'s subtree at a level, ranked inside it."""
    return ranked(cards(targets(peers(parent, level_code)), quarter, now))
