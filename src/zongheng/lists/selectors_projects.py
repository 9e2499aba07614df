"""Every read of the project list (项目清单): who may make which move, the scoped lists and lookups, the
public brand pages, and the set-based finder of the stalled-project warning.

Rules in one place:
- a review move (受理审核, 批准立项, 退回, 评估) needs ``list.review`` on an organisation strictly above the
  project's organisation (``reviewer_path``: its parent, held there or higher) — a project's own organisation
  never approves itself; every other move needs ``list.report`` on the project's organisation;
- a project is read through ``Project.objects.restrict`` (the tree, and its own secretary or lead cadre);
  out of scope answers 404 like a missing one;
- the public brand page shows only the brand's own text, its organisation's name and its projects' titles,
  summaries and outcomes (no people, no budgets, no notes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import has_perm, in_scope, scope_paths, steplen
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Org, Person, Post
from zongheng.orgs.resolve import org_choices, pick_one, refusal

from .choices import PROJECT_TRANSITIONS, REVIEW_MOVES, STALL_DAYS, ProjectKind, ProjectMove, ProjectState
from .models import Brand, Project

# The roles of a committee whose members may lead a special project (常委领衔): held on the organisation
# where the naming user configures (the district).
LEAD_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.COMMITTEE_MEMBER)
MOVE_ORDER = [ProjectMove.REVIEW, ProjectMove.APPROVE, ProjectMove.RETURN, ProjectMove.RESUBMIT, ProjectMove.START,
              ProjectMove.COMPLETE, ProjectMove.EVALUATE]


def reviewer_path(project: Project) -> str:
    """The organisation that reviews a project: the parent of its organisation (a root reviews itself)."""
    step = steplen()
    return project.org_path[:-step] if len(project.org_path) > step else project.org_path


def may_make(user: Any, project: Project, move: str) -> bool:
    """Whether ``user`` holds the right for ``move`` on ``project`` (the table's state is checked apart)."""
    if not (user and user.is_authenticated):
        return False
    if move in REVIEW_MOVES:
        parent = reviewer_path(project)
        if parent == project.org_path:  # a district-level special project: the committee decides, through 组织部
            return in_scope(user, Perm.LIST_CONFIGURE, parent)
        return in_scope(user, Perm.LIST_REVIEW, parent)
    return in_scope(user, Perm.LIST_REPORT, project.org_path)


def moves_for(user: Any, project: Project) -> list[tuple[str, str]]:
    """The moves the viewer can make now: allowed by the table from the current state and by their rights."""
    return [(move, ProjectMove(move).label) for move in MOVE_ORDER
            if project.state in PROJECT_TRANSITIONS[move][0] and may_make(user, project, move)]


def may_edit(user: Any, project: Project) -> bool:
    return project.state != ProjectState.EVALUATED and in_scope(user, Perm.LIST_REPORT, project.org_path)


def may_view(user: Any) -> bool:
    """list.view anywhere — or, without it, being the secretary who claimed or the cadre who leads a project."""
    if has_perm(user, Perm.LIST_VIEW):
        return True
    person_id = getattr(user, "person_id", None) if user and user.is_authenticated else None
    return bool(person_id) and Project.objects.filter(Q(lead_id=person_id) | Q(secretary_id=person_id)).exists()


def may_create(user: Any) -> bool:
    return has_perm(user, Perm.LIST_REPORT) or has_perm(user, Perm.LIST_CONFIGURE)


def kinds_for(user: Any) -> list[tuple[str, str]]:
    """The kinds of project the user may create: claim and apply with list.report, special with list.configure."""
    out = []
    if has_perm(user, Perm.LIST_REPORT):
        out += [(ProjectKind.CLAIMED.value, ProjectKind.CLAIMED.label), (ProjectKind.APPLIED.value,
                                                                         ProjectKind.APPLIED.label)]
    if has_perm(user, Perm.LIST_CONFIGURE):
        out.append((ProjectKind.SPECIAL.value, ProjectKind.SPECIAL.label))
    return out


# ---------------------------------------------------------------- lists and rows


@dataclass
class Filters:
    kind: str = ""
    state: str = ""
    year: int | None = None
    q: str = ""


def filters(params: Any) -> Filters:
    kind = str(params.get("kind") or "")
    state = str(params.get("state") or "")
    year_text = str(params.get("year") or "")
    return Filters(kind=kind if kind in ProjectKind.values else "",
                   state=state if state in ProjectState.values else "",
                   year=int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None,
                   q=str(params.get("q") or "").replace("\x00", "").strip()[:40])


def projects_in_scope(user: Any) -> QuerySet[Project]:
    return Project.objects.restrict(user, Perm.LIST_VIEW)


def project_list(user: Any, f: Filters) -> QuerySet[Project]:
    qs = projects_in_scope(user).select_related("org", "secretary", "lead")
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.year:
        qs = qs.filter(year=f.year)
    if f.q:
        qs = qs.filter(title__icontains=f.q)
    return qs.order_by("-year", "-id")


def project_for(user: Any, pk: int) -> Project:
    """A project in the user's scope, else 404 (missing and out of scope alike)."""
    found = projects_in_scope(user).select_related("org", "secretary", "lead", "created_by").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def history(project: Project) -> list[Any]:
    """The project's moves, oldest first, each with its labels (``move_label``, ``to_label``). One query."""
    events = list(project.events.select_related("by", "by__person").order_by("at", "id"))
    for e in events:
        e.move_label = ProjectMove(e.move).label if e.move in ProjectMove.values else e.move  # type: ignore[attr-defined]
        e.to_label = (  # type: ignore[attr-defined]
            ProjectState(e.to_state).label if e.to_state in ProjectState.values else e.to_state)
    return events


# ---------------------------------------------------------------- references (one lookup per kind)


def project_org_choices(user: Any, kind: str | None = None) -> QuerySet[Org]:
    """实施单位: an organisation below the root where the user may report; for a special project, any where the
    user configures, the district itself included (its review then falls to 组织部 at the district)."""
    if kind == ProjectKind.SPECIAL:
        return org_choices(user, Perm.LIST_CONFIGURE)
    return org_choices(user, Perm.LIST_REPORT).filter(depth__gt=1)


def resolve_project_org(user: Any, value: Any, kind: str | None = None) -> Org:
    return pick_one(project_org_choices(user, kind), value, refusal("实施单位"))


def lead_choices(user: Any, today: dt.date | None = None) -> QuerySet[Person]:
    """领衔常委: the county-level cadres of the organisation where the user names special projects (the top of
    their list.configure scope, the district): people holding a committee post (书记, 副书记, 委员) in force
    there, or carried directly on it (the district's cadres) — a short list, never the tree."""
    paths = scope_paths(user, Perm.LIST_CONFIGURE)
    if not paths:
        return Person.objects.none()
    posts = Post.objects.active(today or timezone.localdate()).filter(org__path__in=paths, role__in=LEAD_ROLES)
    return (Person.objects.filter(Q(pk__in=posts.values("person_id")) | Q(org__path__in=paths, is_party_member=True))
            .order_by("name", "pk"))


def resolve_lead(user: Any, value: Any) -> Person:
    return pick_one(lead_choices(user), value, refusal("领衔常委"))


def brand_project_choices(user: Any) -> QuerySet[Project]:
    """Projects a brand may name: evaluated, in the user's list.configure scope."""
    return (Project.objects.restrict(user, Perm.LIST_CONFIGURE)
            .filter(state=ProjectState.EVALUATED).select_related("org").order_by("-year", "title"))


def resolve_brand_projects(user: Any, values: list[Any]) -> list[Project]:
    out = []
    for value in values[:50]:
        out.append(pick_one(brand_project_choices(user), value, refusal("品牌项目（须为已评估的项目）")))
    return out


def brand_org_choices(user: Any) -> QuerySet[Org]:
    return org_choices(user, Perm.LIST_CONFIGURE)


def resolve_brand_org(user: Any, value: Any) -> Org:
    return pick_one(brand_org_choices(user), value, refusal("所属单位"))


def brands_in_scope(user: Any) -> QuerySet[Brand]:
    from zongheng.core.access import path_q

    return Brand.objects.filter(path_q("org_path", scope_paths(user, Perm.LIST_CONFIGURE))).select_related("org")


def brand_for(user: Any, pk: int) -> Brand:
    found = brands_in_scope(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# ---------------------------------------------------------------- the public brand pages


@dataclass(frozen=True)
class PublicProject:
    title: str
    summary: str
    outcome: str
    year: int


def public_brands() -> list[dict[str, Any]]:
    """Every brand, for residents: its name, address, organisation name and summary (one query)."""
    rows = Brand.objects.order_by("-named_on", "name").values("name", "slug", "summary", "org__name", "named_on")
    return [dict(row) for row in rows]


def public_brand(slug: str) -> tuple[dict[str, Any], list[PublicProject]]:
    """A brand by its slug and its projects' public text only (two queries); 404 when there is none."""
    found = Brand.objects.filter(slug=slug).values("pk", "name", "summary", "org__name", "named_on").first()
    if found is None:
        raise Http404
    row: dict[str, Any] = dict(found)
    projects = [PublicProject(*values) for values in
                Project.objects.filter(brands__pk=row.pop("pk")).order_by("-year", "title")
                .values_list("title", "summary", "outcome", "year")]
    return row, projects


# ---------------------------------------------------------------- the stalled-project warning

RULE = "lists.project_stalled"
REVIEWER_STATES = (ProjectState.SUBMITTED, ProjectState.REVIEWING)


def find_stalled(now: dt.datetime) -> list[Any]:
    """党建项目停滞: every project resting in a state longer than ``STALL_DAYS[state]``, addressed to the
    organisation that must act — the reviewer (the parent of the project's organisation) while it waits for a
    review, the project's own organisation otherwise. Two queries (the projects, the reviewers' names)."""
    from zongheng.core.access import org_names
    from zongheng.core.warnings import Due

    q = Q(pk__in=[])
    for state, days in STALL_DAYS.items():
        q |= Q(state=state, state_since__lt=now - dt.timedelta(days=days))
    rows = list(Project.objects.filter(q).order_by("pk")
                .values_list("pk", "title", "state", "state_since", "org_path", "org__name"))
    step = steplen()
    parents = {path[:-step] for _, _, state, _, path, _ in rows if state in REVIEWER_STATES and len(path) > step}
    names = org_names(parents)
    out = []
    for pk, title, state, since, path, org_name in rows:
        target, target_name = path, org_name
        if state in REVIEWER_STATES and len(path) > step:
            target, target_name = path[:-step], names.get(path[:-step], org_name)
        label = ProjectState(state).label
        days = STALL_DAYS[state]
        out.append(Due(key=f"{pk}:{state}", org_path=target, org_name=target_name,
                       title=f"党建项目「{title[:60]}」（{org_name}）处于「{label}」已超过 {days} 天",
                       url=reverse("lists:project", args=[pk]), due_at=since + dt.timedelta(days=days)))
    return out


def resolve_move(value: Any) -> str:
    move = str(value or "")
    if move not in PROJECT_TRANSITIONS:
        raise ActionError("没有这项操作")
    return move
