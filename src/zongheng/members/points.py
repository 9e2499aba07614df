"""The points ledger's one door for writing (积分记账): every part that confirms a deed calls ``award``.

- ``award(person, deed, source, occurred_on)`` writes the points the member's rule set gives that kind of
  deed, capped per period; a second call for the same ``source`` writes nothing (the database's unique key
  ``points_one_entry_per_deed`` holds that even under concurrent calls).
- ``revoke(person, source)`` reverses a deed's points with a correction entry (attendance withdrawn …).
- No entry is ever updated or deleted; a closed year (``YearClosing``) takes no new entry.

The rule set of a member: ``registered`` (双联双管) when they are registered with a community and such a set
exists, otherwise the set of their member type, otherwise the ``other`` set; no set, no points.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from zongheng.core.errors import ActionError
from zongheng.orgs.models import Person

from .choices import CapPeriod
from .models import PointEntry, PointRule, RuleSet, YearClosing, ancestor_paths

REGISTERED = "registered"


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


def rule_set_codes(person: Person) -> list[str]:
    codes = [REGISTERED] if person.registered_org_id else []
    return [*codes, person.member_type or "other", "other"]


def rule_set_for(person: Person) -> RuleSet | None:
    codes = rule_set_codes(person)
    sets = {rs.member_type: rs for rs in RuleSet.objects.filter(member_type__in=codes)}
    return next((sets[code] for code in codes if code in sets), None)


def rule_for(person: Person, deed: str) -> PointRule | None:
    rule_set = rule_set_for(person)
    if rule_set is None:
        return None
    return PointRule.objects.filter(rule_set=rule_set, deed=deed).select_related("item").first()


def year_closed(person: Person, year: int) -> bool:
    paths = ancestor_paths(person.org_path, person.registered_path or "")
    return YearClosing.objects.filter(year=year, org_path__in=paths).exists()


def award(person: Person | int, deed: str, source: str, occurred_on: dt.date, *, by: Any = None,
          note: str = "", item: Any = None) -> PointEntry | None:
    """Writes the points of one confirmed deed; None when the member earns none for it (no rule, a closed
    year, already awarded). A deed whose points were taken back is restored by a correction. ``item``: the
    八带头 item when the deed names its own (a reviewed claim); otherwise the rule's. Capped: once the
    period's cap is reached the deed is still written, with 0 points and the reason, so the member sees why."""
    with transaction.atomic():
        pk = person if isinstance(person, int) else person.pk
        member = Person.objects.select_for_update().get(pk=pk)  # one award per member at a time: caps hold
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
        points = rule.points
        reason = note
        if rule.cap is not None:
            start, end = period_bounds(occurred_on, rule.cap_period)
            used = PointEntry.objects.filter(person=member, deed=deed, occurred_on__gte=start,
                                             occurred_on__lt=end).aggregate(s=Sum("points"))["s"] or 0
            points = max(0, min(points, rule.cap - used))
            if points < rule.points:
                reason = (f"{note}；" if note else "") + f"已达{rule.get_cap_period_display()}上限 {rule.cap} 分"
        try:
            with transaction.atomic():
                return PointEntry.objects.create(
                    person=member, year=occurred_on.year, occurred_on=occurred_on, deed=deed, item=item or rule.item,
                    rule=rule, points=points, source=source, note=reason[:200], created_by=by)
        except IntegrityError:  # the same deed, awarded by a concurrent call
            return None


def net_points(person_id: int, source: str) -> tuple[PointEntry | None, int]:
    """The deed's original entry and what it counts now (the original plus its corrections)."""
    original = PointEntry.objects.filter(person_id=person_id, source=source, corrects__isnull=True).first()
    if original is None:
        return None, 0
    total = PointEntry.objects.filter(person_id=person_id, source=source).aggregate(s=Sum("points"))["s"] or 0
    return original, total


def correct(original: PointEntry, points: int, *, by: Any, note: str) -> PointEntry:
    """A correction entry (``corrects`` = the deed's original entry): ``points`` is added to what it counts."""
    if not note.strip():
        raise ActionError("请填写更正原因")
    if year_closed(original.person, original.year):
        raise ActionError(f"{original.year} 年度积分已结算，不能再更正")
    return PointEntry.objects.create(
        person_id=original.person_id, year=original.year, occurred_on=original.occurred_on, deed=original.deed,
        item=original.item, rule=original.rule, points=points, source=original.source, note=note.strip()[:200],
        corrects=original, created_by=by)


def revoke(person: Person | int, source: str, *, by: Any = None, note: str) -> PointEntry | None:
    """Takes a deed's points back (a correction of minus what it counts now); None when it counts nothing."""
    with transaction.atomic():
        pk = person if isinstance(person, int) else person.pk
        Person.objects.select_for_update().filter(pk=pk).first()
        original, total = net_points(pk, source)
        if original is None or total == 0 or year_closed(original.person, original.year):
            return None
        return correct(original, -total, by=by, note=note)
