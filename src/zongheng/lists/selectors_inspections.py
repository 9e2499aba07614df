"""Every read of the inspections (巡查), and who may do what — the rules in one place:

- a round is created and run (moves, teams, targets) by ``inspection.run`` on its organising organisation
  (``may_run``: held there or above); findings and rectification items are recorded by the organiser side or
  by the members of the target's team (by assignment);
- a rectification is reported by its owner organisation (``list.report`` on the owner's subtree) or by its
  responsible person (``may_report``);
- a report is verified (销号 / 退回) by the organiser side or the target's team — never by the owner side: not
  by a user whose reporting post lies at or below the owner, not by the responsible person, not by the one who
  filed the report (``may_verify``);
- rows are read through ``restrict`` (``models_inspections``); out of scope answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from zongheng.core.access import has_perm, in_scope, scope_paths
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Org, Person, Post
from zongheng.orgs.resolve import org_choices, pick_one, refusal, resolve_org

from .choices_inspections import RECT_TRANSITIONS, ROUND_TRANSITIONS, VERIFY_MOVES, RectMove, RectState, RoundMove
from .models_inspections import (
    Finding,
    InspectionRound,
    InspectionTarget,
    InspectionTeam,
    Rectification,
)

ORGANISER_LEVELS = ("city", "district", "street", "township")
NO_ACCESS = "巡查只对组织巡查的单位、巡查组成员、被巡查单位和整改责任人开放，您没有查看权限"


def _pid(user: Any) -> int | None:
    return getattr(user, "person_id", None) if user is not None and user.is_authenticated else None


# ---------------------------------------------------------------- who may


def may_view(user: Any) -> bool:
    """list.view or inspection.run anywhere, or a team member, or a responsible person."""
    if not (user and user.is_authenticated):
        return False
    if has_perm(user, Perm.LIST_VIEW) or has_perm(user, Perm.INSPECT_RUN):
        return True
    pid = _pid(user)
    return bool(pid) and (InspectionTeam.objects.filter(Q(leader_id=pid) | Q(members__id=pid)).exists()
                          or Rectification.objects.filter(responsible_id=pid).exists())


def require_view(user: Any) -> None:
    from django.core.exceptions import PermissionDenied

    if not may_view(user):
        raise PermissionDenied(NO_ACCESS)


def may_create(user: Any) -> bool:
    """inspection.run on a district or street (a community does not organise rounds)."""
    return has_perm(user, Perm.INSPECT_RUN) and organiser_choices(user).exists()


def may_run(user: Any, rnd: InspectionRound) -> bool:
    """The organiser side: inspection.run on the round's organising organisation (held there or above)."""
    return bool(user and user.is_authenticated) and in_scope(user, Perm.INSPECT_RUN, rnd.org_path)


def team_ids(user: Any) -> frozenset[int]:
    """The teams the user leads or belongs to (one query)."""
    pid = _pid(user)
    return frozenset(InspectionTeam.objects.filter(Q(leader_id=pid) | Q(members__id=pid))
                     .values_list("pk", flat=True)) if pid else frozenset()


def on_team(user: Any, team_id: int, teams: frozenset[int] | None = None) -> bool:
    """Whether the user is on the team; ``teams`` (``team_ids``, read once for a list) spares the query."""
    return team_id in (teams if teams is not None else team_ids(user))


def may_record(user: Any, target: InspectionTarget, rnd: InspectionRound) -> bool:
    """Record findings and rectification items at a target: the organiser side or the target's team."""
    return may_run(user, rnd) or on_team(user, target.team_id)


def is_owner_side(user: Any, rect: Rectification) -> bool:
    """The owner's own people: a reporting post at or below the owner organisation, or the responsible person."""
    if _pid(user) and _pid(user) == rect.responsible_id:
        return True
    return any(path.startswith(rect.org_path) for path in scope_paths(user, Perm.LIST_REPORT))


def may_report(user: Any, rect: Rectification) -> bool:
    if not (user and user.is_authenticated):
        return False
    return (_pid(user) is not None and _pid(user) == rect.responsible_id) or in_scope(
        user, Perm.LIST_REPORT, rect.org_path)


def may_verify(user: Any, rect: Rectification, rnd: InspectionRound, reporter_id: int | None = None,
               teams: frozenset[int] | None = None) -> bool:
    if not (user and user.is_authenticated) or is_owner_side(user, rect):
        return False
    if reporter_id is not None and reporter_id == user.pk:
        return False
    return may_run(user, rnd) or on_team(user, rect.target.team_id, teams)


def round_moves(user: Any, rnd: InspectionRound) -> list[tuple[str, str]]:
    if not may_run(user, rnd):
        return []
    return [(m, RoundMove(m).label) for m, (sources, _) in ROUND_TRANSITIONS.items() if rnd.state in sources]


def rect_moves(user: Any, rect: Rectification, reporter_id: int | None = None,
               teams: frozenset[int] | None = None) -> list[tuple[str, str]]:
    """The moves the viewer can make now: allowed by the table from the current state and by their rights
    (``teams``: the viewer's teams read once for a list). A list passes no reporter: the page and the action
    check the last report's filer."""
    out = []
    for move, (sources, _) in RECT_TRANSITIONS.items():
        if rect.state not in sources:
            continue
        ok = (may_verify(user, rect, rect.round, reporter_id, teams) if move in VERIFY_MOVES
              else may_report(user, rect))
        if ok:
            out.append((move, RectMove(move).label))
    return out


# ---------------------------------------------------------------- rows


def rounds_in_scope(user: Any) -> QuerySet[InspectionRound]:
    return InspectionRound.objects.restrict(user)


def round_for(user: Any, pk: int) -> InspectionRound:
    found = rounds_in_scope(user).select_related("org").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def targets_of(user: Any, rnd: InspectionRound) -> QuerySet[InspectionTarget]:
    """The round's targets the viewer may read (the organiser side: all; a target: its own)."""
    qs = InspectionTarget.objects.filter(round=rnd).select_related("org", "secretary", "team")
    return qs if may_run(user, rnd) else qs.filter(pk__in=InspectionTarget.objects.restrict(user).values("pk"))


def target_for(user: Any, pk: int) -> InspectionTarget:
    found = (InspectionTarget.objects.restrict(user).select_related("org", "secretary", "team", "round", "round__org")
             .filter(pk=pk).first())
    if found is None:
        raise Http404
    return found


def finding_for(user: Any, pk: int) -> Finding:
    found = Finding.objects.restrict(user).select_related("target", "target__org", "round").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def rect_for(user: Any, pk: int) -> Rectification:
    found = (Rectification.objects.restrict(user)
             .select_related("org", "responsible", "round", "round__org", "target", "target__org", "finding")
             .filter(pk=pk).first())
    if found is None:
        raise Http404
    return found


def team_for(user: Any, pk: int) -> InspectionTeam:
    found = InspectionTeam.objects.select_related("round", "leader").filter(pk=pk).first()
    if found is None or not rounds_in_scope(user).filter(pk=found.round_id).exists():
        raise Http404
    return found


@dataclass
class RectFilters:
    state: str = ""
    round: int | None = None
    overdue: bool = False
    mine: bool = False
    q: str = ""


def rect_filters(params: Any) -> RectFilters:
    state = str(params.get("state") or "")
    rnd = str(params.get("round") or "")
    return RectFilters(state=state if state in RectState.values else "",
                       round=int(rnd) if rnd.isdigit() and 0 < int(rnd) < 2**31 else None,
                       overdue=str(params.get("overdue") or "") in ("1", "true", "True"),
                       mine=str(params.get("mine") or "") in ("1", "true", "True"),
                       q=str(params.get("q") or "").replace("\x00", "").strip()[:40])


def mine_q(user: Any) -> Q:
    """My rectifications: owned at my organisations where I report, or held as the responsible person."""
    from zongheng.core.access import post_paths

    q = Q(pk__in=[])
    for path in post_paths(user):
        if in_scope(user, Perm.LIST_REPORT, path):
            q |= Q(org_path=path)
    pid = _pid(user)
    if pid:
        q |= Q(responsible_id=pid)
    return q


def overdue_q(today: dt.date) -> Q:
    """Past its deadline and not 已销号 (the one reading of 逾期: the warning, the hub and the ledger share it)."""
    return Q(due_on__lt=today) & ~Q(state=RectState.CLOSED)


def rect_list(user: Any, f: RectFilters, today: dt.date | None = None) -> QuerySet[Rectification]:
    qs = Rectification.objects.restrict(user).select_related("org", "responsible", "round", "target__org")
    if f.state:
        qs = qs.filter(state=f.state)
    if f.round:
        qs = qs.filter(round_id=f.round)
    if f.overdue:
        qs = qs.filter(overdue_q(today or timezone.localdate()))
    if f.mine:
        qs = qs.filter(mine_q(user))
    if f.q:
        qs = qs.filter(title__icontains=f.q)
    return qs.order_by("due_on", "id")


def is_overdue(rect: Rectification, today: dt.date) -> bool:
    return rect.state != RectState.CLOSED and rect.due_on < today


# ---------------------------------------------------------------- references (one lookup per kind)


def organiser_choices(user: Any) -> QuerySet[Org]:
    return org_choices(user, Perm.INSPECT_RUN, levels=ORGANISER_LEVELS)


def resolve_organiser(user: Any, value: Any) -> Org:
    return resolve_org(user, Perm.INSPECT_RUN, value, levels=ORGANISER_LEVELS, label="组织单位")


def target_choices(rnd: InspectionRound) -> QuerySet[Org]:
    """被巡查组织: strictly inside the organiser's subtree."""
    return Org.objects.filter(path__startswith=rnd.org_path).exclude(path=rnd.org_path).select_related(
        "level").order_by("path")


def resolve_target_org(rnd: InspectionRound, value: Any) -> Org:
    return pick_one(target_choices(rnd), value, refusal("被巡查组织（须为组织单位的下级组织）"))


def owner_choices(target: InspectionTarget) -> QuerySet[Org]:
    """整改责任单位: the target or an organisation below it."""
    return Org.objects.filter(path__startswith=target.org_path).select_related("level").order_by("path")


def resolve_owner(target: InspectionTarget, value: Any) -> Org:
    return pick_one(owner_choices(target), value, refusal("整改责任单位（须为被巡查组织或其下级）"))


def team_people(rnd: InspectionRound) -> QuerySet[Person]:
    """巡查组成员: people of the organiser's subtree."""
    return Person.objects.filter(org_path__startswith=rnd.org_path).select_related("org")


def resolve_team_person(rnd: InspectionRound, value: Any, label: str = "巡查组成员") -> Person:
    return pick_one(team_people(rnd), value, refusal(label))


def responsible_choices(owner: Org) -> QuerySet[Person]:
    """整改责任人: people of the owner organisation's subtree."""
    return Person.objects.filter(org_path__startswith=owner.path).select_related("org")


def resolve_responsible(owner: Org, value: Any) -> Person:
    return pick_one(responsible_choices(owner), value, refusal("整改责任人（须为整改责任单位的人员）"))


def secretary_of(org: Org, day: dt.date | None = None) -> Person | None:
    """The organisation's secretary in force (书记), else None."""
    post = (Post.objects.active(day or timezone.localdate()).filter(org=org, role=Role.SECRETARY)
            .select_related("person").order_by("starts_on", "pk").first())
    return post.person if post else None
