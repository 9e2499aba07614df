"""Status and weighted roll-up for any task, organisation and day equal a direct reading of the records, for random
task lists (a random tree of pieces over the test tree, random weights, milestones met early, late or never,
monthly reports filed early, late, near midnight, returned or missing) and random days, month ends and report
deadlines among them. The direct reading below is written apart from ``progress.py``: recursive over the ORM
objects, exact fractions instead of decimals, organisations' subtrees from the tree itself instead of path
prefixes, local days through ``localtime``."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import defaultdict
from fractions import Fraction

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.lists.factories_warn import YEAR, build_random_list, day_between
from zongheng.lists import progress
from zongheng.lists.models import Milestone, ProgressReport, Task
from zongheng.orgs.models import Org

WORST_LAST = ["done", "on_track", "unplanned", "at_risk", "overdue"]  # a parent takes the last of its children's
D = dt.date


def random_days(rng: random.Random, task_list) -> list[dt.date]:
    """A random day, a month's end, a report deadline and the day after, the year's end, and days on the edges
    of the records: the day after a milestone's date, thirty days before it, the day a report was returned."""
    report_day = task_list.report_day
    dues = list(Milestone.objects.filter(task__task_list=task_list).values_list("due_on", flat=True))
    returns = [local_day(at) for at in ProgressReport.objects.filter(
        task__task_list=task_list, result="returned").values_list("reviewed_at", flat=True)]
    edges = ([rng.choice(dues) + dt.timedelta(days=1), rng.choice(dues) - dt.timedelta(days=30)] if dues else []) + \
        ([rng.choice(returns)] if returns else [])
    month = D(YEAR, rng.randint(1, 12), 1)
    ends = progress.next_month(month) - dt.timedelta(days=1)
    deadline = progress.next_month(month).replace(day=report_day)
    return sorted({day_between(rng, D(YEAR, 1, 1), D(YEAR + 1, 3, 1)), ends, deadline, deadline + dt.timedelta(days=1),
                   D(YEAR, 12, 31), D(YEAR + 1, 1, rng.randint(1, 31)), *edges})


# ---------------------------------------------------------------- the direct reading


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


class Reading:
    """The records read directly on ``day``: each rule of the docstring, spelt out again."""

    def __init__(self, task_list, day: dt.date) -> None:
        self.day, self.report_day = day, task_list.report_day
        self.tasks = {t.pk: t for t in Task.objects.filter(task_list=task_list)}
        self.kids: dict[int | None, list[Task]] = defaultdict(list)
        for t in self.tasks.values():
            self.kids[t.parent_id].append(t)
        self.milestones: dict[int, list[Milestone]] = defaultdict(list)
        for m in Milestone.objects.filter(task__task_list=task_list):
            self.milestones[m.task_id].append(m)
        self.subtree: dict[int, set[int]] = {}  # an organisation's own id and those of all below it
        self.reports: dict[int, list[ProgressReport]] = defaultdict(list)
        for r in ProgressReport.objects.filter(task__task_list=task_list):
            self.reports[r.task_id].append(r)

    def met(self, m: Milestone) -> bool:
        return m.done_on is not None and m.done_on <= self.day

    def months_run(self, t: Task) -> list[dt.date]:
        out, (y, mo) = [], (t.starts_on.year, t.starts_on.month)
        while D(y, mo, 1) <= t.ends_on:
            out.append(D(y, mo, 1))
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        return out

    def deadline(self, month: dt.date) -> dt.date:
        y, mo = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
        return D(y, mo, self.report_day)

    def filed_by_day(self, r: ProgressReport) -> bool:
        return local_day(r.filed_at) <= self.day

    def own(self, t: Task) -> str:
        ms = self.milestones[t.pk]
        if not ms:
            return "unplanned"
        open_ = [m for m in ms if not self.met(m)]
        if not open_:
            return "done"
        if any(self.day > m.due_on for m in open_):
            return "overdue"
        if self.kids[t.pk]:  # a split task's reports are its pieces'
            return "on_track"
        due = [m for m in self.months_run(t) if self.day > self.deadline(m)]
        if due:
            last = next((r for r in self.reports[t.pk] if r.month == due[-1]), None)
            if last is None or not self.filed_by_day(last) or (
                    last.result == "returned" and local_day(last.reviewed_at) <= self.day):
                return "at_risk"
        seen = sorted((r for r in self.reports[t.pk] if self.filed_by_day(r)), key=lambda r: r.month)
        if seen and seen[-1].problems.strip() and any((m.due_on - self.day).days <= 30 for m in open_):
            return "at_risk"
        return "on_track"

    def status(self, t: Task) -> str:
        kids = self.kids[t.pk]
        if not kids:
            return self.own(t)
        found = [self.status(k) for k in kids] + ([self.own(t)] if self.milestones[t.pk] else [])
        return max(found, key=WORST_LAST.index)

    def progress(self, t: Task) -> Fraction:
        kids = self.kids[t.pk]
        if kids:
            return sum((k.weight * self.progress(k) for k in kids), Fraction(0)) / sum(k.weight for k in kids)
        ms = self.milestones[t.pk]
        if not ms:
            return Fraction(0)
        return Fraction(sum(m.weight for m in ms if self.met(m)), sum(m.weight for m in ms))

    def share(self, t: Task) -> Fraction:
        above = Fraction(1) if t.parent_id is None else self.share(self.tasks[t.parent_id])
        return above * Fraction(t.weight, sum(s.weight for s in self.kids[t.parent_id]))

    def missing(self, t: Task) -> list[dt.date]:
        if self.kids[t.pk] or self.own(t) == "done":
            return []
        filed = {r.month for r in self.reports[t.pk] if self.filed_by_day(r)}
        return [m for m in self.months_run(t) if self.day > self.deadline(m) and m not in filed]

    def leaves_of(self, org: Org) -> list[Task]:
        if org.pk not in self.subtree:
            self.subtree[org.pk] = set(Org.objects.get_tree(org).values_list("pk", flat=True))
        ids = self.subtree[org.pk]
        return [t for t in self.tasks.values() if not self.kids[t.pk] and t.org_id in ids]

    def org_progress(self, org: Org) -> Fraction | None:
        leaves = self.leaves_of(org)
        if not leaves:
            return None
        return sum((self.share(t) * self.progress(t) for t in leaves), Fraction(0)) / sum(self.share(t)
                                                                                          for t in leaves)

    def org_counts(self, org: Org) -> dict[str, int]:
        counts = dict.fromkeys(WORST_LAST, 0)
        for t in self.leaves_of(org):
            counts[self.status(t)] += 1
        return counts

    def list_progress(self) -> Fraction:
        return sum((self.share(t) * self.progress(t) for t in self.kids[None]), Fraction(0))


def close(a, b: Fraction) -> bool:
    return abs(Fraction(a) - b) < Fraction(1, 10**20)


def check(task_list, day: dt.date, orgs: list[Org]) -> int:
    board, direct = progress.load(task_list, day), Reading(task_list, day)
    for t in direct.tasks.values():
        assert board.status[t.pk] == direct.status(t), (day, t.code)
        assert close(board.progress[t.pk], direct.progress(t)), (day, t.code)
        assert close(board.share[t.pk], direct.share(t)), (day, t.code)
        assert board.missing_reports(t.pk) == direct.missing(t), (day, t.code)
    for org in orgs:
        mine, theirs = board.org_progress(org.path), direct.org_progress(org)
        assert (mine is None and theirs is None) or (theirs is not None and close(mine, theirs)), (day, org.name)
        assert board.org_status_counts(org.path) == direct.org_counts(org), (day, org.name)
    assert close(board.list_progress(), direct.list_progress())
    return len(direct.tasks)


# No shrinking: each example writes a list to the database, and the failing day and task are named anyway.
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
def test_status_and_roll_up_equal_a_direct_reading_of_the_records(tree, rng):
    orgs = [tree.district, *tree.streets, *tree.communities, *tree.grids]
    with transaction.atomic():
        task_list = build_random_list(rng, tree)
        for day in random_days(rng, task_list):
            check(task_list, day, orgs)
        transaction.set_rollback(True)


SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(10**6)  # a new one each run


@pytest.mark.parametrize("seed", [SEED], ids=[f"seed{SEED}"])
def test_a_larger_random_list_reads_the_same_every_month_end_of_its_year(tree, seed):
    rng = random.Random(seed)
    task_list = build_random_list(rng, tree, size=4)
    orgs = [tree.district, *tree.streets, *tree.communities, *tree.grids]
    seen = 0
    for month in range(1, 13):
        end = progress.next_month(D(YEAR, month, 1)) - dt.timedelta(days=1)
        seen = check(task_list, end, orgs)
    for day in random_days(rng, task_list):
        check(task_list, day, orgs)
    assert seen >= 1
