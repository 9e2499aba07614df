"""Every read of 双联双管报到, starting from the user's scope (out of scope → 404, no right → 403).

"Managed" by a community: party members whose organisation lies in it — its own, its grids', central
households', temporary and functional organisations' — but not a stationed unit's (驻区单位, a node of level
``unit`` hung below it): those belong to the unit's own party organisation and register with the community like
any working member (``actions_registration.in_stationed_unit``).

A registration is seen from both sides (``Registration.objects.restrict``): the community it is made with,
the organisation that manages the member, and the member themselves. The lookups of a referenced community
(``resolve_*``) are the one check for the page, the API and the picker.

The counts per community (``community_counts``) — party members it manages, members registered with it,
applications waiting — run a constant number of grouped queries for a page of communities, and each count
opens exactly the rows it counts (``count_links``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import has_perm, path_q, scope_paths, steplen
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Person
from zongheng.orgs.picker import UNIT_LEVELS
from zongheng.orgs.resolve import REGISTER_LEVELS, as_pk, org_choices, pick_one, refusal

from .choices import OPEN_REGISTRATION, RegistrationState
from .models import Registration, ancestor_paths

S = RegistrationState
STATE_FILTERS: list[tuple[str, str]] = [("open", "待确认和已报到"), *S.choices]
SIDES: list[tuple[str, str]] = [("community", "到本辖区社区报到的"), ("member", "本辖区管理的党员")]


# ---------------------------------------------------------------- who may see

def may_view(user: Any) -> bool:
    """A cadre with member.view, or anyone with a person record (their own registrations)."""
    return bool(user and user.is_authenticated and (has_perm(user, Perm.MEMBER_VIEW) or
                                                     getattr(user, "person_id", None)))


def registrations_in_scope(user: Any, perm: str = Perm.MEMBER_VIEW) -> QuerySet[Registration]:
    return Registration.objects.restrict(user, perm).select_related("person", "person__org", "community")


def registration_for(user: Any, pk: Any) -> Registration:
    """The registration ``pk`` if the user sees it (either side, or their own); else 404 like a missing one."""
    reg = registrations_in_scope(user).filter(pk=as_pk(pk) or 0).first()
    if reg is None:
        raise Http404
    return reg


# ---------------------------------------------------------------- communities a reference may name


def _open_communities(qs: QuerySet[Org]) -> QuerySet[Org]:
    today = timezone.localdate()
    return (qs.filter(level__code__in=REGISTER_LEVELS, kind=OrgKind.REGULAR)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today)).select_related("level").order_by("path"))


def apply_choices(person: Person | None) -> QuerySet[Org]:
    """Where a member may apply: the standing communities and villages of their own district (tree), except
    those that already manage them. Names and places only — what the public directory shows anyway."""
    if person is None:
        return Org.objects.none()
    from .actions_registration import in_stationed_unit

    root = person.org_path[:steplen()]
    qs = Org.objects.filter(path__startswith=root)
    if not in_stationed_unit(person):
        qs = qs.exclude(path__in=ancestor_paths(person.org_path))
    return _open_communities(qs)


def resolve_apply_community(person: Person | None, value: Any) -> Org:
    return pick_one(apply_choices(person), value, "所选报到社区不存在（须为本区的社区或村）")


def enter_choices(user: Any) -> QuerySet[Org]:
    """Where a cadre may enter a registration: communities and villages in their member.change scope."""
    return _open_communities(org_choices(user, Perm.MEMBER_CHANGE))


def resolve_enter_community(user: Any, value: Any) -> Org:
    return pick_one(enter_choices(user), value, refusal("报到社区", levels=REGISTER_LEVELS))


def count_choices(user: Any) -> QuerySet[Org]:
    """The communities (and villages) of the counts page: those in the user's member.view scope."""
    return org_choices(user, Perm.MEMBER_VIEW, levels=REGISTER_LEVELS, kinds=[OrgKind.REGULAR])


def filter_choices(user: Any) -> QuerySet[Org]:
    """The list's community filter: the communities of the districts the user works in (their view scope's
    roots and their own). The list itself stays restricted, so naming a community shows nothing more."""
    roots = {p[:steplen()] for p in scope_paths(user, Perm.MEMBER_VIEW)}
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    if person is not None:
        roots.add(person.org_path[:steplen()])
    if not roots:
        return Org.objects.none()
    return org_choices(None, None, levels=REGISTER_LEVELS, kinds=[OrgKind.REGULAR]).filter(
        path_q("path", sorted(roots)))


def community_filter(user: Any, value: Any) -> Org | None:
    pk = as_pk(value)
    return filter_choices(user).filter(pk=pk).first() if pk is not None else None


# ---------------------------------------------------------------- the list


def registration_list(user: Any, params: Mapping[str, Any]) -> QuerySet[Registration]:
    """Registrations the user sees, filtered: ``state`` (a state, or ``open``), ``community`` (an id: the
    registrations made with it), ``side`` (``community``: made with a community in the user's scope;
    ``member``: of members their organisations manage; ``mine``: their own), ``q`` (words of the name)."""
    qs = registrations_in_scope(user)
    state = str(params.get("state") or "")
    if state == "open":
        qs = qs.filter(state__in=OPEN_REGISTRATION)
    elif state in S.values:
        qs = qs.filter(state=state)
    community = as_pk(params.get("community"))
    if community is not None:
        qs = qs.filter(community_id=community)
    side = str(params.get("side") or "")
    paths = scope_paths(user, Perm.MEMBER_VIEW)
    if side == "community":
        qs = qs.filter(path_q("org_path", paths))
    elif side == "member":
        qs = qs.filter(path_q("member_path", paths))
    elif side == "mine":
        qs = qs.filter(person_id=getattr(user, "person_id", None) or 0)
    q = str(params.get("q") or "").strip()[:50]
    for word in q.split()[:5]:
        qs = qs.filter(person__name__icontains=word)
    return qs.order_by("-applied_on", "-id")


# What each history row did (a row carries the state it moved to).
EVENT_LABELS: dict[str, str] = {S.APPLIED: "申请报到", S.CONFIRMED: "确认报到", S.DECLINED: "不同意报到",
                                S.WITHDRAWN: "撤回申请", S.ENDED: "结束报到"}


def history(reg: Registration) -> list[Any]:
    """The registration's history rows, oldest first, each with ``label`` (what was done). One query."""
    rows = list(reg.events.select_related("by", "by__person").order_by("at", "id"))
    for e in rows:
        e.label = EVENT_LABELS.get(e.state, e.state)  # type: ignore[attr-defined]
    return rows


def current_of(person: Person | None) -> Registration | None:
    """A member's open registration, else their latest one (one query)."""
    if person is None:
        return None
    rows = list(Registration.objects.filter(person=person).select_related("community")
                .order_by("-applied_on", "-id")[:20])
    return next((r for r in rows if r.state in OPEN_REGISTRATION), rows[0] if rows else None)


# ---------------------------------------------------------------- counts per community


@dataclass
class CommunityCounts:
    org: Org
    managed: int = 0  # party members whose organisation lies in the community — not a stationed unit's (see below)
    registered: int = 0  # confirmed registrations with it (双联双管)
    pending: int = 0  # applications waiting for its confirmation
    path: str = ""  # the street above it (tells same-named communities apart)


def _common_prefix(paths: list[str]) -> str:
    """The longest whole-step path every one of ``paths`` starts with (the street above a page of communities)."""
    step, first = steplen(), min(paths)
    last = max(paths)
    n = 0
    while n + step <= min(len(first), len(last)) and first[n:n + step] == last[n:n + step]:
        n += step
    return first[:n]


def community_counts(orgs: list[Org]) -> list[CommunityCounts]:
    """The three counts of each community in ``orgs``. One grouped query over people per depth of the
    communities given (one for a district) and one over registrations — whatever the number of rows."""
    out = {o.path: CommunityCounts(o) for o in orgs}
    if not orgs:
        return []
    by_length: dict[int, list[str]] = defaultdict(list)
    for o in orgs:
        by_length[len(o.path)].append(o.path)
    for length, paths in sorted(by_length.items()):
        rows = (Person.objects.filter(is_party_member=True, org_path__startswith=_common_prefix(paths))
                .exclude(org__level__code__in=UNIT_LEVELS)
                .annotate(node=Substr("org_path", 1, length)).filter(node__in=paths)
                .values("node").annotate(n=Count("id")).order_by())
        for row in rows:
            out[row["node"]].managed = row["n"]
    by_pk = {o.pk: out[o.path] for o in orgs}
    regs = (Registration.objects.filter(community_id__in=list(by_pk), state__in=OPEN_REGISTRATION)
            .values("community_id", "state").annotate(n=Count("id")).order_by())
    for row in regs:
        c = by_pk[row["community_id"]]
        if row["state"] == S.CONFIRMED:
            c.registered = row["n"]
        else:
            c.pending = row["n"]
    return [out[o.path] for o in orgs]


def count_links(org: Org) -> dict[str, str]:
    """The rows behind each count of ``org``."""
    regs = reverse("members:registrations")
    return {"managed": reverse("members:registration_people", args=[org.pk]),
            "registered": f"{regs}?community={org.pk}&state={S.CONFIRMED}",
            "pending": f"{regs}?community={org.pk}&state={S.APPLIED}"}


def count_rows(user: Any, params: Mapping[str, Any]) -> QuerySet[Org]:
    """The communities of the counts page: in the user's view scope, words of the name, below a street."""
    qs = count_choices(user)
    q = str(params.get("q") or "").strip()[:40]
    for word in q.split()[:5]:
        qs = qs.filter(name__icontains=word)
    return qs


def managed_community(user: Any, pk: Any) -> Org:
    """A community in the user's view scope (the page of the members it manages); else 404."""
    org = count_choices(user).filter(pk=as_pk(pk) or 0).first()
    if org is None:
        raise Http404
    return org


def managed_people(community: Org, params: Mapping[str, Any] | None = None) -> QuerySet[Person]:
    """The party members a community manages (their organisation lies in it and is not a stationed unit), with
    where they are registered."""
    qs = (Person.objects.filter(is_party_member=True, org_path__startswith=community.path)
          .exclude(org__level__code__in=UNIT_LEVELS).select_related("org", "registered_org"))
    q = str((params or {}).get("q") or "").strip()[:50]
    for word in q.split()[:5]:
        qs = qs.filter(name__icontains=word)
    if (params or {}).get("registered") == "1":
        qs = qs.filter(registered_org__isnull=False)
    return qs


# ---------------------------------------------------------------- figures (hub, to-do)


@dataclass
class Figures:
    pending: int
    registered: int
    communities: int
    out: int  # members the user's organisations manage who are registered elsewhere


def figures(user: Any) -> Figures:
    """The hub's figures over the user's member.view scope. Three queries."""
    paths = scope_paths(user, Perm.MEMBER_VIEW)
    side = Registration.objects.filter(path_q("org_path", paths)).aggregate(
        pending=Count("id", filter=Q(state=S.APPLIED)), registered=Count("id", filter=Q(state=S.CONFIRMED)))
    out = Registration.objects.filter(path_q("member_path", paths), state=S.CONFIRMED).count()
    return Figures(side["pending"], side["registered"], count_choices(user).count(), out)


def pending_for(paths: Sequence[str], limit: int) -> list[tuple[int, str, str, dt.date]]:
    """Applications waiting at the communities ``paths`` (oldest first): (pk, person's name, community's name,
    applied on). One query."""
    if not paths:
        return []
    return list(Registration.objects.filter(org_path__in=paths, state=S.APPLIED).order_by("applied_on", "id")
                .values_list("pk", "person__name", "community__name", "applied_on")[:limit])
