"""Warning rules of the task list (registered by ``hooks_warnings``), each set-based — a few queries per rule for
every list, never one per row — and each reading the clock passed in (a replay of the past sees the state of then):

- ``lists.milestone_overdue`` 任务节点逾期未完成: a milestone whose date has passed unmet (no evidence by the day —
  the same reading as ``progress``'s 逾期); addressed to the piece's carrying organisation, and to the lead cadre
  of its top-level task as the responsible person (they answer for the task wherever it is carried out).
- ``lists.report_missing`` 月度进展未按时报送: a month's report of a piece not split further and not completed,
  not filed by day ``report_day`` of the next month — ``progress.Board.missing_reports``, the rule of the status
  itself; one warning per piece and month, addressed to the carrying organisation and the lead cadre. A list's
  reports are asked for until its annual review falls due (January 31 of the next year): then the year is
  closed and ``annual_review_missing`` takes over.
- ``lists.report_unreviewed`` 月度进展未审核: a filed report not reviewed within ``REVIEW_DAYS`` of filing;
  addressed to the organisation above the reporting one (the level that reviews it; every level above that sees
  it too, through ``list.view`` in its subtree). A report of the top organisation is addressed to itself.
- ``lists.quarter_review_missing`` 季度调度会未召开: a quarter of the list's year that ended more than
  ``QUARTER_GRACE_DAYS`` ago without its scheduling meeting recorded; addressed to the list's organisation.
- ``lists.annual_review_missing`` 年度述评未完成: after January 31 of the year following the list's year, a piece
  (every task, split or not) without its annual review; addressed to the organisation above the piece's.

A warning's ``due_at`` is the end (midnight after, Asia/Shanghai) of the last day the thing could be done on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse

from zongheng.core.access import org_names, steplen
from zongheng.core.warnings import Due

from . import progress

MILESTONE_OVERDUE = "lists.milestone_overdue"
REPORT_MISSING = "lists.report_missing"
REPORT_UNREVIEWED = "lists.report_unreviewed"
QUARTER_REVIEW_MISSING = "lists.quarter_review_missing"
ANNUAL_REVIEW_MISSING = "lists.annual_review_missing"
CODES = (MILESTONE_OVERDUE, REPORT_MISSING, REPORT_UNREVIEWED, QUARTER_REVIEW_MISSING, ANNUAL_REVIEW_MISSING)

REVIEW_DAYS = 10  # a filed report is reviewed within this many days
QUARTER_GRACE_DAYS = 15  # a quarter's scheduling meeting is recorded by this many days after the quarter's end
ANNUAL_DEADLINE = (1, 31)  # the annual review of a year's list is done by this day (month, day) of the next year

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _url(name: str, pk: int) -> str:
    return reverse(f"lists:{name}", args=[pk])


def day_end(day: dt.date) -> dt.datetime:
    """The deadline of a due date: the midnight after it, in Asia/Shanghai."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)


def today_of(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


def above(path: str) -> str:
    """The path of the organisation above (the top organisation's own)."""
    return path[:-steplen()] if len(path) > steplen() else path


def _piece(code: str, title: str) -> str:
    return f"{code} {title[:60]}"


# ---------------------------------------------------------------- milestones


def find_milestone_overdue(now: dt.datetime) -> Iterator[Due]:
    """One query."""
    from .models import Milestone

    today = today_of(now)
    rows = (Milestone.objects.filter(Q(done_on__isnull=True) | Q(done_on__gt=today), due_on__lt=today)
            .values_list("pk", "title", "due_on", "task_id", "task__code", "task__title", "task__org_path",
                         "task__org__name", "task__root__lead_id").order_by("pk"))
    for pk, title, due_on, task_id, code, task_title, path, org_name, lead_id in rows.iterator(chunk_size=2000):
        yield Due(key=str(pk), org_path=path, org_name=org_name, person_id=lead_id,
                  title=f"{org_name} {_piece(code, task_title)}：节点“{title[:60]}”{due_on:%Y-%m-%d}逾期未完成",
                  url=_url("task", task_id), due_at=day_end(due_on))


# ---------------------------------------------------------------- monthly reports


def boards(day: dt.date) -> dict[int, tuple[progress.Board, dict[int, tuple[str, str, str, int | None]]]]:
    """The board of every list still asking for reports on ``day`` (until its annual review's deadline: then the
    year is closed and the annual review takes over), with each task's (code, title, carrying organisation's name,
    lead cadre of its top-level task): four queries, whatever the number of lists."""
    from .models import Task

    open_years = {"year__gte": day.year - 1 if day <= annual_deadline(day.year - 1) else day.year}
    names: dict[int, dict[int, tuple[str, str, str, int | None]]] = defaultdict(dict)
    for list_id, pk, code, title, org_name, lead_id in (
            Task.objects.filter(**{f"task_list__{k}": v for k, v in open_years.items()})
            .values_list("task_list_id", "id", "code", "title", "org__name", "root__lead_id")
            .iterator(chunk_size=2000)):
        names[list_id][pk] = (code, title, org_name, lead_id)
    return {list_id: (board, names[list_id]) for list_id, board in progress.load_all(day, **open_years).items()}


def find_report_missing(now: dt.datetime) -> Iterator[Due]:
    """Four queries, whatever the number of lists."""
    today = today_of(now)
    for board, names in boards(today).values():
        for task_id in sorted(board.tasks):
            for month in board.missing_reports(task_id):
                code, title, org_name, lead_id = names[task_id]
                yield Due(key=f"{task_id}:{month:%Y-%m}", org_path=board.tasks[task_id].org_path, org_name=org_name,
                          person_id=lead_id,
                          title=f"{org_name} {_piece(code, title)}：{month.year}年{month.month}月进展未按时报送",
                          url=_url("report_new", task_id),
                          due_at=day_end(progress.report_due(month, board.report_day)))


def find_report_unreviewed(now: dt.datetime) -> Iterator[Due]:
    """Two queries: the reports, the names of the organisations above."""
    from .models import ProgressReport

    rows = list(ProgressReport.objects.filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__gt=now),
                                              filed_at__lt=now - dt.timedelta(days=REVIEW_DAYS))
                .values_list("pk", "month", "filed_at", "org_path", "task__code", "task__title", "task__org__name")
            .order_by("pk"))
    names = org_names(above(row[3]) for row in rows)
    for pk, month, filed_at, path, code, title, org_name in rows:
        reviewer = above(path)
        yield Due(key=str(pk), org_path=reviewer, org_name=names.get(reviewer, ""),
                  title=f"{org_name} {_piece(code, title)}：{month.year}年{month.month}月进展逾{REVIEW_DAYS}日未审核",
                  url=_url("report_review", pk), due_at=filed_at + dt.timedelta(days=REVIEW_DAYS))


# ---------------------------------------------------------------- quarterly and annual reviews


def quarter_end(year: int, quarter: int) -> dt.date:
    return progress.next_month(dt.date(year, 3 * quarter, 1)) - dt.timedelta(days=1)


def find_quarter_review_missing(now: dt.datetime) -> Iterator[Due]:
    """Two queries: the lists whose year has begun, their meetings held by the day."""
    from .models import QuarterReview, TaskList

    today = today_of(now)
    lists = list(TaskList.objects.filter(year__lte=today.year).values_list("pk", "year", "title", "org_path",
                                                                           "org__name").order_by("pk"))
    held = set(QuarterReview.objects.filter(task_list__year__lte=today.year, held_on__lte=today)
               .values_list("task_list_id", "quarter"))
    for pk, year, title, path, org_name in lists:
        for quarter in range(1, 5):
            deadline = quarter_end(year, quarter) + dt.timedelta(days=QUARTER_GRACE_DAYS)
            if deadline < today and (pk, quarter) not in held:
                yield Due(key=f"{pk}:{quarter}", org_path=path, org_name=org_name,
                          title=f"{title}：{year}年第{quarter}季度调度会未召开", url=_url("review_quarter_new", pk),
                          due_at=day_end(deadline))


def annual_deadline(year: int) -> dt.date:
    return dt.date(year + 1, *ANNUAL_DEADLINE)


def find_annual_review_missing(now: dt.datetime) -> Iterator[Due]:
    """Two queries: the pieces of the lists whose review is past due, the names of the organisations above."""
    from .models import Task

    today = today_of(now)
    last_year = today.year - 1 if annual_deadline(today.year - 1) < today else today.year - 2
    rows = list(Task.objects.filter(Q(annual_review__isnull=True) | Q(annual_review__reviewed_at__gt=now),
                                    task_list__year__lte=last_year)
                .values_list("pk", "code", "title", "org_path", "org__name", "task_list__year").order_by("pk"))
    names = org_names(above(row[3]) for row in rows)
    for pk, code, title, path, org_name, year in rows:
        reviewer = above(path)
        yield Due(key=str(pk), org_path=reviewer, org_name=names.get(reviewer, ""),
                  title=f"{org_name} {_piece(code, title)}：{year}年度述评未完成", url=_url("task_annual", pk),
                  due_at=day_end(annual_deadline(year)))
