"""Cadre records in the demo district (干部使用在一线): the monthly cadre stars and promotions since 2017.

``build(district, seed, year)`` writes, from ``random.Random``, for the months of ``year - 1`` and ``year`` (the
article: "2017年以来 … 评出'月度干部之星'61名，提拔重用干部27名"):

- ``STARS`` (61) monthly stars, at least two a month, each citing front-line work that exists in the demo records
  of that person in the star's window (``frontline.star_window``): the temporary branch or group (临时党支部/党小组)
  where they hold the secretary post; for the flood months of ``year - 1`` the flood duty campaign (防汛值守) they
  served in; for ``year`` the tasks of the year's list carried by the community they lead as its secretary;
- ``PROMOTIONS`` (27) promotions, most of them of cadres who had been a star before, each citing the work of the
  three years before it.

The article's figures are the generator's targets; the pages and the figures count the generated rows.
``build_live(district, seed, today)`` writes the stars of the last three months up to today's, citing this year's
tasks of the communities their secretaries lead (the ``community`` account's secretary among them), and two
promotions of this year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from zongheng.core.permissions import Role
from zongheng.orgs.choices import TEMPORARY_KINDS, TempPurpose
from zongheng.orgs.models import Org, Post

from . import frontline
from .demo_tasks import at
from .models import Task
from .models_cadres import CadreStar, Citation, Promotion, WorkKind

Cited = Sequence[tuple[str, int, str]]  # (kind, record id, label)
STARS = 61
PROMOTIONS = 27
TO_POSTS = ["社区党委书记", "社区党委副书记", "街道党工委委员", "街道办事处副主任", "社区居委会主任",
            "街道党建办主任", "村党总支书记"]
DEEDS: dict[str, str] = {
    TempPurpose.PROJECT: "扎根项目建设一线，带领临时党支部党员攻坚克难，推动项目按期建设",
    TempPurpose.DEMOLITION: "坚守征迁一线，逐户上门宣讲政策，化解矛盾，按期完成征迁任务",
    TempPurpose.FLOOD: "坚守防汛一线，带领党员昼夜巡堤查险，守住责任堤段安全",
    TempPurpose.STABILITY: "深入信访维稳一线，耐心接访化解积案，维护社区和谐稳定",
    TempPurpose.OTHER: "投身创建文明城市一线，带领党员志愿者整治环境、服务群众",
}
TASK_DEEDS = "带头落实城市基层党建重点任务，按节点推进{title}，成效明显"
FLOOD_DEEDS = "在防汛值守中带头认领堤段，昼夜坚守，带动群众参与巡堤"


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, month = [], first.replace(day=1)
    while month <= last:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def _spread(total: int, slots: int, rng: random.Random, floor: int) -> list[int]:
    counts = [floor] * slots
    for _ in range(total - floor * slots):
        counts[rng.randrange(slots)] += 1
    return counts


class _Pool:
    """Who did what on the front line in the demo records (a few queries, set-based)."""

    def __init__(self, district: Org, year: int) -> None:
        self.person_org: dict[int, tuple[int, str]] = {}
        # Secretaries of temporary branches and groups: (person, org, name, purpose, from, to).
        self.temps: list[tuple[int, int, str, str, dt.date, dt.date | None]] = []
        for pid, porg, ppath, oid, name, purpose, opened, closed, starts, ends in (
                Post.objects.filter(org__kind__in=list(TEMPORARY_KINDS), org__path__startswith=district.path,
                                    role=Role.SECRETARY)
                .values_list("person_id", "person__org_id", "person__org_path", "org_id", "org__name",
                             "org__purpose", "org__opened_on", "org__closed_on", "starts_on", "ends_on")
                .order_by("org__path", "pk")):
            self.person_org[pid] = (porg, ppath)
            first = max(opened, starts)
            last = min(d for d in (closed, ends) if d is not None) if (closed or ends) else None
            self.temps.append((pid, oid, name, purpose, first, last))
        # Community (and village) secretaries and the organisations they lead.
        self.secretaries: dict[int, list[int]] = {}
        for pid, oid, porg, ppath in (Post.objects.filter(org__path__startswith=district.path, role=Role.SECRETARY,
                                                            org__kind="regular",
                                                            org__level__code__in=["community", "village"])
                                      .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=dt.date(year, 1, 1)))
                                      .values_list("person_id", "org_id", "person__org_id", "person__org_path")
                                      .order_by("org__path", "pk")):
            self.secretaries.setdefault(oid, []).append(pid)
            self.person_org[pid] = (porg, ppath)

    def temps_in(self, start: dt.date, end: dt.date) -> list[tuple[int, int, str, str, dt.date, dt.date | None]]:
        return [t for t in self.temps if t[4] <= end and (t[5] is None or t[5] >= start)]


def _tasks_by_org(district: Org, year: int) -> dict[int, list[tuple[int, str, dt.date, dt.date]]]:
    out: dict[int, list[tuple[int, str, dt.date, dt.date]]] = {}
    for pk, org_id, code, title, starts, ends in (
            Task.objects.filter(task_list__year=year, org_path__startswith=district.path)
            .values_list("pk", "org_id", "code", "title", "starts_on", "ends_on").order_by("code", "pk")):
        out.setdefault(org_id, []).append((pk, f"{code} {title}", starts, ends))
    return out


class _Writer:
    def __init__(self, pool: _Pool, recorder: Any, now: dt.datetime) -> None:
        self.pool, self.recorder, self.now = pool, recorder, now
        self.stars: list[tuple[CadreStar, Cited]] = []
        self.promotions: list[tuple[Promotion, Cited]] = []
        self.taken: set[tuple[int, dt.date]] = set()

    def star(self, pid: int, month: dt.date, deeds: str, cited: Cited) -> None:
        org_id, path = self.pool.person_org[pid]
        self.taken.add((pid, month))
        selected = min(at(frontline.star_window(month)[1] + dt.timedelta(days=5), 10, 0), self.now)
        self.stars.append((CadreStar(person_id=pid, org_id=org_id, org_path=path, month=month, deeds=deeds[:500],
                                     selected_by=self.recorder, selected_at=selected), cited))

    def promotion(self, pid: int, day: dt.date, from_post: str, to_post: str, doc_no: str, reason: str,
                  cited: Cited) -> None:
        org_id, path = self.pool.person_org[pid]
        self.promotions.append((Promotion(person_id=pid, org_id=org_id, org_path=path, promoted_on=day,
                                          from_post=from_post, to_post=to_post, doc_no=doc_no, reason=reason,
                                          recorded_by=self.recorder, recorded_at=min(at(day, 16, 0), self.now)),
                                cited))

    def write(self) -> tuple[int, int]:
        fk: dict[str, str] = {WorkKind.TASK: "task_id", WorkKind.DEMAND: "demand_id", WorkKind.CAMPAIGN: "campaign_id",
              WorkKind.TEMP_ORG: "temp_org_id"}
        CadreStar.objects.bulk_create([s for s, _ in self.stars])
        Promotion.objects.bulk_create([p for p, _ in self.promotions])
        rows = [Citation(star=s, kind=kind, label=label[:300], **{fk[kind]: pk})
                for s, cited in self.stars for kind, pk, label in cited]
        rows += [Citation(promotion=p, kind=kind, label=label[:300], **{fk[kind]: pk})
                 for p, cited in self.promotions for kind, pk, label in cited]
        Citation.objects.bulk_create(rows, batch_size=1000)
        return len(self.stars), len(self.promotions)


def _recorder() -> Any:
    from zongheng.accounts.models import User

    return User.objects.filter(username="district").first()


def _flood_claims(pool: _Pool, district: Org, year: int) -> dict[int, tuple[int, str]]:
    """{person: (campaign, title)} of the members who served in ``year``'s flood duty campaign."""
    from zongheng.members.choices import CampaignKind, DutyState
    from zongheng.members.models import DutyClaim

    out: dict[int, tuple[int, str]] = {}
    for pid, cid, title, porg, ppath in (
            DutyClaim.objects.filter(campaign__org_path__startswith=district.path, campaign__kind=CampaignKind.FLOOD,
                                     campaign__starts_on__year=year).exclude(state=DutyState.RELEASED)
            .values_list("person_id", "campaign_id", "campaign__title", "person__org_id", "person__org_path")
            .order_by("person_id", "pk")):
        out[pid] = (cid, title)
        pool.person_org.setdefault(pid, (porg, ppath))
    return out


def _star_month(w: _Writer, rng: random.Random, month: dt.date, year: int,
                tasks: dict[int, list[tuple[int, str, dt.date, dt.date]]], flood: dict[int, tuple[int, str]]) -> bool:
    """One star for ``month``: a community secretary for their tasks (the article's year), a flood duty member in
    the flood months, else a temporary organisation's secretary. False when nobody fits."""
    start, end = frontline.star_window(month)
    choice = rng.random()
    if month.year == year and choice < 0.35:
        options = [(oid, pid) for oid, pids in w.pool.secretaries.items() for pid in pids
                   if (pid, month) not in w.taken
                   and any(s <= end and e >= start for _, _, s, e in tasks.get(oid, []))]
        if options:
            oid, pid = rng.choice(options)
            running = [t for t in tasks[oid] if t[2] <= end and t[3] >= start]
            cited: Cited = [(WorkKind.TASK, pk, label) for pk, label, _, _ in rng.sample(running, min(2, len(running)))]
            w.star(pid, month, TASK_DEEDS.format(title=cited[0][2].split(" ", 1)[-1][:60]), cited)
            return True
    if flood and choice < 0.6:
        options_f = [pid for pid in flood if (pid, month) not in w.taken]
        campaign_month = any(start <= dt.date(month.year, 7, d) <= end for d in (1, 14))
        if options_f and campaign_month and month.year < year:
            pid = rng.choice(options_f)
            cid, title = flood[pid]
            w.star(pid, month, FLOOD_DEEDS, [(WorkKind.CAMPAIGN, cid, title)])
            return True
    temps = [t for t in w.pool.temps_in(start, end) if (t[0], month) not in w.taken]
    if not temps:
        return False
    pid, oid, name, purpose, _, _ = rng.choice(temps)
    w.star(pid, month, f"任{name}书记，{DEEDS.get(purpose, DEEDS[TempPurpose.OTHER])}",
           [(WorkKind.TEMP_ORG, oid, name)])
    return True


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None
          ) -> tuple[int, int]:
    """The stars and promotions of ``year - 1`` and ``year`` (see the module's docstring)."""
    log = log or (lambda _msg: None)
    if CadreStar.objects.filter(org_path__startswith=district.path, month__year__lte=year).exists():
        log("干部之星和提拔重用记录已存在，不再生成")
        return 0, 0
    rng = random.Random(f"cadres-{seed}-{year}")
    pool = _Pool(district, year)
    w = _Writer(pool, _recorder(), at(dt.date(year, 12, 31), 18, 0))
    tasks = _tasks_by_org(district, year)
    flood = _flood_claims(pool, district, year - 1)
    months = _months(dt.date(year - 1, 1, 1), dt.date(year, 12, 1))
    owed = 0
    for month, count in zip(months, _spread(STARS, len(months), rng, 2), strict=True):
        for _ in range(count + owed):
            owed = 0 if _star_month(w, rng, month, year, tasks, flood) else owed + 1
    _promote(w, rng, pool, months, tasks, PROMOTIONS, year)
    stars, promotions = w.write()
    log(f"{year - 1}—{year} 年月度干部之星 {stars} 名、提拔重用 {promotions} 名（均引用一线工作）")
    return stars, promotions


def _promote(w: _Writer, rng: random.Random, pool: _Pool, months: list[dt.date],
             tasks: dict[int, list[tuple[int, str, dt.date, dt.date]]], count: int, year: int) -> None:
    """``count`` promotions: two in three of cadres starred before, the rest of temporary organisations'
    secretaries; each on a day after the work it cites began, citing all of that person's cited kinds."""
    starred: dict[int, list[tuple[CadreStar, Cited]]] = {}
    for star, cited in w.stars:
        starred.setdefault(star.person_id, []).append((star, cited))
    people = list(starred)
    rng.shuffle(people)
    chosen = people[: min(len(people), count * 2 // 3)]
    others = [t for t in pool.temps if t[0] not in starred]
    rng.shuffle(others)
    last_day = dt.date(year, 12, 31)
    for n, pid in enumerate(chosen, start=1):
        star, cited = starred[pid][0]
        earliest = frontline.star_window(star.month)[1] + dt.timedelta(days=1)
        day = earliest + dt.timedelta(days=rng.randint(0, max((last_day - earliest).days, 0)))
        day = min(day, last_day)
        from_post = cited[0][2].split("（")[0] + ("书记" if cited[0][0] == WorkKind.TEMP_ORG else "")
        if cited[0][0] != WorkKind.TEMP_ORG:
            from_post = "社区党委书记" if cited[0][0] == WorkKind.TASK else "社区党员"
        reason = f"{star.month:%Y年%m月}获评月度干部之星，" + star.deeds[:200]
        w.promotion(pid, day, from_post[:100], rng.choice(TO_POSTS), f"迎组干〔{day.year}〕{n}号", reason, cited)
    for n, (pid, oid, name, purpose, first, _) in enumerate(others[: count - len(chosen)], start=len(chosen) + 1):
        day = first + dt.timedelta(days=rng.randint(60, 300))
        day = min(day, last_day)
        if day < first:
            continue
        w.promotion(pid, day, f"{name}书记"[:100], rng.choice(TO_POSTS), f"迎组干〔{day.year}〕{n}号",
                    f"在{name}工作期间{DEEDS.get(purpose, DEEDS[TempPurpose.OTHER])}", [(WorkKind.TEMP_ORG, oid, name)])


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> tuple[int, int]:
    """The stars of the last three months up to today's, and two promotions of this year, citing this year's tasks
    of the communities their secretaries lead."""
    log = log or (lambda _msg: None)
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    first = ((this_month - dt.timedelta(days=1)).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    months = _months(first, this_month)  # this month and the two before
    if CadreStar.objects.filter(org_path__startswith=district.path, month__in=months).exists():
        log("近期干部之星已存在，不再生成")
        return 0, 0
    rng = random.Random(seed * 11 + today.toordinal())
    pool = _Pool(district, today.year)
    w = _Writer(pool, _recorder(), at(today, 0, 0))
    tasks = _tasks_by_org(district, today.year)
    mine = _community_secretary()
    for month in months:
        start, end = frontline.star_window(month)
        options = [(oid, pid) for oid, pids in pool.secretaries.items() for pid in pids
                   if any(s <= end and e >= start for _, _, s, e in tasks.get(oid, []))]
        rng.shuffle(options)
        if mine is not None and month < this_month:  # the community account's secretary: last month's star
            options = [o for o in options if o[1] == mine][:1] + [o for o in options if o[1] != mine]
            mine = None if options and options[0][1] == mine else mine
        for oid, pid in options[: rng.randint(2, 4)]:
            if (pid, month) in w.taken:
                continue
            running = [t for t in tasks[oid] if t[2] <= end and t[3] >= start]
            cited = [(WorkKind.TASK, pk, label) for pk, label, _, _ in rng.sample(running, min(2, len(running)))]
            w.star(pid, month, TASK_DEEDS.format(title=cited[0][2].split(" ", 1)[-1][:60]), cited)
    for n, (star, star_cited) in enumerate(w.stars[:2], start=1):
        day = min(frontline.star_window(star.month)[1] + dt.timedelta(days=10), today)
        w.promotion(star.person_id, day, "社区党委书记", "街道党工委委员", f"迎组干〔{day.year}〕{n}号",
                    f"{star.month:%Y年%m月}获评月度干部之星，{star.deeds}"[:500], star_cited)
    stars, promotions = w.write()
    log(f"近三个月干部之星 {stars} 名、今年提拔重用 {promotions} 名")
    return stars, promotions


def _community_secretary() -> int | None:
    from zongheng.accounts.models import User

    return User.objects.filter(username="community").values_list("person_id", flat=True).first()
