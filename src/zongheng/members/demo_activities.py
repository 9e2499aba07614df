"""Activities in the demo district: the year of the 24 functional organisations, their 34 teams and the
communities' pairing and volunteer activities, and a live slice around today.

``build(district, seed, year)`` writes, from ``random.Random(seed)`` (never typed figures), activities of
``year`` that all took place (attendance confirmed: ``held``, a few cancelled with their reason):

- every functional organisation (功能型党组织) holds activities from the day it opened: its teams' (the team's
  resident participants signed up, most present) and its own; 地质社区's 同心缘艺术馆 (opened 1 March) 20-odd
  activities drawing 500-odd residents;
- every community holds pairing (结对共建, with its pairing partners where the co-building demo made some) and
  volunteer activities;
- members sign up from the organisations the activity is open to (the community's, the street's; those
  registered 双联双管 with the community among them), residents without a record by name and phone (the phone
  encrypted, masked), walk-ins added at the attendance; a few are absent, a few cancelled their sign-up.

Across the district that is 10,000-odd attended 人次 in the year — the order of the article's "10000多人次",
computed from the rows (``figures``), never typed. Rows are written with ``bulk_create`` (history, nobody's
audited writes; their times are the simulated ones). No points are written here: the points part reconciles
the year's ledger with the deed source (``hooks_activities.attended_deeds``).

``build_live(district, seed)`` adds, around today: this year's held activities up to a few days ago (the hub's
figures), activities published for the next three weeks across the district — among them several the
``member`` demo account (先锋社区) can sign up for (one nearly full, one of 业委会党小组's team, one of the
street) — and a 先锋社区 activity that ended yesterday, organised by the ``community`` account, awaiting its
attendance confirmation (that account's to-do), with the ``member`` account signed up for it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from zongheng.core import crypto
from zongheng.core.masking import mask_phone
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import ActivityTeam, Org, Person

from .choices import ActivityKind, ActivityState, SignUpState
from .models import Activity, SignUp

HOME = "先锋社区"
TONGXIN = "同心缘艺术馆党支部"
HOME_FUNCTIONAL = "业委会党小组"
PLACES = ["党群服务中心", "活动广场", "新时代文明实践站", "居民议事厅", "老年活动室", "文化广场"]
VOLUNTEER = ["环境整治志愿服务", "关爱空巢老人志愿服务", "文明创建志愿劝导", "防汛知识宣传", "义务理发进社区",
             "垃圾分类宣传", "义诊进社区", "反诈宣传进小区", "背街小巷清洁行动", "助老助残上门服务"]
PAIRING = ["结对共建主题党日", "结对共建联学联建", "结对共建送温暖", "结对共建文明实践"]
OTHER = ["邻里节", "重阳敬老活动", "书香社区读书会", "红色观影", "亲子手工课"]
FUNCTIONAL_OWN = ["主题党日", "开放日", "成果展示", "作品交流会", "党员带头示范活动"]
CANCEL_REASONS = ["天气原因，活动取消", "场地临时维修，活动取消", "防汛值守，活动暂停"]
DESCRIPTIONS = {  # the live slice's activities of 先锋社区, by a word of their title
    "环境整治": "清理楼道堆放物和小区绿化带垃圾。请穿志愿者马甲，社区备有手套和工具。",
    "四点半课堂": "为放学后无人照看的孩子辅导作业、讲故事。欢迎有耐心、会辅导小学课程的党员和居民。",
    "结对共建": "与结对单位党支部共同开展主题党日：重温入党誓词、学习交流、走访困难党员。",
    "集中服务日": "全街道党员志愿者集中服务：义诊、义务理发、家电维修、法律咨询，欢迎居民前来。",
    "调解培训": "邀请调解员讲授邻里纠纷调解方法，和解小分队成员和有兴趣的居民均可参加。",
    "空巢老人": "上门看望社区独居和空巢老人，帮助打扫卫生、检查水电燃气安全。",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"


@contextlib.contextmanager
def _history() -> Iterator[None]:
    """Lets ``bulk_create`` keep the simulated times (``auto_now_add`` would stamp the build's)."""
    fields = [f for m in (Activity, SignUp) for f in m._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for f in fields:
        f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True  # type: ignore[attr-defined]


@dataclass
class Built:
    activities: int = 0
    held: int = 0
    signups: int = 0
    members: int = 0  # attended 人次 of members
    residents: int = 0  # attended 人次 of residents


@dataclass
class _Plan:
    """One activity and its sign-ups, before they are written."""

    activity: Activity
    signups: list[SignUp] = field(default_factory=list)


class _Gen:
    """Activities and their sign-ups for one district, from one random stream."""

    def __init__(self, district: Org, rng: random.Random) -> None:
        from zongheng.orgs.demo import GIVEN_FEMALE, GIVEN_MALE, PHONE_PREFIXES

        self.district, self.rng = district, rng
        self.given = (GIVEN_MALE, GIVEN_FEMALE)
        self.prefixes = PHONE_PREFIXES
        below = Org.objects.filter(path__startswith=district.path)
        self.functional = list(below.filter(kind=OrgKind.FUNCTIONAL).order_by("path"))
        self.communities = list(below.filter(kind=OrgKind.REGULAR, level__code__in=("community", "village"))
                                .order_by("path"))
        self.orgs = {o.path: o for o in [*self.functional, *self.communities]}
        teams = list(ActivityTeam.objects.filter(org__in=self.functional).order_by("id"))
        self.teams: dict[int, list[ActivityTeam]] = defaultdict(list)
        for t in teams:
            self.teams[t.org_id].append(t)
        through = ActivityTeam.participants.through
        self.participants: dict[int, list[int]] = defaultdict(list)
        links = through.objects.filter(activityteam__in=teams).order_by("activityteam_id", "person_id")
        for team_id, person_id in links.values_list("activityteam_id", "person_id"):
            self.participants[team_id].append(person_id)
        # Party members by the paths above them (street, community) and registered with a community.
        self.street_len = len(district.path) + Org.steplen
        self.community_len = self.street_len + Org.steplen
        self.members: dict[str, list[int]] = defaultdict(list)
        self.registered: dict[str, list[int]] = defaultdict(list)
        for pk, org_path, registered in (Person.objects.filter(org_path__startswith=district.path,
                                                               is_party_member=True)
                                         .values_list("pk", "org_path", "registered_path").order_by("pk")):
            for length in (self.street_len, self.community_len):
                if len(org_path) >= length:
                    self.members[org_path[:length]].append(pk)
            if registered:
                self.registered[registered].append(pk)
        self.partners: dict[int, list[str]] = defaultdict(list)
        try:
            from zongheng.cobuild.models import Pairing

            for org_id, name in (Pairing.objects.filter(org_path__startswith=district.path)
                                 .select_related("unit").order_by("pk").values_list("org_id", "unit__name")):
                if name:
                    self.partners[org_id].append(name)
        except LookupError:  # pragma: no cover - the co-building module is always installed
            pass

    # -------------------------------------------------------------- small helpers

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(self.given[self.rng.random() < 0.55])

    def phone(self) -> str:
        return self.rng.choice(self.prefixes) + f"{self.rng.randrange(10**8):08d}"

    def starts(self, first: dt.date, last: dt.date) -> dt.datetime:
        day = first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))
        hour = self.rng.choice((9, 9, 14, 14, 15, 19))
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, self.rng.choice((0, 30)))))

    def pool(self, org: Org) -> list[int]:
        """Members an activity of ``org`` is open to: below the organisation it hangs from (a functional
        organisation: its parent), and those registered with that community."""
        base = org.path[:-Org.steplen] if org.kind == OrgKind.FUNCTIONAL else org.path
        length = self.community_len if len(base) >= self.community_len else self.street_len
        return self.members.get(base[:length], [])

    # -------------------------------------------------------------- one activity

    def plan(self, org: Org, kind: str, title: str, place: str, starts_at: dt.datetime, *, team: ActivityTeam | None,
             state: str, members: int, residents: int, team_share: float = 0.0, capacity: int | None = None,
             absent: float = 0.08, now: dt.datetime | None = None) -> _Plan:
        rng = self.rng
        ends_at = starts_at + dt.timedelta(hours=rng.choice((1, 2, 2, 3)))
        created = starts_at - dt.timedelta(days=rng.randint(7, 20), hours=rng.randint(0, 8))
        a = Activity(org=org, org_path=org.path, team=team, kind=kind, title=title[:100], place=place[:200],
                     description="", starts_at=starts_at, ends_at=ends_at, capacity=capacity, state=state,
                     open_to_residents=True, created_at=created,
                     confirmed_at=ends_at + dt.timedelta(days=rng.randint(0, 2), hours=2)
                     if state == ActivityState.HELD else None,
                     cancel_reason=rng.choice(CANCEL_REASONS) if state == ActivityState.CANCELLED else "")
        p = _Plan(a)
        held = state == ActivityState.HELD

        def signed_at() -> dt.datetime:
            at = created + (starts_at - created) * rng.random()
            return min(at, now) if now is not None else at

        def mark() -> bool | None:
            return (rng.random() >= absent) if held else None

        pool = self.pool(org)
        registered = self.registered.get(org.path, []) if org.kind == OrgKind.REGULAR else []
        chosen: set[int] = set()
        for _ in range(members * 3):  # a few draws may repeat: fewer members then
            if len(chosen) >= members:
                break
            source = registered if registered and rng.random() < 0.3 else pool
            if source:
                chosen.add(rng.choice(source))
        for pk in sorted(chosen):
            p.signups.append(SignUp(person_id=pk, is_member=True, attended=mark(), signed_at=signed_at()))
        if team is not None:
            for pk in self.participants.get(team.pk, []):
                if rng.random() < team_share:
                    p.signups.append(SignUp(person_id=pk, is_member=False, attended=mark(), signed_at=signed_at()))
        for _ in range(residents):
            phone = self.phone() if rng.random() < 0.8 else ""
            walk_in = held and rng.random() < 0.12
            p.signups.append(SignUp(name=self.name(), phone_enc=crypto.encrypt(phone) if phone else "",
                                    phone_masked=mask_phone(phone), is_member=False, walk_in=walk_in,
                                    attended=True if walk_in else mark(),
                                    signed_at=ends_at if walk_in else signed_at()))
        for s in p.signups:  # a few changed their mind before the start
            if not s.walk_in and rng.random() < 0.03:
                s.state, s.attended = SignUpState.CANCELLED, None
        live = sum(1 for s in p.signups if s.state == SignUpState.SIGNED and not s.walk_in)
        a.signed = live
        if a.capacity is not None and a.capacity < live:
            a.capacity = live + rng.randint(0, 5)
        return p

    # -------------------------------------------------------------- the year

    def year_plans(self, first: dt.date, last: dt.date, *, scale: float = 1.0) -> list[_Plan]:
        """Held activities between ``first`` and ``last`` (inclusive) of every functional organisation and
        community; ``scale`` shrinks the counts for a part of a year."""
        rng = self.rng
        plans: list[_Plan] = []
        for org in self.functional:
            opened = max(first, org.opened_on or first)
            if opened > last:
                continue
            tongxin = org.name.startswith(TONGXIN[:3])
            n = rng.randint(21, 26) if tongxin else rng.randint(8, 16)
            n = max(1, round(n * scale))
            teams = self.teams.get(org.pk, [])
            parent_path = org.path[:-Org.steplen]
            parent = self.orgs.get(parent_path) or Org.objects.filter(path=parent_path).first()
            where = parent.name if parent else org.name
            place = "地质社区“同心缘”艺术馆" if tongxin else f"{where}{rng.choice(PLACES)}"
            issue: dict[int, int] = defaultdict(int)  # each team's activities numbered in date order
            n = max(n, len(teams))
            # Every team at least once, the rest a team's (3 in 4) or the organisation's own, in random order.
            hosts: list[ActivityTeam | None] = list(teams)
            hosts += [rng.choice(teams) if teams and rng.random() < 0.75 else None for _ in range(n - len(teams))]
            rng.shuffle(hosts)
            for starts_at, team in zip(sorted(self.starts(opened, last) for _ in range(n)), hosts, strict=True):
                if team is not None:
                    issue[team.pk] += 1
                    title = f"{team.name}：{team.activity or '队伍活动'}（第{issue[team.pk]}期）"
                else:
                    title = f"{org.name}{rng.choice(FUNCTIONAL_OWN)}"
                # A team's first activity took place, and every one of the new 同心缘艺术馆's.
                cancellable = not tongxin and (team is None or issue[team.pk] > 1)
                state = ActivityState.CANCELLED if cancellable and rng.random() < 0.02 else ActivityState.HELD
                residents = rng.randint(20, 34) if tongxin else rng.randint(6, 18)
                plans.append(self.plan(org, ActivityKind.TEAM if team else ActivityKind.FUNCTIONAL, title, place,
                                       starts_at, team=team, state=state,
                                       members=rng.randint(1, 6), residents=residents, team_share=0.75,
                                       capacity=rng.choice((None, None, 40, 60)) if not tongxin else None))
        for org in self.communities:
            n = max(1, round(rng.randint(6, 12) * scale))
            partners = self.partners.get(org.pk, [])
            for _ in range(n):
                x = rng.random()
                if x < 0.4:
                    kind = ActivityKind.PAIRING
                    partner = rng.choice(partners) if partners else ""
                    title = f"{org.name}与{partner}{rng.choice(PAIRING)}" if partner else \
                        f"{org.name}{rng.choice(PAIRING)}"
                elif x < 0.9:
                    kind, title = ActivityKind.VOLUNTEER, f"{org.name}{rng.choice(VOLUNTEER)}"
                else:
                    kind, title = ActivityKind.OTHER, f"{org.name}{rng.choice(OTHER)}"
                state = ActivityState.CANCELLED if rng.random() < 0.02 else ActivityState.HELD
                plans.append(self.plan(org, kind, title, f"{org.name}{rng.choice(PLACES)}", self.starts(first, last),
                                       team=None, state=state, members=rng.randint(3, 10),
                                       residents=rng.randint(3, 14), capacity=rng.choice((None, 30, 50))))
        return plans


def _write(plans: list[_Plan]) -> Built:
    with _history():
        Activity.objects.bulk_create([p.activity for p in plans], batch_size=1000)
        rows = []
        for p in plans:
            for s in p.signups:
                s.activity_id = p.activity.pk
                rows.append(s)
        SignUp.objects.bulk_create(rows, batch_size=2000)
    held = [p for p in plans if p.activity.state == ActivityState.HELD]
    attended = [s for p in held for s in p.signups if s.state == SignUpState.SIGNED and s.attended]
    return Built(activities=len(plans), held=len(held), signups=len(rows),
                 members=sum(1 for s in attended if s.is_member), residents=sum(1 for s in attended if not s.is_member))


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> Built:
    """The year's activities of one district (see the module's docstring)."""
    log = log or (lambda _msg: None)
    rng = random.Random(seed * 31 + 7)
    with transaction.atomic():
        gen = _Gen(district, rng)
        built = _write(gen.year_plans(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    log(f"{year} 年活动 {built.activities} 场（已开展 {built.held} 场），报名 {built.signups} 条，"
        f"出勤党员 {built.members} 人次、居民 {built.residents} 人次")
    return built


def _account(username: str) -> Any:
    from zongheng.accounts.models import User

    return User.objects.filter(username=username).select_related("person").first()


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               now: dt.datetime | None = None) -> Built:
    """This year up to a few days ago (held), the next three weeks (published) and one activity of 先锋社区 that
    ended yesterday awaiting the ``community`` account's attendance confirmation (see the module's docstring)."""
    log = log or (lambda _msg: None)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rng = random.Random(seed * 37 + today.year)
    with transaction.atomic():
        gen = _Gen(district, rng)
        first = dt.date(today.year, 1, 1)
        last = today - dt.timedelta(days=3)
        plans: list[_Plan] = []
        if last >= first:
            share = ((last - first).days + 1) / 365
            plans += gen.year_plans(first, last, scale=max(0.1, share * 0.5))
        # Published, for the next three weeks, across the district.
        for org in rng.sample(gen.communities, min(12, len(gen.communities))):
            plans.append(gen.plan(org, ActivityKind.VOLUNTEER, f"{org.name}{rng.choice(VOLUNTEER)}",
                                  f"{org.name}{rng.choice(PLACES)}",
                                  gen.starts(today + dt.timedelta(days=2), today + dt.timedelta(days=21)),
                                  team=None, state=ActivityState.PUBLISHED, members=rng.randint(2, 8),
                                  residents=rng.randint(0, 6), capacity=rng.choice((None, 30)), now=now))
        _member_attended(plans, gen)
        plans += _home_slice(gen, today, now)
        built = _write(plans)
    log(f"最近的活动 {built.activities} 场（今年已开展 {built.held} 场，出勤 {built.members + built.residents} 人次）")
    return built


def _home_slice(gen: _Gen, today: dt.date, now: dt.datetime) -> list[_Plan]:
    """先锋社区: what the ``member`` account can sign up for, and yesterday's activity awaiting the ``community``
    account's attendance confirmation."""
    home = next((o for o in gen.communities if o.name == HOME), None)
    if home is None:
        return []
    rng = gen.rng
    member, organiser = _account("member"), _account("community")
    street = Org.objects.filter(path=home.path[:-Org.steplen]).first()
    functional = next((o for o in gen.functional if o.name == HOME_FUNCTIONAL and o.path.startswith(home.path)),
                      None)

    def at(days: int, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, 0)))

    plans = [
        gen.plan(home, ActivityKind.VOLUNTEER, f"{HOME}环境整治志愿服务", f"{HOME}党群服务中心门前", at(2, 9),
                 team=None, state=ActivityState.PUBLISHED, members=9, residents=3, capacity=30, now=now),
        gen.plan(home, ActivityKind.VOLUNTEER, f"{HOME}四点半课堂志愿辅导", f"{HOME}新时代文明实践站", at(6, 16),
                 team=None, state=ActivityState.PUBLISHED, members=5, residents=2, capacity=8, now=now),
        gen.plan(home, ActivityKind.PAIRING, f"{HOME}结对共建主题党日", f"{HOME}居民议事厅", at(12, 14),
                 team=None, state=ActivityState.PUBLISHED, members=6, residents=0, now=now),
    ]
    if street is not None:
        plans.append(gen.plan(street, ActivityKind.VOLUNTEER, f"{street.name}党员志愿者集中服务日",
                              f"{street.name}文化广场", at(9, 9), team=None, state=ActivityState.PUBLISHED,
                              members=14, residents=5, now=now))
    if functional is not None:
        teams = gen.teams.get(functional.pk, [])
        team = teams[0] if teams else None
        plans.append(gen.plan(functional, ActivityKind.TEAM if team else ActivityKind.FUNCTIONAL,
                              f"{team.name if team else functional.name}：邻里纠纷调解培训",
                              f"{HOME}居民议事厅", at(5, 19), team=team, state=ActivityState.PUBLISHED,
                              members=3, residents=2, team_share=0.5, capacity=20, now=now))
    for p in plans:
        p.activity.description = next((t for word, t in DESCRIPTIONS.items() if word in p.activity.title), "")
    for p in plans:  # nearly full ones stay nearly full: the member account still has a place
        p.signups = [s for s in p.signups if member is None or s.person_id != member.person_id]
        for s in p.signups:
            s.state, s.walk_in = SignUpState.SIGNED, False
        if p.activity.capacity is not None:
            p.signups = p.signups[:p.activity.capacity - 1]
        p.activity.signed = len(p.signups)
    # Yesterday's, awaiting confirmation by the community account, with the member account signed up.
    ended = gen.plan(home, ActivityKind.VOLUNTEER, f"{HOME}关爱空巢老人志愿服务", f"{HOME}老年活动室", at(-1, 9),
                     team=None, state=ActivityState.PUBLISHED, members=8, residents=6, capacity=30, now=now)
    ended.activity.created_by = organiser
    ended.activity.description = DESCRIPTIONS["空巢老人"]
    for s in ended.signups:
        s.state, s.walk_in, s.attended = SignUpState.SIGNED, False, None
    if member is not None and member.person_id and all(s.person_id != member.person_id for s in ended.signups):
        ended.signups.append(SignUp(person_id=member.person_id, is_member=True,
                                    signed_at=ended.activity.starts_at - dt.timedelta(days=2)))
    ended.activity.signed = len(ended.signups)
    for p in plans:
        p.activity.created_by = organiser if p.activity.org_path == home.path else None
    rng.shuffle(plans)
    return [*plans, ended]


def _member_attended(plans: list[_Plan], gen: _Gen) -> None:
    """The ``member`` demo account attended the latest held activity of its community this year (their own
    page shows a confirmed attendance; the points part reconciles it)."""
    member = _account("member")
    if member is None or member.person is None:
        return
    community = member.person.org_path[:gen.community_len]
    held = [p for p in plans if p.activity.state == ActivityState.HELD and p.activity.org_path == community]
    if not held:
        return
    p = max(held, key=lambda q: q.activity.starts_at)
    if any(s.person_id == member.person_id for s in p.signups):
        return
    p.signups.append(SignUp(person_id=member.person_id, is_member=True, attended=True,
                            signed_at=p.activity.starts_at - dt.timedelta(days=3)))
    p.activity.signed += 1
    if p.activity.capacity is not None and p.activity.capacity < p.activity.signed:
        p.activity.capacity = p.activity.signed


def figures(district: Org, year: int) -> dict[str, int]:
    """Direct counts of the year's activities below ``district`` (for tests and the command's report)."""
    tz = timezone.get_current_timezone()
    lo, hi = dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)
    acts = Activity.objects.filter(org_path__startswith=district.path, starts_at__gte=lo, starts_at__lt=hi)
    people = SignUp.objects.filter(activity__in=acts.filter(state=ActivityState.HELD), state=SignUpState.SIGNED,
                                   attended=True).aggregate(
        members=Count("pk", filter=Q(is_member=True)), residents=Count("pk", filter=Q(is_member=False)))
    return {"activities": acts.count(), "held": acts.filter(state=ActivityState.HELD).count(),
            "members": people["members"], "residents": people["residents"]}
