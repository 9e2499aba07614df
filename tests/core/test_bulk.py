"""core.bulk's plain statements write what the ORM would: every field type of an audit row, the
new primary keys when asked, one changed row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zongheng.core import bulk, rows
from zongheng.core.models import AuditLog
from zongheng.orgs.models import Level

pytestmark = pytest.mark.django_db

def entry(n: int) -> AuditLog:
    return AuditLog(actor_label=f"居民{n}", ip="10.0.0.7" if n else None, request_id=f"r{n}", action="demand.receive",
                    object_type="demands.demand", object_id=str(n), object_repr=f"MX2018{n:07d} 路灯",
                    before=None if n else {"status": "", "n": [1, 2]}, after={"status": "received", "名": "值"},
                    org_path="0001")


def fields(row: AuditLog) -> tuple:
    return (row.actor_id, row.actor_label, row.ip, row.request_id, row.action, row.object_type, row.object_id,
            row.object_repr, row.before, row.after, row.org_path)


def test_a_few_new_rows_go_in_by_one_statement_and_read_back_as_the_orm_writes_them():
    saved = entry(0)
    saved.save()
    made = [entry(0), entry(1), entry(2)]
    before = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        bulk.insert(made, returning=True)
    assert len(ctx.captured_queries) == 1
    assert all(m.pk is not None and not m._state.adding for m in made)
    back = {r.pk: r for r in AuditLog.objects.filter(pk__in=[m.pk for m in made])}
    assert fields(back[made[0].pk]) == fields(AuditLog.objects.get(pk=saved.pk))
    for m in made:
        assert fields(back[m.pk]) == fields(m)
        assert before <= back[m.pk].at <= timezone.now()  # auto_now_add, as save() sets it


def test_without_returning_the_rows_are_written_and_no_key_is_read():
    made = [entry(5), entry(6)]
    bulk.insert(made)
    assert AuditLog.objects.filter(object_id__in=["5", "6"]).count() == 2


def test_one_changed_row_is_one_update_of_the_named_fields_only():
    level = Level.objects.create(code="tmp-level", name="临时", rank=99)
    level.name, level.rank = "改名", 98
    with CaptureQueriesContext(connection) as ctx:
        bulk.update([level], ["name"])
    assert len(ctx.captured_queries) == 1
    back = Level.objects.get(pk=level.pk)
    assert (back.name, back.rank) == ("改名", 99)


def test_many_changed_rows_of_one_table_with_different_fields_in_one_transaction():
    """The sweep escalates (holder, deadlines) and then closes (closed_at) in one session: each set of fields
    has its own temporary table on PostgreSQL, so the second UPDATE does not look for the first one's columns."""
    from django.db import transaction

    levels = [Level.objects.create(code=f"tmp-{i}", name=f"临时{i}", rank=90 + i) for i in range(3)]
    with transaction.atomic():
        for lv in levels:
            lv.name = f"改名{lv.rank}"
        bulk.update(levels, ["name"])
        for lv in levels:
            lv.rank += 100
        bulk.update(levels, ["rank"])
    back = sorted(Level.objects.filter(code__startswith="tmp-").values_list("name", "rank"))
    assert back == [("改名90", 190), ("改名91", 191), ("改名92", 192)]


def test_keys_taken_first_are_never_taken_again_and_go_in_with_their_rows():
    """``next_ids`` takes keys from the table's own counter: an insert after them (with or without a key
    taken) never reuses one, and rows built with taken keys go in by one statement, keys and all."""
    first = entry(1)
    first.save()
    taken = bulk.next_ids(AuditLog, 3)
    assert len(set(taken)) == 3 and min(taken) > first.pk
    later = entry(2)
    later.save()  # the database's own next key: after the taken ones
    assert later.pk > max(taken)
    made = [entry(10 + n) for n in range(3)]
    for m, key in zip(made, taken, strict=True):
        m.pk = key
    with CaptureQueriesContext(connection) as ctx:
        bulk.insert(made)
    assert len(ctx.captured_queries) == 1
    back = {r.pk: r for r in AuditLog.objects.filter(pk__in=taken)}
    assert sorted(back) == sorted(taken) and all(fields(back[m.pk]) == fields(m) for m in made)
    assert not any(m._state.adding for m in made)
    assert bulk.next_ids(AuditLog)[0] > later.pk


def test_keys_taken_first_on_a_table_never_written_start_after_what_it_holds():
    """SQLite keeps no counter for a table no row went into yet (its ``sqlite_sequence`` row is made by the
    first insert): the first key taken is then the one after what the table holds."""
    held = Level.objects.create(code="tmp-held", name="已有", rank=1)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [Level._meta.db_table])
    key = bulk.next_ids(Level)[0]
    assert key > held.pk
    made = Level(code="tmp-first", name="第一", rank=2)
    made.pk = key
    bulk.insert([made])
    assert Level.objects.get(code="tmp-first").pk == key
    assert Level.objects.create(code="tmp-next", name="第二", rank=3).pk > key


def test_rows_read_by_sql_are_converted_as_the_orm_converts_them():
    from zongheng.demands.models import CalendarDay

    CalendarDay.objects.update_or_create(date=dt.date(2031, 2, 9), defaults={"is_workday": True, "note": "调休"})
    found = rows.fetch("SELECT date, is_workday FROM demands_calendarday WHERE date = %s",
                       [connection.ops.adapt_datefield_value(dt.date(2031, 2, 9))])
    assert rows.convert(CalendarDay, ("date", "is_workday"), found[0]) == [dt.date(2031, 2, 9), True]
    day = rows.instance(CalendarDay, ("id", "date", "is_workday"), (1, *found[0]))
    assert (day.date, day.is_workday) == (dt.date(2031, 2, 9), True)
