"""Every read of 述职评议 (evaluation rounds): who sees a round in which capacity, the scoped lookups of what
forms and the API reference, and the rater's to-do.

Rules in one place:
- the organiser: ``list.view`` in the subtree of the round's organisation reads the round and all its results;
  ``evaluation.run`` there configures it, moves it along ``EVAL_TRANSITIONS`` and enters paper sheets;
- a rater (``EvalRater``, by assignment) reads the round while it is being scored, the subjects they rate (all of
  the round's but themselves) and their own votes — never another rater's;
- a subject (``EvalSubject``, by assignment) writes their report and, once the round is published, reads their
  own result: per-group means, total, grade, rank and the comments — never who gave them, never another subject;
- anybody else, and every round outside these, answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from zongheng.core.access import has_perm, in_scope
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Level, Org, Person, Post
from zongheng.orgs.resolve import org_choices, pick_one, refusal

from .choices_evaluations import EVAL_TRANSITIONS, EvalMove, EvalState
from .models_evaluations import EvalGroup, EvalRater, EvalRound, EvalSubject, EvalVote

MOVE_ORDER = [EvalMove.OPEN, EvalMove.CLOSE, EvalMove.REOPEN, EvalMove.PUBLISH]
# The posts of the evaluating organisation's own leadership (上级党组织 as raters).
LEADER_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.COMMITTEE_MEMBER, Role.ORG_DEPT)
RATER_STATES = (EvalState.SCORING,)


def _person_id(user: Any) -> int | None:
    return getattr(user, "person_id", None) if user and user.is_authenticated else None


def may_use(user: Any) -> bool:
    """Reaches the rounds at all: organises or reads rounds somewhere, or is assigned as rater or subject."""
    if has_perm(user, Perm.EVAL_RUN) or has_perm(user, Perm.LIST_VIEW):
        return True
    pid = _person_id(user)
    if not pid:
        return False
    return (EvalRater.objects.filter(person_id=pid).exists()
                          or EvalSubject.objects.filter(person_id=pid).exists())


def may_organise(user: Any, round_: EvalRound) -> bool:
    return in_scope(user, Perm.EVAL_RUN, round_.org_path)


def may_read_all(user: Any, round_: EvalRound) -> bool:
    return in_scope(user, Perm.LIST_VIEW, round_.org_path) or may_organise(user, round_)


def visible_rounds(user: Any) -> QuerySet[EvalRound]:
    """Rounds the user organises or reads (scope), rates while open, or reported in."""
    pid = _person_id(user)
    q = Q(pk__in=EvalRound.objects.restrict(user, Perm.LIST_VIEW).values("pk"))
    if pid:
        q |= Q(pk__in=EvalRater.objects.filter(person_id=pid, round__state__in=RATER_STATES).values("round_id"))
        q |= Q(pk__in=EvalSubject.objects.filter(person_id=pid).values("round_id"))
    return EvalRound.objects.filter(q)


@dataclass
class Seat:
    """The capacities in which the user sees a round."""

    round: EvalRound
    reads_all: bool
    organises: bool
    rater: EvalRater | None
    subject: EvalSubject | None


def seat_for(user: Any, pk: int) -> Seat:
    """The round ``pk`` and how the user sees it; 404 when they see it in no capacity (missing alike)."""
    found = EvalRound.objects.select_related("org").filter(pk=pk).first()
    if found is None or not (user and user.is_authenticated):
        raise Http404
    pid = _person_id(user)
    rater = subject = None
    if pid:
        rater = EvalRater.objects.select_related("group").filter(round=found, person_id=pid).first()
        subject = EvalSubject.objects.select_related("org").filter(round=found, person_id=pid).first()
    if rater is not None and found.state not in RATER_STATES:
        rater = None
    reads_all = may_read_all(user, found)
    if not (reads_all or rater or subject):
        raise Http404
    return Seat(found, reads_all, may_organise(user, found), rater, subject)


def organised_round(user: Any, pk: int) -> EvalRound:
    """A round the user organises (evaluation.run in scope), else 404."""
    found = EvalRound.objects.restrict(user, Perm.EVAL_RUN).select_related("org").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def moves_for(user: Any, round_: EvalRound) -> list[tuple[str, str]]:
    if not may_organise(user, round_):
        return []
    return [(m, EvalMove(m).label) for m in MOVE_ORDER if round_.state in EVAL_TRANSITIONS[m][0]]


# ---------------------------------------------------------------- what a rater rates


def rateable_subjects(rater: EvalRater) -> QuerySet[EvalSubject]:
    """The subjects a rater rates: all of the round's but themselves (inside ``within`` when it is set)."""
    qs = EvalSubject.objects.filter(round_id=rater.round_id).exclude(person_id=rater.person_id)
    if rater.within:
        qs = qs.filter(org_path__startswith=rater.within)
    return qs.select_related("person", "org").order_by("org_path", "pk")


def rater_subject(rater: EvalRater, subject_pk: int) -> EvalSubject:
    found = rateable_subjects(rater).filter(pk=subject_pk).first()
    if found is None:
        raise Http404
    return found


def own_votes(rater: EvalRater) -> dict[int, EvalVote]:
    """{subject id: the rater's own vote} with its scores (two queries)."""
    return {v.subject_id: v for v in EvalVote.objects.filter(rater=rater).prefetch_related("scores")}


@dataclass
class Pending:
    round_id: int
    title: str
    due_at: dt.datetime | None
    left: int


def pending_for(user: Any) -> list[Pending]:
    """待评议: per open round where the user rates, how many of the subjects they rate (``rateable_subjects``) they
    have not rated yet (one query)."""
    pid = _person_id(user)
    if not pid:
        return []
    subjects = (EvalSubject.objects.filter(round_id=OuterRef("round_id"), org_path__startswith=OuterRef("within"))
                .exclude(person_id=pid))
    rows = (EvalRater.objects.filter(person_id=pid, round__state=EvalState.SCORING)
            .annotate(n_subjects=Coalesce(Subquery(subjects.order_by().values("round_id")
                                                   .annotate(n=Count("pk")).values("n")[:1]), 0),
                      n_votes=Count("votes", distinct=True))
            .values_list("round_id", "round__title", "round__due_at", "n_subjects", "n_votes")
            .order_by("round__due_at", "round_id"))
    return [Pending(round_id, title, due_at, n - votes) for round_id, title, due_at, n, votes in rows if n > votes]


def my_results(user: Any) -> QuerySet[EvalSubject]:
    """The user's own places as a subject in published rounds."""
    pid = _person_id(user)
    if not pid:
        return EvalSubject.objects.none()
    return (EvalSubject.objects.filter(person_id=pid, round__state=EvalState.PUBLISHED)
            .select_related("round").order_by("-round__year", "-round__month", "-round_id"))


# ---------------------------------------------------------------- references (one lookup per kind)


def round_org_choices(user: Any) -> QuerySet[Org]:
    """组织评议的党组织: where the user runs evaluations."""
    return org_choices(user, Perm.EVAL_RUN)


def resolve_round_org(user: Any, value: Any) -> Org:
    return pick_one(round_org_choices(user), value, refusal("组织评议的党组织"))


def copy_choices(user: Any) -> QuerySet[EvalRound]:
    """Rounds whose configuration may be copied: those the user organises."""
    return EvalRound.objects.restrict(user, Perm.EVAL_RUN).order_by("-year", "-month", "-id")


def resolve_copy(user: Any, value: Any) -> EvalRound:
    return pick_one(copy_choices(user), value, "要复制的评议轮次不存在或不在您的管辖范围内")


def level_choices(round_: EvalRound) -> list[tuple[str, str]]:
    """Levels below the evaluating organisation (the subjects' organisations' level)."""
    codes = (Org.objects.filter(path__startswith=round_.org_path, depth__gt=round_.org.depth)
             .values_list("level__code", flat=True).distinct())
    return list(Level.objects.filter(code__in=codes).order_by("rank").values_list("code", "name"))


def resolve_level(round_: EvalRound, value: Any) -> str:
    code = str(value or "")
    if code not in {c for c, _ in level_choices(round_)}:
        raise_refusal("请选择述职人所在组织的层级")
    return code


def raise_refusal(message: str) -> None:
    from zongheng.core.errors import ActionError

    raise ActionError(message)


def secretaries_at_level(round_: EvalRound, level: str, today: dt.date) -> list[tuple[int, int, str]]:
    """(person id, org id, org path) of the secretaries in force of the regular organisations at ``level`` inside
    the round's subtree (one query)."""
    from zongheng.orgs.choices import OrgKind

    rows = (Post.objects.active(today).filter(role=Role.SECRETARY, org__path__startswith=round_.org_path,
                                              org__level__code=level, org__kind=OrgKind.REGULAR)
            .exclude(org_id=round_.org_id).order_by("org__path", "starts_on", "pk")
            .values_list("person_id", "org_id", "org__path"))
    seen: set[int] = set()
    out = []
    for person_id, org_id, path in rows:
        if person_id not in seen:
            seen.add(person_id)
            out.append((person_id, org_id, path))
    return out


def group_for(round_: EvalRound, value: Any) -> EvalGroup:
    return pick_one(EvalGroup.objects.filter(round=round_), value, "请选择评议主体")


def subject_for(round_: EvalRound, value: Any) -> EvalSubject:
    return pick_one(EvalSubject.objects.filter(round=round_), value, "述职人不在本轮评议中")


def rater_people_choices(user: Any, round_: EvalRound) -> QuerySet[Person]:
    """People who may be assigned as raters: those the user may see (person.view scope)."""
    return Person.objects.restrict(user, Perm.PERSON_VIEW)


def resolve_rater_people(user: Any, round_: EvalRound, values: list[Any]) -> list[Person]:
    out = []
    for value in values[:500]:
        out.append(pick_one(rater_people_choices(user, round_), value, refusal("评议人")))
    return out


def leaders_of(round_: EvalRound, today: dt.date) -> list[int]:
    """The evaluating organisation's leadership (posts in force on it): the 上级党组织 raters (one query)."""
    return list(Post.objects.active(today).filter(org_id=round_.org_id, role__in=LEADER_ROLES)
                .values_list("person_id", flat=True).distinct())


def members_of(org: Org) -> list[int]:
    """Party members managed in ``org`` itself (a community's members: the 基层党员 raters; one query)."""
    return list(Person.objects.filter(org=org, is_party_member=True).values_list("pk", flat=True))


def member_org_choices(user: Any, round_: EvalRound) -> QuerySet[Org]:
    return org_choices(user, Perm.EVAL_RUN).filter(path__startswith=round_.org_path)
