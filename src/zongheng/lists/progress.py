"""Status and progress of the task list, derived from milestones and reports for any day — never typed.

The rules, one place (the pages, the API, the exports, the warnings and the dashboard all read them here):

- A piece's **progress** is the weighted share of its milestones met (evidence filed) by the day; a task
  split into children is measured by its children, weighted by their weights: the district's progress rolls
  up from the smallest piece. An organisation's progress is the weighted progress of the pieces it carries
  (and those carried below it), each piece weighted by its share of the whole list (its weight among its
  siblings, times its parent's share).
- A piece's **status** on a day (as of that day: a milestone met later, a report filed later do not count):
  未制定路线图 when it has no milestones; 已完成 when every milestone is met; 逾期 when a milestone's date has
  passed unmet; 有风险 when the last monthly report due by the day is missing or was returned, or when the
  latest report names problems and an unmet milestone falls due within ``RISK_DAYS``; otherwise 正常推进.
  A task with children takes the worst status among its children and its own milestones (its pieces file
  the monthly reports, so a split task's own reports are not asked for).
- A monthly report for month M is due by day ``report_day`` of month M+1, for every month the piece runs
  (from its start to its deadline) until it is completed.

``Board`` computes all of it for one list in one pass over rows loaded with three queries (``load``; ``load_all``
reads every list in the same three).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .choices import STATUS_RANK, ReviewResult, TaskStatus

if TYPE_CHECKING:
    from .models import TaskList

RISK_DAYS = 30


@dataclass(frozen=True)
class TaskRow:
    id: int
    parent_id: int | None
    weight: int
    org_path: str
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class MilestoneRow:
    task_id: int
    due_on: dt.date
    weight: int
    done_on: dt.date | None


@dataclass(frozen=True)
class ReportRow:
    task_id: int
    month: dt.date  # first day of the month reported on
    filed_on: dt.date
    returned_on: dt.date | None  # the day the task force returned it (None: not returned)
    problems: bool


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def report_due(month: dt.date, report_day: int) -> dt.date:
    """The last day the report on ``month`` may be filed on."""
    return next_month(month).replace(day=report_day)


def months_due(starts_on: dt.date, ends_on: dt.date, day: dt.date, report_day: int) -> list[dt.date]:
    """The months of a piece's run whose report's deadline has passed by ``day`` (oldest first)."""
    out = []
    month = month_start(starts_on)
    while month <= ends_on and report_due(month, report_day) < day:
        out.append(month)
        month = next_month(month)
    return out


def leaf_status(milestones: list[MilestoneRow], reports: dict[dt.date, ReportRow], due_months: list[dt.date],
                day: dt.date) -> str:
    """The status of one piece's own milestones and reports on ``day`` (see the module's rules)."""
    if not milestones:
        return TaskStatus.UNPLANNED
    unmet = [m for m in milestones if m.done_on is None or m.done_on > day]
    if not unmet:
        return TaskStatus.DONE
    if any(m.due_on < day for m in unmet):
        return TaskStatus.OVERDUE
    if due_months:
        last = reports.get(due_months[-1])
        if last is None or last.filed_on > day or (last.returned_on is not None and last.returned_on <= day):
            return TaskStatus.AT_RISK
    latest = max((r for r in reports.values() if r.filed_on <= day), key=lambda r: r.month, default=None)
    if latest is not None and latest.problems and any(m.due_on <= day + dt.timedelta(days=RISK_DAYS) for m in unmet):
        return TaskStatus.AT_RISK
    return TaskStatus.ON_TRACK


def leaf_progress(milestones: list[MilestoneRow], day: dt.date) -> Decimal:
    """The weighted share (0–1) of a piece's milestones met by ``day``; 0 without milestones."""
    total = sum(m.weight for m in milestones)
    if not total:
        return Decimal(0)
    met = sum(m.weight for m in milestones if m.done_on is not None and m.done_on <= day)
    return Decimal(met) / Decimal(total)


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda s: STATUS_RANK[TaskStatus(s)], default=TaskStatus.UNPLANNED)


class Board:
    """Status and progress of every piece of one list on one day, and of any organisation's share."""

    def __init__(self, tasks: Iterable[TaskRow], milestones: Iterable[MilestoneRow], reports: Iterable[ReportRow],
                 *, report_day: int, day: dt.date) -> None:
        self.day = day
        self.tasks = {t.id: t for t in tasks}
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for t in sorted(self.tasks.values(), key=lambda t: t.id):
            self.children[t.parent_id].append(t.id)
        self._milestones: dict[int, list[MilestoneRow]] = defaultdict(list)
        for m in milestones:
            self._milestones[m.task_id].append(m)
        self._reports: dict[int, dict[dt.date, ReportRow]] = defaultdict(dict)
        for r in reports:
            self._reports[r.task_id][r.month] = r
        self.report_day = report_day
        self.status: dict[int, str] = {}
        self.progress: dict[int, Decimal] = {}
        self.share: dict[int, Decimal] = {}  # the piece's share of the whole list (top-level shares sum to 1)
        self._walk(self.children[None], Decimal(1))

    def own_status(self, task_id: int) -> str:
        """The status of a piece's own milestones and reports. A split task's monthly reports are filed by its
        pieces: its own milestones count (met, overdue), its own reports are not asked for."""
        t = self.tasks[task_id]
        milestones = self._milestones[task_id]
        if self.children[task_id]:
            return leaf_status(milestones, {}, [], self.day)
        met = milestones and all(m.done_on is not None and m.done_on <= self.day for m in milestones)
        due = [] if met else months_due(t.starts_on, t.ends_on, self.day, self.report_day)
        return leaf_status(milestones, self._reports[task_id], due, self.day)

    def missing_reports(self, task_id: int) -> list[dt.date]:
        """The months a leaf piece's report is due for by the day and was not filed by it."""
        t = self.tasks[task_id]
        if self.children[task_id] or self.own_status(task_id) == TaskStatus.DONE:
            return []
        filed = self._reports[task_id]
        return [m for m in months_due(t.starts_on, t.ends_on, self.day, self.report_day)
                if m not in filed or filed[m].filed_on > self.day]

    def _walk(self, ids: list[int], share: Decimal) -> None:
        total = sum(self.tasks[i].weight for i in ids)
        for i in ids:
            self.share[i] = share * self.tasks[i].weight / total
            kids = self.children[i]
            if kids:
                self._walk(kids, self.share[i])
                own = [self.own_status(i)] if self._milestones[i] else []
                self.status[i] = worst([*(self.status[k] for k in kids), *own])
                weights = sum(self.tasks[k].weight for k in kids)
                self.progress[i] = sum((self.tasks[k].weight * self.progress[k] for k in kids), Decimal(0)) / weights
            else:
                self.status[i] = self.own_status(i)
                self.progress[i] = leaf_progress(self._milestones[i], self.day)

    def leaves_under(self, org_path: str) -> list[int]:
        """The pieces carried by the organisation or below it that are not split further."""
        return [i for i, t in self.tasks.items() if not self.children[i] and t.org_path.startswith(org_path)]

    def org_progress(self, org_path: str) -> Decimal | None:
        """The weighted progress of what the organisation (and its subtree) carries; None when it carries nothing."""
        leaves = self.leaves_under(org_path)
        total = sum((self.share[i] for i in leaves), Decimal(0))
        if not total:
            return None
        return sum((self.share[i] * self.progress[i] for i in leaves), Decimal(0)) / total

    def org_status_counts(self, org_path: str) -> dict[str, int]:
        """How many of the organisation's pieces (not split further) stand in each status."""
        counts = dict.fromkeys(TaskStatus.values, 0)
        for i in self.leaves_under(org_path):
            counts[self.status[i]] += 1
        return counts

    def list_progress(self) -> Decimal:
        """The whole list's progress: its top-level tasks, weighted."""
        return sum((self.share[i] * self.progress[i] for i in self.children[None]), Decimal(0))


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def load_all(day: dt.date, **where: Any) -> dict[int, Board]:
    """The board of every list matching ``where`` (filters on ``TaskList``; none: all lists) on ``day``, by the
    list's id: three queries, whatever the number and size of the lists."""
    from .models import Milestone, ProgressReport, Task

    def on_lists(prefix: str) -> dict[str, Any]:
        return {f"{prefix}{key}": value for key, value in where.items()}

    tasks: dict[int, list[TaskRow]] = defaultdict(list)
    report_days: dict[int, int] = {}
    for list_id, report_day, pk, parent_id, weight, path, starts_on, ends_on in (
            Task.objects.filter(**on_lists("task_list__")).values_list(
                "task_list_id", "task_list__report_day", "id", "parent_id", "weight", "org_path", "starts_on",
                "ends_on").iterator(chunk_size=2000)):
        tasks[list_id].append(TaskRow(pk, parent_id, weight, path, starts_on, ends_on))
        report_days[list_id] = report_day
    milestones: dict[int, list[MilestoneRow]] = defaultdict(list)
    for list_id, task_id, due_on, weight, done_on in Milestone.objects.filter(
            **on_lists("task__task_list__")).values_list(
            "task__task_list_id", "task_id", "due_on", "weight", "done_on").iterator(chunk_size=2000):
        milestones[list_id].append(MilestoneRow(task_id, due_on, weight, done_on))
    reports: dict[int, list[ReportRow]] = defaultdict(list)
    for list_id, task_id, month, filed_at, result, reviewed_at, problems in ProgressReport.objects.filter(
            **on_lists("task__task_list__")).values_list(
            "task__task_list_id", "task_id", "month", "filed_at", "result", "reviewed_at", "problems").iterator(
            chunk_size=2000):
        returned = _local_day(reviewed_at) if result == ReviewResult.RETURNED and reviewed_at else None
        reports[list_id].append(ReportRow(task_id, month, _local_day(filed_at), returned, bool(problems.strip())))
    return {list_id: Board(rows, milestones[list_id], reports[list_id], report_day=report_days[list_id], day=day)
            for list_id, rows in tasks.items()}


def load(task_list: TaskList, day: dt.date) -> Board:
    """The board of one list on ``day`` (three queries)."""
    board = load_all(day, pk=task_list.pk).get(task_list.pk)
    return board if board is not None else Board([], [], [], report_day=task_list.report_day, day=day)


def reading_day(task_list: TaskList, today: dt.date) -> dt.date:
    """The day a list is read on: today while its year runs, its year's last day once the year is over (a past
    year's list shows where it stood at the year end — what the annual review scored)."""
    return min(today, dt.date(task_list.year, 12, 31))


def read(task_list: TaskList, today: dt.date) -> Board:
    """The board pages, the API and the exports show: ``load`` on the list's ``reading_day``."""
    return load(task_list, reading_day(task_list, today))


def _local_day(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(moment)
