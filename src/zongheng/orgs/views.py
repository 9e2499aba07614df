"""Pages of 一纵: the organisation tree, people, posts, 活动队伍 and 联系户.

Reads go through restricted querysets / selectors (out of scope → 404, no right → 403);
writes go through one ``do_*`` action each (via ``_write``), whose ``ActionError`` is shown in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zongheng.core.access import has_perm, in_scope, require
from zongheng.core.collation import Pinyin
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm

from . import actions, exports, selectors
from .choices import Gender, MemberType, OrgKind
from .forms import (
    EndPostForm,
    LinkedHouseholdForm,
    OrgForm,
    OrgMoveForm,
    ParticipantForm,
    PersonForm,
    PostForm,
    ResidentForm,
    TeamForm,
)
from .models import ActivityTeam, Level, LinkedHousehold, Org, Person, Post

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


T = TypeVar("T")


def _write(
    request: HttpRequest,
    form: forms.Form | None,
    call: Callable[[], T],
    success: str | Callable[[T], str],
    then: str | Callable[[T], str],
) -> HttpResponse | None:
    """Runs one ``do_*`` action for a page.

    On ``ActionError`` (nothing was written) its Chinese message becomes a non-field error
    of ``form`` (or an error message when there is no form) and None is returned, so the
    view renders the page again. Otherwise ``success`` is flashed and the answer is a
    redirect to ``then``; both may be functions of the action's result.
    """
    try:
        result = call()
    except ActionError as e:
        if form is None:
            messages.error(request, e.message)
        else:
            form.add_error(None, e.message)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(then(result) if callable(then) else then)


def _org_url(org: Any) -> str:
    return reverse("orgs:org", kwargs={"pk": org.pk})


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
    members = selectors.people_in_scope(user).filter(org=org).order_by(Pinyin("name"), "id")
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
        "households_warning": (
            actions.linked_households_warning(len(households)) if households is not None else ""
        ),
        "households_full": households is not None and len(households) >= actions.MAX_LINKED_HOUSEHOLDS,
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
        done = _write(request, form, lambda: actions.do_create_org(request.user, parent, form.action_data()),
                      lambda org: f"已新建组织“{org.name}”", _org_url)
        if done is not None:
            return done
    return render(request, "orgs/org_form.html", {"form": form, "parent": parent, "org": None})


@login_required
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.ORG_CHANGE)
    org = get_object_or_404(Org.objects.restrict(request.user, Perm.ORG_CHANGE).select_related("level"), pk=pk)
    form = OrgForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        done = _write(request, form, lambda: actions.do_update_org(request.user, org, form.action_data()),
                      "组织信息已保存", _org_url(org))
        if done is not None:
            return done
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
    form = OrgMoveForm(request.POST or None, user=request.user, choices=choices)
    if request.method == "POST" and form.is_valid():
        new_parent = form.cleaned_data["new_parent"]
        done = _write(request, form, lambda: actions.do_move_org(request.user, org, new_parent),
                      f"已将“{org.name}”调整到“{new_parent.name}”之下", _org_url(org))
        if done is not None:
            return done
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
        "query": filter_query(request),
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


def _person_url(person: Any) -> str:
    return reverse("orgs:person", kwargs={"pk": person.pk})


def _person_page(request: HttpRequest, person: Person, revealed: dict[str, str] | None = None) -> HttpResponse:
    context = {
        "person": person,
        "posts": person.posts.select_related("org", "sent_from").order_by("-starts_on"),
        "teams": person.teams.select_related("org"),
        "revealed": revealed or {},
        "can_reveal": in_scope(request.user, Perm.PERSON_REVEAL, person.org_path),
        "can_edit": in_scope(request.user, Perm.PERSON_CHANGE, person.org_path),
        # An organisation is a link only for whoever may open it (a member without posts may not).
        "org_link": in_scope(request.user, Perm.ORG_VIEW, person.org_path),
        "registered_link": person.registered_org is not None
        and in_scope(request.user, Perm.ORG_VIEW, person.registered_org.path),
    }
    return render(request, "orgs/person_detail.html", context)


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """显示完整号码 / 家庭住址: audited by the action; an htmx request gets only the value back."""
    if field not in ("phone", "id_number", "address"):
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
    kwargs: dict[str, Any] = {"user": request.user, "instance": instance}
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
        done = _write(request, form, lambda: actions.do_create_person(request.user, form.action_data()),
                      lambda person: f"已新增人员“{person.name}”", _person_url)
        if done is not None:
            return done
    return render(request, "orgs/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.PERSON_CHANGE)
    person = get_object_or_404(selectors.people_managed(request.user, Perm.PERSON_CHANGE), pk=pk)
    form = _person_form(request, person)
    if request.method == "POST" and form.is_valid():
        done = _write(request, form, lambda: actions.do_update_person(request.user, person, form.action_data()),
                      "人员信息已保存", _person_url(person))
        if done is not None:
            return done
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
    shown = list(shown_qs.order_by(Pinyin("name"), "id")[:50])
    form = PostForm(request.POST or None, user=request.user, org=org, person_shown=shown)
    if request.method == "POST" and form.is_valid():
        done = _write(request, form, lambda: actions.do_create_post(request.user, form.cleaned_data | {"org": org}),
                      "任职已登记", _org_url(org))
        if done is not None:
            return done
    return render(request, "orgs/post_form.html", {"form": form, "org": org, "q": q})


@login_required
@require_POST
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.POST_CHANGE)
    post = get_object_or_404(Post.objects.restrict(request.user, Perm.POST_CHANGE).select_related("person"), pk=pk)
    form = EndPostForm(request.POST)
    back = reverse("orgs:org", kwargs={"pk": post.org_id})
    if not form.is_valid():
        messages.error(request, "离任日期格式不正确")
        return redirect(back)
    done = _write(request, None, lambda: actions.do_end_post(request.user, post, form.cleaned_data.get("ends_on")),
                  f"{post.person.name}的{post.get_role_display()}职务已结束", back)
    return done or redirect(back)


# ---------------------------------------------------------------- 活动队伍 (teams of a functional org)

PARTICIPANTS_PER_PAGE = 50


def _team_url(team: Any) -> str:
    return reverse("orgs:team", kwargs={"pk": team.pk})


def _changeable_team(request: HttpRequest, pk: int) -> ActivityTeam:
    require(request.user, Perm.ORG_CHANGE)
    return get_object_or_404(selectors.teams_in_scope(request.user, Perm.ORG_CHANGE), pk=pk)


@login_required
def team_create(request: HttpRequest, pk: int) -> HttpResponse:
    """新增活动队伍 of a functional org."""
    require(request.user, Perm.ORG_CHANGE)
    org = get_object_or_404(
        Org.objects.restrict(request.user, Perm.ORG_CHANGE).filter(kind=OrgKind.FUNCTIONAL), pk=pk
    )
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _write(request, form, lambda: actions.do_create_team(request.user, org, form.cleaned_data),
                      lambda team: f"已新增活动队伍“{team.name}”", _team_url)
        if done is not None:
            return done
    return render(request, "orgs/team_form.html", {"form": form, "org": org, "team": None})


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """活动队伍: its facts and its participants (paginated), with add / remove for who may change it."""
    require(request.user, Perm.ORG_VIEW)
    team = get_object_or_404(selectors.teams_in_scope(request.user), pk=pk)
    page = Paginator(selectors.team_participants(team), PARTICIPANTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "team": team,
        "org": team.org,
        "crumbs": selectors.ancestors_in_scope(request.user, team.org),
        "page": page,
        "query": "",
        "can_change": in_scope(request.user, Perm.ORG_CHANGE, team.org.path),
    }
    return render(request, "orgs/team_detail.html", context)


@login_required
def team_export(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.ORG_VIEW)
    team = get_object_or_404(selectors.teams_in_scope(request.user), pk=pk)
    return exports.team_xlsx(team, selectors.team_participants(team))


@login_required
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = _changeable_team(request, pk)
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        done = _write(request, form, lambda: actions.do_update_team(request.user, team, form.cleaned_data),
                      "活动队伍已保存", _team_url(team))
        if done is not None:
            return done
    return render(request, "orgs/team_form.html", {"form": form, "org": team.org, "team": team})


@login_required
@require_POST
def team_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销活动队伍 (the people stay)."""
    team = _changeable_team(request, pk)
    done = _write(request, None, lambda: actions.do_delete_team(request.user, team),
                  f"活动队伍“{team.name}”已撤销", _org_url(team.org))
    return done or redirect(_team_url(team))


@login_required
def team_participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    """加入队伍: find a person in scope (name or phone tail), then add them."""
    team = _changeable_team(request, pk)
    person_qs = selectors.people_in_scope(request.user)
    q = request.GET.get("q", "").strip()
    home = actions.resident_home(team.org)
    shown_qs = selectors.filter_people(person_qs, {"q": q}) if q else person_qs.filter(org_path__startswith=home.path)
    shown_qs = shown_qs.exclude(teams=team)
    shown = list(shown_qs.order_by(Pinyin("name"), "id")[:50])
    form = ParticipantForm(request.POST or None, person_qs=person_qs, person_shown=shown)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        done = _write(request, form, lambda: actions.do_add_team_participant(request.user, team, person),
                      f"{person.name}已加入“{team.name}”", _team_url(team))
        if done is not None:
            return done
    return render(request, "orgs/team_participant_form.html", {"form": form, "team": team, "q": q, "home": home})


@login_required
def team_resident_create(request: HttpRequest, pk: int) -> HttpResponse:
    """新建居民并加入队伍: a non-member resident managed by the functional org's community."""
    team = _changeable_team(request, pk)
    form = ResidentForm(request.POST or None, initial={"gender": Gender.FEMALE})
    if request.method == "POST" and form.is_valid():
        done = _write(request, form, lambda: actions.do_add_team_resident(request.user, team, form.cleaned_data),
                      lambda person: f"已新建居民“{person.name}”并加入“{team.name}”", _team_url(team))
        if done is not None:
            return done
    home = actions.resident_home(team.org)
    return render(request, "orgs/team_resident_form.html", {"form": form, "team": team, "home": home})


@login_required
@require_POST
def team_participant_remove(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    team = _changeable_team(request, pk)
    person = get_object_or_404(team.participants.all(), pk=person_pk)
    done = _write(request, None, lambda: actions.do_remove_team_participant(request.user, team, person),
                  f"{person.name}已退出“{team.name}”", _team_url(team))
    return done or redirect(_team_url(team))


# ---------------------------------------------------------------- 联系户 (households of a central household)


def _central_household(request: HttpRequest, pk: int, perm: str) -> Org:
    require(request.user, perm)
    return get_object_or_404(
        Org.objects.restrict(request.user, perm).filter(level__code="household").select_related("level"), pk=pk
    )


@login_required
def household_create(request: HttpRequest, pk: int) -> HttpResponse:
    """登记联系户 (at most 15 per central household)."""
    central = _central_household(request, pk, Perm.ORG_CHANGE)
    form = LinkedHouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _write(request, form, lambda: actions.do_add_linked_household(request.user, central, form.cleaned_data),
                      lambda h: f"已登记联系户“{h.address}”", _org_url(central))
        if done is not None:
            return done
    count = LinkedHousehold.objects.filter(central=central).count()
    context = {"form": form, "central": central, "household": None, "count": count,
               "max": actions.MAX_LINKED_HOUSEHOLDS}
    return render(request, "orgs/household_form.html", context)


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.ORG_CHANGE)
    household = get_object_or_404(selectors.households_in_scope(request.user, Perm.ORG_CHANGE), pk=pk)
    form = LinkedHouseholdForm(request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        done = _write(
            request, form, lambda: actions.do_update_linked_household(request.user, household, form.cleaned_data),
            "联系户已保存", _org_url(household.central),
        )
        if done is not None:
            return done
    context = {"form": form, "central": household.central, "household": household}
    return render(request, "orgs/household_form.html", context)


@login_required
@require_POST
def household_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.ORG_CHANGE)
    household = get_object_or_404(selectors.households_in_scope(request.user, Perm.ORG_CHANGE), pk=pk)
    back = _org_url(household.central)
    done = _write(request, None, lambda: actions.do_remove_linked_household(request.user, household),
                  f"联系户“{household.address}”已移除", back)
    return done or redirect(back)


@login_required
def households_export(request: HttpRequest, pk: int) -> HttpResponse:
    central = _central_household(request, pk, Perm.ORG_VIEW)
    return exports.households_xlsx(central, LinkedHousehold.objects.filter(central=central).order_by("id"))
