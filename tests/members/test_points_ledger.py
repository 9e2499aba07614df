"""The points ledger (积分台账): a confirmed deed earns the points of the member's rule set once, capped per
period; the ledger is append-only (corrections are new entries); a closed year takes nothing; the bulk
reconciliation writes exactly what awarding one deed at a time writes, and is safe to run twice or after a
crash."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import Sum

from tests.members.factories_points import install_source, item, member, register, seed
from zongheng.core import bulk
from zongheng.core.errors import ActionError
from zongheng.members import points
from zongheng.members.choices import CapPeriod, Deed
from zongheng.members.models import PointEntry, PointRule, YearClosing

D = dt.date


@pytest.fixture(autouse=True)
def _rules(db):
    """The 八带头 items and rule sets of members migration 0002 (a transactional test's flush removes them)."""
    from zongheng.members.defaults import ensure_installed

    ensure_installed()


@pytest.fixture
def deed_source(monkeypatch):
    return install_source(monkeypatch)


def total(person) -> int:
    return PointEntry.objects.filter(person=person).aggregate(s=Sum("points"))["s"] or 0


def rule(member_type: str, deed: str) -> PointRule:
    return PointRule.objects.select_related("item").get(rule_set__member_type=member_type, deed=deed)


def test_a_deed_earns_its_rule_points_once(tree):
    p = member(tree.grids[0])
    r = rule("employed", Deed.DEMAND)
    entry = points.award(p, Deed.DEMAND, "demand:1", D(2018, 3, 1), note="诉求 YJ1")
    assert (entry.points, entry.item_id, entry.rule_id, entry.year) == (r.points, r.item_id, r.pk, 2018)
    assert points.award(p, Deed.DEMAND, "demand:1", D(2018, 3, 1)) is None
    assert points.award(p.pk, Deed.DEMAND, "demand:1", D(2018, 3, 2)) is None
    assert PointEntry.objects.filter(person=p).count() == 1 and total(p) == r.points


def test_the_rule_set_follows_the_member_type_and_registration(tree):
    retired, student, employed = (member(tree.grids[0], t) for t in ("retired", "student", "employed"))
    registered = register(member(tree.grids[0]), tree.communities[2])
    day = D(2018, 5, 1)
    for p, member_type in ((retired, "retired"), (student, "other"), (employed, "employed"),
                           (registered, "registered")):
        e = points.award(p, Deed.ACTIVITY, f"a:{p.pk}", day)
        assert e.rule == rule(member_type, Deed.ACTIVITY), member_type
    resident = member(tree.grids[0], "", is_party_member=False)
    assert points.award(resident, Deed.ACTIVITY, "a:resident", day) is None
    assert not PointEntry.objects.filter(person=resident).exists()


@pytest.mark.parametrize("period", [CapPeriod.MONTH, CapPeriod.QUARTER, CapPeriod.YEAR])
def test_caps_hold_per_period_and_a_capped_deed_still_shows_why(tree, period):
    PointRule.objects.filter(rule_set__member_type="employed", deed=Deed.VISIT).update(
        points=3, cap=10, cap_period=period)
    p = member(tree.grids[0])
    start = D(2018, 1, 1) if period != CapPeriod.MONTH else D(2018, 2, 1)
    entries = [points.award(p, Deed.VISIT, f"visit:{i}", start + dt.timedelta(days=i % 20)) for i in range(5)]
    assert [e.points for e in entries] == [3, 3, 3, 1, 0]
    assert "上限 10 分" in entries[3].note and "上限" in entries[4].note
    nxt = {CapPeriod.MONTH: D(2018, 3, 1), CapPeriod.QUARTER: D(2018, 4, 1), CapPeriod.YEAR: D(2019, 1, 1)}[period]
    assert points.award(p, Deed.VISIT, "visit:next", nxt).points == 3  # a new period starts afresh
    # Other deeds have caps of their own.
    assert points.award(p, Deed.DEMAND, "demand:9", start).points == rule("employed", Deed.DEMAND).points


def test_the_ledger_is_append_only_and_corrections_are_new_entries(tree):
    p = member(tree.grids[0])
    original = points.award(p, Deed.ACTIVITY, "activity.signup:1", D(2018, 4, 1))
    original.points = 100
    with pytest.raises(PermissionError):
        original.save()
    with pytest.raises(PermissionError):
        original.delete()
    original = PointEntry.objects.get(pk=original.pk)
    assert original.points == rule("employed", Deed.ACTIVITY).points
    taken = points.revoke(p, "activity.signup:1", note="出勤更正为缺勤")
    assert taken.corrects == original and taken.points == -original.points and total(p) == 0
    assert points.revoke(p, "activity.signup:1", note="again") is None  # counts nothing now
    restored = points.award(p, Deed.ACTIVITY, "activity.signup:1", D(2018, 4, 1))
    assert restored.corrects == original and total(p) == original.points
    assert PointEntry.objects.filter(person=p).count() == 3
    with pytest.raises(ActionError, match="请填写更正原因"):
        points.correct(original, -1, by=None, note=" ")


def test_a_closed_year_takes_no_entry(tree):
    p = member(tree.grids[0])
    before = points.award(p, Deed.ACTIVITY, "a:1", D(2018, 4, 1))
    YearClosing.objects.create(org=tree.streets[0], org_path=tree.streets[0].path, year=2018)
    assert points.award(p, Deed.ACTIVITY, "a:2", D(2018, 5, 1)) is None
    assert points.revoke(p, "a:1", note="x") is None
    with pytest.raises(ActionError, match="2018 年度积分已结算"):
        points.correct(before, -1, by=None, note="更正")
    assert points.award(p, Deed.ACTIVITY, "a:3", D(2019, 1, 2)) is not None  # another year is open
    other = register(member(tree.grids[4]), tree.communities[0])  # registered below the closed street
    assert points.award(other, Deed.ACTIVITY, "a:4", D(2018, 5, 1)) is None
    assert points.reconcile(D(2018, 1, 1), D(2019, 1, 1), deeds=[
        points_record(other, "a:5", D(2018, 6, 1))]).awarded == 0


def points_record(p, source, day, deed=Deed.ACTIVITY):
    from zongheng.members.deeds import DeedRecord

    return DeedRecord(p.pk, deed, source, day)


def test_reconcile_writes_what_awarding_one_deed_at_a_time_writes(tree):
    rng = random.Random(seed(1))
    one, bulk = member(tree.grids[0], "retired"), member(tree.grids[1], "retired")
    records = []
    for i in range(120):
        deed = rng.choice([Deed.ACTIVITY, Deed.VISIT, Deed.DEMAND, Deed.DUTY])
        records.append((deed, f"s:{i}", D(2018, 1, 1) + dt.timedelta(days=rng.randrange(365))))
    records.sort(key=lambda r: (r[2], r[1]))
    for deed, source, day in records:
        points.award(one, deed, source, day)
    from zongheng.members.deeds import DeedRecord

    rng.shuffle(records)  # the order found does not matter: deeds are awarded in the order they happened
    result = points.reconcile(D(2018, 1, 1), D(2019, 1, 1), chunk=1,
                              deeds=[DeedRecord(bulk.pk, deed, source, day) for deed, source, day in records])
    assert result.awarded == 120

    def ledger(p):
        return sorted(PointEntry.objects.filter(person=p).values_list("source", "points", "note", "item_id"))

    assert ledger(one) == ledger(bulk)
    assert total(one) == total(bulk) == result.points


def test_reconcile_awards_the_registry_deeds_without_an_entry_once_even_after_a_crash(tree, deed_source,
                                                                                      monkeypatch):
    people = [member(tree.grids[i % 8]) for i in range(6)]
    for i, p in enumerate(people):
        for d in range(3):
            deed_source.add(p, Deed.ACTIVITY, D(2018, 3, 1 + d + i))
    points.award(people[0], Deed.ACTIVITY, deed_source.records[0].source, deed_source.records[0].occurred_on)
    calls = {"n": 0}
    real = bulk.insert

    def crash_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the machine went down")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "insert", crash_second)
    with pytest.raises(RuntimeError):
        points.reconcile(D(2018, 1, 1), D(2019, 1, 1), chunk=2)
    assert PointEntry.objects.count() == 1 + 5  # the first chunk (two members: 2 + 3 new), nothing of the second
    monkeypatch.setattr(bulk, "insert", real)
    again = points.reconcile(D(2018, 1, 1), D(2019, 1, 1), chunk=2)
    assert again.deeds == 18 and again.awarded == 18 - 6
    assert points.reconcile(D(2018, 1, 1), D(2019, 1, 1)).awarded == 0
    assert PointEntry.objects.count() == 18
    assert sorted(PointEntry.objects.values_list("person_id", "source")) == sorted(
        (r.person_id, r.source) for r in deed_source.records)


def test_reconcile_names_the_claimed_item_and_skips_who_earns_nothing(tree):
    from zongheng.members.deeds import DeedRecord

    p = member(tree.grids[0])
    resident = member(tree.grids[0], "", is_party_member=False)
    law = item("law")
    result = points.reconcile(D(2018, 1, 1), D(2019, 1, 1), deeds=[
        DeedRecord(p.pk, Deed.CLAIM, "claim:1", D(2018, 2, 2), item_id=law.pk, note="申报：普法"),
        DeedRecord(resident.pk, Deed.CLAIM, "claim:2", D(2018, 2, 2))])
    assert (result.awarded, result.skipped) == (1, 1)
    e = PointEntry.objects.get(person=p)
    assert e.item == law and e.note == "申报：普法"
