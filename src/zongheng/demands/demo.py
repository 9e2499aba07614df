"""A year of 民心零距离 demands for the demo district (迎江区, 2018), built through the real actions.

"2018年集中办理民情事项900多件": a scale-1 build receives about 1,000 demands over the year, of
which a bit more than 900 are handled (closed); the others were rejected, merged into a
duplicate, or are still open on 31 December. Each community and village gets a 民心驿站; a
third of the communities hold 每月一听 every month.

The year is simulated in time order (one event queue): residents submit (web, stations, phone,
listening sessions; in and out of office hours), grid leaders accept and answer within or past
their deadlines, the escalation sweep runs every two hours of simulated time and moves overdue
demands up the tree, streets blow the whistle and summoned units report back, residents rate
(mostly satisfied), reopen or never rate (rating timeout), communities reject and merge. Every
step is a real ``do_*`` action with its simulated time, so history, deadlines, escalations,
notifications and audit rows are real. Actions that take no ``now=`` read the simulated clock
(``actions.timezone`` is swapped for the build only). Audit rows carry the real build time.

The same seed gives the same demands, statuses and history. At scale > 1 only the first
district copy (迎江区) gets demands.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import random
import types
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Post

from . import actions, tasks
from .choices import Channel, Status, Urgency
from .models import Category, Demand, DemandEvent, ListeningSession, Notification, Station, Summons

TZ = ZoneInfo("Asia/Shanghai")
TOTAL = 1000  # received in the year at scale 1; ~93% end handled ("900多件")
SWEEP_EVERY = dt.timedelta(hours=2)
RATING_WINDOW_DAYS = [7, 7]  # settings.DEMAND_RATING_DAYS, DEMAND_REOPEN_DAYS (read at build time)

CATEGORY_WEIGHTS = {
    "sanitation": 20, "property": 16, "municipal": 14, "parking": 11, "neighbour": 10, "noise": 8,
    "elderly": 8, "safety": 6, "employment": 4, "other": 3,
}
CHANNEL_WEIGHTS = {Channel.WEB: 38, Channel.STATION: 26, Channel.PHONE: 20, Channel.LISTENING: 16}
URGENCY_WEIGHTS = {Urgency.NORMAL: 82, Urgency.COMPLEX: 11, Urgency.URGENT: 7}
RATING_WEIGHTS = {5: 62, 4: 24, 3: 7, 2: 4, 1: 3}
# More demands in summer (noise, sanitation) and fewer around the Spring Festival.
MONTH_WEIGHTS = [6, 5, 8, 8, 9, 10, 11, 10, 9, 8, 8, 8]

TEXTS: dict[str, list[str]] = {
    "sanitation": ["楼道垃圾堆积多日无人清理", "小区垃圾桶满溢，气味很大", "化粪池堵塞，污水外溢", "绿化带里有建筑垃圾",
                   "菜市场门口污水横流"],
    "property": ["电梯经常停运，老人上下楼困难", "单元门禁坏了一个月没人修", "物业不处理楼顶漏水",
                 "小区保安夜间不在岗", "物业费收支不公开"],
    "municipal": ["路灯不亮，晚上出行不安全", "人行道井盖松动", "道路坑洼，下雨积水", "自来水发黄",
                  "下水道返味"],
    "parking": ["电动车在楼道充电，存在隐患", "小区车位被外来车辆占用", "消防通道被私家车堵塞", "路边乱停车影响通行"],
    "neighbour": ["楼上漏水到我家，协商不成", "邻居占用公共楼道堆放杂物", "楼下商户油烟影响居民"],
    "noise": ["广场舞音响太吵影响休息", "夜间施工噪音扰民", "楼下KTV深夜噪音"],
    "elderly": ["独居老人需要助餐服务", "高龄老人申请居家护理", "希望社区开设老年活动室"],
    "safety": ["私拉电线给电动车充电", "老旧房屋外墙有坠落危险", "小区消防栓没有水"],
    "employment": ["失业人员希望参加技能培训", "咨询灵活就业社保补贴", "希望推荐附近的工作岗位"],
    "other": ["希望社区多组织亲子活动", "咨询老旧小区改造进度", "建议增设便民服务点"],
}
ANSWERS = {
    "sanitation": "已联系保洁公司当天清理完毕，并安排每日巡查。",
    "property": "已约谈物业公司，维修完成，物业承诺限期整改。",
    "municipal": "已报城管和市政部门，设施已修复。",
    "parking": "已协调物业和交警，划定停车区域并清理占道车辆。",
    "neighbour": "网格长上门调解，双方达成一致。",
    "noise": "已与相关方沟通，调整活动时间并降低音量。",
    "elderly": "已登记并安排志愿者和助餐服务。",
    "safety": "已现场排查，隐患已消除。",
    "employment": "已推荐参加街道技能培训，并提供岗位信息。",
    "other": "已记录建议，纳入社区年度工作安排。",
}
REOPEN_REASONS = ["问题没有彻底解决", "答复和实际情况不符", "过了几天又出现同样的问题"]
REJECT_REASONS = ["属于法院诉讼事项，请通过司法途径解决", "属于商业纠纷，不在平台受理范围",
                  "属于个人私事，不在平台受理范围"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"


SETTLE = dt.timedelta(days=45)


@dataclass
class Built:
    """What the demands demo created (direct counts)."""

    stations: int = 0
    sessions: int = 0
    demands: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    escalations: int = 0
    whistles: int = 0
    reopens: int = 0
    rating_timeouts: int = 0


@dataclass
class _Plan:
    at: dt.datetime
    grid: Org
    category: Category
    urgency: str
    channel: str
    phone: str
    contact: str
    station: Station | None = None
    session: ListeningSession | None = None
    late_response: bool = False
    late_answer: bool = False
    outcome: str = "handle"  # handle, reject, merge, whistle
    rating: int | None = None  # None: the resident never rates
    reopen: bool = False
    demand: Any = None  # the Demand once submitted
    code: str = ""
    index: int = 0
    unplaced: bool = False  # the resident chose "我不清楚": the community receives it and assigns it


@contextlib.contextmanager
def simulated_clock(clock: list[dt.datetime]) -> Iterator[None]:
    """Actions read ``clock[0]`` as the current time for the duration of the block."""
    real = actions.timezone
    actions.timezone = types.SimpleNamespace(  # type: ignore[assignment]
        now=lambda: clock[0], get_current_timezone=timezone.get_current_timezone)
    try:
        yield
    finally:
        actions.timezone = real  # type: ignore[assignment]


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Sim:
    def __init__(self, district: Org, seed: int, year: int, count: int, log: Callable[[str], None]) -> None:
        self.rng = random.Random(seed * 7919 + year)
        self.district, self.year, self.count, self.log = district, year, count, log
        self.start = dt.datetime(year, 1, 1, tzinfo=TZ)
        self.end = dt.datetime(year + 1, 1, 1, tzinfo=TZ)
        # Demands received in December are still handled in the new year: the simulation runs on
        # (no new demands) so that the year's items are settled, as the article's 900+ handled.
        self.settle = self.end + SETTLE
        self.clock = [self.start]
        self.queue: list[tuple[dt.datetime, int, str, int, int]] = []
        self.seq = 0
        self.users: dict[int, Any] = {}
        self.deadlines: list[dt.datetime] = []  # a heap: times at which the sweep may find work
        self.plans: list[_Plan] = []
        below = Org.objects.filter(path__startswith=district.path, kind=OrgKind.REGULAR).select_related("level")
        self.orgs = {o.path: o for o in below}
        self.grids = sorted((o for o in self.orgs.values() if o.level.code == "grid"), key=lambda o: o.path)
        self.units = sorted((o for o in self.orgs.values() if o.level.code in ("community", "village")),
                            key=lambda o: o.path)
        self.functional = sorted(Org.objects.filter(path__startswith=district.path, kind=OrgKind.FUNCTIONAL),
                                 key=lambda o: o.path)
        self.categories = {c.code: c for c in Category.objects.all()}
        posts = (Post.objects.active().filter(org__path__startswith=district.path,
                                              role__in=[Role.SECRETARY, Role.GRID_LEADER, Role.ORG_DEPT])
                 .select_related("person").order_by("org__path", "pk"))
        self.holder_person: dict[int, Any] = {}
        for post in posts:
            self.holder_person.setdefault(post.org_id, post.person)

    # ---------------------------------------------------------------- people who act

    def user_at(self, org: Org) -> Any:
        """The account of the person holding ``org`` (grid leader, secretary, or the district's 组织部 cadre)."""
        person = self.holder_person.get(org.pk)
        if person is None:
            return None
        if person.pk not in self.users:
            self.users[person.pk] = account_of(person)
        return self.users[person.pk]

    def parent(self, org: Org) -> Org:
        return self.orgs.get(org.path[: -Org.steplen], org)

    # ---------------------------------------------------------------- places and sessions

    def session(self, unit: Org, day: dt.date, secretary: Any) -> ListeningSession:
        """One 每月一听 of ``unit`` on ``day`` (unsaved)."""
        return ListeningSession(
            org=unit, held_on=day, place=f"{unit.name}党群服务中心会议室",
            attendees=f"社区党委书记、网格长、居民代表{self.rng.randint(8, 30)}人",
            summary="听取居民对小区环境、物业、停车等问题的意见，现场登记诉求。", created_by=secretary)

    def places(self) -> tuple[list[Station], list[ListeningSession]]:
        rng = self.rng
        stations = Station.objects.bulk_create([
            Station(org=u, name=f"{u.name}民心驿站",
                    address=f"{u.name.removesuffix('社区').removesuffix('村')}党群服务中心一楼")
            for u in self.units
        ])
        communities = [u for u in self.units if u.level.code == "community"]
        listening = sorted(rng.sample(communities, max(1, len(communities) // 3)), key=lambda o: o.path)
        sessions = []
        for unit in listening:
            secretary = self.user_at(unit)
            if secretary is None:
                continue
            for month in range(1, 13):
                day = dt.date(self.year, month, rng.randint(8, 24))
                while day.weekday() >= 5:
                    day += dt.timedelta(days=1)
                sessions.append(self.session(unit, day, secretary))
        return stations, ListeningSession.objects.bulk_create(sessions)

    # ---------------------------------------------------------------- the year's demands, planned

    def received_at(self) -> dt.datetime:
        rng = self.rng
        month = rng.choices(range(1, 13), weights=MONTH_WEIGHTS)[0]
        first = dt.date(self.year, month, 1)
        days = ((first.replace(month=month % 12 + 1, year=self.year + month // 12)) - first).days
        day = first + dt.timedelta(days=rng.randrange(days))
        if day.weekday() < 5 and rng.random() < 0.72:  # office hours
            minute = rng.randint(8 * 60 + 30, 17 * 60 + 20)
        else:  # evenings, nights and weekends (the web form never closes)
            minute = rng.choice([rng.randint(6 * 60, 8 * 60 + 29), rng.randint(17 * 60 + 31, 23 * 60 + 50)])
        return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randint(0, 59), tzinfo=TZ)

    def plan(self, stations: list[Station], sessions: list[ListeningSession]) -> None:
        rng = self.rng
        station_of = {s.org_id: s for s in stations}
        grids_of: dict[str, list[Org]] = {}
        for g in self.grids:
            grids_of.setdefault(g.path[: -Org.steplen], []).append(g)
        weights = [2 if self.parent(g).level.code == "community" else 1 for g in self.grids]
        for _ in range(self.count):
            channel = _pick(rng, CHANNEL_WEIGHTS)
            session = None
            if channel == Channel.LISTENING and sessions:
                session = rng.choice(sessions)
                grid = rng.choice(grids_of[session.org.path])
                minute = rng.randint(9 * 60 + 30, 11 * 60 + 30)
                at = dt.datetime.combine(session.held_on, dt.time(minute // 60, minute % 60), tzinfo=TZ)
            else:
                channel = Channel.WEB if channel == Channel.LISTENING else channel
                grid = rng.choices(self.grids, weights=weights)[0]
                at = self.received_at()
                if channel != Channel.WEB and (at.weekday() >= 5 or not 8 <= at.hour < 17):
                    at = at.replace(hour=rng.randint(9, 16))  # stations and phones answer in office hours
            category = self.categories[_pick(rng, CATEGORY_WEIGHTS)]
            urgency = _pick(rng, URGENCY_WEIGHTS)
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.6 else ""
            contact = rng.choice(SURNAMES) + rng.choice(["先生", "女士", "阿姨", "师傅"])
            x = rng.random()
            outcome = "reject" if x < 0.03 else "merge" if x < 0.05 else "whistle" if x < 0.08 else "handle"
            rating = None if rng.random() < 0.08 else _pick(rng, RATING_WEIGHTS)
            plan = _Plan(at=at, grid=grid, category=category, urgency=urgency, channel=channel, phone=phone,
                         contact=contact, station=station_of.get(self.parent(grid).pk) if channel == Channel.STATION
                         else None, session=session, late_response=rng.random() < 0.09,
                         late_answer=rng.random() < 0.06, outcome=outcome, rating=rating,
                         reopen=rating is not None and rating < 3 and rng.random() < 0.7)
            self.plans.append(plan)
        # Duplicates: a neighbour reports the same problem a few hours after someone else.
        originals = [p for p in self.plans if p.outcome != "merge"]
        for p in self.plans:
            if p.outcome == "merge" and originals:
                first = rng.choice(originals)
                p.grid, p.category, p.session, p.station = first.grid, first.category, None, None
                p.channel = Channel.WEB if p.channel == Channel.LISTENING else p.channel
                p.at = first.at + dt.timedelta(hours=rng.uniform(1, 30))
        self.plans.sort(key=lambda p: p.at)
        for i, p in enumerate(self.plans):
            p.index = i
            self.push(p.at, "submit", p)

    # ---------------------------------------------------------------- simulation

    def push(self, at: dt.datetime, kind: str, plan: _Plan | None, arg: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, kind, plan.index if plan else -1, arg))

    def run(self) -> None:
        when = self.start + SWEEP_EVERY
        while when < self.settle:
            self.push(when, "sweep", None)
            when += SWEEP_EVERY
        while self.queue:
            at, _seq, kind, index, arg = heapq.heappop(self.queue)
            if at >= self.settle:
                break
            self.clock[0] = at
            if kind == "sweep":
                self.sweep(at)
                continue
            plan = self.plans[index]
            try:
                if kind == "report":
                    self.on_report(arg)
                else:
                    getattr(self, f"on_{kind}")(plan, at)
            except ActionError:
                pass  # the world moved on (merged, closed, past a window): this step no longer applies
            if plan.demand is not None:
                self.note(plan.demand)

    def note(self, d: Demand) -> None:
        """Remember when ``d`` may next be overdue or time out, so that the sweep runs then."""
        for when in (d.response_due_at, d.resolution_due_at):
            heapq.heappush(self.deadlines, when)
        if d.answered_at:
            heapq.heappush(self.deadlines, d.answered_at + dt.timedelta(days=RATING_WINDOW_DAYS[0]))
            heapq.heappush(self.deadlines, d.answered_at + dt.timedelta(days=RATING_WINDOW_DAYS[1]))

    def sweep(self, at: dt.datetime) -> None:
        """The two-hourly sweep. It only has work when some deadline passed since the last one, so
        the runs in between (no-ops) are skipped: the outcome is the same as running every one."""
        due = False
        while self.deadlines and self.deadlines[0] < at:
            heapq.heappop(self.deadlines)
            due = True
        if not due:
            return
        if tasks.sweep(at).escalated:
            escalated = list(Demand.objects.filter(events__action="escalate", events__at=at))
            for d in escalated:
                self.note(d)
            self.take_up(escalated, at)

    def take_up(self, escalated: list[Demand], at: dt.datetime) -> None:
        """The year settles: the level a demand was escalated to takes it up within hours (a step
        planned for the old holder no longer applies). The live slice leaves them waiting."""
        ids = {d.pk for d in escalated}
        for plan in self.plans:
            if plan.demand is not None and plan.demand.pk in ids:
                self.push(self.later(at, 0.5, 3), "work", plan)

    def later(self, at: dt.datetime, low: float, high: float) -> dt.datetime:
        """``at`` plus a random number of hours in [low, high]."""
        return at + dt.timedelta(hours=self.rng.uniform(low, high))

    def on_submit(self, p: _Plan, at: dt.datetime) -> None:
        entered_by = self.user_at(p.grid) if p.channel in (Channel.STATION, Channel.PHONE, Channel.LISTENING) else None
        text = self.rng.choice(TEXTS[p.category.code])
        estate = self.parent(p.grid).name.removesuffix("社区").removesuffix("村")
        p.demand, p.code = actions.do_submit_demand(entered_by, {
            "channel": p.channel, "category": p.category, "urgency": p.urgency, "description": text,
            "address": f"{estate}小区{self.rng.randint(1, 40)}栋", "grid": p.grid, "phone": p.phone,
            "contact_name": p.contact, "station": p.station, "listening_session": p.session,
        }, now=at)
        if p.outcome == "reject":
            self.push(self.later(at, 0.5, 6), "reject", p)
        elif p.outcome == "merge":
            self.push(self.later(at, 0.5, 4), "merge", p)
        else:
            self.push(self.respond_at(p, at), "work", p)

    def respond_at(self, p: _Plan, at: dt.datetime) -> dt.datetime:
        due = p.demand.response_due_at
        if p.late_response:
            p.late_response = False  # late once
            return due + dt.timedelta(hours=self.rng.uniform(0.5, 30))
        return at + (due - at) * self.rng.uniform(0.05, 0.9)

    def on_work(self, p: _Plan, at: dt.datetime) -> None:
        """The holder takes the next step: accept, (start,) whistle, answer."""
        d = Demand.objects.select_related("org").get(pk=p.demand.pk)
        p.demand = d
        user = self.user_at(d.org) or self.user_at(self.parent(d.org))
        index = p
        if user is None or not d.is_open:
            return
        if d.status == Status.ASSIGNED:
            p.demand = actions.do_accept(user, d, now=at)
            if p.outcome == "whistle":
                self.push(self.later(at, 2, 20), "whistle", index)
            else:
                self.push(self.answer_at(p, at), "work", index)
            if self.rng.random() < 0.5:
                actions.do_start(user, d, note="已到现场查看")
        elif d.status in (Status.ACCEPTED, Status.IN_PROGRESS):
            p.demand = actions.do_answer(user, d, ANSWERS[p.category.code], now=at)
            if p.rating is not None:
                self.push(self.later(at, 1, 24 * 5), "rate", index)

    def answer_at(self, p: _Plan, at: dt.datetime) -> dt.datetime:
        due = p.demand.resolution_due_at
        if p.late_answer:
            p.late_answer = False
            return due + dt.timedelta(hours=self.rng.uniform(1, 48))
        return at + (due - at) * self.rng.uniform(0.1, 0.85)

    def on_whistle(self, p: _Plan, at: dt.datetime) -> None:
        d = Demand.objects.get(pk=p.demand.pk)
        street = self.orgs[d.grid_path[: (self.district.depth + 1) * Org.steplen]]
        user = self.user_at(street)
        p.outcome = "handle"  # once
        self.push(self.later(at, 50, 120), "work", p)
        if user is None or d.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
            return
        community = self.parent(d.grid)
        units = [o for o in self.functional if o.path.startswith(street.path)] or [
            u for u in self.units if u.path.startswith(street.path) and u != community]
        summoned = [community, *self.rng.sample(units, min(len(units), self.rng.randint(1, 2)))]
        summons = actions.do_whistle(user, d, summoned, note="多部门联合处置")
        for s in summons:
            self.push(self.later(at, 4, 48), "report", p, s.pk)

    def on_report(self, pk: int) -> None:
        summons = Summons.objects.select_related("org").get(pk=pk)
        user = self.user_at(summons.org)
        if user is not None:
            actions.do_report(user, summons, "已派人到场，配合完成处置")

    def on_rate(self, p: _Plan, at: dt.datetime) -> None:
        if p.rating is None:
            return
        actions.do_rate(p.code, p.rating, "满意" if p.rating >= 3 else "不太满意", now=at)
        if p.reopen:
            p.reopen, p.rating = False, _pick(self.rng, {5: 6, 4: 3, 3: 1})
            self.push(self.later(at, 1, 48), "reopen", p)

    def on_reopen(self, p: _Plan, at: dt.datetime) -> None:
        p.demand = actions.do_reopen(p.code, self.rng.choice(REOPEN_REASONS), now=at)
        self.push(self.respond_at(p, at), "work", p)

    def on_reject(self, p: _Plan, at: dt.datetime) -> None:
        d = Demand.objects.select_related("org").get(pk=p.demand.pk)
        user = self.user_at(self.parent(d.grid))
        actions.do_reject(user, d, self.rng.choice(REJECT_REASONS))

    def on_merge(self, p: _Plan, at: dt.datetime) -> None:
        d = Demand.objects.get(pk=p.demand.pk)
        into = (Demand.objects.filter(grid=d.grid, status__in=[Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS],
                                      received_at__lt=d.received_at).exclude(pk=d.pk).order_by("-received_at").first())
        if into is None:  # no duplicate to merge into: handled like any other
            p.outcome = "handle"
            self.push(self.respond_at(p, at), "work", p)
            return
        actions.do_merge(self.user_at(self.parent(d.grid)), d, into)


def _windows() -> tuple[int, int]:
    from django.conf import settings

    return settings.DEMAND_RATING_DAYS, settings.DEMAND_REOPEN_DAYS


def _simulate(sim: _Sim, after: Callable[[], None] = lambda: None) -> tuple[list[Station], list[ListeningSession]]:
    """Runs ``sim`` in one transaction on its simulated clock, then ``after`` in the same transaction.
    SMS to invented residents go nowhere; the override must outlive the commit (SMS are sent on commit)."""
    RATING_WINDOW_DAYS[:] = _windows()
    with override_settings(SMS_BACKEND="zongheng.demands.demo.quiet_sms"), transaction.atomic(), \
            simulated_clock(sim.clock):
        stations, sessions = sim.places()
        sim.plan(stations, sessions)
        sim.run()
        after()
    return stations, sessions


def build(district: Org, *, seed: int = 2018, year: int = 2018, count: int | None = None,
          log: Callable[[str], None] | None = None) -> Built:
    """A year of demands for ``district`` (``count`` received; default about 1,000), in one transaction."""
    log = log or (lambda _msg: None)
    sim = _Sim(district, seed, year, TOTAL if count is None else count, log)

    def read_finished() -> None:  # notifications of a finished year are read; those of open demands wait
        Notification.objects.filter(demand__grid_path__startswith=district.path).exclude(
            demand__status__in=[Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS]).update(read_at=sim.settle)

    stations, sessions = _simulate(sim, read_finished)
    demands = Demand.objects.filter(grid_path__startswith=district.path)
    built = Built(stations=len(stations), sessions=len(sessions), demands=demands.count())
    built.statuses = dict(Counter(demands.values_list("status", flat=True)))
    built.escalations = sum(demands.values_list("escalations", flat=True))
    built.reopens = sum(demands.values_list("reopens", flat=True))
    events = DemandEvent.objects.filter(demand__grid_path__startswith=district.path)
    built.whistles = events.filter(action="whistle").count()
    built.rating_timeouts = events.filter(action="rating_timeout").count()
    log(f"诉求 {built.demands} 件（办结 {built.statuses.get(Status.CLOSED, 0)} 件），"
        f"民心驿站 {built.stations} 个，每月一听 {built.sessions} 场")
    return built


def summary(now: dt.datetime | None = None) -> list[str]:
    """The demo's demands, counted from the records (for the login page in demo mode)."""
    now = now or timezone.now()
    first = Demand.objects.dates("received_at", "year").first()
    lines = []
    if first is not None:
        year = Demand.objects.filter(received_at__year=first.year)
        lines.append(f"{first.year} 年全年的居民诉求 {year.count():,} 件（案例年份，用于统计）。")
    recent = Demand.objects.filter(received_at__gte=now - dt.timedelta(days=LIVE_DAYS + 1))
    open_now = Demand.objects.filter(status__in=OPEN_NOW)
    overdue = open_now.filter(actions.overdue_q(now)).count()
    if recent.exists():
        lines.append(f"最近三周的诉求 {recent.count():,} 件，其中 {open_now.count():,} 件正在办理"
                     f"（{overdue:,} 件已超时），工作台上可以看到倒计时、上报和吹哨。")
    return lines


OPEN_NOW = (Status.RECEIVED, Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ANSWERED)


# ---------------------------------------------------------------- the live slice around today

LIVE_DAYS = 21  # the slice covers the three weeks up to the build
LIVE_COUNT = 90  # demands received in it (a little busier than the 2018 rate, so every stage shows)


class _LiveSim(_Sim):
    """The weeks up to ``now``: the same residents, cadres and sweep as the year, stopped at ``now``.

    Nothing settles: what was received last week is still being handled, what came in this
    morning waits for its grid leader, late ones have been escalated by the sweep. The year's
    stations are reused; each community that holds 每月一听 held one in the window.
    """

    def __init__(self, district: Org, seed: int, now: dt.datetime, count: int, log: Callable[[str], None]) -> None:
        super().__init__(district, seed, now.year, count, log)
        self.rng = random.Random(seed * 7919 + 1)
        self.start = (now - dt.timedelta(days=LIVE_DAYS)).astimezone(TZ)
        self.end = self.settle = now.astimezone(TZ)
        self.clock = [self.start]

    def take_up(self, escalated: list[Demand], at: dt.datetime) -> None:
        """Nothing settles in the live slice: an escalated demand waits for its new holder."""

    def places(self) -> tuple[list[Station], list[ListeningSession]]:
        stations = list(Station.objects.filter(org__path__startswith=self.district.path).order_by("org__path"))
        held = (ListeningSession.objects.filter(org__path__startswith=self.district.path)
                .order_by("org__path").values_list("org_id", flat=True).distinct())
        sessions = []
        for unit in (self.orgs_by_pk[pk] for pk in held if pk in self.orgs_by_pk):
            secretary = self.user_at(unit)
            day = (self.start + dt.timedelta(days=self.rng.randint(1, LIVE_DAYS - 4))).date()
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            if secretary is not None:
                sessions.append(self.session(unit, day, secretary))
        return stations, ListeningSession.objects.bulk_create(sessions)

    @property
    def orgs_by_pk(self) -> dict[int, Org]:
        return {o.pk: o for o in self.units}

    def received_at(self) -> dt.datetime:
        rng = self.rng
        day = self.start.date() + dt.timedelta(days=rng.randrange(LIVE_DAYS + 1))
        if day.weekday() < 5 and rng.random() < 0.72:
            minute = rng.randint(8 * 60 + 30, 17 * 60 + 20)
        else:
            minute = rng.choice([rng.randint(6 * 60, 8 * 60 + 29), rng.randint(17 * 60 + 31, 23 * 60 + 50)])
        at = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randint(0, 59), tzinfo=TZ)
        if not self.start < at < self.end:  # the edges of the window: fold into it
            at = self.end - dt.timedelta(minutes=rng.randint(5, 60 * 30))
        return at

    def plan(self, stations: list[Station], sessions: list[ListeningSession]) -> None:
        super().plan(stations, sessions)
        # The demo accounts' grid (网格长 ``grid``, under 先锋社区) gets one demand in eight, so that
        # whoever logs in as it finds live work on the workbench.
        from zongheng.orgs.demo import DEMO_ACCOUNTS

        name = next(a["org"] for a in DEMO_ACCOUNTS if a["username"] == "grid")
        home = next((g for g in self.grids if g.name == name), None)
        for i, p in enumerate(self.plans):
            if home is not None and i % 8 == 3 and p.outcome != "merge":
                p.grid, p.station, p.session = home, None, None
                p.channel = Channel.WEB if p.channel in (Channel.STATION, Channel.LISTENING) else p.channel
            # One web demand in ten comes from a resident who did not know their grid.
            p.unplaced = p.channel == Channel.WEB and p.outcome == "handle" and i % 10 == 6
        for p in self.plans:  # a station or phone call moved to office hours must stay inside the window
            if p.at >= self.end:
                p.at = self.end - dt.timedelta(minutes=self.rng.randint(5, 120))
            elif p.at <= self.start:
                p.at = self.start + dt.timedelta(minutes=self.rng.randint(5, 120))
        self.plans.sort(key=lambda p: p.at)
        self.queue = []
        for i, p in enumerate(self.plans):
            p.index = i
            self.push(p.at, "submit", p)


    def on_submit(self, p: _Plan, at: dt.datetime) -> None:
        if not p.unplaced:
            super().on_submit(p, at)
            return
        community = self.parent(p.grid)
        text = self.rng.choice(TEXTS[p.category.code])
        p.demand, p.code = actions.do_submit_demand(None, {
            "channel": p.channel, "category": p.category, "urgency": p.urgency, "description": text,
            "address": f"{community.name.removesuffix('社区').removesuffix('村')}附近", "grid": community,
            "phone": p.phone, "contact_name": p.contact, "station": None, "listening_session": None,
        }, now=at, allow_unplaced=True)
        self.push(self.later(at, 0.5, 20), "assign", p)

    def on_assign(self, p: _Plan, at: dt.datetime) -> None:
        """The community secretary finds the grid of a demand that came without one."""
        d = Demand.objects.select_related("org").get(pk=p.demand.pk)
        user = self.user_at(d.org)
        if user is None or d.status != Status.RECEIVED:
            return
        p.demand = actions.do_assign(user, d, p.grid, note="按地址派至所属网格")
        self.push(self.respond_at(p, at), "work", p)


def build_live(district: Org, *, seed: int = 2018, now: dt.datetime | None = None, count: int | None = None,
               log: Callable[[str], None] | None = None) -> Built:
    """Demands of the last three weeks up to ``now``, left at every stage (built after the year)."""
    log = log or (lambda _msg: None)
    now = now or timezone.now()
    sim = _LiveSim(district, seed, now, LIVE_COUNT if count is None else count, log)
    stations, sessions = _simulate(sim)
    demands = Demand.objects.filter(grid_path__startswith=district.path, received_at__gte=sim.start)
    built = Built(stations=len(stations), sessions=len(sessions), demands=demands.count())
    built.statuses = dict(Counter(demands.values_list("status", flat=True)))
    built.escalations = sum(demands.values_list("escalations", flat=True))
    open_now = sum(n for status, n in built.statuses.items() if status not in EXCLUDED_FINAL)
    log(f"最近 {LIVE_DAYS} 天的诉求 {built.demands} 件，其中 {open_now} 件正在办理")
    return built


EXCLUDED_FINAL = (Status.CLOSED, Status.REJECTED, Status.MERGED)


def quiet_sms(phone: str, text: str) -> None:
    """The demo's residents are invented: their status messages go nowhere."""


def account_of(person: Any) -> Any:
    """A demo cadre's account: theirs, or one made for the simulation (no usable password)."""
    from zongheng.accounts.models import User

    user = User.objects.filter(person=person).first()
    if user is None:
        user = User(username=f"cadre{person.pk}", person=person, first_name=person.name,
                    must_change_password=True, is_active=True)
        user.set_unusable_password()
        user.save()
    return user
