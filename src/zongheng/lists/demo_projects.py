"""项目清单 in the demo district: the two wheels, the six special projects and the three brands.

``build(district, seed, year)`` writes, from ``random.Random(seed)``:

- 书记认领: projects claimed by the secretaries of the district's streets, townships, communities and functional
  organisations (the person holding the secretary post); 基层申报: projects applied for by communities and
  villages; the 6 special projects (the article), each led by a standing committee member;
- the projects that became the article's brands (楼宇党建示范基地, 阳光360, 常青藤志愿服务), and the brands, each
  named within the year, a few weeks after its project was completed (the article counts them in 2018);
- every project's history: its ``ProjectEvent`` rows walk ``choices.PROJECT_TRANSITIONS`` from 已提交 to its state
  (some applications returned with a reason and resubmitted). A year long over ends evaluated (a project resting
  in another state since then would be years stalled).

``build_live(district, seed, today)`` writes this year's projects as they stand today: every state of the table
(one at least each, most in progress), each in its state since a day within its stall limit but one, which has
rested too long in review (a stalled project to warn about).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Person, Post

from . import demo_words as words
from .choices import PROJECT_TRANSITIONS, STALL_DAYS, ProjectKind, ProjectMove, ProjectState
from .demo_tasks import World, at, cadres, world
from .models import Brand, Project, ProjectEvent

# Days a move takes after the previous one (low, high).
GAPS = {ProjectMove.REVIEW: (1, 7), ProjectMove.RETURN: (3, 15), ProjectMove.RESUBMIT: (5, 20),
        ProjectMove.APPROVE: (5, 15), ProjectMove.START: (3, 20), ProjectMove.COMPLETE: (60, 200),
        ProjectMove.EVALUATE: (10, 40)}
CHAIN = [ProjectMove.APPROVE, ProjectMove.START, ProjectMove.COMPLETE, ProjectMove.EVALUATE]
RETURN_SHARE = {ProjectKind.APPLIED: 0.3, ProjectKind.CLAIMED: 0.1, ProjectKind.SPECIAL: 0.0}
LIVE_WEIGHTS = {ProjectState.SUBMITTED: 2, ProjectState.REVIEWING: 2, ProjectState.APPROVED: 2,
                ProjectState.RETURNED: 2, ProjectState.IN_PROGRESS: 6, ProjectState.COMPLETED: 2,
                ProjectState.EVALUATED: 1}


def moves_to(target: str, returns: int) -> list[str]:
    """The moves after the submission that bring a project to ``target`` through ``returns`` returns."""
    moves: list[str] = []
    for _ in range(returns):
        moves += [ProjectMove.REVIEW, ProjectMove.RETURN, ProjectMove.RESUBMIT]
    if target == ProjectState.SUBMITTED:
        return moves
    moves.append(ProjectMove.REVIEW)
    if target == ProjectState.RETURNED:
        return [*moves, ProjectMove.RETURN]
    state = ProjectState.REVIEWING
    for move in CHAIN:
        if state == target:
            break
        moves.append(move)
        state = ProjectState(PROJECT_TRANSITIONS[move][1])
    return moves


@contextlib.contextmanager
def _history() -> Iterator[None]:
    """Lets ``bulk_create`` keep a project's submission time as its creation time."""
    created = Project._meta.get_field("created_at")
    created.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        created.auto_now_add = True  # type: ignore[attr-defined]


@dataclass
class _Plan:
    project: Project
    moves: list[str]
    times: list[dt.datetime]  # the submission's, then one per move


class _Projects:
    def __init__(self, district: Org, rng: random.Random, year: int, now: dt.datetime) -> None:
        self.rng, self.year, self.now = rng, year, now
        self.w: World = world(district)
        self.district = district
        functional = list(Org.objects.filter(path__startswith=district.path, kind=OrgKind.FUNCTIONAL).order_by("path"))
        self.secretary: dict[int, int] = dict(self.w.secretary)
        for org_id, person_id in (Post.objects.filter(role=Role.SECRETARY, org__in=functional, ends_on__isnull=True)
                                  .order_by("starts_on", "pk").values_list("org_id", "person_id")):
            self.secretary.setdefault(org_id, person_id)
        self.units = [*self.w.streets, *functional]
        self.communities = [o for orgs in self.w.below.values() for o in orgs]
        self.by_name = {o.name: o for o in [*self.units, *self.communities]}
        self.plans: list[_Plan] = []

    def project(self, kind: str, org: Org, title: str, *, lead: Person | None = None) -> Project:
        rng = self.rng
        budget = rng.randint(50, 300) if kind == ProjectKind.SPECIAL else rng.randint(2, 60)
        return Project(kind=kind, org=org, org_path=org.path, year=self.year, title=title[:120],
                       summary=words.PROJECT_SUMMARY.format(title=title),
                       secretary_id=self.secretary.get(org.pk) if kind == ProjectKind.CLAIMED else None,
                       lead=lead, budget=Decimal(budget) + Decimal(rng.choice([0, 5])) / 10)

    def claimed(self, n: int, must: list[Org]) -> list[Project]:
        owners = [o for o in [*self.units, *self.communities] if o.pk in self.secretary]
        chosen = must + self.rng.sample([o for o in owners if o not in must], n - len(must))
        return [self.project(ProjectKind.CLAIMED, o, self.rng.choice(words.CLAIMED).format(org=o.name))
                for o in chosen]

    def applied(self, n: int, must: list[Org]) -> list[Project]:
        chosen = must + self.rng.sample([o for o in self.communities if o not in must], n - len(must))
        return [self.project(ProjectKind.APPLIED, o, self.rng.choice(words.APPLIED).format(org=o.name))
                for o in chosen]

    def returns(self, project: Project, target: str) -> int:
        if target == ProjectState.RETURNED:
            return 1 if self.rng.random() < 0.2 else 0
        return 1 if self.rng.random() < RETURN_SHARE[ProjectKind(project.kind)] else 0

    def _gap(self, move: str) -> dt.timedelta:
        low, high = GAPS[ProjectMove(move)]
        return dt.timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(0, 6))

    def forward(self, project: Project, target: str) -> None:
        """A project of a year that is over: submitted early in the year, completed by its end, evaluated."""
        rng, year = self.rng, self.year
        moves = moves_to(target, self.returns(project, target))
        t = at(dt.date(year, rng.randint(1, 4), rng.randint(1, 28)), rng.randint(9, 16), rng.randint(0, 59))
        times = [t]
        for move in moves:
            if move == ProjectMove.COMPLETE:
                done = dt.date(year, rng.randint(9, 12), rng.randint(1, 20))
                t = max(t + dt.timedelta(days=30), at(done, rng.randint(9, 16), rng.randint(0, 59)))
            else:
                t = t + self._gap(move)
            times.append(min(t, self.now))
        self.plans.append(_Plan(project, moves, times))

    def backward(self, project: Project, target: str, since: dt.datetime) -> None:
        """A project as it stands today: in ``target`` since ``since``; the earlier moves before it."""
        moves = moves_to(target, self.returns(project, target))
        gaps = [self._gap(m) for m in moves]
        start = at(dt.date(self.year, 1, 5), 9, 0)
        total = sum(gaps, dt.timedelta())
        if since - total < start < since:  # squeeze the history into the year
            gaps = [g * ((since - start) / total) for g in gaps]
        times = [since]
        for gap in reversed(gaps):
            times.insert(0, times[0] - max(gap, dt.timedelta(hours=1)))
        self.plans.append(_Plan(project, moves, times))

    def write(self) -> list[Project]:
        rng = self.rng
        reviewer = self.w.reviewer
        for plan in self.plans:
            p = plan.project
            p.state, p.state_since = ProjectState.SUBMITTED, plan.times[0]
            p.created_at = plan.times[0]
            p.created_by = self.w.filer.get(p.org_id)
            for move in plan.moves:
                p.state = ProjectState(PROJECT_TRANSITIONS[move][1])
            p.state_since = plan.times[-1]
            if p.state in (ProjectState.COMPLETED, ProjectState.EVALUATED):
                p.outcome = rng.choice(words.PROJECT_OUTCOME).format(n=rng.randint(20, 2000))
            if p.state == ProjectState.EVALUATED:
                p.evaluation = rng.choice(words.PROJECT_EVALUATION)
        with _history():
            Project.objects.bulk_create([plan.project for plan in self.plans], batch_size=1000)
        events = []
        for plan in self.plans:
            p = plan.project
            own = self.w.filer.get(p.org_id)
            events.append(ProjectEvent(project=p, move=ProjectMove.SUBMIT, from_state="",
                                       to_state=ProjectState.SUBMITTED, by=own, at=plan.times[0]))
            state = ProjectState.SUBMITTED
            for move, when in zip(plan.moves, plan.times[1:], strict=True):
                sources, target = PROJECT_TRANSITIONS[move]
                assert state in sources  # noqa: S101 - the walk follows the table
                note = rng.choice(words.PROJECT_RETURN) if move == ProjectMove.RETURN else ""
                by = reviewer if move in (ProjectMove.REVIEW, ProjectMove.APPROVE, ProjectMove.RETURN,
                                          ProjectMove.EVALUATE) else own
                events.append(ProjectEvent(project=p, move=move, from_state=state, to_state=target, note=note,
                                           by=by, at=when))
                state = ProjectState(target)
        ProjectEvent.objects.bulk_create(events, batch_size=2000)
        return [plan.project for plan in self.plans]


@dataclass
class Figures:
    projects: int = 0
    claimed: int = 0
    applied: int = 0
    special: int = 0
    returned_once: int = 0
    brands: int = 0
    by_state: dict[str, int] | None = None


def _figures(projects: list[Project], brands: int = 0) -> Figures:
    by_state = {s: 0 for s in ProjectState.values}
    for p in projects:
        by_state[p.state] += 1
    returned = set(ProjectEvent.objects.filter(project__in=projects, move=ProjectMove.RETURN)
                   .values_list("project_id", flat=True))
    return Figures(projects=len(projects), claimed=sum(p.kind == ProjectKind.CLAIMED for p in projects),
                   applied=sum(p.kind == ProjectKind.APPLIED for p in projects),
                   special=sum(p.kind == ProjectKind.SPECIAL for p in projects), returned_once=len(returned),
                   brands=brands, by_state=by_state)


def _say(log: Callable[[str], None], year: int, f: Figures) -> None:
    states = "、".join(f"{ProjectState(s).label} {n}" for s, n in (f.by_state or {}).items() if n)
    log(f"{year} 年项目清单：项目 {f.projects} 个（书记认领 {f.claimed}、基层申报 {f.applied}、"
        f"常委领衔专题 {f.special}），{states}；曾被退回 {f.returned_once} 个；党建品牌 {f.brands} 个")


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> Figures:
    log = log or (lambda _msg: None)
    rng = random.Random(seed * 1_000_003 + 82)
    b = _Projects(district, rng, year, timezone.now())
    standing = [p for p in cadres(district, seed, year) if p.workplace in words.STANDING_COMMITTEE[1:]]
    lead_post = next(p for p in standing if p.workplace == words.LEAD_ACCOUNT_POST)  # the ``lead`` account's
    leads = [lead_post, *rng.sample([p for p in standing if p != lead_post], words.SPECIAL_PROJECTS - 1)]
    rng.shuffle(leads)
    specials = [b.project(ProjectKind.SPECIAL, district, title, lead=lead)
                for title, lead in zip(words.SPECIAL, leads, strict=False)]
    brand_projects = []
    for _name, _slug, title, org_name, kind, _summary in words.BRANDS:
        org = b.by_name.get(org_name)
        if org is None or (kind == ProjectKind.CLAIMED and org.pk not in b.secretary):
            continue
        brand_projects.append(b.project(kind, org, title))
    projects = [*specials, *brand_projects, *b.claimed(rng.randint(18, 28), []),
                *b.applied(rng.randint(18, 28), [])]
    for p in projects:
        b.forward(p, ProjectState.EVALUATED)
    written = b.write()
    brands = []
    for name, slug, title, _org, _kind, summary in words.BRANDS:
        project = next((p for p in brand_projects if p.title == title), None)
        if project is None or Brand.objects.filter(name=name).exists():
            continue
        plan = next(pl for pl in b.plans if pl.project is project)  # named once completed, within the year
        completed = timezone.localtime(plan.times[1 + plan.moves.index(ProjectMove.COMPLETE)]).date()
        named = min(completed + dt.timedelta(days=rng.randint(10, 40)), dt.date(year, 12, 31))
        brand = Brand.objects.create(name=name, slug=slug, org=project.org, org_path=project.org_path, summary=summary,
                                     named_on=named, named_by=b.w.reviewer)
        brand.projects.add(project)
        brands.append(brand)
    fig = _figures(written, len(brands))
    _say(log, year, fig)
    return fig


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> Figures | None:
    log = log or (lambda _msg: None)
    today = today or timezone.localdate()
    now = at(today, 0, 0)  # the records stand as of this morning (the same for a seed all day)
    if Project.objects.filter(org_path__startswith=district.path, year=today.year).exists():
        log(f"{today.year} 年项目清单已存在，不再生成")
        return None
    rng = random.Random(seed * 7 + today.toordinal() + 1)
    b = _Projects(district, rng, today.year, now)
    home = [*b.w.home] if b.w.home else []
    projects = [*b.claimed(rng.randint(10, 16), home), *b.applied(rng.randint(10, 16), home[1:])]
    rng.shuffle(projects)
    states = list(ProjectState.values)
    targets = states + rng.choices(list(LIVE_WEIGHTS), list(LIVE_WEIGHTS.values()), k=len(projects) - len(states))
    stalled = False
    for p, target in zip(projects, targets, strict=True):
        limit = STALL_DAYS.get(target, 120)
        days = rng.uniform(0.05, 0.8) * limit
        if target == ProjectState.REVIEWING and not stalled:  # one rests in review too long
            days, stalled = limit * rng.uniform(1.2, 1.8), True
        since = min(now - dt.timedelta(hours=1), now - dt.timedelta(days=days))
        since = min(max(since, at(dt.date(today.year, 1, 20), 10, 0)), now - dt.timedelta(hours=1))
        b.backward(p, target, since)
    fig = _figures(b.write())
    _say(log, today.year, fig)
    return fig
