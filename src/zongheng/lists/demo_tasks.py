"""任务清单 in the demo district: the 2018 list of the article, and this year's list around today.

``build(district, seed, year)`` writes, from ``random.Random(seed)`` (only the article's figures are typed):

- the county-level cadres of the district (a person each on the district, no post: they lead by assignment),
  and the ``lead`` demo account for the 区委常委、组织部部长 among them;
- ``year``'s list: the opinion and its seven supporting documents (1+7), its 17 supporting rules (配套制度, drawn
  from ``random.Random(seed)`` of their own so that the rest of the list does not change), the catalogue of 147
  standards, the 87
  tasks, each led by a cadre, with plan and pledge; most split to a few streets and townships, some of those
  pieces further to communities, every piece weighted among its siblings;
- each piece that is not split further: a roadmap of 2–4 milestones through the year, met with evidence (most on
  time, some late, a few not by the year's end — those were put right the next spring, so a year long over leaves
  no overdue milestone to warn about today) and a monthly report for every month it runs until it is completed, filed by
  day ``report_day`` of the next month mostly (some late, some missing), reviewed by the task force (accepted,
  some returned);
- the four quarterly meetings (their items: the tasks whose status on the meeting's day — ``progress.load`` —
  asked for a remark) and the annual review of every piece, scored from its year-end progress and status.

``build_live(district, seed, today)`` writes this year's list the same way, as it stands today: reports up to last
month (some late, some not filed, the latest partly still waiting for review), milestones met up to today (some
overdue), three pieces of 先锋社区 set so that the demo accounts have live work (a missing report, an overdue
milestone, a report waiting for review).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from zongheng.core.permissions import Role
from zongheng.orgs.choices import Gender, MemberType, OrgKind
from zongheng.orgs.models import Org, Person, Post

from . import demo_words as words
from . import progress
from .choices import DocKind, ReviewResult, TaskStatus
from .models import (
    AnnualReview,
    Milestone,
    ProgressReport,
    QuarterReview,
    QuarterReviewItem,
    SourceDocument,
    Standard,
    Task,
    TaskList,
)

REPORT_DAY = 5
SPLIT_TOP = 0.75  # a top-level task split to streets
SPLIT_STREET = 0.3  # a street's piece split further to communities
LATE_ONE_IN = 9
MISSING_ONE_IN = 25
RETURNED_ONE_IN = 14
PROBLEMS_ONE_IN = 6
FATES = (("good", 76), ("late", 19), ("stuck", 5))  # how a piece keeps its roadmap
LIVE_WAITING = 0.15  # the share of last month's reports (live list) the task force has not reviewed yet


def at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _last_day(month: dt.date) -> dt.date:
    return progress.month_end(month)


# ------------------------------------------------------------------ the district: streets, accounts, cadres


@dataclass
class World:
    district: Org
    streets: list[Org]
    below: dict[int, list[Org]]  # street or township pk -> its communities and villages
    secretary: dict[int, int]  # org pk -> the person holding its secretary post
    filer: dict[int, Any]  # org pk -> the demo account of its secretary (files its reports)
    reviewer: Any  # the district's demo account (the task force)
    home: tuple[Org, Org] | None  # the street and community of the ``street``/``community`` demo accounts


def world(district: Org) -> World:
    from zongheng.accounts.models import User
    from zongheng.orgs.demo import DEMO_ACCOUNTS

    units = list(Org.objects.filter(path__startswith=district.path, depth=district.depth + 1, kind=OrgKind.REGULAR)
                 .order_by("path"))
    below: dict[int, list[Org]] = {u.pk: [] for u in units}
    for org in (Org.objects.filter(path__startswith=district.path, depth=district.depth + 2, kind=OrgKind.REGULAR)
                .order_by("path")):
        parent = next(u for u in units if org.path.startswith(u.path))
        below[parent.pk].append(org)
    regular = [u.pk for u in units] + [o.pk for orgs in below.values() for o in orgs]
    secretary: dict[int, int] = {}
    for org_id, person_id in (Post.objects.filter(role=Role.SECRETARY, org_id__in=regular, ends_on__isnull=True)
                              .order_by("starts_on", "pk").values_list("org_id", "person_id")):
        secretary.setdefault(org_id, person_id)
    users = {u.username: u for u in User.objects.filter(is_demo=True, person__isnull=False)}
    filer = {}
    for user in users.values():
        for org_id in Post.objects.filter(person_id=user.person_id or 0, role=Role.SECRETARY,
                                          org_id__in=regular).values_list("org_id", flat=True):
            filer[org_id] = user
    names = {a["username"]: a["org"] for a in DEMO_ACCOUNTS}
    street = next((u for u in units if u.name == names.get("street")), None)
    community = (next((o for o in below.get(street.pk, []) if o.name == names.get("community")), None)
                 if street else None)
    return World(district, units, below, secretary, filer, users.get("district"),
                 (street, community) if street and community else None)


def cadres(district: Org, seed: int, year: int) -> list[Person]:
    """The county-level cadres (standing committee first), made once on the district; no post."""
    from zongheng.orgs.demo import GIVEN_FEMALE, GIVEN_MALE, REAL_NAMES

    titles = words.STANDING_COMMITTEE + words.OTHER_CADRES
    existing = list(Person.objects.filter(org=district, workplace__in=set(titles), is_party_member=True)
                    .order_by("pk"))
    if existing:
        return existing
    rng = random.Random(seed * 1_000_003 + 81)
    people, names = [], set()
    for title in titles:
        gender = Gender.MALE if rng.random() < 0.75 else Gender.FEMALE
        while True:
            name = rng.choice(words.SURNAMES) + rng.choice(GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE)
            if name not in REAL_NAMES and name not in names:
                names.add(name)
                break
        birth = year - rng.randint(42, 58)
        people.append(Person(name=name, gender=gender, birth_year=birth, is_party_member=True,
                             member_type=MemberType.EMPLOYED, joined_on=dt.date(birth + rng.randint(20, 30),
                                                                                 rng.randint(1, 12), 1),
                             org=district, org_path=district.path, workplace=title))
    return Person.objects.bulk_create(people)


def lead_account(cadre: Person) -> Any:
    """The ``lead`` demo account: a lead cadre without a post, who sees the tasks they lead."""
    from django.contrib.auth.hashers import make_password

    from zongheng.accounts.models import User
    from zongheng.orgs.demo import DEMO_PASSWORD

    hashed = (User.objects.filter(is_demo=True).exclude(password="").values_list("password", flat=True).first()
              or make_password(DEMO_PASSWORD))
    user, _ = User.objects.get_or_create(username="lead")
    user.person, user.first_name, user.password = cadre, cadre.name, hashed
    user.is_demo, user.must_change_password, user.is_active = True, False, True
    user.save()
    return user


# ------------------------------------------------------------------ one year's list


@dataclass
class _Piece:
    task: Task
    parent: _Piece | None = None
    children: list[_Piece] = field(default_factory=list)
    fate: str = "good"
    force: str = ""  # live: "missing" | "overdue" | "waiting"
    milestones: list[Milestone] = field(default_factory=list)


@dataclass
class Figures:
    tasks: int = 0
    top: int = 0
    pieces: int = 0
    milestones: int = 0
    reports: int = 0
    late: int = 0
    missing: int = 0
    returned: int = 0
    waiting: int = 0
    quarters: int = 0
    annual: int = 0


class _ListBuilder:
    def __init__(self, w: World, rng: random.Random, year: int, leads: list[Person], *, today: dt.date,
                 now: dt.datetime, live: bool) -> None:
        self.w, self.rng, self.year, self.leads, self.live = w, rng, year, leads, live
        self.today, self.now = today, now
        # A list of a year that is over: what was left unmet at the year's end was put right the next spring (as
        # of the year's end it is unmet all the same; today it warns no more).
        self.rectified_by: dt.date | None = None if live else timezone.localdate()
        self.pieces: list[_Piece] = []
        self.fig = Figures()

    # -------------------------------------------------------------- documents and standards

    def documents(self, tl: TaskList, issued_year: int) -> list[SourceDocument]:
        rng = self.rng
        opinion_on = dt.date(issued_year, rng.randint(1, 2), rng.randint(5, 25))
        docs = [SourceDocument(task_list=tl, kind=DocKind.OPINION, title=words.OPINION,
                               doc_no=f"迎发〔{issued_year}〕{rng.randint(1, 5)}号", issued_on=opinion_on)]
        for i, title in enumerate(words.SUPPORTING):
            docs.append(SourceDocument(task_list=tl, kind=DocKind.SUPPORTING, title=title,
                                       doc_no=f"迎办发〔{issued_year}〕{10 + 3 * i + rng.randint(0, 2)}号",
                                       issued_on=opinion_on + dt.timedelta(days=rng.randint(15, 120))))
        return SourceDocument.objects.bulk_create(docs)

    def standards(self, tl: TaskList) -> list[Standard]:
        pairs = [(g, a) for g in words.STANDARD_GROUPS for a in words.STANDARD_ASPECTS]
        keep = sorted(self.rng.sample(range(len(pairs)), words.STANDARDS))
        rows: list[Standard] = []
        seen: dict[str, int] = {}
        for i in keep:
            (code, group), (aspect, requirement) = pairs[i]
            seen[code] = seen.get(code, 0) + 1
            rows.append(Standard(task_list=tl, code=f"{code}-{seen[code]:02d}", group=group,
                                 title=f"{group}{aspect}标准", text=f"{group}{requirement}。"))
        return Standard.objects.bulk_create(rows)

    # -------------------------------------------------------------- tasks split down the tree

    def _task(self, tl: TaskList, org: Org, code: str, title: str, category: str, starts: dt.date, ends: dt.date,
              *, document: SourceDocument | None = None, lead: Person | None = None) -> Task:
        rng = self.rng
        pledge_by = lead.pk if lead else self.w.secretary.get(org.pk)
        steps = "、".join(rng.sample(words.MILESTONES, 3))
        return Task(task_list=tl, code=code, title=title, category=category,
                    weight=rng.choices([1, 2, 3], [5, 3, 2])[0], document=document, org=org, org_path=org.path,
                    lead=lead,
                    goal=f"{self.year}年{ends.month}月底前{title}，达到文件要求并通过验收。",
                    measures=f"{steps}；按月报送进展，按季接受调度。", starts_on=starts, ends_on=ends,
                    pledge_by_id=pledge_by, pledge_on=(max(dt.date(self.year, 1, 2), starts - dt.timedelta(
                        days=rng.randint(0, 10))) if pledge_by else None),
                    pledge_text=(f"{org.name}承诺：按路线图和时间表完成“{title}”各节点任务，未按期完成的，"
                                 "主要负责人向区委作出书面说明并接受问责。") if pledge_by else "")

    def tasks(self, tl: TaskList, docs: list[SourceDocument], standards: list[Standard], count: int) -> None:
        rng, w, year = self.rng, self.w, self.year
        every = [(cat, doc, title) for cat, doc, titles in words.CATEGORIES for title in titles]
        chosen = [every[i] for i in sorted(rng.sample(range(len(every)), count))]
        leads = list(self.leads)
        rng.shuffle(leads)
        if self.live:  # the ``lead`` account's cadre leads the first tasks
            first = next(p for p in self.leads if p.workplace == words.LEAD_ACCOUNT_POST)
            leads.remove(first)
            leads.insert(0, first)
        tops: list[_Piece] = []
        for n, (category, doc, title) in enumerate(chosen):
            starts = dt.date(year, rng.choice([1, 1, 1, 2, 3]), rng.randint(1, 28))
            ends = rng.choices([dt.date(year, 12, 31), dt.date(year, 9, 30), dt.date(year, 6, 30)], [7, 2, 1])[0]
            forced = self.live and n < 3 and w.home is not None
            if forced:
                starts, ends = dt.date(year, 1, rng.randint(2, 20)), dt.date(year, 12, 31)
            top = _Piece(self._task(tl, w.district, f"{n + 1:02d}", title, category, starts, ends,
                                    document=docs[0 if doc is None else doc + 1], lead=leads[n % len(leads)]))
            tops.append(top)
            if forced or rng.random() < SPLIT_TOP:
                streets = rng.sample(w.streets, rng.randint(2, len(w.streets)))
                if forced and w.home is not None and w.home[0] not in streets:
                    streets[0] = w.home[0]
                for j, street in enumerate(sorted(streets, key=lambda o: o.path), start=1):
                    self._street_piece(tl, top, street, j, force=("missing", "overdue", "waiting")[n] if forced
                                       and w.home is not None and street == w.home[0] else "")
        Task.objects.bulk_create([p.task for p in tops])
        Task.objects.filter(pk__in=[p.task.pk for p in tops]).update(root_id=F("pk"))
        for p in tops:
            p.task.root_id = p.task.pk
        through = Task.standards.through
        through.objects.bulk_create([through(task_id=p.task.pk, standard_id=s.pk) for p in tops
                                     for s in rng.sample(standards, rng.randint(1, 3))])
        level = [c for p in tops for c in p.children]
        while level:
            for c in level:
                assert c.parent is not None  # noqa: S101 - a child piece
                c.task.parent_id, c.task.root_id = c.parent.task.pk, c.parent.task.root_id
            Task.objects.bulk_create([c.task for c in level], batch_size=1000)
            level = [g for c in level for g in c.children]
        self.pieces = []
        stack = list(reversed(tops))
        while stack:
            p = stack.pop()
            self.pieces.append(p)
            stack.extend(reversed(p.children))
        self.fig.top, self.fig.tasks = len(tops), len(self.pieces)

    def _child(self, tl: TaskList, parent: _Piece, org: Org, j: int) -> _Piece:
        rng = self.rng
        pt = parent.task
        starts = min(pt.ends_on, pt.starts_on + dt.timedelta(days=rng.randint(0, 20)))
        ends = pt.ends_on if rng.random() < 0.8 else max(starts, pt.ends_on - dt.timedelta(days=rng.randint(10, 60)))
        piece = _Piece(self._task(tl, org, f"{pt.code}.{j}", pt.title, pt.category, starts, ends,
                                  document=pt.document), parent)
        piece.fate = rng.choices([f for f, _ in FATES], [n for _, n in FATES])[0]
        parent.children.append(piece)
        return piece

    def _street_piece(self, tl: TaskList, top: _Piece, street: Org, j: int, force: str) -> None:
        rng = self.rng
        piece = self._child(tl, top, street, j)
        below = self.w.below.get(street.pk, [])
        if len(below) >= 2 and (force or rng.random() < SPLIT_STREET):
            chosen = rng.sample(below, rng.randint(2, min(4, len(below))))
            home = self.w.home[1] if self.w.home else None
            if force and home is not None and home not in chosen:
                chosen[0] = home
            for k, org in enumerate(sorted(chosen, key=lambda o: o.path), start=1):
                child = self._child(tl, piece, org, k)
                if force and org == home:
                    child.force, child.fate = force, "good"
                    child.task.starts_on, child.task.ends_on = piece.task.starts_on, piece.task.ends_on

    # -------------------------------------------------------------- roadmaps and reports

    def leaves(self) -> list[_Piece]:
        return [p for p in self.pieces if not p.children]

    def milestones(self) -> None:
        rng, today = self.rng, self.today
        rows: list[Milestone] = []
        for p in self.leaves():
            t = p.task
            n = rng.randint(2, 4)
            titles = [words.MILESTONES[i] for i in sorted(rng.sample(range(len(words.MILESTONES)), n))]
            span = (t.ends_on - t.starts_on).days
            stuck_from = rng.randint(1, n - 1) if p.fate == "stuck" else n
            for i, title in enumerate(titles):
                due = t.starts_on + dt.timedelta(days=round(span * (i + 1) / n))
                if p.fate == "late" and rng.random() < 0.5:
                    done: dt.date | None = due + dt.timedelta(days=rng.randint(3, 45))
                else:
                    done = max(t.starts_on, due - dt.timedelta(days=rng.randint(0, 12)))
                evidence = rng.choice(words.MILESTONE_EVIDENCE)
                if i >= stuck_from or (done is not None and done > today):
                    done = None
                    if self.rectified_by is not None:  # a year over: put right after its annual review
                        after = dt.date(self.year + 1, rng.randint(2, 6), rng.randint(1, 28))
                        done = after if after <= self.rectified_by else None
                        evidence = f"年度述评后整改完成：{evidence}"
                m = Milestone(task=t, title=title, due_on=due, weight=rng.choice([1, 1, 2]), done_on=done,
                              evidence=evidence if done else "")
                p.milestones.append(m)
                rows.append(m)
            if p.force:  # live work: the piece is not completed (its last milestone is still ahead)
                p.milestones[-1].done_on, p.milestones[-1].evidence = None, ""
            if p.force == "overdue":  # a milestone fell due a few days ago and is not met
                past = [m for m in p.milestones if m.due_on < today] or p.milestones[:1]
                m = past[-1]
                m.due_on = min(m.due_on, today - dt.timedelta(days=rng.randint(3, 20)))
                m.done_on, m.evidence = None, ""
        Milestone.objects.bulk_create(rows, batch_size=2000)
        self.fig.milestones = len(rows)

    def reports(self, tl: TaskList) -> None:
        rng, today, now = self.rng, self.today, self.now
        reviewer = self.w.reviewer
        last = dt.date(self.year, 12, 1) if not self.live else progress.month_start(today) - dt.timedelta(days=1)
        last = min(progress.month_start(last), progress.month_start(today))
        rows: list[ProgressReport] = []
        for p in self.leaves():
            t = p.task
            dones = [m.done_on for m in p.milestones if m.done_on is not None]
            completed = progress.month_start(max(dones)) if len(dones) == len(p.milestones) else None
            filer = self.w.filer.get(t.org_id)
            month = progress.month_start(t.starts_on)
            while month <= min(last, t.ends_on) and (completed is None or month <= completed):
                due = progress.report_due(month, tl.report_day)
                final = month == last
                gone = p.force == "missing" and progress.next_month(month) >= last  # its last two months
                if gone or (not p.force and rng.randrange(MISSING_ONE_IN) == 0):
                    self.fig.missing += 1
                    month = progress.next_month(month)
                    continue
                if not p.force and rng.randrange(LATE_ONE_IN) == 0:
                    filed_on = due + dt.timedelta(days=rng.randint(1, 15))
                else:
                    filed_on = due - dt.timedelta(days=rng.randint(0, tl.report_day + 3))
                filed_at = at(filed_on, rng.randint(8, 17), rng.randint(0, 59))
                if p.force == "waiting" and final:  # filed by now, whatever the day
                    filed_at = min(filed_at, now - dt.timedelta(minutes=5))
                if filed_at > now:  # not filed yet: missing today
                    self.fig.missing += 1
                    month = progress.next_month(month)
                    continue
                self.fig.late += filed_on > due
                mon_end = _last_day(month)
                milestone = next((m for m in p.milestones if m.due_on >= month), p.milestones[-1])
                problems = rng.choice(words.REPORT_PROBLEMS) if rng.randrange(PROBLEMS_ONE_IN) == 0 else ""
                report = ProgressReport(task=t, org_path=t.org_path, month=month, milestone=milestone,
                                        done=rng.choice(words.REPORT_DONE).format(m=milestone.title)
                                        + (f"，{milestone.title}已完成" if milestone.done_on
                                           and milestone.done_on <= mon_end else "") + "。",
                                        problems=problems, evidence=rng.choice(words.REPORT_EVIDENCE),
                                        filed_at=filed_at, filed_by=filer)
                reviewed = filed_at + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 6))
                waiting = reviewed > now or (self.live and final and (p.force == "waiting" or (
                    not p.force and rng.random() < LIVE_WAITING)))
                if not waiting:
                    returned = not p.force and rng.randrange(RETURNED_ONE_IN) == 0
                    report.result = ReviewResult.RETURNED if returned else ReviewResult.ACCEPTED
                    report.review_note = rng.choice(words.RETURN_NOTES) if returned else ""
                    report.reviewed_at, report.reviewed_by = reviewed, reviewer
                    self.fig.returned += returned
                else:
                    self.fig.waiting += 1
                rows.append(report)
                month = progress.next_month(month)
        ProgressReport.objects.bulk_create(rows, batch_size=2000)
        self.fig.reports = len(rows)

    # -------------------------------------------------------------- the meetings

    def quarters(self, tl: TaskList) -> None:
        rng = self.rng
        tops = [p.task for p in self.pieces if p.parent is None]
        for q in range(1, 5):
            held = _last_day(dt.date(self.year, 3 * q, 1)) + dt.timedelta(days=rng.randint(8, 20))
            if held >= self.today:
                continue
            board = progress.load(tl, held)
            counts = {s: 0 for s in TaskStatus.values}
            items = []
            for t in tops:
                status = board.status[t.pk]
                counts[status] += 1
                if status in (TaskStatus.OVERDUE, TaskStatus.AT_RISK) or rng.random() < 0.1:
                    key = status if status in words.QUARTER_REMARKS else "on_track"
                    items.append((t, rng.choice(words.QUARTER_REMARKS[key])))
            summary = (f"第{q}季度调度会：清单 {len(tops)} 项任务，已完成 {counts[TaskStatus.DONE]} 项、"
                       f"正常推进 {counts[TaskStatus.ON_TRACK]} 项、有风险 {counts[TaskStatus.AT_RISK]} 项、"
                       f"逾期 {counts[TaskStatus.OVERDUE]} 项，整体进度 {board.list_progress():.0%}；"
                       f"对 {len(items)} 项任务提出调度意见，由领衔领导督促落实。")
            review = QuarterReview.objects.create(task_list=tl, quarter=q, held_on=held, summary=summary,
                                                  recorded_by=self.w.reviewer)
            QuarterReviewItem.objects.bulk_create([QuarterReviewItem(review=review, task=t, remark=remark)
                                                   for t, remark in items])
            self.fig.quarters += 1

    def annual(self, tl: TaskList) -> None:
        rng = self.rng
        board = progress.load(tl, dt.date(self.year, 12, 31))
        rows = []
        for p in self.pieces:
            t = p.task
            status = board.status[t.pk]
            score = 55 + 42 * float(board.progress[t.pk]) + rng.uniform(-3, 3)
            score -= {TaskStatus.OVERDUE: 10, TaskStatus.AT_RISK: 5}.get(TaskStatus(status), 0)
            score = max(0.0, min(100.0, score))
            comment = next(text for floor, text in words.ANNUAL_COMMENTS if score >= floor)
            reviewed = min(self.now, at(dt.date(self.year + 1, 1, rng.randint(10, 25)), rng.randint(9, 17), 0))
            rows.append(AnnualReview(task=t, org_path=t.org_path, score=Decimal(f"{score:.1f}"), comments=comment,
                                     reviewed_at=reviewed, reviewed_by=self.w.reviewer))
        AnnualReview.objects.bulk_create(rows, batch_size=2000)
        self.fig.annual = len(rows)


def build_list(w: World, rng: random.Random, year: int, leads: list[Person], *, count: int, today: dt.date,
               now: dt.datetime, live: bool, issued_year: int) -> tuple[TaskList, Figures]:
    b = _ListBuilder(w, rng, year, leads, today=today, now=now, live=live)
    tl = TaskList.objects.create(org=w.district, org_path=w.district.path, year=year, report_day=REPORT_DAY,
                                 title=f"{w.district.name}{year}年城市基层党建工作重点任务清单")
    docs = b.documents(tl, issued_year)
    standards = b.standards(tl)
    b.tasks(tl, docs, standards, count)
    b.milestones()
    b.reports(tl)
    b.quarters(tl)
    if not live:
        b.annual(tl)
    b.fig.pieces = len(b.leaves())
    return tl, b.fig


def rules(tl: TaskList, seed: int) -> list[SourceDocument]:
    """The supporting rules (配套制度) the year's list registers, issued through the year up to October (the
    article's month) — from a random stream of their own."""
    rng = random.Random(seed * 1_000_003 + 83)
    titles = rng.sample(words.RULE_TITLES[4:], words.RULES - 4)
    rows = []
    for i, title in enumerate([*words.RULE_TITLES[:4], *titles]):
        issued = dt.date(tl.year, rng.randint(2, 10), rng.randint(1, 28))
        rows.append(SourceDocument(task_list=tl, kind=DocKind.RULE, title=title, issued_on=issued,
                                   doc_no=f"迎办〔{tl.year}〕{40 + 2 * i + rng.randint(0, 1)}号"))
    return SourceDocument.objects.bulk_create(rows)


def _say(log: Callable[[str], None], tl: TaskList, f: Figures) -> None:
    log(f"{tl.title}：任务 {f.top} 项（分解后 {f.tasks} 项，末级 {f.pieces} 项），里程碑 {f.milestones} 个，"
        f"月报 {f.reports} 份（迟报 {f.late}、未报 {f.missing}、退回 {f.returned}、待审 {f.waiting}），"
        f"季度调度会 {f.quarters} 次，年度述评 {f.annual} 项")


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None,
          today: dt.date | None = None) -> tuple[TaskList, Figures]:
    """``year``'s list (the article's: 1+7 documents, 17 rules, 87 tasks, 147 standards), its cadres and the lead
    account."""
    log = log or (lambda _msg: None)
    rng = random.Random(seed * 1_000_003 + 80)
    leads = cadres(district, seed, year)
    lead_account(next(p for p in leads if p.workplace == words.LEAD_ACCOUNT_POST))
    now = timezone.now()
    today = today or timezone.localdate()
    if today < dt.date(year + 1, 2, 1):  # a list of a year not over: the records stand as of today
        now = min(now, at(today, 23, 59))
    tl, fig = build_list(world(district), rng, year, leads, count=words.TASKS,
                         today=min(today, dt.date(year + 1, 1, 31)), now=now, live=False, issued_year=year)
    rules(tl, seed)
    _say(log, tl, fig)
    return tl, fig


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> tuple[TaskList, Figures] | None:
    """This year's list as it stands today (see the module's docstring). None when the year's list exists."""
    log = log or (lambda _msg: None)
    today = today or timezone.localdate()
    if TaskList.objects.filter(org=district, year=today.year).exists():
        log(f"{today.year} 年任务清单已存在，不再生成")
        return None
    rng = random.Random(seed * 7 + today.toordinal())
    first = TaskList.objects.filter(org=district).order_by("year").first()
    leads = cadres(district, seed, first.year if first else today.year)
    now = at(today, 0, 0)  # the records stand as of this morning (the same for a seed all day)
    tl, fig = build_list(world(district), rng, today.year, leads, count=rng.randint(18, 30), today=today, now=now,
                         live=True, issued_year=first.year if first else today.year)
    _say(log, tl, fig)
    return tl, fig
