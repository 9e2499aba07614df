"""Reads for 一纵. Everything starts from a restricted queryset (core.access)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from zongheng.core import snapshot
from zongheng.core.access import scope_paths
from zongheng.core.collation import Pinyin
from zongheng.core.permissions import Perm, Role

from .choices import OrgKind
from .models import Level, Org, Person, Post


def scope_roots(user: Any, perm: str = Perm.ORG_VIEW) -> QuerySet[Org]:
    """The top organisations of the user's scope (one per minimal path)."""
    return Org.objects.filter(path__in=scope_paths(user, perm)).select_related("level")


def reads_snapshot(org: Org) -> bool:
    """Whether the figures pages of ``org`` read a snapshot (``core.snapshot``): a district or above — a district's
    dashboard is ~80 grouped queries (~300 ms of CPU and SQL on every visit), a city's spans many districts — and
    snapshots switched on. A street and everything below are counted live. One small query (the district level's
    rank); ``org.level`` is read (select it with the organisation)."""
    if not snapshot.enabled():
        return False
    district = Level.objects.filter(code="district").values_list("rank", flat=True).first()
    return district is not None and org.level.rank <= district


def children_of(org: Org) -> QuerySet[Org]:
    return Org.objects.filter(path__startswith=org.path, depth=org.depth + 1).select_related("level")


def subtree_counts(prefix_len: int, within: str) -> dict[str, dict[str, int]]:
    """Counts below every node whose path has length ``prefix_len``, inside ``within``.

    Returns {node path: {level code or org kind: n, "members": n, "registered": n}}.
    Two grouped queries whatever the size of the tree: one over orgs, one over people.
    Regular orgs count under their level's code; temporary and functional orgs under
    their kind. A node's own row is not counted in its totals.
    """
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    org_rows = (
        Org.objects.filter(path__startswith=within)
        .exclude(depth__lte=prefix_len // Org.steplen)
        .annotate(node=Substr("path", 1, prefix_len))
        .values("node", "kind", "level__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in org_rows:
        key = row["level__code"] if row["kind"] == OrgKind.REGULAR else row["kind"]
        out[row["node"]][key] += row["n"]
    person_rows = (
        Person.objects.filter(org_path__startswith=within, is_party_member=True)
        .annotate(node=Substr("org_path", 1, prefix_len))
        .values("node")
        .annotate(n=Count("id"), registered=Count("id", filter=Q(registered_org__isnull=False)))
        .order_by()
    )
    for row in person_rows:
        out[row["node"]]["members"] += row["n"]
        out[row["node"]]["registered_out"] += row["registered"]
    return out


def child_counts(org: Org) -> dict[str, dict[str, int]]:
    """Counts for each child of ``org`` (and the org itself under its own path)."""
    counts = subtree_counts((org.depth + 1) * Org.steplen, org.path)
    own = subtree_counts(org.depth * Org.steplen, org.path)
    counts[org.path] = own.get(org.path, {})
    return counts


def people_in_scope(user: Any, perm: str = Perm.PERSON_VIEW) -> QuerySet[Person]:
    return Person.objects.restrict(user, perm).select_related("org", "registered_org")


def filter_people(qs: QuerySet[Person], params: dict[str, Any]) -> QuerySet[Person]:
    """Search and filters shared by the people page, its export and the API.

    params: q (name or last digits of phone), org (id: its subtree), member_type,
    party (\"1\" members / \"0\" non-members), registered (\"1\" 双联双管 registered).
    """
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(phone_masked__endswith=q[-4:]) if q.isdigit() else Q(name__contains=q))
    org_id = params.get("org")
    if org_id:
        try:
            org = Org.objects.get(pk=int(org_id))
        except (Org.DoesNotExist, ValueError, TypeError):
            return qs.none()
        qs = qs.filter(Q(org_path__startswith=org.path) | Q(registered_path__startswith=org.path))
    if params.get("member_type"):
        qs = qs.filter(member_type=params["member_type"])
    if params.get("party") in ("0", "1"):
        qs = qs.filter(is_party_member=params["party"] == "1")
    if params.get("registered") == "1":
        qs = qs.filter(registered_org__isnull=False)
    return qs


# ---------------------------------------------------------------- pages (orgs/views.py)


def ancestors_in_scope(user: Any, org: Org, perm: str = Perm.ORG_VIEW) -> list[Org]:
    """Breadcrumbs: the ancestors of ``org`` that the user may see, top first.

    Exactly one query at every depth (the org itself is fetched and dropped), so a page
    runs as many queries under a city node as it does at the root.
    """
    paths = [org.path[: i * Org.steplen] for i in range(1, org.depth + 1)]
    rows = Org.objects.restrict(user, perm).filter(path__in=paths).order_by("depth")
    return [row for row in rows if row.pk != org.pk]


def people_managed(user: Any, perm: str) -> QuerySet[Person]:
    """People whose managing org lies in the user's scope for ``perm``.

    Narrower than ``Person.objects.restrict``: a member merely registered (报到) with a
    community is seen there but edited and revealed only by their managing org's side.
    """
    from zongheng.core.access import path_q

    return Person.objects.filter(path_q("org_path", scope_paths(user, perm))).select_related("org", "registered_org")


def teams_of(orgs: list[Org]) -> dict[int, list[Any]]:
    """Activity teams (活动队伍) of the given orgs with ``n_participants``, by org id (one query)."""
    from .models import ActivityTeam

    out: dict[int, list[Any]] = defaultdict(list)
    if orgs:
        teams = ActivityTeam.objects.filter(org__in=orgs).annotate(n_participants=Count("participants"))
        for team in teams.order_by("org_id", "id"):
            out[team.org_id].append(team)
    return out


# --- 挂牌亮相: public reads for the directory (no login, no scope) --------------------
# Only regular, open organisations at the levels below are browsable; what is read of a
# person is their name and masked phone, nothing else (``.only`` keeps the encrypted
# fields in the database).

PUBLIC_LEVELS = ("street", "township", "community", "village", "grid")
PUBLIC_TOP_LEVELS = ("street", "township")
PUBLIC_SEARCH_LEVELS = ("community", "village", "grid")
# What a public page lists below an org of a given level.
PUBLIC_CHILD_LEVELS: dict[str, tuple[str, ...]] = {
    "street": ("community", "village"),
    "township": ("community", "village"),
    "community": ("grid",),
    "village": ("grid",),
    "grid": ("household",),
}
_PUBLIC_PERSON_FIELDS = ("role", "org", "starts_on", "person", "person__name", "person__phone_masked")


def _open_regular_orgs() -> QuerySet[Org]:
    today = timezone.localdate()
    return Org.objects.filter(kind=OrgKind.REGULAR).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))


def public_orgs() -> QuerySet[Org]:
    """Organisations a resident may browse in the directory (street/township down to grid)."""
    return _open_regular_orgs().filter(level__code__in=PUBLIC_LEVELS).select_related("level").order_by("path")


def public_tops() -> QuerySet[Org]:
    """Every street and township, in tree order."""
    return public_orgs().filter(level__code__in=PUBLIC_TOP_LEVELS)


def public_children(org: Org) -> QuerySet[Org]:
    """The browsable children of a street/township (communities, villages) or community/village (grids)."""
    return public_orgs().filter(
        path__startswith=org.path, depth=org.depth + 1, level__code__in=PUBLIC_CHILD_LEVELS.get(org.level.code, ())
    )


def public_grandchild_counts(org: Org) -> dict[str, int]:
    """{child path: number of its public children} for the children of ``org``, in one grouped query.

    For a street: grids per community; for a community: central households per grid.
    """
    child_levels = PUBLIC_CHILD_LEVELS.get(org.level.code, ())
    grandchild_levels = tuple({code for level in child_levels for code in PUBLIC_CHILD_LEVELS.get(level, ())})
    rows = (
        _open_regular_orgs()
        .filter(path__startswith=org.path, depth=org.depth + 2, level__code__in=grandchild_levels)
        .annotate(node=Substr("path", 1, (org.depth + 1) * Org.steplen))
        .values("node")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["node"]: row["n"] for row in rows}


def public_search(terms: list[str]) -> QuerySet[Org]:
    """Communities, villages and grids whose name contains every term."""
    qs = public_orgs().filter(level__code__in=PUBLIC_SEARCH_LEVELS)
    for term in terms:
        qs = qs.filter(name__icontains=term)
    return qs


def ancestors_by_path(orgs: list[Org]) -> dict[str, Org]:
    """{path: org} of every ancestor of the given orgs, in one query."""
    paths = {org.path[:end] for org in orgs for end in range(Org.steplen, len(org.path), Org.steplen)}
    return {org.path: org for org in Org.objects.filter(path__in=paths).select_related("level")} if paths else {}


@dataclass(frozen=True)
class Contact:
    """What the public may see of a person: name and masked phone."""

    name: str
    phone: str


def public_contacts(posts: list[Post], role: str) -> list[Contact]:
    """The distinct people holding ``role`` among ``posts``, as the public sees them (directory, plaques)."""
    seen: set[int] = set()
    out = []
    for post in posts:
        if post.role == role and post.person_id not in seen:
            seen.add(post.person_id)
            out.append(Contact(post.person.name, post.person.phone_masked))
    return out


def public_grid_posts(grid: Org) -> QuerySet[Post]:
    """Active 书记 and 网格长 posts of a grid, with the person's name and masked phone only."""
    return (
        Post.objects.active()
        .filter(org=grid, role__in=[Role.SECRETARY, Role.GRID_LEADER])
        .select_related("person")
        .only(*_PUBLIC_PERSON_FIELDS)
        .order_by("role", "starts_on", "pk")
    )


def public_households(grid: Org) -> QuerySet[Org]:
    """The grid's central households, each with ``linked`` (count of 联系户) and ``public_posts`` (户主)."""
    heads = (
        Post.objects.active()
        .filter(role=Role.HOUSEHOLD_HEAD)
        .select_related("person")
        .only(*_PUBLIC_PERSON_FIELDS)
        .order_by("starts_on", "pk")
    )
    return (
        _open_regular_orgs()
        .filter(path__startswith=grid.path, depth=grid.depth + 1, level__code="household")
        .annotate(linked=Count("linked_households"))
        .prefetch_related(Prefetch("posts", queryset=heads, to_attr="public_posts"))
        .order_by("path")
    )


# --- 活动队伍 and 联系户: scoped reads (orgs/views.py, orgs/api.py) -------------------


def teams_in_scope(user: Any, perm: str = Perm.ORG_VIEW) -> QuerySet[Any]:
    """Activity teams (活动队伍) whose functional org lies in the user's scope for ``perm``."""
    from zongheng.core.access import path_q

    from .models import ActivityTeam

    return ActivityTeam.objects.filter(path_q("org__path", scope_paths(user, perm))).select_related("org")


def households_in_scope(user: Any, perm: str = Perm.ORG_VIEW) -> QuerySet[Any]:
    """Linked households (联系户) whose central household lies in the user's scope for ``perm``."""
    from zongheng.core.access import path_q

    from .models import LinkedHousehold

    return LinkedHousehold.objects.filter(path_q("central__path", scope_paths(user, perm))).select_related("central")


def team_participants(team: Any) -> QuerySet[Person]:
    """The people of a team, in name order, with their managing org (no per-row queries)."""
    return team.participants.select_related("org").order_by(Pinyin("name"), "id")
