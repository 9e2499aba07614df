"""The early-warning engine: a toy rule's warning opens when its cause appears, moves with it, clears
when it is fixed; two sweeps in a row change nothing; two sweeps at once (PostgreSQL) leave one open
warning per cause."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from zongheng.core import warnings
from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Perm
from zongheng.core.warnings import Due

T0 = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
CODE = "test.toy"


class Causes:
    """What the toy rule finds late: a dict the test edits, read set-based like a real rule."""

    def __init__(self) -> None:
        self.items: dict[str, Due] = {}
        self.calls = 0

    def find(self, now: dt.datetime) -> list[Due]:
        self.calls += 1
        return list(self.items.values())


@pytest.fixture
def toy():
    causes = Causes()
    warnings.register_rule(CODE, "测试预警", Perm.DEMAND_VIEW, causes.find)
    yield causes
    warnings._RULES.pop(CODE, None)


def due(key: str, *, org: str = "00010001", hours: int = 1, person: int | None = None) -> Due:
    return Due(key=key, org_path=org, org_name="测试社区", title=f"事项 {key} 逾期", url=f"/x/{key}/",
               due_at=T0 - dt.timedelta(hours=hours), person_id=person)


def rows() -> list[tuple]:
    return list(EarlyWarning.objects.filter(rule=CODE).order_by("id").values_list(
        "id", "key", "org_path", "person_id", "due_at", "opened_at", "cleared_at", "title"))


@pytest.mark.django_db
def test_a_warning_opens_when_its_cause_appears(toy):
    toy.items["a"] = due("a")
    assert warnings.sweep(T0, codes=[CODE]) == {CODE: (1, 0)}
    w = EarlyWarning.objects.get(rule=CODE)
    assert (w.key, w.org_path, w.opened_at, w.cleared_at, w.perm) == ("a", "00010001", T0, None, Perm.DEMAND_VIEW)
    assert w.due_at == T0 - dt.timedelta(hours=1) and w.is_open


@pytest.mark.django_db
def test_a_warning_whose_cause_moved_is_updated_in_place(toy):
    toy.items["a"] = due("a")
    warnings.sweep(T0, codes=[CODE])
    before = EarlyWarning.objects.get(rule=CODE)
    toy.items["a"] = due("a", org="00010002", hours=5, person=42)
    assert warnings.sweep(T0 + dt.timedelta(minutes=1), codes=[CODE]) == {CODE: (0, 0)}
    after = EarlyWarning.objects.get(rule=CODE)
    assert after.pk == before.pk and after.opened_at == T0
    assert (after.org_path, after.person_id, after.due_at) == ("00010002", 42, T0 - dt.timedelta(hours=5))


@pytest.mark.django_db
def test_a_warning_clears_at_the_sweeps_time_when_its_cause_is_fixed(toy):
    toy.items["a"] = due("a")
    toy.items["b"] = due("b")
    warnings.sweep(T0, codes=[CODE])
    del toy.items["a"]
    later = T0 + dt.timedelta(hours=3)
    assert warnings.sweep(later, codes=[CODE]) == {CODE: (0, 1)}
    cleared = EarlyWarning.objects.get(rule=CODE, key="a")
    assert cleared.cleared_at == later
    assert EarlyWarning.objects.open().filter(rule=CODE).get().key == "b"


@pytest.mark.django_db
def test_a_cause_that_comes_back_opens_a_new_warning_and_keeps_the_cleared_one(toy):
    toy.items["a"] = due("a")
    warnings.sweep(T0, codes=[CODE])
    toy.items.clear()
    warnings.sweep(T0 + dt.timedelta(hours=1), codes=[CODE])
    toy.items["a"] = due("a")
    warnings.sweep(T0 + dt.timedelta(hours=2), codes=[CODE])
    assert EarlyWarning.objects.filter(rule=CODE, key="a").count() == 2
    assert EarlyWarning.objects.open().filter(rule=CODE, key="a").count() == 1


@pytest.mark.django_db
def test_two_sweeps_in_a_row_change_nothing(toy):
    for key in "abcde":
        toy.items[key] = due(key)
    warnings.sweep(T0, codes=[CODE])
    del toy.items["c"]
    toy.items["f"] = due("f")
    first = warnings.sweep(T0 + dt.timedelta(minutes=1), codes=[CODE])
    state = rows()
    second = warnings.sweep(T0 + dt.timedelta(minutes=2), codes=[CODE])
    assert first == {CODE: (1, 1)} and second == {CODE: (0, 0)}
    assert rows() == state


@pytest.mark.django_db
def test_a_rule_that_fails_half_way_leaves_nothing_and_the_next_sweep_completes(toy):
    toy.items["a"] = due("a")

    def broken(now: dt.datetime):
        yield due("a")
        raise RuntimeError("boom")

    warnings.register_rule(CODE, "测试预警", Perm.DEMAND_VIEW, broken)
    with pytest.raises(RuntimeError):
        warnings.sweep(T0, codes=[CODE])
    assert rows() == []
    warnings.register_rule(CODE, "测试预警", Perm.DEMAND_VIEW, toy.find)
    assert warnings.sweep(T0, codes=[CODE]) == {CODE: (1, 0)}


@pytest.mark.django_db
def test_sweep_runs_only_the_rules_named(toy):
    toy.items["a"] = due("a")
    assert CODE not in warnings.sweep(T0, codes=["no.such.rule"])
    assert toy.calls == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two sweeps at the same time need PostgreSQL")
def test_two_sweeps_at_the_same_time_leave_one_open_warning_per_cause(transactional_db, toy):
    for key in range(200):
        toy.items[str(key)] = due(str(key))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        from django.db import connections

        try:
            start.wait()
            warnings.sweep(T0, codes=[CODE])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert EarlyWarning.objects.open().filter(rule=CODE).count() == len(toy.items)
    assert EarlyWarning.objects.filter(rule=CODE).count() == len(toy.items)
    del toy.items["0"]
    threads = [threading.Thread(target=run) for _ in range(2)]
    start.reset()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert EarlyWarning.objects.open().filter(rule=CODE).count() == len(toy.items)
    assert EarlyWarning.objects.filter(rule=CODE, cleared_at__isnull=False).count() == 1
