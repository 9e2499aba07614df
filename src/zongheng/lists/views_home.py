"""一清单's hub (``lists:home``): the year's task list in the viewer's scope — its weighted progress and status
counts for the viewer's organisation (the district: the whole list), each status opening the filtered task list;
a lead cadre also sees the tasks they lead. Other parts add their own sections below (``register_home_section``:
the project list is one), so this page imports none of them.

Who reaches it: ``list.view`` anywhere, or a lead cadre (领衔干部) of a top-level task even without any post;
everybody else is told in Chinese that the list is not open to them (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import has_perm
from zongheng.core.permissions import Perm

from . import progress
from . import selectors_tasks as sel
from .choices import TaskStatus
from .models import TaskList


@dataclass(frozen=True)
class HomeSection:
    """A section another part shows on the hub: a template and its context (``anchor`` and ``title`` are set by
    ``home_sections`` from the registration: the hub's jump list links to each section)."""

    template: str
    context: dict[str, Any]
    anchor: str = ""
    title: str = ""


# (order, name, func(user, year or None, today) -> HomeSection | None, title)
HomeSectionFunc = Callable[[Any, int | None, dt.date], HomeSection | None]
_SECTIONS: dict[str, tuple[int, HomeSectionFunc, str]] = {}


def register_home_section(order: int, name: str, func: HomeSectionFunc, title: str) -> None:
    """Add (or replace, by name) a section of the hub below the task list — e.g. the project list (项目清单);
    ``title`` is its entry in the hub's jump list."""
    _SECTIONS[name] = (order, func, title)


def home_sections(user: Any, year: int | None, today: dt.date) -> list[HomeSection]:
    out = []
    for name, (_, func, title) in sorted(_SECTIONS.items(), key=lambda entry: entry[1][0]):
        section = func(user, year, today)
        if section is not None:
            out.append(replace(section, anchor=f"part-{name}", title=title))
    return out


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    sel.require_view(user)
    today = timezone.localdate()
    task_list = sel.list_for_year(user, request.GET.get("year"))
    years = list(sel.lists_for(user).values_list("year", flat=True).distinct())
    context: dict[str, Any] = {"task_list": task_list, "years": sorted(set(years), reverse=True), "today": today}
    if task_list is not None:
        context.update(_list_context(user, task_list, today))
    asked = str(request.GET.get("year") or "")
    year = task_list.year if task_list else (int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else None)
    context["sections"] = home_sections(user, year, today)
    context["can_import"] = has_perm(user, Perm.LIST_CONFIGURE)
    return render(request, "lists/home.html", context)


def _report_month(task_list: TaskList, today: dt.date) -> dt.date:
    """The reports' export's default month: last month while the list's year runs, its December after."""
    if today.year > task_list.year:
        return dt.date(task_list.year, 12, 1)
    return max(progress.month_start(progress.month_start(today) - dt.timedelta(days=1)), dt.date(task_list.year, 1, 1))


def _list_context(user: Any, task_list: TaskList, today: dt.date) -> dict[str, Any]:
    board = progress.read(task_list, today)
    f = sel.figures(user, task_list, board)
    tasks_url = reverse("lists:tasks")
    statuses = [(TaskStatus(code).label, f.counts.get(code, 0),
                 f"{tasks_url}?{urlencode({'year': task_list.year, 'status': code, 'leaf': 1})}")
                for code in TaskStatus.values]
    return {
        "figures": f, "lead_only": sel.top_path(user) is None, "progress_text": sel.percent(f.progress),
        "statuses": statuses,
        "list_progress": sel.percent(board.list_progress()) if f.whole else "",
        "led": [(t, sel.percent(p), TaskStatus(s).label) for t, p, s in f.led],
        "all_url": f"{tasks_url}?{urlencode({'year': task_list.year})}",
        "can_quarter": sel.may_record_quarter(user, task_list),
        "quarters": list(task_list.quarter_reviews.order_by("quarter")),
        "report_month": f"{_report_month(task_list, today):%Y-%m}",
    }
