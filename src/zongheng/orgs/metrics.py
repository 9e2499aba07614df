"""The tree's figures for 一张网 (组织覆盖): registered with ``core.metrics`` from ``hooks.register``.

Three sources, each read in one query per dashboard:

- ``orgs.org`` — organisations that stood at some time during the period: opened before the period's end (or
  with no opening date) and not closed before its start (a stock). Each row also says whether it was opened in
  the period (``opened_in_period``): the temporary branches and groups *set up* in a period are a flow inside
  that stock (an organisation opened in the period stood during it).
- ``orgs.team`` — activity teams that stood during the period: founded before its end (or undated), their
  functional organisation not closed before its start.
- ``orgs.assistant`` — posts of 社区书记助理 held at some time during the period (those in post); each row says
  whether the post began in the period (``began_in_period``: the assistants *sent down* in it, a flow).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Q, QuerySet
from django.urls import reverse

from zongheng.core.metrics import Row, flag, register_metric, register_source
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm, Role

from .choices import OrgKind
from .models import ActivityTeam, Org, Post


def _within(field: str, period: Period) -> Case:
    """True when the date ``field`` falls in the period (an annotation a metric's ``where`` can test)."""
    return flag(period.q_dates(field))


def standing_orgs(period: Period, now: dt.datetime) -> QuerySet[Org]:
    """Organisations that stood at some time during the period (``opened_in_period``: opened in it)."""
    return (Org.objects.filter(Q(opened_on__isnull=True) | Q(opened_on__lt=period.end_date))
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start_date))
            .annotate(opened_in_period=_within("opened_on", period)).select_related("level"))


def standing_teams(period: Period, now: dt.datetime) -> QuerySet[ActivityTeam]:
    """Activity teams founded before the period's end (or undated) whose organisation was not closed before
    its start."""
    return (ActivityTeam.objects.filter(Q(founded_on__isnull=True) | Q(founded_on__lt=period.end_date))
            .filter(Q(org__closed_on__isnull=True) | Q(org__closed_on__gte=period.start_date))
            .select_related("org"))


def assistants_in_post(period: Period, now: dt.datetime) -> QuerySet[Post]:
    """Posts of 社区书记助理 held at some time during the period (``began_in_period``: taken up in it)."""
    return (Post.objects.filter(role=Role.SECRETARY_ASSISTANT, starts_on__lt=period.end_date)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start_date))
            .annotate(began_in_period=_within("starts_on", period))
            .select_related("person", "org", "sent_from"))


def _show_org(org: Any) -> Row:
    opened = f"，{org.opened_on:%Y-%m-%d} 成立" if org.opened_on else ""
    closed = f"，{org.closed_on:%Y-%m-%d} 撤销" if org.closed_on else ""
    kind = "" if org.kind == OrgKind.REGULAR else f"{org.get_kind_display()}，"
    return Row(org.name, reverse("orgs:org", args=[org.pk]), f"{kind}{org.level.name}{opened}{closed}")


def _show_team(team: Any) -> Row:
    founded = f"，{team.founded_on:%Y-%m-%d} 成立" if team.founded_on else ""
    activity = f"，{team.activity}" if team.activity else ""
    return Row(team.name, reverse("orgs:team", args=[team.pk]), f"{team.org.name}{founded}{activity}")


def _show_assistant(post: Any) -> Row:
    sent = f"{post.sent_from.name}下派，" if post.sent_from_id else ""
    ended = f"至 {post.ends_on:%Y-%m-%d}" if post.ends_on else "至今"
    return Row(f"{post.org.name} 书记助理 {post.person.name}", reverse("orgs:org", args=[post.org_id]),
               f"{sent}{post.starts_on:%Y-%m-%d} 起{ended}")


def register() -> None:
    register_source("orgs.org", standing_orgs, path="path", perm=Perm.ORG_VIEW, show=_show_org, label="个组织")
    register_source("orgs.team", standing_teams, path="org__path", perm=Perm.ORG_VIEW, show=_show_team,
                    label="活动队伍")
    register_source("orgs.assistant", assistants_in_post, path="org__path", perm=Perm.ORG_VIEW,
                    show=_show_assistant, dated="starts_on", label="书记助理任职")
    regular = Q(kind=OrgKind.REGULAR)
    register_metric("tree.grids", "tree", "网格", source="orgs.org", where=regular & Q(level__code="grid"),
                    order=10, headline=True, help="期间内存在的网格党支部（网格）")
    register_metric("tree.households", "tree", "党员中心户", source="orgs.org", unit="户",
                    where=regular & Q(level__code="household"), order=20, help="期间内存在的党员中心户")
    branch, group = Q(kind=OrgKind.TEMP_BRANCH), Q(kind=OrgKind.TEMP_GROUP)
    register_metric("tree.temp_branches", "tree", "临时党支部", source="orgs.org", where=branch, order=30,
                    help="期间内存在（期间结束前成立、期间开始前未撤销）的临时党支部")
    register_metric("tree.temp_branches_set_up", "tree", "新设临时党支部", source="orgs.org", order=31,
                    where=branch & Q(opened_in_period=True), help="成立日期在期间内的临时党支部")
    register_metric("tree.temp_groups", "tree", "临时党小组", source="orgs.org", where=group, order=40,
                    help="期间内存在（期间结束前成立、期间开始前未撤销）的临时党小组")
    register_metric("tree.temp_groups_set_up", "tree", "新设临时党小组", source="orgs.org", order=41,
                    where=group & Q(opened_in_period=True), help="成立日期在期间内的临时党小组")
    register_metric("tree.functional", "tree", "功能型党组织", source="orgs.org", order=50,
                    where=Q(kind=OrgKind.FUNCTIONAL),
                    help="期间内存在的“三缘”（地缘、业缘、趣缘）功能型党支部、党小组")
    register_metric("tree.teams", "tree", "活动队伍", source="orgs.team", unit="支", order=60,
                    help="期间结束前成立、所属功能型党组织期间开始前未撤销的活动队伍")
    register_metric("tree.assistants", "tree", "在岗书记助理", source="orgs.assistant", unit="名", order=70,
                    help="期间内任职（期间结束前到任、期间开始前未离任）的社区书记助理")
    register_metric("tree.assistants_sent", "tree", "下派书记助理", source="orgs.assistant", unit="名", order=71,
                    where=Q(began_in_period=True), help="任职日期在期间内的社区书记助理（由街道下派）")
