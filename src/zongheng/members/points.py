"""The points ledger's one door for writing (积分记账): every part that confirms a deed calls ``award``.

- ``award(person, deed, source, occurred_on)`` writes the points the member's rule set gives that kind of
  deed, capped per period; a second call for the same ``source`` writes nothing (the database's unique key
  ``points_one_entry_per_deed`` holds that even under concurrent calls).
- ``revoke(person, source)`` reverses a deed's points with a correction entry (attendance withdrawn …).
- ``correct(original, points)`` adds a correction entry to a deed (what a cadre's 更正 writes, through
  ``actions_points.do_correct``, which checks scope and bounds).
- ``reconcile(start, end)`` awards, in bulk, every confirmed deed of the deed registry (``deeds.py``) that
  happened in [start, end) and has no entry yet: the periodic job ``members.points`` (last 40 days) and the
  demo (a whole year) call it. Safe to run twice, or after a crash: a deed with an entry is skipped, each
  chunk of members is written whole or not at all.
- No entry is ever updated or deleted; a closed year (``YearClosing``) takes no new entry.

The rule and cap logic lives in ONE place, the pure functions ``pick_rule_set`` (which rule set applies to a
member) and ``score`` (a rule's points given what the member already earned in the rule's period); ``award``
and ``reconcile`` both call them, so a deed earns the same points whichever path writes it.

The rule set of a member: ``registered`` (双联双管) when they are registered with a community and such a set
exists, otherwise the set of their member type, otherwise the ``other`` set; no set, no points.

Locks: ``award``, ``revoke``, ``reconcile`` and the yearly closing lock the member's ``Person`` row first, so
one member's awards are serialised (caps hold under concurrency on PostgreSQL) and a closing cannot
interleave with an award.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import ExtractMonth

from zongheng.core import bulk
from zongheng.core.errors import ActionError
from zongheng.orgs.models import Person

from .choices import CapPeriod
from .models import PointEntry, PointItem, PointRule, RuleSet, YearClosing, ancestor_paths

REGISTERED = "registered"
CHUNK = 500  # members per transaction in ``reconcile``


# ---------------------------------------------------------------- the rule and cap logic (pure)


class MemberLike(Protocol):
    registered_org_id: int | None
    member_type: str


class RuleLike(Protocol):
    points: int
    cap: int | None
    cap_period: str


def period_bounds(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """[start, end) of the month, quarter or year containing ``day``."""
    if period == CapPeriod.MONTH:
        start = day.replace(day=1)
        months = 1
    elif period == CapPeriod.QUARTER:
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        months = 3
    else:
        return dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
    index = start.year * 12 + start.month - 1 + months
    return start, dt.date(index // 12, index % 12 + 1, 1)


def rule_set_codes(person: MemberLike) -> list[str]:
    codes = [REGISTERED] if person.registered_org_id else []
    return [*codes, person.member_type or "other", "other"]


def pick_rule_set(person: MemberLike, sets: Mapping[str, Any]) -> Any:
    """The rule set that applies to ``person`` among ``sets`` ({member_type code: set}); None for none."""
    return next((sets[code] for code in rule_set_codes(person) if code in sets), None)


CAP_PERIOD_LABELS = dict(CapPeriod.choices)


def score(rule: RuleLike, used: int, note: str = "") -> tuple[int, str]:
    """The points one deed earns under ``rule`` when the member already has ``used`` points for that kind of
    deed in the rule's cap period, and the entry's note (the cap's reason added when the cap cut them).

    Once the cap is reached the deed still earns an entry, with 0 points and the reason, so the member sees
    why."""
    points = rule.points
    if rule.cap is not None:
        points = max(0, min(points, rule.cap - used))
        if points < rule.points:
            period = CAP_PERIOD_LABELS.get(rule.cap_period, rule.cap_period)
            note = (f"{note}；" if note else "") + f"已达{period}上限 {rule.cap} 分"
    return points, note[:200]


def is_closed(closed_paths: Iterable[str], org_path: str, registered_path: str = "") -> bool:
    """True when a closing at one of ``closed_paths`` covers a member managed at ``org_path`` or registered
    at ``registered_path`` (the closing's organisation is the member's, or one above it)."""
    paths = [p for p in (org_path, registered_path) if p]
    return any(path.startswith(closed) for closed in closed_paths for path in paths)


# ---------------------------------------------------------------- lookups


def rule_set_for(person: Person) -> RuleSet | None:
    codes = rule_set_codes(person)
    return pick_rule_set(person, {rs.member_type: rs for rs in RuleSet.objects.filter(member_type__in=codes)})


def rule_for(person: Person, deed: str) -> PointRule | None:
    rule_set = rule_set_for(person)
    if rule_set is None:
        return None
    return PointRule.objects.filter(rule_set=rule_set, deed=deed).select_related("item").first()


def year_closed(person: Person, year: int) -> bool:
    paths = ancestor_paths(person.org_path, person.registered_path or "")
    return YearClosing.objects.filter(year=year, org_path__in=paths).exists()


def used_in_period(person_id: int, deed: str, rule: RuleLike, day: dt.date) -> int:
    """What the member's entries of that kind of deed count in the rule's period around ``day``."""
    start, end = period_bounds(day, rule.cap_period)
    return PointEntry.objects.filter(person_id=person_id, deed=deed, occurred_on__gte=start,
                                     occurred_on__lt=end).aggregate(s=Sum("points"))["s"] or 0


def net_points(person_id: int, source: str) -> tuple[PointEntry | None, int]:
    """The deed's original entry and what it counts now (the original plus its corrections)."""
    original = PointEntry.objects.filter(person_id=person_id, source=source, corrects__isnull=True).first()
    if original is None:
        return None, 0
    total = PointEntry.objects.filter(person_id=person_id, source=source).aggregate(s=Sum("points"))["s"] or 0
    return original, total


def _lock(person: Person | int) -> Person:
    pk = person if isinstance(person, int) else person.pk
    return Person.objects.select_for_update().get(pk=pk)


def _item_id(item: Any) -> int | None:
    if item is None:
        return None
    return item if isinstance(item, int) else item.pk


# ---------------------------------------------------------------- writing


def award(person: Person | int, deed: str, source: str, occurred_on: dt.date, *, by: Any = None,
          note: str = "", item: PointItem | int | None = None) -> PointEntry | None:
    """Writes the points of one confirmed deed; None when the member earns none for it (no rule, a closed
    year, already awarded). A deed whose points were taken back is restored by a correction. ``item``: the
    八带头 item when the deed names its own (a reviewed claim); otherwise the rule's. Capped: once the
    period's cap is reached the deed is still written, with 0 points and the reason, so the member sees why."""
    with transaction.atomic():
        member = _lock(person)  # one award per member at a time: caps hold
        if not member.is_party_member or year_closed(member, occurred_on.year):
            return None
        original, counted = net_points(member.pk, source)
        if original is not None:  # awarded before: restored only if it was taken back (attendance re-confirmed)
            if counted == 0 and original.points > 0:
                return correct(original, original.points, by=by, note=note or "重新确认，恢复积分")
            return None
        rule = rule_for(member, deed)
        if rule is None:
            return None
        used = used_in_period(member.pk, deed, rule, occurred_on) if rule.cap is not None else 0
        points, reason = score(rule, used, note)
        try:
            with transaction.atomic():
                return PointEntry.objects.create(
                    person=member, year=occurred_on.year, occurred_on=occurred_on, deed=deed,
                    item_id=_item_id(item) or rule.item_id, rule=rule, points=points, source=source,
                    note=reason, created_by=by)
        except IntegrityError:  # the same deed, awarded by a concurrent call
            return None


def correct(original: PointEntry, points: int, *, by: Any, note: str) -> PointEntry:
    """A correction entry (``corrects`` = the deed's original entry): ``points`` is added to what it counts.
    The caller holds the member's lock (``award``, ``revoke``, ``actions_points.do_correct``)."""
    if original.corrects_id is not None:
        raise ValueError("a correction corrects the deed's original entry")
    if not note.strip():
        raise ActionError("请填写更正原因")
    if year_closed(original.person, original.year):
        raise ActionError(f"{original.year} 年度积分已结算，不能再更正")
    return PointEntry.objects.create(
        person_id=original.person_id, year=original.year, occurred_on=original.occurred_on, deed=original.deed,
        item_id=original.item_id, rule_id=original.rule_id, points=points, source=original.source,
        note=note.strip()[:200], corrects=original, created_by=by)


def revoke(person: Person | int, source: str, *, by: Any = None, note: str) -> PointEntry | None:
    """Takes a deed's points back (a correction of minus what it counts now); None when it counts nothing."""
    with transaction.atomic():
        member = _lock(person)
        original, total = net_points(member.pk, source)
        if original is None or total == 0 or year_closed(member, original.year):
            return None
        return correct(original, -total, by=by, note=note)


# ---------------------------------------------------------------- reconciliation (bulk, same logic)


@dataclass
class Reconciled:
    deeds: int = 0  # confirmed deeds found in the range
    awarded: int = 0  # entries written
    points: int = 0  # points those entries count
    skipped: int = 0  # deeds without an entry that earn none (no rule, not a member, a closed year)
    untraced: int = 0  # deeds whose entries count points but that no source confirms (set by the periodic job)

    def __str__(self) -> str:
        text = f"已确认事项 {self.deeds} 件，补记积分 {self.awarded} 条（{self.points} 分）"
        return text + (f"；{self.untraced} 项积分找不到已确认的来源，请核查" if self.untraced else "")


def untraced(start: dt.date, end: dt.date, *, deeds: Iterable[Any] | None = None) -> list[tuple[int, str, int]]:
    """(person, source, points) of every deed of [start, end) whose entries count points while no deed source
    confirms it (a deed un-confirmed without its points taken back, or a kind of deed no part registers).
    Empty when every point traces to a confirmed deed or an approved claim."""
    from .deeds import confirmed_deeds

    confirmed = {(d.person_id, d.source) for d in (deeds if deeds is not None else confirmed_deeds(start, end))}
    rows = (PointEntry.objects.filter(occurred_on__gte=start, occurred_on__lt=end).values("person_id", "source")
            .annotate(s=Sum("points")).filter(s__gt=0).order_by("person_id", "source")
            .values_list("person_id", "source", "s"))
    return [(pid, source, pts) for pid, source, pts in rows if (pid, source) not in confirmed]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def reconcile(start: dt.date, end: dt.date, *, by: Any = None, deeds: Iterable[Any] | None = None,
              chunk: int = CHUNK) -> Reconciled:
    """Awards every confirmed deed that happened in [start, end) and has no entry yet (``deeds``: the
    records to reconcile; default: the deed registry's). Same rule and cap logic as ``award`` (``score``,
    ``pick_rule_set``), in bulk: per chunk of members one transaction holding their row locks, a handful of
    queries and one insert. Deeds are awarded in the order they happened (caps are reached by the last)."""
    from .deeds import confirmed_deeds

    records = {(d.person_id, d.source): d for d in (deeds if deeds is not None else confirmed_deeds(start, end))}
    out = Reconciled(deeds=len(records))
    if not records:
        return out
    by_person: dict[int, list[Any]] = defaultdict(list)
    for record in records.values():
        by_person[record.person_id].append(record)
    sets = {rs.member_type: rs for rs in RuleSet.objects.all()}
    rules: dict[tuple[int, str], PointRule] = {(r.rule_set_id, r.deed): r for r in PointRule.objects.all()}
    for person_ids in _chunks(sorted(by_person), chunk):
        with transaction.atomic():
            _reconcile_chunk(person_ids, by_person, sets, rules, by, out)
    return out


def _reconcile_chunk(person_ids: Sequence[int], by_person: dict[int, list[Any]], sets: dict[str, RuleSet],
                     rules: dict[tuple[int, str], PointRule], by: Any, out: Reconciled) -> None:
    members = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk")
               .only("pk", "is_party_member", "member_type", "registered_org_id", "org_path", "registered_path")}
    wanted = [r for pk in person_ids for r in by_person[pk]]
    done: set[tuple[int, str]] = set()
    for sources in _chunks(sorted({r.source for r in wanted}), 2000):
        done.update(PointEntry.objects.filter(person_id__in=person_ids, corrects__isnull=True, source__in=sources)
                    .values_list("person_id", "source"))
    missing = [r for r in wanted if (r.person_id, r.source) not in done]
    if not missing:
        return
    years = sorted({r.occurred_on.year for r in missing})
    closed: dict[int, list[str]] = defaultdict(list)
    for year, path in YearClosing.objects.filter(year__in=years).values_list("year", "org_path"):
        closed[year].append(path)
    # What each member's entries count per kind of deed and month, for the caps (one grouped query).
    months: dict[tuple[int, str, int, int], int] = defaultdict(int)
    for row in (PointEntry.objects.filter(person_id__in=person_ids, year__in=years)
                .annotate(month=ExtractMonth("occurred_on")).values("person_id", "deed", "year", "month")
                .annotate(s=Sum("points")).order_by()):
        months[(row["person_id"], row["deed"], row["year"], row["month"])] = row["s"] or 0
    entries: list[PointEntry] = []
    for record in sorted(missing, key=lambda r: (r.person_id, r.occurred_on, r.source)):
        member = members.get(record.person_id)
        day = record.occurred_on
        rule_set = pick_rule_set(member, sets) if member is not None else None
        rule = rules.get((rule_set.pk, record.deed)) if rule_set is not None else None
        if (member is None or not member.is_party_member or rule is None
                or is_closed(closed[day.year], member.org_path, member.registered_path)):
            out.skipped += 1
            continue
        used = 0
        if rule.cap is not None:  # a cap period lies within one year: the sum of its months
            first, last = period_bounds(day, rule.cap_period)
            span = (last.year - first.year) * 12 + last.month - first.month
            used = sum(months[(member.pk, record.deed, first.year, m)] for m in range(first.month, first.month + span))
        points, note = score(rule, used, record.note)
        months[(member.pk, record.deed, day.year, day.month)] += points
        entries.append(PointEntry(person_id=member.pk, year=day.year, occurred_on=day, deed=record.deed,
                                  item_id=record.item_id or rule.item_id, rule=rule, points=points,
                                  source=record.source, note=note, created_by=by))
    bulk.insert(entries)  # COPY on PostgreSQL
    out.awarded += len(entries)
    out.points += sum(e.points for e in entries)
