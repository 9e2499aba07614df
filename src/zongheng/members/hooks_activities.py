"""What activities register with the ground (called by ``members.hooks.register``): audit labels and links,
the to-do (活动已结束，待确认出勤 — for its organisers), the hub section (figures over the user's scope), the
member's own section, and the source of confirmed deeds (attended members of held activities) the points
ledger reconciles with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import has_perm, own_paths
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Todo, register_todo

from .deeds import DeedRecord, register_deed_source
from .hub import HubFigure, Section, register_mine, register_section

AUDIT_ACTIONS = {
    "members.activity_create": "新建活动", "members.activity_update": "修改活动",
    "members.activity_publish": "发布活动", "members.activity_cancel": "取消活动",
    "members.activity_attendance": "确认活动出勤", "members.signup": "报名活动",
    "members.signup_resident": "代居民报名活动", "members.signup_public": "居民在线报名活动",
    "members.signup_cancel": "取消活动报名",
}


def _url(name: str, params: dict[str, Any] | None = None, args: list[Any] | None = None) -> str:
    query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")})
    return reverse(name, args=args) + (f"?{query}" if query else "")


def awaiting(user: Any, now: dt.datetime) -> list[Todo]:
    """活动待确认出勤: published activities that have ended, of organisations where the user holds a post
    with member.change themselves, or created by them. One query."""
    if not (user and user.is_authenticated) or not has_perm(user, Perm.MEMBER_CHANGE):
        return []
    from .selectors_activities import awaiting_attendance

    paths = own_paths(user, Perm.MEMBER_CHANGE)
    rows = awaiting_attendance(user, now, paths).values_list("pk", "title", "ends_at", "org__name", "signed")
    return [Todo("活动待确认出勤", f"{title}（{org}，报名 {signed} 人）",
                 reverse("members:activity_attendance", args=[pk]), ends_at + dt.timedelta(days=7))
            for pk, title, ends_at, org, signed in rows[:TODO_LIMIT]]


def hub_section(user: Any, today: dt.date) -> Section | None:
    """活动: upcoming in scope, held this year, residents reached this year (人次). Three queries."""
    if not has_perm(user, Perm.MEMBER_VIEW):
        return None
    from .choices import ActivityState
    from .selectors_activities import activities_in_scope, year_counts

    now = timezone.now()
    upcoming = activities_in_scope(user).filter(state=ActivityState.PUBLISHED, starts_at__gt=now).count()
    counts = year_counts(user, today.year)
    year = today.year
    held = {"state": ActivityState.HELD, "year": year}
    figures = [
        HubFigure("即将开展", f"{upcoming} 场", _url("members:activities", {"when": "upcoming",
                                                                         "state": ActivityState.PUBLISHED})),
        HubFigure(f"{year}年已开展", f"{counts['held']} 场", _url("members:activities", held)),
        HubFigure(f"{year}年服务群众", f"{counts['residents']} 人次",
                  _url("members:activity_signups", held | {"attended": "1", "member": "0"}),
                  note=f"党员参加 {counts['members']} 人次"),
    ]
    links = [("活动统计", _url("members:activity_figures"))]
    if has_perm(user, Perm.MEMBER_CHANGE):
        links.insert(0, ("新建活动", _url("members:activity_new")))
    return Section("活动", figures=figures, links=links,
                   text="功能型党组织、活动队伍、结对共建和志愿服务的活动：党员和居民报名，组织者活动后确认出勤。")


def mine_section(user: Any, person: Any, today: dt.date) -> Section | None:
    """我的活动: what is open to the person now, their sign-ups to come, their attended activities this year.
    Two queries."""
    if person is None:
        return None
    from .choices import ActivityState, SignUpState
    from .models import SignUp
    from .selectors_activities import open_activities, year_bounds

    now = timezone.now()
    open_count = open_activities(person, now).count()
    start, end = year_bounds(today.year)
    mine = SignUp.objects.filter(person=person, state=SignUpState.SIGNED).aggregate(
        upcoming=Count("pk", filter=Q(activity__starts_at__gt=now, activity__state=ActivityState.PUBLISHED)),
        attended=Count("pk", filter=Q(attended=True, activity__state=ActivityState.HELD,
                                      activity__starts_at__gte=start, activity__starts_at__lt=end)))
    url = reverse("members:my_activities")
    return Section("活动", figures=[
        HubFigure("可以报名", f"{open_count} 场", url),
        HubFigure("我已报名（未开始）", f"{mine['upcoming']} 场", url),
        HubFigure(f"{today.year}年参加", f"{mine['attended']} 次", url, note="组织者确认出勤的活动"),
    ], links=[("报名活动", url)])


def attended_deeds(start: dt.date, end: dt.date) -> Iterator[DeedRecord]:
    """Confirmed deeds: every attended member sign-up of a held activity that started in [start, end)
    (local dates). The source and the date are those ``do_confirm_attendance`` awards with."""
    from .choices import ActivityState, Deed, SignUpState
    from .models import SignUp

    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    rows = (SignUp.objects.filter(state=SignUpState.SIGNED, attended=True, is_member=True, person__isnull=False,
                                  activity__state=ActivityState.HELD, activity__starts_at__gte=lo,
                                  activity__starts_at__lt=hi)
            .values_list("pk", "person_id", "activity__starts_at", "activity__title").order_by("pk"))
    for pk, person_id, starts_at, title in rows.iterator(chunk_size=5000):
        yield DeedRecord(person_id=person_id, deed=Deed.ACTIVITY, source=f"activity.signup:{pk}",
                         occurred_on=timezone.localtime(starts_at).date(), note=title[:100])


def signup_links(user: Any, ids: list[int]) -> dict[int, str]:
    """A ledger's attendance entries link to their activity: the user's own sign-ups, or activities in scope."""
    from django.db.models import Q

    from .models import Activity, SignUp

    own = Q(person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    rows = SignUp.objects.filter(pk__in=ids).filter(own | Q(activity__in=Activity.objects.restrict(user)))
    return {pk: reverse("members:activity", args=[activity]) for pk, activity in rows.values_list("pk", "activity_id")}


def register() -> None:
    from .selectors_points import register_source_link

    register_actions(AUDIT_ACTIONS)
    register_object_url("members.activity", url_by_pk("members:activity"), Perm.MEMBER_VIEW)
    register_todo(45, "members.activities", awaiting)
    register_section(30, "activities", hub_section)
    register_mine(30, "activities", mine_section)
    register_deed_source("activities", attended_deeds)
    register_source_link("activity.signup", signup_links)
