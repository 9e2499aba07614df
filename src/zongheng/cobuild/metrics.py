"""一横's figures for 一张网 (panel ``horizontal``, 横向共建): registered with ``core.metrics`` from ``hooks.register``.

Every figure is COUNT(rows) or SUM(field) over one source's rows filtered by a ``Q``; the status a figure needs
(a council superseded by a later term, a unit's second seat, a pairing keeping pace, an idle resource's first
match, a premises match by a street council's member unit) is an annotation of the source's rows, so each
source is still one ``GROUP BY`` query whatever the data size. The definitions are the module's own:

- **councils** (``cobuild.council``, a stock): the 街道大工委 (street or township) and 社区大党委 (community or
  village) whose term ran at some time during the period; an organisation with two terms in the period counts
  once (its latest term).
- **council seats** (``cobuild.council_member``, a stock): seats held at some time during the period on a council
  that ran then. 街道大工委's member units count each unit once per council (“60多家”); 社区大党委's unit members
  count seats (“70多名”); the county-level cadres are the community councils' unit members of rank 县处级 from
  市直 units (the article's “其中市直单位县处级领导干部21人”).
- **agreements** (``cobuild.agreement``, a flow): 项目认领书 signed in the period — a draft (草拟) is not yet signed
  and does not count; every later state does (履行中, 已完成, 已终止).
- **items** (``cobuild.item``, a flow): the items of the (non-draft) agreements signed in the period (认领项目), and
  the items completed in the period with the problems they solved (the unit performance page's “解决问题”: the sum of
  ``problems_solved`` of the items completed in the year).
- **pairings** (``cobuild.pairing``, a stock): pairings running at some time during the period, by partner — 机关
  (a unit of type 机关), 非公企业和社会组织, 外地先进社区 — and, on the period's reading day (its last day, or
  today while it runs), those running and those keeping pace (``pace.pace_of``: held this year ≥ floor(required ×
  elapsed days / days in the year)) — the rule of the pairing pages, the warning and the 1+9 indicator.
- **activities** (``cobuild.activity``, a flow): joint activities of the pairings held in the period.
- **needs** (``cobuild.need``, a flow): needs registered in the period, and those fully met (state 已对接).
- **list entries** (``cobuild.list_place``, a flow): needs, resources and services registered in the period
  (“建立服务清单、需求清单200多个”), added up per street or community where they sit (a need's and a service's
  community, a resource's place), so the rows are the organisations with their three counts.
- **matches** (``cobuild.match``, a flow): accepted need–resource matches in the period, by the need's community;
  idle resources put to use (an idle resource's first match), money raised (yuan of funds matches), venue space
  shared (m² of venue matches), and premises from street council member units (m² of venue matches whose unit
  held a seat, during the period, on the council of the street the need's community lies in — the article's
  “街道大工委兼职委员成员单位……支持驻地街道（乡）2400多平方米优质房产”).

A row belongs to the street or community of its ``org_path`` (a match: its need's community; a seat: its
council's organisation); the module's list pages filtered by an organisation also show rows whose unit side lies
under it, which the district's figures include as well.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import StartsWith
from django.urls import reverse
from django.utils import timezone

from zongheng.core.metrics import Row, flag, register_metric, register_source
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from .choices import (
    AgreementState,
    ItemState,
    NeedState,
    PartnerKind,
    Rank,
    ResourceKind,
    SeatKind,
    UnitLevel,
    UnitType,
)
from .models import Activity, Agreement, AgreementItem, Council, CouncilMember, Match, Need, Pairing, Resource, Service
from .resolve import COMMUNITY_LEVELS, SIDE_LEVELS

STREET_LEVELS = ("street", "township")  # where a 大工委 sits (a 大党委: COMMUNITY_LEVELS)
PANEL = "horizontal"


# ---------------------------------------------------------------- period helpers


def _standing(period: Period, start: str, end: str) -> Q:
    """Rows that ran at some time during the period: begun before its end, not ended before its start."""
    return Q(**{f"{start}__lt": period.end_date}) & (Q(**{f"{end}__isnull": True})
                                                     | Q(**{f"{end}__gte": period.start_date}))


def reading_day(period: Period, now: dt.datetime) -> dt.date | None:
    """The day a period's pace is read on: its last day once over, today while it runs; None before it begins."""
    day = min(period.end_date - dt.timedelta(days=1), timezone.localtime(now).date())
    return day if day >= period.start_date else None


class DaysBetween(Func):
    """Whole days from the second date to the first (``later - earlier``), on SQLite and PostgreSQL."""

    arity = 2
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(JULIANDAY(%(expressions)s) AS INTEGER)",
                           arg_joiner=") - JULIANDAY(", **extra)

    def as_sql(self, compiler: Any, connection: Any, function: Any = None, template: Any = None,
               arg_joiner: Any = None, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function=function,
                              template=template or "(CAST(%(expressions)s AS DATE))",
                              arg_joiner=arg_joiner or " AS DATE) - CAST(", **extra)


def _count_of(qs: QuerySet[Any], by: str) -> Coalesce:
    """COUNT of the rows of ``qs`` (already tied to the outer row) as a scalar subquery, 0 when none."""
    return Coalesce(Subquery(qs.order_by().values(by).annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


# ---------------------------------------------------------------- councils and seats


def councils(period: Period, now: dt.datetime) -> QuerySet[Council]:
    """Councils whose term ran during the period, each marked ``_superseded`` when a later term of the same
    organisation ran during the period too (an organisation counts once)."""
    later = Council.objects.filter(_standing(period, "term_starts_on", "term_ends_on"), org_id=OuterRef("org_id"),
                                   term_starts_on__gt=OuterRef("term_starts_on"))
    return (Council.objects.filter(_standing(period, "term_starts_on", "term_ends_on"))
            .annotate(_superseded=Exists(later)).select_related("org", "org__level"))


def _show_council(c: Any) -> Row:
    ends = f"至 {c.term_ends_on:%Y-%m-%d}" if c.term_ends_on else "起"
    return Row(c.name, reverse("cobuild:council_detail", args=[c.pk]),
               f"{c.org.name}，本届 {c.term_starts_on:%Y-%m-%d} {ends}")


def seats(period: Period, now: dt.datetime) -> QuerySet[CouncilMember]:
    """Seats held during the period on councils that ran during it; a unit's seat is marked ``_repeat`` when an
    earlier seat (by id) of the same unit on the same council was held during the period too."""
    held = _standing(period, "starts_on", "ends_on") & _standing(period, "council__term_starts_on",
                                                                 "council__term_ends_on")
    earlier = CouncilMember.objects.filter(held, council_id=OuterRef("council_id"), unit_id=OuterRef("unit_id"),
                                           seat=SeatKind.UNIT, pk__lt=OuterRef("pk"))
    return (CouncilMember.objects.filter(held).annotate(_repeat=Exists(earlier))
            .select_related("council", "unit"))


def _show_seat(m: Any) -> Row:
    where = f"{m.unit.name}，" if m.unit is not None else ""
    ends = f"，{m.ends_on:%Y-%m-%d} 离任" if m.ends_on else ""
    return Row(f"{m.name}（{m.council.name}）", reverse("cobuild:council_detail", args=[m.council_id]),
               f"{where}{m.post or m.council_post}，{m.get_rank_display()}，{m.starts_on:%Y-%m-%d} 任职{ends}")


# ---------------------------------------------------------------- agreements and items


def agreements(period: Period, now: dt.datetime) -> QuerySet[Agreement]:
    return (Agreement.objects.filter(period.q_dates("signed_on")).exclude(state=AgreementState.DRAFT)
            .select_related("org", "unit"))


def _show_agreement(a: Any) -> Row:
    return Row(a.title, reverse("cobuild:agreement", args=[a.pk]),
               f"{a.org.name} · {a.unit.name}，{a.signed_on:%Y-%m-%d} 签订，{a.get_state_display()}")


def items(period: Period, now: dt.datetime) -> QuerySet[AgreementItem]:
    """Items of the agreements signed in the period (``_claimed``) and items completed in it (``_done``)."""
    claimed = period.q_dates("agreement__signed_on") & ~Q(agreement__state=AgreementState.DRAFT)
    done = Q(state=ItemState.DONE) & period.q_dates("completed_on")
    return (AgreementItem.objects.filter(claimed | done).annotate(_claimed=flag(claimed), _done=flag(done))
            .select_related("agreement", "agreement__org", "agreement__unit"))


def _show_item(it: Any) -> Row:
    a = it.agreement
    state = (f"{it.completed_on:%Y-%m-%d} 完成" if it.state == ItemState.DONE and it.completed_on
             else f"{it.get_state_display()}，进度 {it.progress}%")
    solved = f"，解决问题 {it.problems_solved} 个" if it.problems_solved else ""
    return Row(it.title, reverse("cobuild:item", args=[it.pk]),
               f"{a.org.name} · {a.unit.name}，{it.get_kind_display()}，{state}{solved}")


# ---------------------------------------------------------------- pairings and activities


def pairings(period: Period, now: dt.datetime) -> QuerySet[Pairing]:
    """Pairings running at some time during the period, marked ``_running`` (running on the reading day) and
    ``_kept`` (running and keeping pace on it: required × elapsed days < (held + 1) × days in the year, which is
    ``held >= floor(required × elapsed / days)`` of ``pace.pace_of``)."""
    qs = Pairing.objects.filter(_standing(period, "starts_on", "ends_on")).select_related("org", "unit")
    day = reading_day(period, now)
    if day is None:
        return qs.annotate(_running=Value(False, output_field=BooleanField()),
                           _kept=Value(False, output_field=BooleanField()))
    jan1 = dt.date(day.year, 1, 1)
    days = 366 if calendar.isleap(day.year) else 365
    running = Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    held = _count_of(Activity.objects.filter(pairing_id=OuterRef("pk"), held_on__gte=jan1, held_on__lte=day),
                     "pairing_id")
    elapsed = DaysBetween(Value(day), Greatest(Value(jan1), F("starts_on"))) + 1
    return (qs.annotate(_held=held, _need=F("required_per_year") * elapsed)
            .annotate(_running=flag(running),
                      _kept=flag(running & Q(_need__lt=(F("_held") + 1) * days))))


def _show_pairing(p: Any) -> Row:
    partner = (f"{p.partner_region}{p.partner_name}" if p.partner_kind == PartnerKind.OUTSIDE
               else p.unit.name if p.unit is not None else "")
    ends = f"，{p.ends_on:%Y-%m-%d} 结束" if p.ends_on else ""
    return Row(f"{p.org.name} — {partner}", reverse("cobuild:pairing", args=[p.pk]),
               f"{p.get_partner_kind_display()}，{p.starts_on:%Y-%m-%d} 结对{ends}，"
               f"每年至少 {p.required_per_year} 次活动")


def activities(period: Period, now: dt.datetime) -> QuerySet[Activity]:
    return Activity.objects.filter(period.q_dates("held_on")).select_related("pairing", "pairing__org",
                                                                             "pairing__unit")


def _show_activity(a: Any) -> Row:
    p = a.pairing
    partner = p.unit.name if p.unit is not None else f"{p.partner_region}{p.partner_name}"
    return Row(f"{a.held_on:%Y-%m-%d} {a.get_kind_display()}", reverse("cobuild:pairing", args=[p.pk]),
               f"{p.org.name} — {partner}：{a.content[:40]}")


# ---------------------------------------------------------------- the three lists and matches


def needs(period: Period, now: dt.datetime) -> QuerySet[Need]:
    return Need.objects.filter(period.q("created_at")).select_related("org")


def _show_need(n: Any) -> Row:
    return Row(n.title, reverse("cobuild:need_detail", args=[n.pk]),
               f"{n.org.name}，{n.get_kind_display()}，{timezone.localtime(n.created_at):%Y-%m-%d} 登记，"
               f"{n.get_state_display()}")


def list_places(period: Period, now: dt.datetime) -> QuerySet[Org]:
    """The streets and communities where needs, resources or services were registered in the period, each with
    ``_needs``, ``_resources``, ``_services`` and their sum ``_entries``."""
    in_period = period.q("created_at")
    counts = {
        "_needs": _count_of(Need.objects.filter(in_period, org_path=OuterRef("path")), "org_path"),
        "_resources": _count_of(Resource.objects.filter(in_period, place_path=OuterRef("path")), "place_path"),
        "_services": _count_of(Service.objects.filter(in_period, org_path=OuterRef("path")), "org_path"),
    }
    return (Org.objects.filter(level__code__in=SIDE_LEVELS).annotate(**counts)
            .annotate(_entries=F("_needs") + F("_resources") + F("_services")).filter(_entries__gt=0))


def _show_place(org: Any) -> Row:
    return Row(org.name, reverse("cobuild:need_list") + f"?org={org.pk}",
               f"需求 {org._needs} 条、资源 {org._resources} 条、服务 {org._services} 条")


def matches(period: Period, now: dt.datetime) -> QuerySet[Match]:
    """Matches accepted in the period; ``_first``: the resource's first match ever (an idle resource put to use);
    ``_premises``: the resource's unit held a seat during the period on the council (大工委) of the street the
    need's community lies in."""
    earlier = Match.objects.filter(Q(accepted_at__lt=OuterRef("accepted_at"))
                                   | Q(accepted_at=OuterRef("accepted_at"), pk__lt=OuterRef("pk")),
                                   resource_id=OuterRef("resource_id"))
    member = (CouncilMember.objects
              .filter(_standing(period, "starts_on", "ends_on"),
                      _standing(period, "council__term_starts_on", "council__term_ends_on"),
                      unit_id=OuterRef("resource__unit_id"), seat=SeatKind.UNIT,
                      council__org__level__code__in=STREET_LEVELS)
              .filter(StartsWith(OuterRef("need__org_path"), F("council__org_path"))))
    return (Match.objects.filter(period.q("accepted_at"))
            .annotate(_first=~Exists(earlier), _premises=Exists(member))
            .select_related("need", "need__org", "resource", "resource__unit"))


def _show_match(m: Any) -> Row:
    r = m.resource
    unit = {ResourceKind.VENUE: "平方米", ResourceKind.FUNDS: "元"}.get(r.kind, "")
    amount = f"{m.quantity:,} {unit}" if unit else f"{m.quantity:,}"
    return Row(f"{r.title}（{r.unit.name}）", reverse("cobuild:resource_detail", args=[r.pk]),
               f"对接{m.need.org.name}“{m.need.title}”，{amount}，{timezone.localtime(m.accepted_at):%Y-%m-%d} 确认")


# ---------------------------------------------------------------- registration


def register() -> None:
    view = Perm.COBUILD_VIEW
    register_source("cobuild.council", councils, path="org_path", perm=view, show=_show_council,
                    label="个大工委/大党委")
    register_source("cobuild.council_member", seats, path="council__org_path", perm=view, show=_show_seat,
                    label="个委员席位")
    register_source("cobuild.agreement", agreements, path="org_path", perm=view, show=_show_agreement,
                    dated="signed_on", label="份认领书")
    register_source("cobuild.item", items, path="org_path", perm=view, show=_show_item, dated="completed_on",
                    label="个认领项目")
    register_source("cobuild.pairing", pairings, path="org_path", perm=view, show=_show_pairing, label="对结对")
    register_source("cobuild.activity", activities, path="pairing__org_path", perm=view, show=_show_activity,
                    dated="held_on", label="次共建活动")
    register_source("cobuild.need", needs, path="org_path", perm=view, show=_show_need, dated="created_at",
                    label="条需求")
    register_source("cobuild.list_place", list_places, path="path", perm=view, show=_show_place,
                    label="个街道/社区")
    register_source("cobuild.match", matches, path="need__org_path", perm=view, show=_show_match,
                    dated="accepted_at", label="项资源对接")

    def metric(code: str, label: str, order: int, help: str, **kw: Any) -> None:
        register_metric(f"{PANEL}.{code}", PANEL, label, order=order, help=help, **kw)

    new_term = Q(_superseded=False)
    metric("street_councils", "街道大工委", 10, "期间内在届的街道（乡）大工委；同一街道有两届的只计一次",
           source="cobuild.council", where=new_term & Q(org__level__code__in=STREET_LEVELS))
    metric("community_councils", "社区大党委", 20, "期间内在届的社区（村）大党委；同一社区有两届的只计一次",
           source="cobuild.council", where=new_term & Q(org__level__code__in=COMMUNITY_LEVELS))
    unit_seat = Q(seat=SeatKind.UNIT)
    metric("street_council_units", "大工委成员单位", 30, unit="家",
           help="期间内有负责人在街道大工委任兼职委员的驻区单位，每个大工委中一家单位计一次",
           source="cobuild.council_member",
           where=unit_seat & Q(_repeat=False, council__org__level__code__in=STREET_LEVELS))
    community_seat = unit_seat & Q(council__org__level__code__in=COMMUNITY_LEVELS)
    metric("community_council_units", "大党委单位委员", 40, unit="名",
           help="期间内在社区大党委任职的驻区单位负责人（按委员席位计）",
           source="cobuild.council_member", where=community_seat)
    metric("county_cadres", "其中市直县处级干部", 50, unit="人",
           help="社区大党委单位委员中，市直单位的县处级领导干部",
           source="cobuild.council_member", where=community_seat & Q(rank=Rank.COUNTY, unit__level=UnitLevel.CITY))
    metric("agreements", "签订认领书", 60, unit="份", headline=True,
           help="期间内签订的项目认领书（按签订日期，含已完成、已终止的，不含草拟）", source="cobuild.agreement")
    metric("items", "认领项目", 70, unit="项", help="期间内签订的认领书中的认领项目",
           source="cobuild.item", where=Q(_claimed=True))
    metric("items_done", "完成项目", 80, unit="项", help="期间内完成的认领项目（按完成日期）",
           source="cobuild.item", where=Q(_done=True))
    metric("problems_solved", "联动解决问题", 90, unit="件", sum_of="problems_solved",
           help="期间内完成的认领项目所解决的问题数之和（与单位履职情况的“解决问题”口径相同）",
           source="cobuild.item", where=Q(_done=True))
    metric("pairings", "结对共建", 100, unit="对", help="期间内处于结对状态的结对共建（含各类结对对象）",
           source="cobuild.pairing")
    metric("pairings_organs", "机关单位结对", 110, unit="对", help="期间内处于结对状态的机关单位党组织与社区结对",
           source="cobuild.pairing", where=Q(partner_kind=PartnerKind.UNIT, unit__type=UnitType.AGENCY))
    metric("pairings_nonpublic", "非公企业和社会组织结对", 120, unit="对",
           help="期间内处于结对状态的非公企业、社会组织党组织与社区结对", source="cobuild.pairing",
           where=Q(partner_kind=PartnerKind.UNIT,
                   unit__type__in=[UnitType.PRIVATE_ENTERPRISE, UnitType.SOCIAL]))
    metric("pairings_remote", "与苏浙沪等地先进社区结对", 130, unit="对",
           help="期间内处于结对状态的社区与外地先进社区结对", source="cobuild.pairing",
           where=Q(partner_kind=PartnerKind.OUTSIDE))
    metric("pairings_running", "统计日在结的结对", 140, unit="对",
           help="期间最后一天（本期未结束的为今天）仍在结对的结对共建", source="cobuild.pairing",
           where=Q(_running=True))
    metric("pairings_on_pace", "活动跟上进度的结对", 150, unit="对",
           help="统计日在结的结对中，今年已开展的共建活动不少于按天折算的应开展次数的（与结对预警同一规则）",
           source="cobuild.pairing", where=Q(_kept=True))
    metric("pairings_pace_rate", "结对活动达标率", 155,
           ratio=(f"{PANEL}.pairings_on_pace", f"{PANEL}.pairings_running"),
           help="活动跟上进度的结对占统计日在结结对的比例")
    metric("activities", "共建活动", 160, unit="次", help="期间内结对双方开展的共建活动", source="cobuild.activity")
    metric("needs", "登记需求", 170, unit="条", help="期间内列入需求清单的需求", source="cobuild.need")
    metric("needs_matched", "需求已对接", 180, unit="条", help="期间内登记的需求中，目前已全部对接的（状态为已对接）",
           source="cobuild.need", where=Q(state=NeedState.MATCHED))
    metric("needs_match_rate", "需求对接率", 185, ratio=(f"{PANEL}.needs_matched", f"{PANEL}.needs"),
           help="期间内登记的需求中已对接的比例")
    metric("list_entries", "清单条目", 190, unit="条", sum_of="_entries",
           help="期间内新建的需求清单、资源清单、服务清单条目之和（需求、服务按社区，资源按提供地点）",
           source="cobuild.list_place")
    metric("list_services", "服务清单条目", 195, unit="条", sum_of="_services",
           help="期间内社区新建的服务清单条目", source="cobuild.list_place")
    metric("matches", "资源对接", 200, unit="项", help="期间内确认的需求与资源对接（按需求所在社区）",
           source="cobuild.match")
    metric("idle_resources", "盘活闲置资源", 210, unit="处",
           help="期间内首次对接使用的闲置资源（原本闲置、经共建盘活的场地或设施）", source="cobuild.match",
           where=Q(_first=True, resource__idle=True))
    metric("funds_raised", "争取扶持资金", 220, unit="元", sum_of="quantity",
           help="期间内确认对接的资金类资源金额", source="cobuild.match", where=Q(resource__kind=ResourceKind.FUNDS))
    metric("venue_m2", "共享场地面积", 230, unit="平方米", sum_of="quantity",
           help="期间内确认对接的场地类资源面积", source="cobuild.match", where=Q(resource__kind=ResourceKind.VENUE))
    metric("space_m2", "大工委成员单位支持房产", 240, unit="平方米", sum_of="quantity",
           help="期间内确认对接的场地类资源中，提供单位当期在需求所在街道的大工委任兼职委员单位的面积",
           source="cobuild.match", where=Q(_premises=True, resource__kind=ResourceKind.VENUE))
