"""The meetings of the demo district: the year's joint meetings (and 三会一课 for a sample of branches),
and a live slice up to today, with the warning sweep replayed in time order.

District joint meeting monthly, street/township and community/village joint meetings quarterly:
most held on time, a few held late (补开) and a few missed; attendance from each type's attendee rule,
short minutes and 1–3 resolutions (议定事项) per joint meeting, most done (some late), some still open.
三会一课 (支部党员大会, 支委会, 主题党日) is switched on for a sample of grid branches (先锋社区's and a few
others). Rows are bulk-created (no audit rows: they are demo history, not anyone's writes). Then
``core.warnings.sweep`` runs for this module's rules at every period end and make-up date in order,
so warnings open when a period ends unheld and clear, late, when the make-up is recorded.

The live slice covers the last period of the previous year up to today: earlier periods mostly held,
this period partly held, 先锋社区's and 宜城路街道's meetings scheduled for next week, the district's at
the end of this month, and resolutions owned by the demo accounts due soon or overdue.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zongheng.core import warnings
from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Post

from . import selectors
from .choices import AttendanceStatus, MeetingStatus, ResolutionStatus
from .defaults import ensure_installed
from .models import Attendance, Meeting, MeetingType, MeetingTypeOrg, Resolution, ResolutionProgress
from .periods import Period, local_midnight, period_of, periods_of_year
from .rules import CODES, NOT_HELD, RESOLUTION_OVERDUE

BRANCH_TYPES = ("branch_assembly", "branch_committee", "theme_day")
JOINT_TYPES = ("district_joint", "street_joint", "community_joint")
SAMPLE_GRIDS = 6  # besides 先锋社区's
XIANFENG, YICHENGLU = "先锋社区", "宜城路街道"

AGENDAS = {
    "district_joint": ["通报全区城市基层党建重点任务推进情况", "研究驻区单位共驻共建项目认领", "部署下阶段民生实事"],
    "street_joint": ["通报街道大工委成员单位项目认领进展", "协调辖区重点难点问题", "研究共建资源统筹"],
    "community_joint": ["通报社区大党委成员单位结对共建情况", "收集居民诉求集中议事", "研究网格服务事项"],
    "branch_assembly": ["学习党的创新理论", "通报支部工作", "讨论发展党员事项"],
    "branch_committee": ["研究本月支部工作安排", "分析党员思想动态"],
    "theme_day": ["重温入党誓词", "开展志愿服务", "交纳党费"],
}
MINUTES = {
    "district_joint": "会议通报了全区城市基层党建“一纵一横一清单”推进情况，{n}个街道（乡）汇报了项目认领进度。\n"
                      "会议指出，要发挥驻区单位党组织作用，资源联享、事务联办，把居民反映集中的问题办实办好。\n"
                      "会议研究了下阶段工作，明确了责任单位和完成时限。",
    "street_joint": "会议听取了大工委成员单位共驻共建情况汇报，{n}家单位到会发言。\n"
                    "会议就背街小巷整治、老旧小区改造中的矛盾协调进行了讨论，形成议定事项。",
    "community_joint": "会议通报了本季度社区大党委成员单位结对共建和网格服务情况。\n"
                       "与会单位围绕居民反映的停车、环境卫生等问题集中议事，明确责任人和时限。",
    "branch_assembly": "支部书记领学了党的创新理论，党员交流了学习体会。\n会议通报了支部近期工作。",
    "branch_committee": "支委会研究了本月支部工作安排，分析了党员思想动态，明确了走访联系户的分工。",
    "theme_day": "党员重温入党誓词，集中交纳党费，随后到网格开展环境整治志愿服务。",
}
RESOLUTIONS = [
    "协调驻区单位开放停车位，缓解小区停车难", "完成背街小巷路面修补", "组织在职党员到社区报到服务",
    "整治小区楼道杂物和飞线充电", "推进老旧小区加装电梯意见征集", "落实独居老人结对帮扶",
    "建立网格议事会月度例会制度", "开展驻区单位资源清单更新", "完成社区党群服务中心功能提升",
    "梳理居民诉求办理情况并逐户回访", "推动共建单位认领“微心愿”", "开展防汛隐患排查",
]


@dataclass
class Built:
    meetings: int = 0
    held: int = 0
    late: int = 0
    missed: int = 0
    resolutions: int = 0
    warnings_opened: int = 0
    sweep_times: list[dt.datetime] = field(default_factory=list)


class _Gen:
    def __init__(self, district: Org, seed: int, log: Callable[[str], None]) -> None:
        self.district = district
        self.rng = random.Random(seed)
        self.log = log
        self.types = {t.code: t for t in MeetingType.objects.prefetch_related("levels")}
        self.orgs: dict[str, list[Org]] = {}
        self.invited: dict[tuple[int, int], list[tuple[int, str]]] = {}
        self.secretaries: dict[int, int] = {}
        self.children: dict[int, list[Org]] = {}
        self.meetings: list[Meeting] = []
        self.attendance: list[list[Attendance]] = []
        self.resolutions: list[tuple[int, Resolution, list[ResolutionProgress]]] = []
        self.built = Built()
        self.late_until: dt.datetime | None = None  # make-ups may fall after the simulated span (the year)
        self.close_late = False  # a finished year: resolutions left open are done late, the next year

    def load(self, day: dt.date) -> None:
        under = Org.objects.filter(path__startswith=self.district.path, kind=OrgKind.REGULAR).select_related("level")
        for code in (*JOINT_TYPES, *BRANCH_TYPES):
            mtype = self.types[code]
            self.orgs[code] = list(selectors.applicable_orgs(mtype, under).select_related("level").order_by("path"))
        everything = [o for orgs in self.orgs.values() for o in orgs]
        by_path = {o.path: o for o in under.filter(level__code__in=["district", "street", "township", "community",
                                                                      "village", "grid"])}
        for org in by_path.values():
            parent = by_path.get(org.path[:-Org.steplen])
            if parent is not None:
                self.children.setdefault(parent.pk, []).append(org)
        rows = (Post.objects.active(day).filter(org__path__startswith=self.district.path)
                .filter(Q(role=Role.SECRETARY) | Q(role=Role.GRID_LEADER)).order_by("role", "starts_on")
                .values_list("org_id", "person_id"))
        for org_id, person_id in rows:
            self.secretaries.setdefault(org_id, person_id)
        for code, orgs in self.orgs.items():
            for org in orgs:
                self.invited[(self.types[code].pk, org.pk)] = selectors.invitees(self.types[code], org, day)
        self.log(f"会议：{len(everything)} 个组织-会议类型，参会名单已按规则生成")

    # ---------------------------------------------------------------- one meeting

    def meeting(self, mtype: MeetingType, org: Org, period: Period, *, status: str, when: dt.datetime,
                now: dt.datetime, resolutions: bool = True) -> Meeting:
        rng = self.rng
        agenda = "\n".join(f"{i}. {a}" for i, a in enumerate(AGENDAS[mtype.code], 1))
        m = Meeting(type=mtype, org=org, org_path=org.path, period=period.key, period_start=period.start,
                    period_end=period.end, scheduled_at=when, place=f"{org.name}党群服务中心会议室", agenda=agenda,
                    status=status, version=1 if status == MeetingStatus.HELD else 0)
        invited = self.invited.get((mtype.pk, org.pk), [])
        rows = []
        for person_id, label in invited:
            if status == MeetingStatus.HELD:
                x = rng.random()
                state = (AttendanceStatus.PRESENT if x < 0.86 else AttendanceStatus.EXCUSED if x < 0.96
                         else AttendanceStatus.ABSENT)
            else:
                state = AttendanceStatus.INVITED
            rows.append(Attendance(person_id=person_id, role_label=label, status=state))
        if status == MeetingStatus.HELD and rng.random() > 0.03:  # a few stay below quorum (未达法定人数)
            for a in rows:
                if mtype.quorum_met(sum(1 for r in rows if r.status == AttendanceStatus.PRESENT), len(rows)):
                    break
                a.status = AttendanceStatus.PRESENT
        if status == MeetingStatus.HELD:
            m.held_at = when
            m.minutes = MINUTES[mtype.code].format(n=len(self.children.get(org.pk, [])) or len(invited))
            self.built.held += 1
            if resolutions and mtype.code in JOINT_TYPES:
                self._resolutions(len(self.meetings), org, when, now)
        self.meetings.append(m)
        self.attendance.append(rows)
        self.built.meetings += 1
        return m

    def _resolutions(self, index: int, org: Org, held_at: dt.datetime, now: dt.datetime) -> None:
        rng = self.rng
        for text in rng.sample(RESOLUTIONS, rng.randint(1, 3)):
            owners = [org, *self.children.get(org.pk, [])]
            owner = rng.choice(owners[:12])
            due = timezone.localtime(held_at).date() + dt.timedelta(days=rng.choice([15, 30, 30, 45, 60]))
            r = Resolution(org_path=org.path, text=text, owner_org=owner, owner_path=owner.path,
                           owner_person_id=self.secretaries.get(owner.pk), due_on=due)
            notes = [ResolutionProgress(at=held_at + dt.timedelta(days=rng.randint(3, 10)), text="已制定方案，正在推进",
                                        by_label="演示数据")]
            done_day = due + dt.timedelta(days=rng.choice([-10, -5, -2, 0, 0, 3, 12, 25]))
            done_at = local_midnight(done_day) + dt.timedelta(hours=16)
            done = rng.random() < 0.85 and done_at < now
            old = due < timezone.localtime(now).date() - dt.timedelta(days=60)  # long overdue items got done
            if not done and (self.close_late or old):
                done_at = local_midnight(due + dt.timedelta(days=rng.randint(20, 90))) + dt.timedelta(hours=16)
                done = self.close_late or done_at < now
            if done:
                r.status, r.done_at = ResolutionStatus.DONE, done_at
                notes.append(ResolutionProgress(at=done_at, text="已完成，经回访居民满意", by_label="演示数据"))
            notes = [n for n in notes if n.at < now or self.close_late]
            self.resolutions.append((index, r, notes))

    def save(self) -> None:
        with transaction.atomic():
            Meeting.objects.bulk_create(self.meetings, batch_size=500)
            rows = []
            for m, attendance in zip(self.meetings, self.attendance, strict=True):
                for a in attendance:
                    a.meeting_id = m.pk
                    rows.append(a)
            Attendance.objects.bulk_create(rows, batch_size=2000)
            for index, r, _ in self.resolutions:
                r.meeting_id = self.meetings[index].pk
            Resolution.objects.bulk_create([r for _, r, _ in self.resolutions], batch_size=500)
            notes = []
            for _, r, progress in self.resolutions:
                for n in progress:
                    n.resolution_id = r.pk
                    notes.append(n)
            ResolutionProgress.objects.bulk_create(notes, batch_size=2000)
        self.built.resolutions += len(self.resolutions)
        self.meetings, self.attendance, self.resolutions = [], [], []

    # ---------------------------------------------------------------- a run of periods

    def periods(self, code: str, first: dt.date, now: dt.datetime) -> list[Period]:
        mtype = self.types[code]
        out = [period_of(mtype.cadence, first)]
        while out[-1].end <= timezone.localtime(now).date():
            out.append(out[-1].next())
        return [p for p in out if p.starts_at < now]

    def run(self, first: dt.date, now: dt.datetime, *, live: bool) -> list[dt.datetime]:
        """Meetings of every period from the one holding ``first`` up to ``now``; returns the make-up times."""
        rng = self.rng
        makeups: list[dt.datetime] = []
        for code, orgs in self.orgs.items():
            mtype = self.types[code]
            branch = code in BRANCH_TYPES
            for org in orgs:
                for period in self.periods(code, first, now):
                    day = rng.randint(0, max(0, (period.end - period.start).days - 8))
                    when = local_midnight(period.start + dt.timedelta(days=day)) + dt.timedelta(
                        hours=rng.choice([9, 9, 14, 15]))
                    if period.ends_at > now:  # the current period
                        self._current(mtype, org, period, when, now)
                        continue
                    x = rng.random()
                    if x < (0.9 if branch else 0.84):
                        self.meeting(mtype, org, period, status=MeetingStatus.HELD, when=when, now=now)
                    elif x < (0.95 if branch else 0.93):  # 补开: held after the period ended
                        late = period.ends_at + dt.timedelta(days=rng.randint(3, 35), hours=rng.choice([9, 14]))
                        if late < (self.late_until or now):
                            self.meeting(mtype, org, period, status=MeetingStatus.HELD, when=late, now=now)
                            makeups.append(late)
                            self.built.late += 1
                        else:
                            self.built.missed += 1
                    else:
                        self.built.missed += 1
                        if rng.random() < 0.3:
                            m = self.meeting(mtype, org, period, status=MeetingStatus.CANCELLED, when=when, now=now)
                            m.cancel_reason = "与防汛值守冲突，改期未开"
        return makeups

    def _current(self, mtype: MeetingType, org: Org, period: Period, when: dt.datetime, now: dt.datetime) -> None:
        rng = self.rng
        soon = min(period.ends_at - dt.timedelta(hours=15), now + dt.timedelta(days=rng.randint(4, 7)))
        if org.name in (XIANFENG, YICHENGLU) and mtype.code in JOINT_TYPES:
            at = local_midnight(timezone.localtime(soon).date()) + dt.timedelta(hours=9)
            self.meeting(mtype, org, period, status=MeetingStatus.SCHEDULED, when=at, now=now)
            return
        if org.level.code == "district":
            at = local_midnight(timezone.localtime(period.ends_at - dt.timedelta(days=1)).date()) + dt.timedelta(
                hours=9)
            self.meeting(mtype, org, period, status=MeetingStatus.SCHEDULED, when=max(at, now + dt.timedelta(hours=2)),
                         now=now)
            return
        if when < now - dt.timedelta(days=1) and rng.random() < 0.55:
            self.meeting(mtype, org, period, status=MeetingStatus.HELD, when=when, now=now)
        elif rng.random() < 0.4:
            self.meeting(mtype, org, period, status=MeetingStatus.SCHEDULED,
                         when=now + dt.timedelta(days=rng.randint(2, 20), hours=rng.choice([1, 5])), now=now)


def _switch_on_branches(district: Org, rng: random.Random, since: dt.date) -> None:
    """三会一课 for 先锋社区's grid branches and a few others (per-organisation opt-in)."""
    grids = list(Org.objects.filter(path__startswith=district.path, level__code="grid", kind=OrgKind.REGULAR)
                 .values_list("pk", "path"))
    xianfeng = Org.objects.filter(path__startswith=district.path, name=XIANFENG).values_list("path", flat=True).first()
    chosen = [pk for pk, path in grids if xianfeng and path.startswith(xianfeng)]
    others = [pk for pk, path in grids if pk not in chosen]
    chosen += rng.sample(others, min(SAMPLE_GRIDS, len(others)))
    for code in BRANCH_TYPES:
        mtype = MeetingType.objects.get(code=code)
        mtype.enabled, mtype.opt_in, mtype.since = True, True, since
        mtype.save()
        MeetingTypeOrg.objects.filter(type=mtype, org_id__in=chosen).delete()
        MeetingTypeOrg.objects.bulk_create([MeetingTypeOrg(type=mtype, org_id=pk, since=since) for pk in chosen])


def _late_completions(gen: _Gen) -> list[dt.datetime]:
    """Completions after a month-end check already found the item overdue (a warning to clear)."""
    out = []
    for _, r, _ in gen.resolutions:
        if r.done_at is not None:
            check = local_midnight(period_of("monthly", r.due_on + dt.timedelta(days=1)).end)
            if check < r.done_at:
                out.append(r.done_at)
    return out


def _replay(times: dict[dt.datetime, set[str]], log: Callable[[str], None]) -> int:
    opened = 0
    for at in sorted(times):
        result = warnings.sweep(at, codes=sorted(times[at]))
        opened += sum(o for o, _ in result.values())
    log(f"会议预警：按时间顺序回放 {len(times)} 次检查，共产生 {opened} 条预警")
    return opened


def _sweep_times(first: dt.date, now: dt.datetime, makeups: list[dt.datetime], done: list[dt.datetime],
                 last: dt.date | None = None) -> dict[dt.datetime, set[str]]:
    """{time: rules}: both rules at every month end from ``first`` (to ``last``) up to ``now``; the
    meeting rule on the evening of every make-up (18:00), the resolution rule on the evening of every
    late completion — like the worker's checks, only where something can have changed."""
    start = local_midnight(first)
    times: dict[dt.datetime, set[str]] = {}

    def add(at: dt.datetime, *codes: str) -> None:
        if start <= at <= now and (last is None or at.date() <= last + dt.timedelta(days=40)):
            times.setdefault(at, set()).update(codes)

    for year in range(first.year, timezone.localtime(now).year + 1):
        for p in periods_of_year("monthly", year):
            if last is None or p.end <= last:
                add(p.ends_at + dt.timedelta(hours=1), *CODES)
    for t in makeups:
        add(local_midnight(timezone.localtime(t).date()) + dt.timedelta(hours=18), NOT_HELD)
    for t in done:
        add(local_midnight(timezone.localtime(t).date()) + dt.timedelta(hours=18), RESOLUTION_OVERDUE)
    return times


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> Built:
    """The year's meetings, then the warning sweep replayed through the year."""
    log = log or (lambda _msg: None)
    ensure_installed()
    rng = random.Random(seed * 7 + 1)
    first = dt.date(year, 1, 1)
    _switch_on_branches(district, rng, first)
    gen = _Gen(district, seed, log)
    gen.load(dt.date(year, 7, 1))
    end = local_midnight(dt.date(year + 1, 1, 1))
    gen.late_until, gen.close_late = end + dt.timedelta(days=35), True
    makeups = gen.run(first, end, live=False)
    done = _late_completions(gen)
    gen.save()
    times = _sweep_times(first, end + dt.timedelta(days=40), makeups, done, last=dt.date(year + 1, 1, 1))
    gen.built.warnings_opened = _replay(times, log)
    b = gen.built
    log(f"{year} 年会议 {b.meetings} 次（召开 {b.held}，其中补开 {b.late}；未召开 {b.missed} 期），"
        f"议定事项 {b.resolutions} 项")
    return b


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               now: dt.datetime | None = None) -> Built:
    """From the last period of last year up to ``now``: mostly held, this period partly held, meetings
    next week for 先锋社区 and 宜城路街道, resolutions of the demo accounts due soon or overdue."""
    log = log or (lambda _msg: None)
    ensure_installed()
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    gen = _Gen(district, seed + 2026, log)
    gen.load(today)
    first = dt.date(today.year - 1, 12, 1)  # the last month (and quarter) of last year
    makeups = gen.run(first, now, live=True)
    done = _late_completions(gen)
    gen.save()
    _demo_accounts_items(district, now)
    # From the first period end of this year: earlier sweeps would find last year's unbuilt periods.
    times = _sweep_times(dt.date(today.year, 1, 1), now, makeups, done)
    times[now] = set(CODES)
    gen.built.warnings_opened = _replay(times, log)
    b = gen.built
    log(f"近期会议 {b.meetings} 次（召开 {b.held}，补开 {b.late}，未召开 {b.missed} 期），议定事项 {b.resolutions} 项")
    return b


ITEMS = {
    "community": ("牵头落实居民停车难问题协调方案", "完成背街小巷路灯修复并回访"),
    "street": ("协调驻区单位认领老旧小区改造项目", "汇总大工委成员单位资源清单"),
    "assistant": ("整理本季度网格议事会意见", "跟进独居老人结对帮扶落实情况"),
    "grid": ("组织网格党员清理楼道杂物", "走访联系户收集停车问题意见"),
}


def _demo_accounts_items(district: Org, now: dt.datetime) -> None:
    """Resolutions owned by the demo accounts' people: one due in a few days, one overdue."""
    from zongheng.accounts.models import User

    people = dict(User.objects.filter(is_demo=True, person__isnull=False,
                                      person__org_path__startswith=district.path[:Org.steplen])
                  .values_list("username", "person_id"))
    today = timezone.localtime(now).date()
    for username in ("community", "street", "assistant", "grid"):
        person_id = people.get(username)
        if person_id is None:
            continue
        posts = Post.objects.active(today).filter(person_id=person_id).select_related("org").order_by("id")
        post = posts.first()
        if post is None:
            continue
        org = post.org
        meeting = (Meeting.objects.filter(status=MeetingStatus.HELD, org_path__in=[org.path[:n] for n in range(
            Org.steplen, len(org.path) + 1, Org.steplen)], type__code__in=JOINT_TYPES)
            .order_by("-held_at").first())
        if meeting is None:
            continue
        first, second = ITEMS[username]
        for text, due in ((first, today + dt.timedelta(days=5)), (second, today - dt.timedelta(days=3))):
            Resolution.objects.create(meeting=meeting, org_path=meeting.org_path, text=text, owner_org=org,
                                      owner_path=org.path, owner_person_id=person_id, due_on=due)


def summary() -> list[str]:
    held = Meeting.objects.filter(status=MeetingStatus.HELD).count()
    open_items = Resolution.objects.filter(status=ResolutionStatus.OPEN).count()
    return [f"会议 {Meeting.objects.count()} 次（已召开 {held}），办理中的议定事项 {open_items} 项"]
