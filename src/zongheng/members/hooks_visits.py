"""What 民情日记 (visits) registers with the ground (called by ``members.hooks.register``): audit labels and links,
the link from a demand's page back to the visit it came from, the confirmed-deed source of the points ledger
(every visit recorded is a 走访联系户 deed), the hub's figures, the member's own section and a to-do item
(concerns the recorder wrote down without a follow-up or a demand)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from zongheng.core.access import has_perm
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Todo, register_todo

AUDIT_ACTIONS = {
    "members.visit_create": "记民情日记", "members.visit_update": "修改民情日记",
    "members.visit_demand": "民情日记转为居民诉求",
}


def demand_visit_link(user: Any, demand: Any) -> tuple[str, str] | None:
    """On a demand's page: the visit it came from (date, household), for a viewer who may see that visit."""
    from .models import Visit

    visit = (Visit.objects.restrict(user).filter(demand_id=demand.pk).select_related("household")
             .only("pk", "visited_on", "household__address").first())
    if visit is None:
        return None
    return f"来自民情日记：{visit.visited_on:%Y-%m-%d} 走访 {visit.household.address}", reverse(
        "members:visit", args=[visit.pk])


def visit_deeds(start: dt.date, end: dt.date) -> Iterator[Any]:
    """Every visit recorded with a date in [start, end): a 走访联系户 deed of its visitor."""
    from .choices import Deed
    from .deeds import DeedRecord
    from .models import Visit

    rows = (Visit.objects.filter(visited_on__gte=start, visited_on__lt=end).order_by("pk")
            .values_list("pk", "visitor_id", "visited_on"))
    for pk, person_id, visited_on in rows.iterator(chunk_size=2000):
        yield DeedRecord(person_id=person_id, deed=Deed.VISIT, source=f"visit:{pk}", occurred_on=visited_on)


def _list(**params: Any) -> str:
    return f"{reverse('members:visits')}?{urlencode(params)}"


def hub_section(user: Any, today: dt.date) -> Any:
    """民情日记 over the user's scope: visits this month and year, concerns turned into demands, households
    visited — one query, each figure opening its rows."""
    from .hub import HubFigure, Section
    from .selectors_visits import figures, may_record

    if not has_perm(user, Perm.MEMBER_VIEW):
        return None
    f = figures(user, today)
    year = today.year
    text = "党员中心户、网格长和报到党员走访联系户的记录，只作记录和统计，不作考核排名。"
    section = Section("民情日记", text=text, figures=[
        HubFigure("本月走访", f"{f['month']} 次", _list(month=today.strftime("%Y-%m"))),
        HubFigure(f"{year}年走访", f"{f['year']} 次", _list(year=year)),
        HubFigure(f"{year}年反映情况", f"{f['raised']} 次", _list(year=year, raised="yes")),
        HubFigure(f"{year}年转为居民诉求", f"{f['demands']} 件", _list(year=year, demand="yes")),
        HubFigure(f"{year}年走访的联系户", f"{f['households']} 户", reverse("members:visits_counts"),
                  note="按户按月统计"),
    ])
    if may_record(user):
        section.links.append(("记民情日记", reverse("members:visit_new")))
    section.links.append(("按户按月统计", reverse("members:visits_counts")))
    return section


def mine_section(user: Any, person: Any, today: dt.date) -> Any:
    """For a user who may record visits: 记民情日记, this month's count and the latest visits they recorded."""
    from .hub import HubFigure, Section
    from .models import Visit
    from .selectors_visits import may_record

    if person is None or not may_record(user):
        return None
    recent = list(Visit.objects.filter(visitor_id=person.pk).select_related("household", "demand")
                  .order_by("-visited_on", "-id")[:3])
    month = Visit.objects.filter(visitor_id=person.pk, visited_on__gte=today.replace(day=1)).count()
    figures = [HubFigure("本月我记的民情日记", f"{month} 次", _list(mine=1, month=today.strftime("%Y-%m")))]
    for v in recent:
        note = f"已转为诉求 {v.demand.ref}" if v.demand is not None else ("反映：" + v.raised[:20] if v.raised else "")
        figures.append(HubFigure(f"走访 {v.household.address}", v.visited_on.strftime("%Y-%m-%d"),
                                 reverse("members:visit", args=[v.pk]), note=note))
    return Section("民情日记", text="走访联系户后记一笔：谁、哪天、反映了什么；反映的问题可以一步转为居民诉求。",
                   figures=figures,
                   links=[("记民情日记", reverse("members:visit_new")), ("我的民情日记", _list(mine=1))])


def my_concerns(user: Any, now: dt.datetime) -> list[Todo]:
    """民情日记待跟进: the user's visits of the last half year with a concern but no follow-up and no demand."""
    from django.utils import timezone

    from .selectors_visits import concerns_waiting

    if not (user and user.is_authenticated and getattr(user, "person_id", None)):
        return []
    today = timezone.localtime(now).date()
    return [Todo("民情日记待跟进", f"{visited_on:%m-%d} {address}：{raised[:40]}", reverse("members:visit", args=[pk]))
            for pk, visited_on, address, raised in concerns_waiting(user, today, limit=TODO_LIMIT)]


def visit_links(user: Any, ids: list[int]) -> dict[int, str]:
    """A ledger's visit entries link to the visit: the user's own, or visits in scope."""
    from .models import Visit

    return {pk: reverse("members:visit", args=[pk])
            for pk in Visit.objects.restrict(user).filter(pk__in=ids).values_list("pk", flat=True)}


def register() -> None:
    from zongheng.demands.related import register_demand_link

    from . import hub, indicators
    from .deeds import register_deed_source
    from .selectors_points import register_source_link

    register_actions(AUDIT_ACTIONS)
    register_object_url("members.visit", url_by_pk("members:visit"), Perm.MEMBER_VIEW)
    register_demand_link("members.visit", demand_visit_link)
    register_deed_source("visits", visit_deeds)
    register_source_link("visit", visit_links)
    hub.register_section(20, "visits", hub_section)
    indicators.register()
    hub.register_mine(20, "visits", mine_section)
    register_todo(60, "members.visits", my_concerns)
