"""我是党员我带头's figures for 一张网 (panel "members", 党员作用): registered with ``core.metrics`` from
``hooks.register``.

Each figure is counted where the work is done — the community a member registered with (报到), the central
household whose linked household was visited, the organisation that held the activity or ran the duty
campaign — the same sides the module's own pages and scopes use; the points, which belong to a member, are
counted at the organisation that manages the member. The definitions are those of the module's pages:

- **报到党员** (a stock): registrations confirmed with a community and standing during the period (confirmed
  before its end, not ended before its start); **新报到**: those confirmed in the period (``counts`` page:
  confirmed registrations with the community);
- **民情日记**: visits made in the period; **转为诉求**: those whose concern became a demand;
- **开展活动**: activities held in the period (attendance confirmed); **参与人次**: the attended sign-ups of
  those activities, split into **党员参加** and **群众参与** (the activities' figures page: held, members,
  residents, total);
- **积分**: the points of the ledger entries dated in the period (corrections included), of the members
  managed in the scope;
- **认领活动**: duty campaigns (not drafts) running during the period; for each, from the live (not released)
  claims whose shift starts in the period: **认领党员** (the members holding a shift — one member counts once
  per campaign), **认领里程** (the kilometres of the stretches with a claim — ``Segment.length_km``, never
  typed) and **带动群众** (the residents brought along, ``Companion`` rows), as the campaign page counts them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from zongheng.core.metrics import Row, flag, register_metric, register_source
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm

from .choices import ActivityState, CampaignState, DutyState, RegistrationState, SignUpState
from .models import Activity, Campaign, Companion, DutyClaim, PointEntry, Registration, Segment, SignUp, Visit

PANEL = "members"
KM: DecimalField[Decimal, Decimal] = DecimalField(max_digits=12, decimal_places=3)


def _km(value: Any) -> str:
    return f"{Decimal(value or 0).normalize():f}"


# ---------------------------------------------------------------- 双联双管报到


def standing_registrations(period: Period, now: dt.datetime) -> QuerySet[Registration]:
    """Registrations confirmed with a community that stood during the period; ``new``: confirmed in it."""
    return (Registration.objects.filter(state__in=[RegistrationState.CONFIRMED, RegistrationState.ENDED],
                                        confirmed_on__lt=period.end_date)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start_date))
            .annotate(new=flag(Q(confirmed_on__gte=period.start_date)))
            .select_related("person", "community"))


def _show_registration(r: Registration) -> Row:
    ended = f"，{r.ended_on:%Y-%m-%d} 结束" if r.ended_on else ""
    return Row(f"{r.person.name} 报到 {r.community.name}", reverse("members:registration", args=[r.pk]),
               f"{r.confirmed_on:%Y-%m-%d} 报到{ended}")


# ---------------------------------------------------------------- 民情日记


def period_visits(period: Period, now: dt.datetime) -> QuerySet[Visit]:
    return Visit.objects.filter(period.q_dates("visited_on")).select_related("household", "central", "visitor")


def _show_visit(v: Visit) -> Row:
    raised = "，反映了情况" if v.raised else ""
    demand = "，已转为诉求" if v.demand_id else ""
    return Row(f"走访 {v.household.address}", reverse("members:visit", args=[v.pk]),
               f"{v.visited_on:%Y-%m-%d}，{v.visitor.name}（{v.central.name}）{raised}{demand}")


# ---------------------------------------------------------------- activities and participation


def held_activities(period: Period, now: dt.datetime) -> QuerySet[Activity]:
    return Activity.objects.filter(period.q("starts_at"), state=ActivityState.HELD).select_related("org")


def _show_activity(a: Activity) -> Row:
    return Row(a.title, reverse("members:activity", args=[a.pk]),
               f"{a.org.name}，{timezone.localtime(a.starts_at):%Y-%m-%d}，{a.place}")


def attended_signups(period: Period, now: dt.datetime) -> QuerySet[SignUp]:
    """The attended sign-ups (walk-ins included) of the activities held in the period."""
    return (SignUp.objects.filter(period.q("activity__starts_at"), state=SignUpState.SIGNED, attended=True,
                                  activity__state=ActivityState.HELD)
            .select_related("activity", "activity__org", "person"))


def _show_signup(s: SignUp) -> Row:
    who = f"党员 {s.person.name}" if s.is_member and s.person else ("居民（现场参加）" if s.walk_in else "居民")
    day = timezone.localtime(s.activity.starts_at)
    return Row(s.activity.title, reverse("members:activity", args=[s.activity_id]),
               f"{who}，{s.activity.org.name}，{day:%Y-%m-%d}")


# ---------------------------------------------------------------- 积分


def period_points(period: Period, now: dt.datetime) -> QuerySet[PointEntry]:
    return PointEntry.objects.filter(period.q_dates("occurred_on")).select_related("person", "item")


def _show_point(e: PointEntry) -> Row:
    item = f"（{e.item.name}）" if e.item else ""
    note = f"，{e.note}" if e.note else ""
    return Row(f"{e.person.name} {e.points:+d} 分", reverse("members:points_person", args=[e.person_id]),
               f"{e.occurred_on:%Y-%m-%d}，{e.get_deed_display()}{item}{note}"[:120])


# ---------------------------------------------------------------- duty campaigns (认领)


def running_campaigns(period: Period, now: dt.datetime) -> QuerySet[Campaign]:
    """Campaigns (not drafts) running during the period, each with — from its live claims whose shift starts in
    the period — ``duty_members`` (members holding a shift), ``duty_km`` (kilometres of the stretches claimed)
    and ``duty_residents`` (residents brought along): correlated sub-queries, so a campaign stays one row."""
    claims = DutyClaim.objects.filter(period.q("starts_at"), state=DutyState.CLAIMED)
    members = (claims.filter(campaign=OuterRef("pk")).order_by().values("campaign")
               .annotate(n=Count("person", distinct=True)).values("n"))
    residents = (Companion.objects.filter(period.q("claim__starts_at"), claim__state=DutyState.CLAIMED,
                                          claim__campaign=OuterRef("pk"))
                 .order_by().values("claim__campaign").annotate(n=Count("pk")).values("n"))
    stretches = (Segment.objects.filter(campaign=OuterRef("pk"), length_km__isnull=False)
                 .filter(Exists(claims.filter(shift__segment=OuterRef("pk"))))
                 .order_by().values("campaign").annotate(s=Sum("length_km")).values("s"))
    return (Campaign.objects.exclude(state=CampaignState.DRAFT)
            .filter(starts_on__lt=period.end_date, ends_on__gte=period.start_date)
            .annotate(duty_members=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)),
                      duty_residents=Coalesce(Subquery(residents, output_field=IntegerField()), Value(0)),
                      duty_km=Coalesce(Subquery(stretches, output_field=KM), Value(Decimal(0)), output_field=KM))
            .select_related("org"))


def _show_campaign(c: Any) -> Row:
    figures = [f"认领党员 {c.duty_members} 人"]
    if c.duty_km:
        figures.append(f"{_km(c.duty_km)} 公里")
    figures.append(f"带动群众 {c.duty_residents} 人")
    return Row(c.title, reverse("members:campaign", args=[c.pk]),
               f"{c.org.name}，{c.starts_on:%Y-%m-%d} 至 {c.ends_on:%Y-%m-%d}，{'，'.join(figures)}")


def register() -> None:
    view = Perm.MEMBER_VIEW
    register_source("members.registration", standing_registrations, path="org_path", perm=view,
                    show=_show_registration, dated="confirmed_on", label="条报到")
    register_source("members.visit", period_visits, path="org_path", perm=view, show=_show_visit,
                    dated="visited_on", label="次走访")
    register_source("members.activity", held_activities, path="org_path", perm=view, show=_show_activity,
                    dated="starts_at", label="场活动")
    register_source("members.signup", attended_signups, path="activity__org_path", perm=view, show=_show_signup,
                    dated="activity__starts_at", label="人次")
    register_source("members.point", period_points, path="person__org_path", perm=view, show=_show_point,
                    dated="occurred_on", label="条积分记录")
    register_source("members.campaign", running_campaigns, path="org_path", perm=view, show=_show_campaign,
                    dated="starts_on", label="项认领活动")

    register_metric("members.registered", PANEL, "报到党员", source="members.registration", unit="人", order=10,
                    headline=True, help="在本辖区社区报到（双联双管）、期间内处于已报到状态的党员")
    register_metric("members.registered_new", PANEL, "新报到", source="members.registration", unit="人",
                    where=Q(new=True), order=11, help="期间内经社区确认报到的党员")
    register_metric("members.visits", PANEL, "民情日记", source="members.visit", unit="次", order=20,
                    help="期间内党员中心户走访联系户的民情日记")
    register_metric("members.visit_demands", PANEL, "走访转为诉求", source="members.visit", unit="件",
                    where=Q(demand__isnull=False), order=21, help="期间内的民情日记中，反映的情况已转为居民诉求的")
    register_metric("members.activities", PANEL, "开展活动", source="members.activity", unit="场", order=30,
                    help="期间内举办并已确认出勤的活动（功能型党组织、活动队伍、结对共建、志愿服务等）")
    register_metric("members.participations", PANEL, "参与人次", source="members.signup", unit="人次", order=31,
                    help="期间内已确认出勤的活动中，出勤的党员和群众人次（含现场加入的居民）")
    register_metric("members.participations_members", PANEL, "党员参加", source="members.signup", unit="人次",
                    where=Q(is_member=True), order=32, help="参与人次中的党员")
    register_metric("members.participations_residents", PANEL, "群众参与", source="members.signup", unit="人次",
                    where=Q(is_member=False), order=33, help="参与人次中的群众（非党员居民）")
    register_metric("members.points", PANEL, "党员积分", source="members.point", sum_of="points", unit="分", order=40,
                    help="本辖区管理的党员期间内获得的积分（按积分台账，含更正）")
    register_metric("members.campaigns", PANEL, "认领活动", source="members.campaign", unit="项", order=50,
                    help="期间内进行中的认领活动（防汛值守、创城、疫情防控等，不含筹备中的）")
    register_metric("members.duty_members", PANEL, "认领党员", source="members.campaign", sum_of="duty_members",
                    where=Q(duty_members__gt=0), unit="人", order=51,
                    help="期间内开始的班次有认领（未退领）的党员；同一党员参加几项认领活动计几人")
    register_metric("members.duty_km", PANEL, "认领里程", source="members.campaign", sum_of="duty_km",
                    where=Q(duty_km__gt=0), unit="公里", order=52,
                    help="期间内开始的班次有人认领的堤段等按长度划分的段，其长度之和")
    register_metric("members.duty_residents", PANEL, "带动群众", source="members.campaign",
                    sum_of="duty_residents", where=Q(duty_residents__gt=0), unit="人", order=53,
                    help="期间内开始的班次中，认领党员登记带动参加的群众")
