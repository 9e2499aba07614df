"""民情日记 in the demo district: "先锋社区 86 名党员中心户连续 13 年走记民情日记", and a live slice around today.

``build(district, seed, year)`` writes, from ``random.Random(seed)`` (never typed figures):

- 先锋社区's 86 central households keep their 民情日记 for the 13 years up to ``year`` (2006–2018): each month
  a few visits (1–4) by the household's head (the person holding the 中心户户主 post on it) to its linked
  households in turn — about 33,000 visits;
- every other central household of the district a sparser ``year`` (0–2 a month), the grid leaders now and then
  (a household of their grid) and some 双联双管 members registered with a community (a household there);
- about 1 visit in 15 raised a concern; most concerns carry a follow-up. A few dozen concerns of ``year``
  became demands through the real action (``do_raise_demand``, channel 民情日记, at the visit's simulated time),
  then were accepted and answered by the grid's leader within their deadlines and rated by the resident: a
  year that is over ends closed, so no overdue demand of years past.

Visits are written in one statement (``_insert``: history, nobody's audited writes; their creation time is the visit's
day). No points are written here: the points part reconciles ``year``'s ledger with the deed source.

``build_live(district, seed)`` adds the last three weeks: the ``household`` demo account records visits to its
central household's linked households through the real action (points awarded) — one with a concern still
waiting for a follow-up (its to-do), one turned into a demand the grid is handling — and 先锋社区's other central
households a few visits each (bulk, points awarded), so that every screen has something this month.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import LinkedHousehold, Org, Person, Post

from .models import Visit

HOME = "先锋社区"
TZ = ZoneInfo("Asia/Shanghai")
YEARS = 13
CONCERN_ONE_IN = 15
DEMANDS_HOME = 24  # concerns of 先锋社区 in ``year`` turned into demands
DEMANDS_ELSEWHERE = 12

CONCERNS = [
    "楼道垃圾堆积多日无人清理", "小区垃圾桶满溢，气味很大", "化粪池堵塞，污水外溢", "电梯经常停运，老人上下楼困难",
    "单元门禁坏了一个月没人修", "物业不处理楼顶漏水", "路灯不亮，晚上出行不安全", "人行道井盖松动",
    "道路坑洼，下雨积水", "电动车在楼道充电，存在隐患", "小区车位被外来车辆占用", "消防通道被私家车堵塞",
    "楼上漏水到我家，协商不成", "邻居占用公共楼道堆放杂物", "广场舞音响太吵影响休息", "夜间施工噪音扰民",
    "独居老人需要助餐服务", "高龄老人申请居家护理", "希望社区开设老年活动室", "私拉电线给电动车充电",
    "失业人员希望参加技能培训", "咨询灵活就业社保补贴", "咨询老旧小区改造进度", "希望社区多组织亲子活动",
]
FOLLOW_UPS = [
    "当场解释了相关政策，居民表示理解", "已转告网格长，第二天处理完毕", "已联系物业，问题已解决",
    "已向社区反映，列入近期工作安排", "回访时居民表示满意", "已帮助联系相关部门，正在处理",
    "已协调邻里双方，达成一致", "已帮居民登记，等候安排",
]
ANSWER = "网格长上门核实，已协调处理完毕。"


@contextlib.contextmanager
def _history() -> Iterator[None]:
    """Lets ``bulk_create`` keep the visit's own time as its creation time (``auto_now_add`` would stamp now)."""
    field = Visit._meta.get_field("created_at")
    field.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        field.auto_now_add = True  # type: ignore[attr-defined]


def _month_days(year: int, month: int) -> int:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


class _World:
    """The district's central households, their heads and linked households, grid leaders, registered members."""

    def __init__(self, district: Org) -> None:
        self.now = timezone.now()
        centrals = list(Org.objects.filter(path__startswith=district.path, level__code="household",
                                           kind=OrgKind.REGULAR).order_by("path").values_list("pk", "path"))
        self.central_path = dict(centrals)
        self.centrals = [pk for pk, _ in centrals]
        home = Org.objects.filter(path__startswith=district.path, name=HOME).values_list("path", flat=True).first()
        self.home_path = home or "-"
        self.head: dict[int, int] = {}
        for org_id, person_id in (Post.objects.filter(role=Role.HOUSEHOLD_HEAD, org_id__in=self.centrals,
                                                      ends_on__isnull=True)
                                  .order_by("starts_on", "pk").values_list("org_id", "person_id")):
            self.head.setdefault(org_id, person_id)
        self.linked: dict[int, list[int]] = defaultdict(list)
        for pk, central_id in (LinkedHousehold.objects.filter(central_id__in=self.centrals).order_by("pk")
                               .values_list("pk", "central_id")):
            self.linked[central_id].append(pk)

    def in_subtree(self, path: str) -> list[int]:
        return [pk for pk in self.centrals if self.central_path[pk].startswith(path) and self.linked[pk]]


COLUMNS = ("household_id", "central_id", "org_path", "visitor_id", "visited_on", "raised", "follow_up", "created_at")


def _row(w: _World, rng: random.Random, central: int, household: int, visitor: int, day: dt.date,
         *, concern_one_in: int = CONCERN_ONE_IN) -> tuple[Any, ...]:
    """One visit as the values of ``COLUMNS`` (no model instance: tens of thousands are written at once)."""
    raised = follow_up = ""
    if rng.randrange(concern_one_in) == 0:
        raised = rng.choice(CONCERNS)
        follow_up = rng.choice(FOLLOW_UPS) if rng.random() < 0.9 else ""
    at = min(dt.datetime(day.year, day.month, day.day, rng.randint(15, 21), rng.randint(0, 59), tzinfo=TZ), w.now)
    return (household, central, w.central_path[central], visitor, day, raised, follow_up, at)


def _visit(w: _World, rng: random.Random, central: int, household: int, visitor: int, day: dt.date) -> Visit:
    return Visit(**dict(zip(COLUMNS, _row(w, rng, central, household, visitor, day), strict=True)))


def _insert(rows: list[tuple[Any, ...]]) -> None:
    """Writes the visits in one statement: PostgreSQL's COPY (``core.bulk``), else one executemany."""
    from django.db import connection

    table = Visit._meta.db_table
    if connection.vendor == "postgresql":
        from zongheng.core.bulk import _copy

        _copy(table, COLUMNS, rows)
        return
    ops = connection.ops
    qn = ops.quote_name
    sql = (f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in COLUMNS)}) "  # noqa: S608 - the model's own names
           f"VALUES ({', '.join(['%s'] * len(COLUMNS))})")
    adapted = [(*r[:4], ops.adapt_datefield_value(r[4]), r[5], r[6], ops.adapt_datetimefield_value(r[7]))
               for r in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)


def _diary(w: _World, rng: random.Random, centrals: list[int], years: range, per_month: list[int],
           last: dt.date) -> list[tuple[Any, ...]]:
    """Each central household's head visits its linked households in turn, ``per_month`` (a choice) a month."""
    rows: list[tuple[Any, ...]] = []
    for central in centrals:
        head = w.head.get(central)
        if head is None:
            continue
        households = w.linked[central]
        turn = rng.randrange(len(households))
        for year in years:
            for month in range(1, 13):
                for _ in range(rng.choice(per_month)):
                    day = dt.date(year, month, rng.randint(1, _month_days(year, month)))
                    if day > last:
                        continue
                    rows.append(_row(w, rng, central, households[turn % len(households)], head, day))
                    turn += 1
    return rows


def _others(w: _World, rng: random.Random, district: Org, year: int, last: dt.date) -> list[tuple[Any, ...]]:
    """Grid leaders now and then (a household of their grid), and some registered members (one of their
    community's)."""
    rows: list[tuple[Any, ...]] = []
    leaders = (Post.objects.filter(role=Role.GRID_LEADER, org__path__startswith=district.path, ends_on__isnull=True)
               .order_by("org__path", "pk").values_list("person_id", "org__path"))
    for person_id, path in leaders:
        centrals = w.in_subtree(path)
        for month in range(1, 13):
            if not centrals or rng.random() < 0.5:
                continue
            central = rng.choice(centrals)
            day = dt.date(year, month, rng.randint(1, _month_days(year, month)))
            if day <= last:
                rows.append(_row(w, rng, central, rng.choice(w.linked[central]), person_id, day))
    registered = (Person.objects.filter(registered_path__startswith=district.path, is_party_member=True)
                  .exclude(registered_path="").order_by("pk").values_list("pk", "registered_path"))
    for person_id, path in registered:
        if rng.random() >= 0.15:
            continue
        centrals = w.in_subtree(path)
        for _ in range(rng.randint(1, 3) if centrals else 0):
            central = rng.choice(centrals)
            month = rng.randint(1, 12)
            day = dt.date(year, month, rng.randint(1, _month_days(year, month)))
            if day <= last:
                rows.append(_row(w, rng, central, rng.choice(w.linked[central]), person_id, day))
    return rows


def _demands(w: _World, rng: random.Random, district: Org, year: int, log: Callable[[str], None]) -> int:
    """A few dozen of ``year``'s concerns become demands through the real action, at the visit's time, and are
    handled to their close: accepted and answered by the grid's leader in time, rated by the resident."""
    from django.test.utils import override_settings

    from zongheng.demands import actions as demand_actions
    from zongheng.demands.demo import account_of, simulated_clock

    from .actions_visits import do_raise_demand

    concerns = (Visit.objects.filter(org_path__startswith=district.path, visited_on__year=year, demand__isnull=True)
                .exclude(raised="").select_related("household", "central").order_by("visited_on", "pk"))
    home = [v for v in concerns if v.org_path.startswith(w.home_path)]
    elsewhere = [v for v in concerns if not v.org_path.startswith(w.home_path)]
    chosen = rng.sample(home, min(DEMANDS_HOME, len(home))) + rng.sample(elsewhere, min(DEMANDS_ELSEWHERE,
                                                                                         len(elsewhere)))
    chosen.sort(key=lambda v: (v.visited_on, v.pk))
    grid_leaders = {path: person for path, person in (
        Post.objects.filter(role=Role.GRID_LEADER, org__path__startswith=district.path, ends_on__isnull=True)
        .order_by("-starts_on", "pk").values_list("org__path", "person_id"))}
    people = Person.objects.in_bulk({*(v.visitor_id for v in chosen), *grid_leaders.values()})
    clock = [timezone.now()]
    made = 0
    with override_settings(SMS_BACKEND="zongheng.demands.demo.quiet_sms"), simulated_clock(clock):
        for visit in chosen:
            at = timezone.make_aware(dt.datetime.combine(visit.visited_on, dt.time(rng.randint(9, 16),
                                                                                   rng.randint(0, 59))))
            clock[0] = at
            visit, code = do_raise_demand(account_of(people[visit.visitor_id]), visit)
            demand = visit.demand
            assert demand is not None  # noqa: S101 - just raised
            leader = grid_leaders.get(demand.grid_path)
            if leader is None:
                continue
            handler = account_of(people[leader])
            accepted = at + (demand.response_due_at - at) * rng.uniform(0.1, 0.6)
            clock[0] = accepted
            demand = demand_actions.do_accept(handler, demand, now=accepted)
            answered = accepted + (demand.resolution_due_at - accepted) * rng.uniform(0.2, 0.7)
            clock[0] = answered
            demand = demand_actions.do_answer(handler, demand, ANSWER, now=answered)
            rated = answered + dt.timedelta(hours=rng.uniform(2, 48))
            clock[0] = rated
            demand_actions.do_rate(code, rng.choice([5, 5, 5, 4, 4, 3]), "满意", now=rated)
            Visit.objects.filter(pk=visit.pk).update(follow_up=f"已转为居民诉求 {demand.ref}，网格已办结，居民满意")
            made += 1
    log(f"民情日记反映的情况转为居民诉求 {made} 件（均已办结）")
    return made


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> int:
    """``year``'s 民情日记 for ``district`` (先锋社区: the 13 years up to it). Returns how many visits."""
    log = log or (lambda _msg: None)
    rng = random.Random(seed * 1_000_003 + 10)
    w = _World(district)
    last = min(dt.date(year, 12, 31), timezone.localdate())
    home = w.in_subtree(w.home_path)
    others = [pk for pk in w.in_subtree(district.path) if pk not in set(home)]
    with transaction.atomic():
        rows = _diary(w, rng, home, range(year - YEARS + 1, year + 1), [1, 2, 2, 3, 3, 4], last)
        n_home = len(rows)
        rows += _diary(w, rng, others, range(year, year + 1), [0, 0, 1, 1, 1, 2], last)
        rows += _others(w, rng, district, year, last)
        _insert(rows)
        log(f"民情日记 {len(rows)} 条（{HOME} {len(home)} 个中心户 {YEARS} 年 {n_home} 条）")
        _demands(w, rng, district, year, log)
    return len(rows)


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> int:
    """The last three weeks: the ``household`` demo account's visits through the real action (one concern waiting
    for a follow-up, one turned into a demand), 先锋社区's other central households a few visits each."""
    from zongheng.accounts.models import User

    from . import points
    from .actions_visits import do_record_visit
    from .choices import Deed

    log = log or (lambda _msg: None)
    today = today or timezone.localdate()
    rng = random.Random(seed * 7 + today.toordinal())
    w = _World(district)
    made = 0
    with transaction.atomic():
        user = User.objects.filter(username="household", person__isnull=False).first()
        own = (Post.objects.filter(person_id=user.person_id or 0, role=Role.HOUSEHOLD_HEAD, ends_on__isnull=True,
                                   org__path__startswith=district.path).values_list("org_id", flat=True).first()
               if user is not None else None)
        if user is not None and own is not None and w.linked[own]:
            households = LinkedHousehold.objects.in_bulk(w.linked[own])
            order = w.linked[own]
            plan = [(19, "", "了解家庭近况，一切安好", False),
                    (15, "楼道灯坏了，晚上上下楼看不清", "已报物业，当天修好", False),
                    (11, "", "", False), (7, "小区门口人行道井盖松动，老人担心绊倒", "", True), (4, "", "", False),
                    (1, "家里老人想申请居家养老上门服务，不知道怎么办", "", False)]
            for i, (days, raised, follow_up, demand) in enumerate(plan):
                do_record_visit(user, {"household": households[order[i % len(order)]],
                                       "visited_on": today - dt.timedelta(days=days), "raised": raised,
                                       "follow_up": follow_up, "raise_demand": demand}, today=today)
                made += 1
        rows = []
        for central in w.in_subtree(w.home_path):
            head = w.head.get(central)
            if head is None or central == own:
                continue
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                day = today - dt.timedelta(days=rng.randrange(21))
                rows.append(_visit(w, rng, central, rng.choice(w.linked[central]), head, day))
        with _history():
            rows = Visit.objects.bulk_create(rows, batch_size=2000)
        for v in rows:
            points.award(v.visitor_id, Deed.VISIT, f"visit:{v.pk}", v.visited_on)
        made += len(rows)
    log(f"近三周民情日记 {made} 条")
    return made
