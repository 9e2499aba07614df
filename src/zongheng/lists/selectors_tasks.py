"""Reads of the task list (任务清单): who may see and do what, the lists and pieces in scope, one piece, one report,
the hub's figures. Status and progress come from ``progress.py`` only (``progress.load``); nothing here derives
them again.

Scope is the tree (``Task.objects.restrict``) — and, for a lead cadre (领衔干部) who leads a top-level task, the
assignment: every piece of the tasks they lead, wherever it is carried, even when they hold no post at all.
A piece or report out of scope answers 404 like a missing one.

Who may do what (one place, used by the pages, the API and the actions):

- report (milestones, evidence, plan and pledge, monthly reports): ``list.report`` on the piece's organisation;
- split a piece down the tree: ``list.review`` on the piece's organisation;
- review a monthly report or make the annual review of a piece: ``list.review`` on an organisation strictly
  above the piece's organisation, or the lead cadre of its top-level task — never the reporting
  organisation itself (nor the user who filed the report);
- record the quarterly review: ``list.review`` on the list's organisation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from zongheng.core.access import NotAuthenticated, has_perm, in_scope, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from . import progress
from .choices import TaskStatus
from .models import Milestone, ProgressReport, Task, TaskList

NO_ACCESS = "一清单只对负有任务清单职责的组织和领衔县处级干部开放，您没有查看权限"


# ---------------------------------------------------------------- who may


def person_id(user: Any) -> int | None:
    return getattr(user, "person_id", None) if user is not None and user.is_authenticated else None


def leads_tasks(user: Any) -> bool:
    """True when the user's person leads a top-level task (as its 领衔县处级干部)."""
    pid = person_id(user)
    if not pid:
        return False
    cached = getattr(user, "_zh_leads_tasks", None)
    if cached is None:
        cached = Task.objects.filter(lead_id=pid, parent__isnull=True).exists()
        user._zh_leads_tasks = cached
    return bool(cached)


def may_view(user: Any) -> bool:
    return has_perm(user, Perm.LIST_VIEW) or leads_tasks(user)


def require_view(user: Any) -> None:
    if not (user and user.is_authenticated):
        raise NotAuthenticated
    if not may_view(user):
        raise PermissionDenied(NO_ACCESS)


def may_report(user: Any, task: Task) -> bool:
    return in_scope(user, Perm.LIST_REPORT, task.org_path)


def may_split(user: Any, task: Task) -> bool:
    return in_scope(user, Perm.LIST_REVIEW, task.org_path)


def is_lead_of(user: Any, task: Task) -> bool:
    pid = person_id(user)
    if not pid:
        return False
    root = task if task.parent_id is None else task.root
    return root is not None and root.lead_id == pid


def reviews_above(user: Any, org_path: str) -> bool:
    """``list.review`` on an organisation strictly above ``org_path``."""
    return any(org_path.startswith(p) and len(p) < len(org_path) for p in scope_paths(user, Perm.LIST_REVIEW))


def may_review_piece(user: Any, task: Task) -> bool:
    """Review its reports, make its annual review: above the piece's organisation, or its lead cadre."""
    return reviews_above(user, task.org_path) or is_lead_of(user, task)


def may_review_report(user: Any, report: ProgressReport) -> bool:
    if report.filed_by_id is not None and report.filed_by_id == getattr(user, "pk", None):
        return False
    return reviews_above(user, report.org_path) or is_lead_of(user, report.task)


def may_record_quarter(user: Any, task_list: TaskList) -> bool:
    return in_scope(user, Perm.LIST_REVIEW, task_list.org_path)


# ---------------------------------------------------------------- lists, pieces, reports


def lists_for(user: Any) -> QuerySet[TaskList]:
    return TaskList.objects.restrict(user).select_related("org").order_by("-year", "org_path")


def list_for_year(user: Any, year: Any) -> TaskList | None:
    """The list of ``year`` in the viewer's scope; the latest one when no (or an unknown) year is asked."""
    lists = lists_for(user)
    if str(year or "").isdigit():
        found = lists.filter(year=int(str(year))).first()
        if found is not None:
            return found
    return lists.first()


def tasks_in_scope(user: Any) -> QuerySet[Task]:
    return Task.objects.restrict(user)


def task_for(user: Any, pk: int) -> Task:
    task = (tasks_in_scope(user).select_related("task_list", "task_list__org", "org", "lead", "root", "root__lead",
                                                "parent", "pledge_by", "document")
            .filter(pk=pk).first())
    if task is None:
        raise Http404
    return task


def report_for(user: Any, pk: int) -> ProgressReport:
    report = (ProgressReport.objects.restrict(user)
              .select_related("task", "task__org", "task__root", "task__task_list", "milestone", "filed_by",
                              "reviewed_by").filter(pk=pk).first())
    if report is None:
        raise Http404
    return report


def milestone_for(user: Any, pk: int) -> Milestone:
    milestone = (Milestone.objects.filter(pk=pk, task__in=tasks_in_scope(user))
                 .select_related("task", "task__root", "task__org").first())
    if milestone is None:
        raise Http404
    return milestone


def pledge_signers(task: Task) -> QuerySet[Person]:
    """Who may sign a piece's 责任状: the people holding a post in force at its carrying organisation."""
    return (Person.objects.filter(posts__org_id=task.org_id, posts__ends_on__isnull=True).distinct()
            .order_by("name", "pk"))


def task_for_action(user: Any, pk: int, allowed: Any, refusal: str) -> Task:
    """The piece a write names, for the pages and the API alike: no list right → 403 (anonymous: login / 401),
    out of scope → 404, in scope but the write is not the user's (``allowed(user, task)`` false) → 403."""
    require_view(user)
    task = task_for(user, pk)
    if not allowed(user, task):
        raise PermissionDenied(refusal)
    return task


def milestone_for_action(user: Any, pk: int, refusal: str) -> Milestone:
    """The milestone a write names: as ``task_for_action``, the write being the carrying organisation's."""
    require_view(user)
    milestone = milestone_for(user, pk)
    if not may_report(user, milestone.task):
        raise PermissionDenied(refusal)
    return milestone


def top_path(user: Any) -> str | None:
    """The viewer's top scope path (the district's for the district); None for a lead cadre without a post."""
    paths = scope_paths(user, Perm.LIST_VIEW)
    return min(paths, key=len) if paths else None


def reports_to_review(user: Any, limit: int) -> list[tuple[int, str, str, dt.date]]:
    """The monthly reports waiting for the user's review: filed below an organisation where they hold
    ``list.review`` (strictly below it), or on a task they lead; never those they filed themselves.
    (pk, task code, task title, month) of each."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for p in scope_paths(user, Perm.LIST_REVIEW):
        q |= Q(org_path__startswith=p) & ~Q(org_path=p)
    pid = person_id(user)
    if pid:
        q |= Q(task__root__lead_id=pid)
    return list(ProgressReport.objects.filter(q, reviewed_at__isnull=True).exclude(filed_by_id=user.pk)
                .order_by("filed_at", "id").values_list("pk", "task__code", "task__title", "month")[:limit])


# ---------------------------------------------------------------- the task list page


@dataclass
class Filters:
    status: str = ""
    category: str = ""
    org: Org | None = None
    leaf: bool = False  # only the pieces not split further (what the hub's status counts count)


def filters(params: Any) -> Filters:
    f = Filters()
    status = str(params.get("status") or "")
    if status in TaskStatus.values:
        f.status = status
    f.category = str(params.get("category") or "").strip()[:40]
    f.leaf = str(params.get("leaf") or "") in ("1", "true", "True")
    org = str(params.get("org") or "")
    if org.isdigit() and len(org) < 19:
        f.org = Org.objects.filter(pk=int(org)).first()
    return f


def ordered(qs: QuerySet[Task]) -> QuerySet[Task]:
    """Top-level tasks first, then the pieces, each by code."""
    return qs.annotate(_piece=Case(When(parent__isnull=True, then=Value(0)), default=Value(1),
                                   output_field=IntegerField())).order_by("_piece", "code", "id")


def task_ids(user: Any, task_list: TaskList, f: Filters, board: progress.Board) -> list[int]:
    """The ids of the pieces in scope matching the filters (status from the board), in list order."""
    qs = tasks_in_scope(user).filter(task_list=task_list)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.org is not None:
        qs = qs.filter(org_path__startswith=f.org.path)
    ids = list(ordered(qs).values_list("id", flat=True))
    if f.status:
        ids = [i for i in ids if board.status.get(i) == f.status]
    if f.leaf:
        ids = [i for i in ids if not board.children.get(i)]
    return ids


def tasks_by_ids(ids: list[int]) -> list[Task]:
    found = {t.pk: t for t in Task.objects.filter(pk__in=ids).select_related("org", "lead", "root__lead")}
    return [found[i] for i in ids if i in found]


def categories(user: Any, task_list: TaskList) -> list[str]:
    return list(tasks_in_scope(user).filter(task_list=task_list, parent__isnull=True)
                .order_by("category").values_list("category", flat=True).distinct())


def filter_orgs(user: Any, f: Filters) -> list[Org]:
    """The organisation filter's options: the viewer's top organisation and the ones right below it (a district's
    streets — a handful), and the one chosen now."""
    top = top_path(user)
    orgs: list[Org] = []
    if top is not None:
        step = Org.steplen
        orgs = list(Org.objects.filter(path__startswith=top, depth__lte=len(top) // step + 1).order_by("path"))
    if f.org is not None and all(o.pk != f.org.pk for o in orgs):
        orgs.append(f.org)
    return orgs


# ---------------------------------------------------------------- figures of the hub


@dataclass
class Figures:
    progress: Decimal | None
    counts: dict[str, int] = field(default_factory=dict)
    whole: bool = False  # the whole list (the district)
    led: list[tuple[Task, Decimal, str]] = field(default_factory=list)  # a lead cadre's tasks


def figures(user: Any, task_list: TaskList, board: progress.Board) -> Figures:
    """The viewer organisation's weighted progress and status counts (``Board.org_progress`` /
    ``org_status_counts`` for their top scope path); for a lead cadre, the tasks they lead as well."""
    top = top_path(user)
    out = Figures(progress=None, counts=dict.fromkeys(TaskStatus.values, 0))
    if top is not None:
        out.progress = board.org_progress(top)
        out.counts = board.org_status_counts(top)
        out.whole = task_list.org_path.startswith(top)
    pid = person_id(user)
    if pid:
        led = list(Task.objects.filter(task_list=task_list, lead_id=pid, parent__isnull=True).order_by("code"))
        out.led = [(t, board.progress[t.pk], board.status[t.pk]) for t in led if t.pk in board.progress]
        if top is None and led:
            led_ids = {t.pk for t in led}
            leaves = [i for i in board.tasks if not board.children[i] and _root_of(board, i) in led_ids]
            total = sum((board.share[i] for i in leaves), Decimal(0))
            out.progress = (sum((board.share[i] * board.progress[i] for i in leaves), Decimal(0)) / total
                            if total else None)
            for i in leaves:
                out.counts[board.status[i]] += 1
    return out


def _root_of(board: progress.Board, task_id: int) -> int:
    while (parent := board.tasks[task_id].parent_id) is not None:
        task_id = parent
    return task_id


def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal('0.1'))}%"


def today_month(today: dt.date) -> dt.date:
    return today.replace(day=1)
