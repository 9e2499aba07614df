"""Reads of the points part (积分): every figure is computed from the ledger (``PointEntry``), never typed.

Who sees what: a member their own entries and claims; a user holding ``member.view`` the members managed in,
or registered (双联双管) with, an organisation of their scope — their totals, the distribution inside that
organisation, and each one's ledger. Nothing here ranks members beyond a scope: there is no public table.

An organisation's members: the party members whose managing organisation (``org_path``) or registered
community (``registered_path``) lies in its subtree, each counted once. Per child organisation the same
rule applies, so a 双联双管 member is counted once at the child that manages them and once at the community
they registered with (when that is another child): the children's rows may add up to more than the whole.

Every function runs a constant number of queries whatever the number of members or entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr

from zongheng.core.access import has_perm, in_scope, path_q, scope_paths, steplen
from zongheng.core.collation import Pinyin
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person
from zongheng.orgs.resolve import pick_one, refusal

from .choices import ClaimState, Deed
from .models import PointClaim, PointEntry, PointItem, PointRule, RuleSet
from .points import pick_rule_set, rule_set_codes

# Distribution bands of a member's points in a year: (lowest, highest or None, label).
BANDS: list[tuple[int, int | None, str]] = [
    (0, 0, "0 分"), (1, 9, "1–9 分"), (10, 29, "10–29 分"), (30, 59, "30–59 分"), (60, None, "60 分及以上")]
SELF_KEY = "self"  # the row of members managed at the organisation itself
REGISTERED_KEY = "registered"  # the row of members registered (报到) with the organisation itself


# ---------------------------------------------------------------- one member's year total


def year_total(year: int) -> Coalesce:
    """A member's points in ``year`` (0 for none): a correlated sum over the index (person, year)."""
    entries = (PointEntry.objects.filter(person=OuterRef("pk"), year=year).order_by().values("person")
               .annotate(s=Sum("points")).values("s"))
    return Coalesce(Subquery(entries, output_field=IntegerField()), Value(0))


def members_below(path: str) -> Q:
    """Party members managed in, or registered with, the subtree at ``path``."""
    return Q(is_party_member=True) & (Q(org_path__startswith=path) | Q(registered_path__startswith=path))


def members_in_scope(user: Any, perm: str = Perm.MEMBER_VIEW) -> QuerySet[Person]:
    paths = scope_paths(user, perm)
    return Person.objects.filter(Q(is_party_member=True) & (path_q("org_path", paths)
                                                           | path_q("registered_path", paths)))


def _band_q(index: int) -> Q:
    low, high, _ = BANDS[index]
    return Q(total__gte=low) if high is None else Q(total__gte=low, total__lte=high)


def _aggregates() -> dict[str, Any]:
    out: dict[str, Any] = {"members": Count("pk"), "points": Sum("total"),
                           "with_points": Count("pk", filter=Q(total__gt=0))}
    out.update({f"b{i}": Count("pk", filter=_band_q(i)) for i in range(len(BANDS))})
    return out


@dataclass
class Totals:
    members: int = 0
    points: int = 0
    with_points: int = 0
    bands: list[int] = field(default_factory=lambda: [0] * len(BANDS))

    @property
    def average(self) -> float | None:
        return self.points / self.members if self.members else None

    @property
    def average_text(self) -> str:
        return "—" if self.average is None else f"{self.average:.1f}"

    def add(self, other: Totals) -> None:
        self.members += other.members
        self.points += other.points
        self.with_points += other.with_points
        self.bands = [a + b for a, b in zip(self.bands, other.bands, strict=True)]

    def band_rows(self) -> list[tuple[str, int]]:
        return [(label, n) for (_, _, label), n in zip(BANDS, self.bands, strict=True)]


def _totals(row: dict[str, Any]) -> Totals:
    return Totals(members=row["members"] or 0, points=row["points"] or 0, with_points=row["with_points"] or 0,
                  bands=[row[f"b{i}"] or 0 for i in range(len(BANDS))])


def totals_of(qs: QuerySet[Person], year: int) -> Totals:
    """The totals of the members ``qs`` holds (one query)."""
    return _totals(qs.annotate(total=year_total(year)).aggregate(**_aggregates()))


def org_totals(org: Org, year: int) -> Totals:
    """An organisation's members (each once), their points in ``year`` and the distribution (one query)."""
    return totals_of(Person.objects.filter(members_below(org.path)), year)


@dataclass
class ChildRow:
    key: str  # a child's path, SELF_KEY or REGISTERED_KEY
    label: str
    org_id: int | None  # the child organisation (a drill-down link), None for the organisation's own rows
    totals: Totals


def child_totals(org: Org, year: int) -> list[ChildRow]:
    """Per child organisation (and the organisation's own members, and those registered with it itself): the
    members, their points in ``year``, the average and the distribution. Three queries: one grouped by the
    managing organisation's child, one grouped by the registered community's child (members already counted at
    that child leave it), and the children's names."""
    n = len(org.path) + steplen()
    base = Person.objects.filter(is_party_member=True).annotate(total=year_total(year))
    managed = (base.filter(org_path__startswith=org.path).annotate(node=Substr("org_path", 1, n))
               .values("node").annotate(**_aggregates()).order_by())
    registered = (base.filter(registered_path__startswith=org.path)
                  .annotate(node=Substr("registered_path", 1, n), managed_node=Substr("org_path", 1, n))
                  .exclude(node=F("managed_node")).values("node").annotate(**_aggregates()).order_by())
    rows: dict[str, Totals] = defaultdict(Totals)
    for row in managed:
        rows[SELF_KEY if row["node"] == org.path else row["node"]].add(_totals(row))
    for row in registered:
        rows[REGISTERED_KEY if row["node"] == org.path else row["node"]].add(_totals(row))
    paths = [key for key in rows if key not in (SELF_KEY, REGISTERED_KEY)]
    found = {o["path"]: o for o in Org.objects.filter(path__in=paths).values("path", "pk", "name")} if paths else {}
    out = []
    for key in sorted(rows, key=lambda k: (k in (SELF_KEY, REGISTERED_KEY), k)):
        if key == SELF_KEY:
            out.append(ChildRow(key, f"{org.name}本级", None, rows[key]))
        elif key == REGISTERED_KEY:
            out.append(ChildRow(key, f"到{org.name}报到的党员（双联双管）", None, rows[key]))
        elif key in found:
            out.append(ChildRow(key, found[key]["name"], found[key]["pk"], rows[key]))
    return out


MEMBER_ORDERS = {"name": "按姓名", "total": "按积分（高到低）", "total_asc": "按积分（低到高）"}


def member_rows(org: Org, year: int, order: str = "name", q: str = "") -> QuerySet[Person]:
    """The members of ``org`` with their points in ``year`` (``total``), sorted by name or total; for a
    paginated table inside the user's scope."""
    qs = (Person.objects.filter(members_below(org.path)).annotate(total=year_total(year))
          .select_related("org", "registered_org"))
    q = q.strip()[:50]
    if q:
        qs = qs.filter(name__icontains=q)
    if order == "total":
        return qs.order_by(F("total").desc(), Pinyin("name").asc(), "pk")
    if order == "total_asc":
        return qs.order_by("total", Pinyin("name").asc(), "pk")
    return qs.order_by(Pinyin("name").asc(), "pk")


def scope_orgs(user: Any) -> QuerySet[Org]:
    return Org.objects.restrict(user, Perm.MEMBER_VIEW)


def parent_in_scope(user: Any, org: Org) -> Org | None:
    """The organisation above ``org`` when the user may open it (one query)."""
    if org.depth <= 1:
        return None
    return scope_orgs(user).filter(path=org.path[:-steplen()]).first()


# ---------------------------------------------------------------- a member's ledger


def member_years(person_id: int, today: dt.date) -> list[int]:
    """The years the member's ledger holds, and this year (one query)."""
    years = set(PointEntry.objects.filter(person_id=person_id).values_list("year", flat=True).distinct())
    years.add(today.year)
    return sorted(years, reverse=True)


@dataclass
class ItemBlock:
    item: PointItem | None
    points: int
    entries: list[PointEntry]


@dataclass
class Ledger:
    year: int
    total: int
    blocks: list[ItemBlock]  # one per 八带头 item holding entries, in the items' order
    entries: list[PointEntry]


def ledger(person_id: int, year: int) -> Ledger:
    """A member's entries of ``year`` grouped by 八带头 item, each with its item's total (one query)."""
    entries = list(PointEntry.objects.filter(person_id=person_id, year=year)
                   .select_related("item", "corrects", "created_by").order_by("occurred_on", "id"))
    by_item: dict[int | None, list[PointEntry]] = defaultdict(list)
    for e in entries:
        by_item[e.item_id].append(e)
    blocks = [ItemBlock(rows[0].item, sum(e.points for e in rows), rows) for rows in by_item.values()]
    blocks.sort(key=lambda b: (b.item is None, b.item.order if b.item else 0, b.item.pk if b.item else 0))
    return Ledger(year, sum(e.points for e in entries), blocks, entries)


def counts_now(entries: Iterable[PointEntry]) -> dict[str, int]:
    """What each deed (source) counts after its corrections, from entries already read."""
    out: dict[str, int] = defaultdict(int)
    for e in entries:
        out[e.source] += e.points
    return out


# ---------------------------------------------------------------- where an entry's deed is (its row)

SourceLinks = Callable[[Any, list[int]], dict[int, str]]
_LINKS: dict[str, SourceLinks] = {}


def register_source_link(prefix: str, fn: SourceLinks) -> None:
    """How to link the deed of a source ``<prefix>:<id>`` (``demand:88``): ``fn(user, ids)`` → {id: url} for
    the ids the user may open (one query for all of them); an id left out is shown without a link."""
    _LINKS[prefix] = fn


def source_links(user: Any, entries: Iterable[PointEntry]) -> dict[str, str]:
    """{source: url} for the entries' deeds the user may open: one query per kind of deed present."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in entries:
        prefix, _, text = e.source.rpartition(":")
        if prefix in _LINKS and text.isdigit():
            wanted[prefix].add(int(text))
    out: dict[str, str] = {}
    for prefix, ids in wanted.items():
        for pk, url in _LINKS[prefix](user, sorted(ids)).items():
            out[f"{prefix}:{pk}"] = url
    return out


# ---------------------------------------------------------------- rule sets


@dataclass
class RuleSetView:
    rule_set: RuleSet
    rules: list[PointRule]


def rule_sets() -> list[RuleSetView]:
    """Every rule set with its rules (two queries)."""
    sets = list(RuleSet.objects.order_by("id"))
    rules: dict[int, list[PointRule]] = defaultdict(list)
    for r in PointRule.objects.select_related("item").order_by("rule_set_id", "item__order", "id"):
        rules[r.rule_set_id].append(r)
    return [RuleSetView(s, rules[s.pk]) for s in sets]


def rule_set_of(person: Person) -> RuleSetView | None:
    """The rule set that applies to the member and its rules (two queries)."""
    sets = {rs.member_type: rs for rs in RuleSet.objects.filter(member_type__in=rule_set_codes(person))}
    chosen = pick_rule_set(person, sets)
    if chosen is None:
        return None
    return RuleSetView(chosen, list(PointRule.objects.filter(rule_set=chosen).select_related("item")
                                    .order_by("item__order", "id")))


def rule_text(rule: PointRule) -> str:
    """每次 2 分，每季度最多 20 分."""
    text = f"每次 {rule.points} 分"
    if rule.cap is not None:
        text += f"，{rule.get_cap_period_display()}最多 {rule.cap} 分"
    return text


def items() -> list[PointItem]:
    return list(PointItem.objects.order_by("order", "id"))


def item_points(person_id: int, year: int) -> dict[int | None, int]:
    """{item id: points} of the member's year (one grouped query)."""
    rows = (PointEntry.objects.filter(person_id=person_id, year=year).values("item_id")
            .annotate(s=Sum("points")).order_by())
    return {row["item_id"]: row["s"] or 0 for row in rows}


# ---------------------------------------------------------------- claims


def reviewable_q(user: Any) -> Q:
    """Claims the user may review: of members managed in, or registered with, their ``member.change`` scope —
    never their own."""
    paths = scope_paths(user, Perm.MEMBER_CHANGE)
    q = path_q("person__org_path", paths) | path_q("person__registered_path", paths)
    person_id = getattr(user, "person_id", None)
    return q & ~Q(person_id=person_id) if person_id else q


def may_review(user: Any, claim: PointClaim) -> bool:
    person = claim.person
    if getattr(user, "person_id", None) == person.pk:
        return False
    return in_scope(user, Perm.MEMBER_CHANGE, person.org_path) or bool(
        person.registered_path and in_scope(user, Perm.MEMBER_CHANGE, person.registered_path))


def claims_visible(user: Any) -> QuerySet[PointClaim]:
    return PointClaim.objects.restrict(user).select_related("person", "person__org", "item", "reviewed_by")


def claim_list(user: Any, params: Any) -> QuerySet[PointClaim]:
    """Claims in the user's view scope (and their own); filters: state (default pending), q (name), mine."""
    qs = claims_visible(user)
    state = str(params.get("state", ClaimState.PENDING) or "").strip()
    if state and state != "all":
        qs = qs.filter(state=state) if state in ClaimState.values else qs.none()
    q = str(params.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(person__name__icontains=q)
    if str(params.get("review") or "") == "1":
        qs = qs.filter(reviewable_q(user))
    return qs.order_by("-created_at", "-id")


def pending_to_review(user: Any) -> QuerySet[PointClaim]:
    return PointClaim.objects.filter(reviewable_q(user), state=ClaimState.PENDING)


def own_claims(person_id: int, year: int | None = None) -> QuerySet[PointClaim]:
    qs = PointClaim.objects.filter(person_id=person_id).select_related("item")
    if year is not None:
        qs = qs.filter(occurred_on__year=year)
    return qs.order_by("-created_at", "-id")


# ---------------------------------------------------------------- hub figures


@dataclass
class ScopeFigures:
    members: int
    with_points: int
    points: int
    pending: int | None  # claims the user may review (None without member.change)


def scope_figures(user: Any, year: int) -> ScopeFigures:
    """Over the user's whole member.view scope: members, those with points this year, the points; and the
    claims waiting for the user's review (two queries)."""
    row = (members_in_scope(user).annotate(total=year_total(year))
           .aggregate(members=Count("pk"), with_points=Count("pk", filter=Q(total__gt=0)), points=Sum("total")))
    pending = pending_to_review(user).count() if has_perm(user, Perm.MEMBER_CHANGE) else None
    return ScopeFigures(row["members"] or 0, row["with_points"] or 0, row["points"] or 0, pending)


def deed_label(deed: str) -> str:
    return str(dict(Deed.choices).get(deed, deed))


# ---------------------------------------------------------------- one scoped lookup per reference
# Page, API and demo name a member, a claim, an entry, an item or a rule by id through these: missing and out
# of scope get the same Chinese refusal (pages and the API answer 404).


def resolve_item(value: Any) -> PointItem:
    return pick_one(PointItem.objects.all(), value, "八带头事项不存在")


def resolve_member(user: Any, value: Any, perm: str = Perm.MEMBER_VIEW) -> Person:
    """A party member managed in, or registered with, the user's scope for ``perm``."""
    return pick_one(members_in_scope(user, perm).select_related("org", "registered_org"), value,
                    refusal("党员"))


def resolve_claim(user: Any, value: Any, *, review: bool = False) -> PointClaim:
    """A claim the user may see (their own, or in their view scope); ``review``: one they may review."""
    qs = claims_visible(user)
    if review:
        qs = qs.filter(reviewable_q(user))
    return pick_one(qs, value, refusal("积分申报"))


def resolve_own_claim(user: Any, value: Any) -> PointClaim:
    person_id = getattr(user, "person_id", None)
    qs = PointClaim.objects.filter(person_id=person_id) if person_id else PointClaim.objects.none()
    return pick_one(qs.select_related("person", "item"), value, "找不到您的这条申报")


def resolve_entry(user: Any, value: Any, perm: str = Perm.MEMBER_CHANGE) -> PointEntry:
    """An entry of a member in the user's scope for ``perm``."""
    paths = scope_paths(user, perm)
    qs = PointEntry.objects.filter(path_q("person__org_path", paths) | path_q("person__registered_path", paths))
    return pick_one(qs.select_related("person", "item", "corrects", "rule"), value, refusal("积分记录"))


def resolve_rule(value: Any) -> PointRule:
    return pick_one(PointRule.objects.select_related("rule_set", "item"), value, "积分细则不存在")


def resolve_rule_set(value: Any) -> RuleSet:
    return pick_one(RuleSet.objects.all(), value, "积分办法不存在")


def resolve_scope_org(user: Any, value: Any, perm: str = Perm.MEMBER_VIEW) -> Org:
    return pick_one(Org.objects.restrict(user, perm).select_related("level"), value, refusal("组织"))


def default_org(user: Any, perm: str = Perm.MEMBER_VIEW) -> Org | None:
    """The first top organisation of the user's scope."""
    return Org.objects.filter(path__in=scope_paths(user, perm)).select_related("level").order_by("path").first()
