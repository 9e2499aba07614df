"""What the project list (项目清单) registers with the ground (called by ``lists.hooks.register``): its
navigation entry, audit labels and links, the to-do items (projects waiting for the user's decision or move)
and the warning rule ``lists.project_stalled`` (党建项目停滞: ``selectors_projects.find_stalled``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Todo, register_todo
from zongheng.core.warnings import register_rule

from .choices import ProjectKind, ProjectState

AUDIT_ACTIONS = {
    "lists.project_create": "申报党建项目", "lists.project_move": "党建项目流转",
    "lists.project_update": "修改党建项目", "lists.brand_create": "命名党建品牌",
    "lists.brand_update": "修改党建品牌",
}


def my_projects(user: Any, now: dt.datetime) -> list[Todo]:
    """党建项目待办: projects of the organisations directly below where the user reviews, waiting to be taken up
    or decided (and a root's own special projects for 组织部, who decides them for the committee); and projects
    of the user's own organisations waiting for their move (returned, approved; in progress past its limit is a
    warning, not a to-do). One query."""
    from django.db.models import Q
    from django.db.models.functions import Length

    from zongheng.core.access import in_scope, post_paths, steplen
    from zongheng.core.permissions import Perm

    from .choices import STALL_DAYS, ProjectState
    from .models import Project

    if not (user and user.is_authenticated):
        return []
    step = steplen()
    q = Q(pk__in=[])
    for path in post_paths(user):
        if in_scope(user, Perm.LIST_REVIEW, path):
            q |= Q(org_path__startswith=path, path_len=len(path) + step,
                   state__in=[ProjectState.SUBMITTED, ProjectState.REVIEWING])
        if len(path) == step and in_scope(user, Perm.LIST_CONFIGURE, path):  # a root's own special projects
            q |= Q(org_path=path, kind=ProjectKind.SPECIAL,
                   state__in=[ProjectState.SUBMITTED, ProjectState.REVIEWING])
        if in_scope(user, Perm.LIST_REPORT, path):
            q |= Q(org_path=path, state__in=[ProjectState.RETURNED, ProjectState.APPROVED])
    rows = (Project.objects.annotate(path_len=Length("org_path")).filter(q).order_by("state_since", "pk")
            .values_list("pk", "title", "state", "state_since", "org__name")[:TODO_LIMIT])
    kinds: dict[str, str] = {ProjectState.SUBMITTED: "党建项目待受理", ProjectState.REVIEWING: "党建项目待审批",
                             ProjectState.RETURNED: "党建项目被退回", ProjectState.APPROVED: "党建项目待实施"}
    return [Todo(kinds[state], f"{title}（{org}）", reverse("lists:project", args=[pk]),
                 since + dt.timedelta(days=STALL_DAYS[state]))
            for pk, title, state, since, org in rows]


def home_section(user: Any, year: int | None, today: dt.date) -> Any:
    """The hub's 项目清单 section: the year's projects in scope by state and by wheel (one grouped query), each
    count opening the filtered list, and the named brands."""
    from django.db.models import Count

    from .models import Brand
    from .selectors_projects import may_view, projects_in_scope
    from .views_home import HomeSection

    if not may_view(user):
        return None
    year = year or today.year
    rows = projects_in_scope(user).filter(year=year).values_list("kind", "state").annotate(n=Count("pk"))
    by_state: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for kind, state, n in rows:
        by_state[state] = by_state.get(state, 0) + n
        by_kind[kind] = by_kind.get(kind, 0) + n
    base = reverse("lists:projects")
    return HomeSection("lists/_home_projects.html", {
        "year": year, "total": sum(by_state.values()), "all_url": f"{base}?year={year}",
        "states": [(label, by_state.get(code, 0), f"{base}?year={year}&state={code}")
                   for code, label in ProjectState.choices],
        "kinds": [(label, by_kind.get(code, 0), f"{base}?year={year}&kind={code}")
                  for code, label in ProjectKind.choices],
        "brands": list(Brand.objects.order_by("-named_on", "name").values_list("name", "slug")[:20]),
    })


def register() -> None:
    from .selectors_projects import RULE, find_stalled
    from .views_home import register_home_section

    register_home_section(20, "projects", home_section, "项目清单")  # the hub (一清单) is the one navigation entry
    register_actions(AUDIT_ACTIONS)
    register_object_url("lists.project", url_by_pk("lists:project"), Perm.LIST_VIEW)
    register_object_url("lists.brand", url_by_pk("lists:brand_edit"), Perm.LIST_CONFIGURE)
    register_rule(RULE, "党建项目停滞", Perm.LIST_VIEW, find_stalled)
    register_todo(66, "lists.projects", my_projects)
