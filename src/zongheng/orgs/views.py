"""Pages of 一纵: the organisation tree, people and posts.

Reads go through restricted querysets / selectors (out of scope → 404, no right → 403);
writes go through one ``do_*`` action each, whose ``ActionError`` is shown in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, in_scope, require
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm

from . import actions, exports, selectors
from .choices import Gender, MemberType, OrgKind
from .forms import EndPostForm, OrgForm, OrgMoveForm, PersonForm, PostForm
from .models import Level, LinkedHousehold, Org, Person, Post

# Counted columns of the children table after the lower levels: (label, count keys).
_EXTRA_COLUMNS: list[tuple[str, tuple[str, ...]]] = [
    ("临时党组织", (OrgKind.TEMP_BRANCH, OrgKind.TEMP_GROUP)),
    ("功能型党组织", (OrgKind.FUNCTIONAL,)),
    ("党员数", ("members",)),
]
MEMBERS_SHOWN = 20


@dataclass
class ChildrenTable:
    """The children of an org split by kind, with the regular ones' subtree counts."""

    labels: list[str] = field(default_factory=list)
    rows: list[tuple[Org, list[int]]] = field(default_factory=list)
    temporary: list[tuple[Org, int]] = field(default_factory=list)
    functional: list[tuple[Org, int]] = field(default_factory=list)
    own: dict[str, int] = field(default_factory=dict)


def _children_table(org: Org) -> ChildrenTable:
    """Children and their counts in a fixed number of queries (children, 2×2 grouped counts, levels)."""
    children = list(selectors.children_of(org).order_by("path"))
    counts = selectors.child_counts(org)
    table = ChildrenTable(own=dict(counts.get(org.path, {})))
    regular = [c for c in children if c.kind == OrgKind.REGULAR]
    present: set[str] = set()
    for child in regular:
        present.update(counts.get(child.path, {}))
    columns: list[tuple[str, tuple[str, ...]]] = [
        (lv.name, (lv.code,)) for lv in Level.objects.all() if lv.code in present and lv.rank > org.level.rank
    ]
    columns += _EXTRA_COLUMNS
    table.labels = [label for label, _ in columns]
    for child in regular:
        c = counts.get(child.path, {})
        table.rows.append((child, [sum(c.get(k, 0) for k in keys) for _, keys in columns]))
    for child in children:
        members = counts.get(child.path, {}).get("members", 0)
        if child.is_temporary:
            table.temporary.append((child, members))
        elif child.kind == OrgKind.FUNCTIONAL:
            table.functional.append((child, members))
    return table


def _query_string(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------- organisations


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    """组织体系: the top organisations of the user's scope, each with its totals."""
    require(request.user, Perm.ORG_VIEW)
    roots = []
    for root in selectors.scope_roots(request.user).order_by("path"):
        own = selectors.subtree_counts(root.depth * Org.steplen, root.path).get(root.path, {})
        roots.append((root, own))
    return render(request, "orgs/tree.html", {"roots": roots})


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.ORG_VIEW)
    user = request.user
    org = get_object_or_404(Org.objects.restrict(user).select_related("level"), pk=pk)
    table = _children_table(org)
    team_orgs = [child for child, _ in table.functional] + ([org] if org.kind == OrgKind.FUNCTIONAL else [])
    teams = selectors.teams_of(team_orgs)
    posts = list(
        Post.objects.active().filter(org=org).select_related("person", "sent_from").order_by("role", "starts_on")
    )
    members = selectors.people_in_scope(user).filter(org=org).order_by("name", "id")
    households = list(LinkedHousehold.objects.filter(central=org)) if org.level.code == "household" else None
    context = {
        "org": org,
        "crumbs": selectors.ancestors_in_scope(user, org),
        "table": table,
        "temporary": [(c, n, teams.get(c.pk, [])) for c, n in table.temporary],
        "functional": [(c, n, teams.get(c.pk, [])) for c, n in table.functional],
        "own_teams": teams.get(org.pk, []),
        "posts": posts,
        "members": list(members[:MEMBERS_SHOWN]),
        "members_total": members.count(),
        "households": households,
        "can_change": in_scope(user, Perm.ORG_CHANGE, org.path),
        "can_move": in_scope(user, Perm.ORG_MOVE, org.path) and org.depth > 1,
        "can_post": in_scope(user, Perm.POST_CHANGE, org.path),
        "can_add_person": in_scope(user, Perm.PERSON_CHANGE, org.path),
    }
    return render(request, "orgs/org_detail.html", context)


@login_required
def org_export(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.ORG_VIEW)
    org = get_object_or_404(Org.objects.restrict(request.user).select_related("level"), pk=pk)
    table = _children_table(org)
    return exports.children_xlsx(org, table.labels, table.rows)


@login_required
def org_create(request: HttpRequest, pk: int) -> HttpResponse:
    """新建下级组织 (regular, temporary or functional) under org ``pk``."""
    require(request.user, Perm.ORG_CHANGE)
    parent = get_object_or_404(Org.objects.restrict(request.user, Perm.ORG_CHANGE).select_related("level"), pk=pk)
    form = OrgForm(request.POST or None, parent=parent, initial={"kind": request.GET.get("kind", OrgKind.REGULAR)})
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.do_create_org(request.user, parent, form.action_data())
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"已新建组织“{org.name}”")
            return redirect("orgs:org", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "parent": parent, "org": None})


@login_required
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.ORG_CHANGE)
    org = get_object_or_404(Org.objects.restrict(request.user, Perm.ORG_CHANGE).select_related("level"), pk=pk)
    form = OrgForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_org(request.user, org, form.action_data())
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "组织信息已保存")
            return redirect("orgs:org", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "parent": None, "org": org})


@login_required
def org_move(request: HttpRequest, pk: int) -> HttpResponse:
    """调整隶属: e.g. a grid to another community, with everything below it."""
    require(request.user, Perm.ORG_MOVE)
    org = get_object_or_404(Org.objects.restrict(request.user, Perm.ORG_MOVE).select_related("level"), pk=pk)
    if org.depth == 1:
        raise Http404
    parent_path = org.path[: -Org.steplen]
    choices = (
        Org.objects.restrict(request.user, Perm.ORG_MOVE)
        .filter(kind=OrgKind.REGULAR, depth=org.depth - 1, level__rank__lt=org.level.rank)
        .exclude(path=parent_path)
        .order_by("path")
    )
    form = OrgMoveForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_move_org(request.user, org, form.cleaned_data["new_parent"])
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"已将“{org.name}”调整到“{form.cleaned_data['new_parent'].name}”之下")
            return redirect("orgs:org", pk=org.pk)
    parent = Org.objects.filter(path=parent_path).first()
    return render(request, "orgs/org_move.html", {"form": form, "org": org, "parent": parent})


# ---------------------------------------------------------------- people


def _people_queryset(request: HttpRequest) -> Any:
    return selectors.filter_people(selectors.people_in_scope(request.user), request.GET)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.PERSON_VIEW)
    page = Paginator(_people_queryset(request), 50).get_page(request.GET.get("page"))
    orgs = Org.objects.restrict(request.user, Perm.PERSON_VIEW).exclude(level__code="household").order_by("path")
    org_list = list(orgs.only("pk", "name", "depth"))
    top = min((o.depth for o in org_list), default=1)
    org_options = [(str(o.pk), "　" * (o.depth - top) + o.name) for o in org_list]
    context = {
        "page": page,
        "query": _query_string(request),
        "org_options": org_options,
        "member_types": MemberType.choices,
        "can_add": bool(selectors.scope_roots(request.user, Perm.PERSON_CHANGE).exists()),
        "can_import": has_perm(request.user, Perm.PERSON_IMPORT),
    }
    return render(request, "orgs/people.html", context)


@login_required
def people_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.PERSON_VIEW)
    return exports.people_xlsx(_people_queryset(request))


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.PERSON_VIEW)
    person = get_object_or_404(selectors.people_in_scope(request.user), pk=pk)
    return _person_page(request, person)


def _person_page(request: HttpRequest, person: Person, revealed: dict[str, str] | None = None) -> HttpResponse:
    context = {
        "person": person,
        "posts": person.posts.select_related("org", "sent_from").order_by("-starts_on"),
        "teams": person.teams.select_related("org"),
        "revealed": revealed or {},
        "can_reveal": in_scope(request.user, Perm.PERSON_REVEAL, person.org_path),
        "can_edit": in_scope(request.user, Perm.PERSON_CHANGE, person.org_path),
    }
    return render(request, "orgs/person_detail.html", context)


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """显示完整号码: audited by the action; an htmx request gets only the value back."""
    if field not in ("phone", "id_number"):
        raise Http404
    require(request.user, Perm.PERSON_REVEAL)
    person = get_object_or_404(selectors.people_managed(request.user, Perm.PERSON_REVEAL), pk=pk)
    try:
        value = actions.do_reveal_person(request.user, person, field)
    except ActionError as e:
        messages.error(request, e.message)
        return redirect("orgs:person", pk=person.pk)
    if getattr(request, "htmx", False):
        return render(request, "orgs/_revealed.html", {"value": value, "field": field})
    return _person_page(request, person, revealed={field: value})


def _person_form(request: HttpRequest, instance: Person | None, initial: dict[str, Any] | None = None) -> PersonForm:
    org_choices = Org.objects.restrict(request.user, Perm.PERSON_CHANGE).order_by("path")
    registered = Org.objects.filter(kind=OrgKind.REGULAR, level__code__in=("community", "village")).order_by("path")
    kwargs: dict[str, Any] = {"org_choices": org_choices, "registered_choices": registered, "instance": instance}
    if initial:
        kwargs["initial"] = initial
    return PersonForm(request.POST or None, **kwargs)


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.PERSON_CHANGE)
    initial: dict[str, Any] = {"gender": Gender.MALE, "is_party_member": True}
    if (org_id := request.GET.get("org", "")).isdigit():
        initial["org"] = int(org_id)
    form = _person_form(request, None, initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.do_create_person(request.user, form.action_data())
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"已新增人员“{person.name}”")
            return redirect("orgs:person", pk=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.PERSON_CHANGE)
    person = get_object_or_404(selectors.people_managed(request.user, Perm.PERSON_CHANGE), pk=pk)
    form = _person_form(request, person)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_person(request.user, person, form.action_data())
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "人员信息已保存")
            return redirect("orgs:person", pk=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": person})


# ---------------------------------------------------------------- posts


@login_required
def post_create(request: HttpRequest, pk: int) -> HttpResponse:
    """任职: choose a person (searched by name or phone tail), a role and dates."""
    require(request.user, Perm.POST_CHANGE)
    org = get_object_or_404(Org.objects.restrict(request.user, Perm.POST_CHANGE).select_related("level"), pk=pk)
    person_qs = selectors.people_in_scope(request.user)
    q = request.GET.get("q", "").strip()
    shown_qs = selectors.filter_people(person_qs, {"q": q}) if q else person_qs.filter(org_path__startswith=org.path)
    shown = list(shown_qs.order_by("name", "id")[:50])
    sent_from = (
        Org.objects.restrict(request.user).filter(kind=OrgKind.REGULAR, depth__lt=org.depth).order_by("path")
    )
    form = PostForm(request.POST or None, person_qs=person_qs, person_shown=shown, sent_from_choices=sent_from)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_create_post(request.user, form.cleaned_data | {"org": org})
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "任职已登记")
            return redirect("orgs:org", pk=org.pk)
    return render(request, "orgs/post_form.html", {"form": form, "org": org, "q": q})


@login_required
@require_POST
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.POST_CHANGE)
    post = get_object_or_404(Post.objects.restrict(request.user, Perm.POST_CHANGE).select_related("person"), pk=pk)
    form = EndPostForm(request.POST)
    if not form.is_valid():
        messages.error(request, "离任日期格式不正确")
    else:
        try:
            actions.do_end_post(request.user, post, form.cleaned_data.get("ends_on"))
        except ActionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, f"{post.person.name}的{post.get_role_display()}职务已结束")
    return redirect(reverse("orgs:org", kwargs={"pk": post.org_id}))
