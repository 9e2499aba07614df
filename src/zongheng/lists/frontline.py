"""The ONE place that finds a person's front-line work (一线工作, "十个一线" 工作机制) in the other modules' records.

For a person and a period (``start`` … ``end``, dates), the kinds of work are:

- ``task``: tasks of the year's list (任务清单) they lead (领衔), or carried by an organisation where they held a
  post of secretary or deputy secretary during the period, running in the period;
- ``demand``: residents' demands (群众诉求) they acted on (an event of the demand's history by their account) in
  the period;
- ``campaign``: duty campaigns (认领值守: 防汛 …) they organised (created) or served in (a claim not released),
  running in the period;
- ``temp_org``: temporary branches and groups (临时党支部/党小组) where they held a post during the period, open in
  the period.

Each kind is one query (``find``: four queries per person whatever the data); with a ``user`` every kind is read
through that module's own scoped queryset (``restrict`` with the module's view right), so a picker, the API and a
citation check all see the same rows. ``resolve`` turns cited keys (``"task:12"``) back into work, refusing in
Chinese anything that is not that person's work in the period inside the user's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.choices import TEMPORARY_KINDS
from zongheng.orgs.models import Org, Person, Post

from .models_cadres import WorkKind

REFUSED = "所引用的一线工作不存在、不是该干部本人的工作、不在评选期间内或不在您的管辖范围内"
LEADING_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY)
MAX_CITED = 20


@dataclass(frozen=True)
class Work:
    """One record of front-line work: its kind, the record's id, a label, the person's part in it, when."""

    kind: str
    pk: int
    label: str
    part: str
    start: dt.date
    end: dt.date | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"

    @property
    def kind_label(self) -> str:
        return str(WorkKind(self.kind).label)


def _posts(person: Person, start: dt.date, end: dt.date, roles: Iterable[str] | None = None) -> QuerySet[Post]:
    qs = Post.objects.filter(person=person, starts_on__lte=end).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
    return qs.filter(role__in=list(roles)) if roles is not None else qs


def _date(value: dt.datetime | dt.date) -> dt.date:
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


# ---------------------------------------------------------------- the kinds, one query each


def _tasks(person: Person, start: dt.date, end: dt.date, user: Any) -> list[Work]:
    from .models import Task

    qs = Task.objects.restrict(user) if user is not None else Task.objects.all()
    led = _posts(person, start, end, LEADING_ROLES).values("org_id")
    rows = (qs.filter(starts_on__lte=end, ends_on__gte=start)
            .filter(Q(lead=person) | Q(org_id__in=led)).select_related("org").order_by("-starts_on", "code", "id"))
    return [Work(WorkKind.TASK, t.pk, f"{t.code} {t.title}（{t.org.name}）",
                 "领衔" if t.lead_id == person.pk else "承担单位书记", t.starts_on, t.ends_on) for t in rows]


def _demands(person: Person, start: dt.date, end: dt.date, user: Any) -> list[Work]:
    from zongheng.demands.models import Demand, DemandEvent

    low, high = _bounds(start, end)
    acted = DemandEvent.objects.filter(actor__person=person, at__gte=low, at__lt=high).values("demand_id")
    qs = Demand.objects.restrict(user) if user is not None else Demand.objects.all()
    rows = qs.filter(pk__in=acted).select_related("category").order_by("-received_at", "-id")
    return [Work(WorkKind.DEMAND, d.pk, f"{d.ref} {d.category.name}：{d.description[:40]}",
                 "已办结" if d.closed_at else "办理", _date(d.received_at), _date(d.closed_at) if d.closed_at else None)
            for d in rows]


def _campaigns(person: Person, start: dt.date, end: dt.date, user: Any) -> list[Work]:
    from zongheng.members.choices import DutyState
    from zongheng.members.models import Campaign, DutyClaim

    served = DutyClaim.objects.filter(person=person).exclude(state=DutyState.RELEASED).values("campaign_id")
    organised = Q(created_by__person=person)
    qs = Campaign.objects.restrict(user) if user is not None else Campaign.objects.all()
    rows = (qs.filter(starts_on__lte=end, ends_on__gte=start).filter(organised | Q(pk__in=served))
            .select_related("created_by").order_by("-starts_on", "-id"))
    return [Work(WorkKind.CAMPAIGN, c.pk, c.title,
                 "组织" if c.created_by is not None and c.created_by.person_id == person.pk else "值守",
                 c.starts_on, c.ends_on) for c in rows]


def _temp_orgs(person: Person, start: dt.date, end: dt.date, user: Any) -> list[Work]:
    qs = Org.objects.restrict(user, Perm.ORG_VIEW) if user is not None else Org.objects.all()
    held = _posts(person, start, end)
    rows = (qs.filter(kind__in=list(TEMPORARY_KINDS), opened_on__lte=end, pk__in=held.values("org_id"))
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start)).order_by("-opened_on", "path"))
    roles = dict(held.filter(org__in=[o.pk for o in rows]).values_list("org_id", "role")) if rows else {}
    return [Work(WorkKind.TEMP_ORG, o.pk, o.name, str(Role(roles[o.pk]).label) if o.pk in roles else "成员",
                 o.opened_on or start, o.closed_on) for o in rows]


KINDS: dict[str, Callable[[Person, dt.date, dt.date, Any], list[Work]]] = {
    WorkKind.TASK: _tasks, WorkKind.DEMAND: _demands, WorkKind.CAMPAIGN: _campaigns, WorkKind.TEMP_ORG: _temp_orgs,
}


def find(person: Person, start: dt.date, end: dt.date, user: Any = None,
         kinds: Iterable[str] | None = None) -> list[Work]:
    """The person's front-line work in the period (inside ``user``'s scope when given), by kind, newest first."""
    out: list[Work] = []
    for kind in kinds or KINDS:
        out.extend(KINDS[kind](person, start, end, user))
    return out


def parse_keys(values: Iterable[Any]) -> list[tuple[str, int]]:
    """``"task:12"`` texts as (kind, id) pairs, each once; ActionError for anything else."""
    out: list[tuple[str, int]] = []
    for value in values:
        text = str(value or "").strip()
        kind, _, pk = text.partition(":")
        if kind not in KINDS or not pk.isdigit() or not 0 < int(pk) < 2**63:
            raise ActionError(REFUSED)
        if (kind, int(pk)) not in out:
            out.append((kind, int(pk)))
    return out


def resolve(user: Any, person: Person, keys: Iterable[Any], start: dt.date, end: dt.date) -> list[Work]:
    """The cited work, each key checked to be the person's work in the period inside ``user``'s scope; at least one,
    at most ``MAX_CITED``; one Chinese refusal for a forged id, another person's work or an out-of-scope record."""
    wanted = parse_keys(keys)
    if not wanted:
        raise ActionError("请至少引用一项该干部的一线工作")
    if len(wanted) > MAX_CITED:
        raise ActionError(f"最多引用 {MAX_CITED} 项一线工作")
    kinds = {kind for kind, _ in wanted}
    found = {(w.kind, w.pk): w for w in find(person, start, end, user, kinds=sorted(kinds))}
    if any(key not in found for key in wanted):
        raise ActionError(REFUSED)
    return [found[key] for key in wanted]


# ---------------------------------------------------------------- windows and links


def star_window(month: dt.date) -> tuple[dt.date, dt.date]:
    """A star for ``month`` rests on work of that month or of the two months before it."""
    first = month.replace(day=1)
    start = (first - dt.timedelta(days=1)).replace(day=1)
    start = (start - dt.timedelta(days=1)).replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return start, nxt - dt.timedelta(days=1)


def promotion_window(day: dt.date) -> tuple[dt.date, dt.date]:
    """A promotion rests on work of the three years before it (任职日期)."""
    try:
        start = day.replace(year=day.year - 3)
    except ValueError:  # 29 February
        start = day.replace(year=day.year - 3, day=28)
    return start, day


URLS: dict[str, str] = {WorkKind.TASK: "lists:task", WorkKind.DEMAND: "demands:detail",
                        WorkKind.CAMPAIGN: "members:campaign", WorkKind.TEMP_ORG: "orgs:org"}


def visible(user: Any, refs: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of the (kind, id) references the user may open (one query per kind present)."""
    from zongheng.demands.models import Demand
    from zongheng.members.models import Campaign

    from .models import Task

    by_kind: dict[str, set[int]] = {}
    for kind, pk in refs:
        if pk:
            by_kind.setdefault(kind, set()).add(pk)
    scoped: dict[str, Callable[[], QuerySet[Any]]] = {
        WorkKind.TASK: lambda: Task.objects.restrict(user),
        WorkKind.DEMAND: lambda: Demand.objects.restrict(user),
        WorkKind.CAMPAIGN: lambda: Campaign.objects.restrict(user),
        WorkKind.TEMP_ORG: lambda: Org.objects.restrict(user, Perm.ORG_VIEW),
    }
    out: set[tuple[str, int]] = set()
    for kind, pks in by_kind.items():
        out |= {(kind, pk) for pk in scoped[kind]().filter(pk__in=pks).values_list("pk", flat=True)}
    return out


def url(kind: str, pk: int) -> str:
    return reverse(URLS[kind], args=[pk])
