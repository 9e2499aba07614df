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

from django.db import connection
from django.db.models import F, FilteredRelation, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
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


def _band_sql(index: int) -> str:
    low, high, _ = BANDS[index]  # constants of this module, never input
    cond = f"x.total >= {int(low)}" + (f" AND x.total <= {int(high)}" if high is not None else "")
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


def rollup(persons: QuerySet[Person], year: int, node: Any = None) -> dict[str, Totals]:
    """{node: Totals} of ``persons`` grouped by the expression ``node`` (None: one group, key ""), in ONE query
    and two levels: each member's points in ``year`` (a join on the ledger's (person, year) rows), then per
    node the members, the points, those with points and the distribution bands."""
    inner = (persons.annotate(ye=FilteredRelation("point_entries", condition=Q(point_entries__year=year)))
             .annotate(node=node if node is not None else Value("")).values("pk", "node")
             .annotate(total=Coalesce(Sum("ye__points"), 0)).order_by())
    sql, params = inner.query.sql_with_params()
    bands = ", ".join(_band_sql(i) for i in range(len(BANDS)))
    outer = (f"SELECT x.node, COUNT(*), COALESCE(SUM(x.total), 0), SUM(CASE WHEN x.total > 0 THEN 1 ELSE 0 END), "  # noqa: S608
             f"{bands} FROM ({sql}) x GROUP BY x.node")
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        rows = cursor.fetchall()
    return {row[0] or "": Totals(members=row[1], points=int(row[2] or 0), with_points=int(row[3] or 0),
                                 bands=[int(v or 0) for v in row[4:]]) for row in rows}


def totals_of(qs: QuerySet[Person], year: int) -> Totals:
    """The totals of the members ``qs`` holds (one query)."""
    return rollup(qs, year).get("", Totals())


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
    members = Person.objects.filter(is_party_member=True)
    managed = rollup(members.filter(org_path__startswith=org.path), year, Substr("org_path", 1, n))
    registered = rollup(members.filter(registered_path__startswith=org.path)
                        .alias(rnode=Substr("registered_path", 1, n), mnode=Substr("org_path", 1, n))
                        .exclude(rnode=F("mnode")), year, Substr("registered_path", 1, n))
    rows: dict[str, Totals] = defaultdict(Totals)
    for node, t in managed.items():
        rows[SELF_KEY if node == org.path else node].add(t)
    for node, t in registered.items():
        rows[REGISTERED_KEY if node == org.path else node].add(t)
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


ROW_FIELDS = ("pk", "name", "member_type", "org_path", "registered_path", "org__name", "registered_org__name")


def member_rows(org: Org, year: int, order: str = "name", q: str = "") -> QuerySet[Person]:
    """The members of ``org`` for a paginated table inside the user's scope, sorted by name or by their points in
    ``year`` (then annotated ``total``; by name, ``with_totals`` fills the page's totals in one more query)."""
    qs = (Person.objects.filter(members_below(org.path)).select_related("org", "registered_org").only(*ROW_FIELDS))
    q = q.strip()[:50]
    if q:
        qs = qs.filter(name__icontains=q)
    if order == "total":
        return qs.annotate(total=year_total(year)).order_by(F("total").desc(), Pinyin("name").asc(), "pk")
    if order == "total_asc":
        return qs.annotate(total=year_total(year)).order_by("total", Pinyin("name").asc(), "pk")
    return qs.order_by(Pinyin("name").asc(), "pk")


def with_totals(people: Iterable[Person], year: int) -> list[Person]:
    """Sets ``total`` (points in ``year``) on each of ``people`` that lacks it: one query for all of them."""
    people = list(people)
    wanted = [p.pk for p in people if not hasattr(p, "total")]
    if wanted:
        sums = dict(PointEntry.objects.filter(person_id__in=wanted, year=year).values("person_id")
                    .annotate(s=Sum("points")).order_by().values_list("person_id", "s"))
        for p in people:
            if not hasattr(p, "total"):
                p.total = sums.get(p.pk) or 0  # type: ignore[attr-defined]
    return people


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
    t = totals_of(members_in_scope(user), year)
    pending = pending_to_review(user).count() if has_perm(user, Perm.MEMBER_CHANGE) else None
    return ScopeFigures(t.members, t.with_points, t.points, pending)


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
