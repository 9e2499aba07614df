"""Reads of activities, sign-ups and their figures: every list and page starts from a scoped queryset (a row
outside the user's scope is not there: 404), with its filters, in a constant number of queries.

Three ways to see an activity:
- a cadre holding ``member.view`` over its organisation sees it all (the sign-up list with masked phones);
- a person sees the activities open to them (``Activity.objects.open_to``: the organisations above them and
  the functional organisations right below those), once published, and those they signed up for;
- nobody else (404).

Figures (``figures``) are computed from rows through the same filters as the lists they open: 开展活动 (held
activities), 党员参加 (attended sign-ups of members, 人次) and 服务群众 (attended sign-ups of residents, 人次).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import org_names, path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, Org
from zongheng.orgs.resolve import as_pk, pick_one, refusal

from .choices import ActivityKind, ActivityState, SignUpState
from .models import Activity, SignUp

# Where activities are organised: functional organisations (any level) and these regular levels.
ORG_LEVELS = ("district", "street", "township", "community", "village", "grid")
TEAM_CHOICES_LIMIT = 200
WHEN = {"upcoming": "未开始", "past": "已开始", "await": "待确认出勤"}


# ---------------------------------------------------------------- references (one scoped lookup each)


def org_choices(user: Any, perm: str = Perm.MEMBER_CHANGE) -> QuerySet[Org]:
    """The organisations an activity may belong to: in the user's scope for ``perm``, functional or regular at
    the levels above."""
    qs = Org.objects.restrict(user, perm).filter(
        Q(kind=OrgKind.FUNCTIONAL) | Q(kind=OrgKind.REGULAR, level__code__in=ORG_LEVELS))
    return qs.select_related("level").order_by("path")


def resolve_org(user: Any, value: Any, *, perm: str = Perm.MEMBER_CHANGE) -> Org:
    return pick_one(org_choices(user, perm), value, refusal("组织单位"))


def team_choices(user: Any, perm: str = Perm.MEMBER_CHANGE) -> QuerySet[ActivityTeam]:
    return (ActivityTeam.objects.filter(path_q("org__path", scope_paths(user, perm)))
            .select_related("org").order_by("org__path", "id"))


def resolve_team(user: Any, value: Any, *, perm: str = Perm.MEMBER_CHANGE) -> ActivityTeam:
    return pick_one(team_choices(user, perm), value, refusal("活动队伍"))


def org_filter(user: Any, value: Any) -> Org | None:
    """The organisation a list is filtered by: among those in the user's view scope, else None."""
    pk = as_pk(value)
    if pk is None:
        return None
    return Org.objects.restrict(user, Perm.MEMBER_VIEW).filter(pk=pk).first()


# ---------------------------------------------------------------- activities


def activities_in_scope(user: Any, perm: str = Perm.MEMBER_VIEW) -> QuerySet[Activity]:
    return Activity.objects.restrict(user, perm).select_related("org", "team")


def resolve_activity(user: Any, value: Any, *, perm: str = Perm.MEMBER_VIEW) -> Activity:
    return pick_one(activities_in_scope(user, perm), value, refusal("活动"))


def visible_q(user: Any) -> Q:
    """Activities the user may open: in their member.view scope; open to their person once published; or
    one they signed up for."""
    q = path_q("org_path", scope_paths(user, Perm.MEMBER_VIEW))
    person_id = getattr(user, "person_id", None)
    if person_id:
        person = user.person
        q |= Q(pk__in=Activity.objects.open_to(person).exclude(state=ActivityState.DRAFT).values("pk"))
        q |= Q(pk__in=SignUp.objects.filter(person_id=person_id).values("activity_id"))
    return q


def visible_activities(user: Any) -> QuerySet[Activity]:
    return Activity.objects.filter(visible_q(user)).select_related("org", "team")


def open_activities(person: Any, now: dt.datetime) -> QuerySet[Activity]:
    """What a person may sign up for now: published, not started, open to them (residents: open to residents)."""
    if person is None:
        return Activity.objects.none()
    qs = Activity.objects.open_to(person).filter(state=ActivityState.PUBLISHED, starts_at__gt=now)
    if not person.is_party_member:
        qs = qs.filter(open_to_residents=True)
    return qs.select_related("org", "team")


def _year(params: Mapping[str, Any]) -> int | None:
    text = str(params.get("year") or "").strip()
    return int(text) if text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100 else None


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[1 January, next 1 January) of ``year``, local time (Asia/Shanghai)."""
    tz = timezone.get_current_timezone()
    return (dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz))


def filter_activities(qs: QuerySet[Any], user: Any, params: Mapping[str, Any], now: dt.datetime,
                      prefix: str = "") -> QuerySet[Any]:
    """The list's filters on a queryset of activities (``prefix``: "activity__" on sign-ups): ``org`` (its
    subtree, within the view scope; none when it is not; ``exact=1``: that organisation's own), ``kind``,
    ``state``, ``when`` (upcoming / past / await: published and ended, attendance not confirmed), ``year`` (of
    the start), ``q`` (title or place)."""
    if (org_text := str(params.get("org") or "").strip()):
        org = org_filter(user, org_text)
        lookup = "org_path" if str(params.get("exact") or "") == "1" else "org_path__startswith"
        qs = qs.filter(**{f"{prefix}{lookup}": org.path}) if org is not None else qs.none()
    if kind := str(params.get("kind") or "").strip():
        qs = qs.filter(**{f"{prefix}kind": kind}) if kind in ActivityKind.values else qs.none()
    if state := str(params.get("state") or "").strip():
        qs = qs.filter(**{f"{prefix}state": state}) if state in ActivityState.values else qs.none()
    when = str(params.get("when") or "").strip()
    if when == "upcoming":
        qs = qs.filter(**{f"{prefix}starts_at__gt": now})
    elif when == "past":
        qs = qs.filter(**{f"{prefix}starts_at__lte": now})
    elif when == "await":
        qs = qs.filter(**{f"{prefix}state": ActivityState.PUBLISHED, f"{prefix}ends_at__lte": now})
    elif when:
        qs = qs.none()
    if (year := _year(params)) is not None:
        start, end = year_bounds(year)
        qs = qs.filter(**{f"{prefix}starts_at__gte": start, f"{prefix}starts_at__lt": end})
    elif str(params.get("year") or "").strip():
        qs = qs.none()
    if q := str(params.get("q") or "").strip()[:50]:
        qs = qs.filter(Q(**{f"{prefix}title__contains": q}) | Q(**{f"{prefix}place__contains": q}))
    return qs


def activity_list(user: Any, params: Mapping[str, Any], now: dt.datetime) -> QuerySet[Activity]:
    """活动 in the user's view scope; upcoming ones soonest first, others latest first. The attended counts
    come with ``with_attended`` (the page's rows: one query) or ``annotate_attended`` (an export)."""
    qs = filter_activities(activities_in_scope(user), user, params, now)
    if str(params.get("when") or "") == "upcoming":
        return qs.order_by("starts_at", "id")
    return qs.order_by("-starts_at", "-id")


ATTENDED = Q(attended=True, state=SignUpState.SIGNED)


def annotate_attended(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """``attended_count`` on every row (one query with the rows; for exports that stream them all)."""
    return qs.annotate(attended_count=Count("signups", filter=Q(signups__attended=True,
                                                                 signups__state=SignUpState.SIGNED)))


def with_attended(rows: list[Activity]) -> list[Activity]:
    """Sets ``attended_count`` on a page of activities (one query, whatever the number of sign-ups)."""
    counts = dict(SignUp.objects.filter(ATTENDED, activity_id__in=[a.pk for a in rows]).order_by()
                  .values("activity_id").annotate(n=Count("pk")).values_list("activity_id", "n")) if rows else {}
    for a in rows:
        a.attended_count = counts.get(a.pk, 0)  # type: ignore[attr-defined]
    return rows


def roster(activity: Activity) -> QuerySet[SignUp]:
    """The sign-ups of one activity: live ones first, members by name order of signing."""
    return (SignUp.objects.filter(activity=activity).select_related("person", "person__org")
            .order_by("state", "walk_in", "signed_at", "id"))


def roster_counts(activity: Activity) -> dict[str, int]:
    """Live sign-ups, members among them, walk-ins, attended (members/residents), absent, unmarked: one query."""
    live = Q(state=SignUpState.SIGNED)
    return SignUp.objects.filter(activity=activity).aggregate(
        live=Count("pk", filter=live & Q(walk_in=False)),
        members=Count("pk", filter=live & Q(is_member=True)),
        walk_ins=Count("pk", filter=live & Q(walk_in=True)),
        attended_members=Count("pk", filter=live & Q(attended=True, is_member=True)),
        attended_residents=Count("pk", filter=live & Q(attended=True, is_member=False)),
        absent=Count("pk", filter=live & Q(attended=False)),
        unmarked=Count("pk", filter=live & Q(attended__isnull=True)),
        cancelled=Count("pk", filter=Q(state=SignUpState.CANCELLED)))


def own_signup(activity: Activity, person_id: int | None) -> SignUp | None:
    if not person_id:
        return None
    return (SignUp.objects.filter(activity=activity, person_id=person_id)
            .order_by("state", "-signed_at", "-id").first())  # a live one before cancelled ones


# ---------------------------------------------------------------- sign-ups (the rows the figures count)


def signups_in_scope(user: Any, perm: str = Perm.MEMBER_VIEW) -> QuerySet[SignUp]:
    return SignUp.objects.filter(path_q("activity__org_path", scope_paths(user, perm))).select_related(
        "activity", "activity__org", "person")


def signup_list(user: Any, params: Mapping[str, Any], now: dt.datetime) -> QuerySet[SignUp]:
    """报名记录 in scope: the activities' filters (``org``, ``kind``, ``state``, ``year``, ``q`` …) plus
    ``member`` (1 members / 0 residents), ``attended`` (1 / 0 / none: not confirmed), ``activity`` (an id);
    live sign-ups only unless ``cancelled=1``."""
    qs = filter_activities(signups_in_scope(user), user, params, now, prefix="activity__")
    if str(params.get("cancelled") or "") != "1":
        qs = qs.filter(state=SignUpState.SIGNED)
    member = str(params.get("member") or "")
    if member in ("0", "1"):
        qs = qs.filter(is_member=member == "1")
    elif member:
        qs = qs.none()
    attended = str(params.get("attended") or "")
    if attended in ("0", "1"):
        qs = qs.filter(attended=attended == "1")
    elif attended == "none":
        qs = qs.filter(attended__isnull=True)
    elif attended:
        qs = qs.none()
    if activity := str(params.get("activity") or "").strip():
        pk = as_pk(activity)
        qs = qs.filter(activity_id=pk) if pk is not None else qs.none()
    return qs.order_by("-activity__starts_at", "activity_id", "signed_at", "id")


def my_signups(person_id: int | None) -> QuerySet[SignUp]:
    """A person's own sign-ups (any state), latest activity first."""
    if not person_id:
        return SignUp.objects.none()
    return (SignUp.objects.filter(person_id=person_id).select_related("activity", "activity__org", "activity__team")
            .order_by("-activity__starts_at", "-id"))


# ---------------------------------------------------------------- to-do


def awaiting_attendance(user: Any, now: dt.datetime, paths: tuple[str, ...]) -> QuerySet[Activity]:
    """Published activities that have ended and whose attendance is not confirmed, that the user organises:
    created by them, or of an organisation where they hold a post themselves (``paths``)."""
    q = Q(org_path__in=list(paths))
    if getattr(user, "pk", None):
        q |= Q(created_by_id=user.pk)
    return (activities_in_scope(user, Perm.MEMBER_CHANGE).filter(q, state=ActivityState.PUBLISHED, ends_at__lte=now)
            .order_by("ends_at", "id"))


# ---------------------------------------------------------------- figures


def _url(name: str, params: dict[str, Any]) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


@dataclass
class FigureRow:
    """One organisation's (or the whole scope's) three figures, each with the link to its rows."""

    name: str
    org_id: int | None
    held: int = 0
    members: int = 0
    residents: int = 0
    links: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.members + self.residents


def _links(base: dict[str, Any]) -> dict[str, str]:
    held = base | {"state": ActivityState.HELD}
    return {"held": _url("members:activities", held),
            "members": _url("members:activity_signups", held | {"attended": "1", "member": "1"}),
            "residents": _url("members:activity_signups", held | {"attended": "1", "member": "0"}),
            "total": _url("members:activity_signups", held | {"attended": "1"})}


def figure_roots(user: Any, org: Org | None) -> list[str]:
    """The paths the figures are broken down under: the chosen organisation, else the user's scope roots."""
    return [org.path] if org is not None else list(scope_paths(user, Perm.MEMBER_VIEW))


def figures(user: Any, year: int, org: Org | None = None) -> tuple[FigureRow, list[FigureRow]]:
    """开展活动, 党员参加 and 服务群众 of ``year`` in the user's scope (or below ``org``): the total, and one row
    per organisation one level below each root (the root's own activities as "本级"). Three queries."""
    roots = figure_roots(user, org)
    base = {"year": year}
    total = FigureRow("合计", org.pk if org else None, links=_links(base | ({"org": org.pk} if org else {})))
    if not roots:
        return total, []
    start, end = year_bounds(year)
    step = Org.steplen
    by_path: dict[str, FigureRow] = {}
    held_qs = activities_in_scope(user).filter(state=ActivityState.HELD, starts_at__gte=start, starts_at__lt=end)
    signed_qs = signups_in_scope(user).filter(state=SignUpState.SIGNED, attended=True,
                                              activity__state=ActivityState.HELD,
                                              activity__starts_at__gte=start, activity__starts_at__lt=end)
    counted: dict[str, dict[str, int]] = {}
    for root in roots:
        n = len(root) + step
        rows = (held_qs.filter(org_path__startswith=root).annotate(p=Substr("org_path", 1, n)).order_by()
                .values("p").annotate(c=Count("pk")))
        for row in rows:
            counted.setdefault(row["p"], {}).update(held=row["c"])
        people = (signed_qs.filter(activity__org_path__startswith=root)
                  .annotate(p=Substr("activity__org_path", 1, n)).order_by()
                  .values("p", "is_member").annotate(c=Count("pk")))
        for row in people:
            counted.setdefault(row["p"], {})["members" if row["is_member"] else "residents"] = row["c"]
    ids = dict(Org.objects.filter(path__in=list(counted)).values_list("path", "pk"))
    names = org_names(counted)
    for path, counts in sorted(counted.items()):
        own = path in roots
        name = f"{names.get(path, '')}（本级）" if own else names.get(path, "")
        pk = ids.get(path)
        links = _links(base | {"org": pk} | ({"exact": "1"} if own else {})) if pk else {}
        fig = FigureRow(name, pk, counts.get("held", 0), counts.get("members", 0), counts.get("residents", 0),
                        links)
        by_path[path] = fig
        total.held += fig.held
        total.members += fig.members
        total.residents += fig.residents
    return total, list(by_path.values())


def year_counts(user: Any, year: int) -> dict[str, int]:
    """This year's held activities and attended 人次 (members, residents) in the user's scope: two queries."""
    start, end = year_bounds(year)
    held = activities_in_scope(user).filter(state=ActivityState.HELD, starts_at__gte=start,
                                            starts_at__lt=end).count()
    people = signups_in_scope(user).filter(state=SignUpState.SIGNED, attended=True,
                                           activity__state=ActivityState.HELD,
                                           activity__starts_at__gte=start, activity__starts_at__lt=end).aggregate(
        members=Count("pk", filter=Q(is_member=True)), residents=Count("pk", filter=Q(is_member=False)))
    return {"held": held, "members": people["members"], "residents": people["residents"]}
