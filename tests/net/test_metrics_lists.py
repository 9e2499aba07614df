"""一张网's panel "lists" (一清单): every figure equals a direct reading of the same records — task statuses from
``progress.Board`` (the module's own Python), everything else counted or added up in plain Python over the rows
loaded once — for the district, a street and a community (and each one's children) and for a year, a quarter, a
month and a year still running; records of other years, outside the scope, drafts and rows dated just outside a
period are among them. The status written as SQL agrees with ``progress.Board`` for every task of random lists on
random days; a figure's rows are exactly what it counts; ``grouped`` runs one query per source whatever the size of
the data."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import Tree, make_person, user_with_post
from tests.lists.factories_warn import build_random_list, file_report, make_list, make_milestone, make_task
from zongheng.core import metrics as mx
from zongheng.core.periods import Period
from zongheng.core.permissions import Role
from zongheng.lists import metrics as lm
from zongheng.lists import progress
from zongheng.lists.choices import DocKind, ProjectKind, ProjectState, ReviewResult, TaskStatus
from zongheng.lists.choices_evaluations import EvalKind, EvalState
from zongheng.lists.choices_inspections import RectState, RoundState
from zongheng.lists.models import (
    Brand,
    ProgressReport,
    Project,
    SourceDocument,
    Standard,
    Task,
    TaskList,
)
from zongheng.lists.models_cadres import CadreStar, Promotion
from zongheng.lists.models_evaluations import EvalRound
from zongheng.lists.models_funds import BudgetCategory, BudgetLine, FundAllocation, FundSpending
from zongheng.lists.models_inspections import (
    Finding,
    InspectionRound,
    InspectionTarget,
    InspectionTeam,
    Rectification,
    RectificationReport,
)
from zongheng.orgs.models import Org

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2019, 3, 15, 2, 0, tzinfo=dt.UTC)  # 10:00 in Asia/Shanghai: 2019 still runs
PERIODS = [Period.parse(p) for p in ("2018", "2018-Q2", "2018-05", "2019")]
SOURCES = {m.source for m in mx.metrics("lists") if m.source}
_seq = itertools.count(1)


def local(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def within(period: Period, day: dt.date | None) -> bool:
    return day is not None and period.start_date <= day < period.end_date


def day_of(period: Period) -> dt.date:
    """The reading day, spelt out: the period's last day, or today while it runs."""
    last = period.end_date - dt.timedelta(days=1)
    return min(last, local(NOW))


def rand_day(rng: random.Random, first: dt.date = dt.date(2017, 11, 1), last: dt.date = dt.date(2019, 4, 30)
             ) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def rand_moment(rng: random.Random, **kw: Any) -> dt.datetime:
    """A moment of a random local day: just after midnight, in the day or just before midnight (UTC differs)."""
    day = rand_day(rng, **kw)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.choice([0, 10, 23]), rng.choice([1, 59]))))


# ---------------------------------------------------------------- the records


class World:
    """Random records of every source over the test tree. The first world's lists: the district's random 2018 list,
    a street's own small 2018 list and the district's 2019 list; another world (``home``: a community) adds a random
    2018 list of that community (more of everything, for the query-count tests)."""

    def __init__(self, tree: Tree, rng: random.Random, home: Org | None = None) -> None:
        self.tree, self.rng = tree, rng
        self.orgs = [tree.district, *tree.streets, *tree.communities, *tree.grids]
        self.people = [make_person(o) for o in (tree.district, tree.streets[0], tree.communities[1])]
        if home is not None:
            below = SimpleNamespace(district=home, streets=[], communities=[],
                                    grids=[g for g in tree.grids if g.path.startswith(home.path)])
            self.lists = [build_random_list(rng, below, size=3)]
        else:
            self.lists = [build_random_list(rng, tree, size=3)]  # the district's 2018 list
            street_list = make_list(tree.streets[1], 2018, report_day=rng.randint(1, 28))  # a street's own list
            self.statuses(street_list)
            other = make_list(tree.district, 2019)  # another year's list
            make_milestone(make_task(other, tree.streets[0]), dt.date(2019, 2, 1))
            self.lists += [street_list, other]
        for tl in self.lists:
            SourceDocument.objects.bulk_create(
                SourceDocument(task_list=tl, kind=rng.choice(DocKind.values), title=f"文件{tl.pk}-{i}")
                for i in range(rng.randint(2, 6)))
            Standard.objects.bulk_create(Standard(task_list=tl, code=f"S{i}", group="社区", title=f"标准{i}")
                                         for i in range(rng.randint(3, 9)))
        self.projects()
        self.evaluations()
        self.inspections()
        self.funds()
        self.cadres()

    def statuses(self, tl: TaskList) -> None:
        """A street's list whose tasks stand in each status in May and June 2018 and at the year's end."""
        street, c2, c3 = self.tree.streets[1], self.tree.communities[2], self.tree.communities[3]
        split = make_task(tl, street)  # overdue from April (a piece's milestone unmet), a piece without roadmap
        make_milestone(make_task(tl, c2, split), dt.date(2018, 4, 1))
        make_task(tl, c3, split)
        make_milestone(make_task(tl, c2), dt.date(2018, 3, 1), done_on=dt.date(2018, 2, 20))  # done early
        steady = make_task(tl, c3)  # on track all year (every report on time), done in December
        make_milestone(steady, dt.date(2018, 12, 15), done_on=dt.date(2018, 12, 10))
        for month in range(1, 12):
            file_report(steady, dt.date(2018, month, 1), dt.date(2018, month + 1, 1),
                        accepted_on=dt.date(2018, month + 1, 2))
        silent = make_task(tl, street)  # no report at all: at risk, overdue once its milestone passes
        make_milestone(silent, dt.date(2018, 11, 30))
        unplanned = make_task(tl, street)  # a done piece and one without roadmap: 未制定路线图
        make_milestone(make_task(tl, c2, unplanned), dt.date(2018, 2, 1), done_on=dt.date(2018, 2, 1))
        make_task(tl, c3, unplanned)

    def org(self) -> Org:
        return self.rng.choice(self.orgs)

    def projects(self) -> None:
        rng = self.rng
        rows = []
        for i in range(24):
            kind, org = rng.choice(ProjectKind.values), self.org()
            rows.append(Project(kind=kind, org=org, org_path=org.path, year=rng.choice([2017, 2018, 2018, 2019]),
                                title=f"项目{i}", summary="内容", state=rng.choice(ProjectState.values),
                                state_since=rand_moment(rng),
                                secretary=self.people[1] if kind == ProjectKind.CLAIMED else None,
                                lead=self.people[0] if kind == ProjectKind.SPECIAL else None))
        Project.objects.bulk_create(rows)
        for _ in range(6):
            org = self.org()
            n = next(_seq)
            Brand.objects.create(name=f"品牌{n}", slug=f"brand-{n}", org=org, org_path=org.path, summary="简介",
                                 named_on=rand_day(rng))

    def evaluations(self) -> None:
        rng = self.rng
        rows = []
        for i in range(24):
            kind, org = rng.choice(EvalKind.values), self.org()
            rows.append(EvalRound(org=org, org_path=org.path, kind=kind, title=f"评议{i}",
                                  year=rng.choice([2017, 2018, 2019]),
                                  month=rng.randint(1, 12) if kind == EvalKind.MONTHLY else None,
                                  state=rng.choice(EvalState.values), state_since=rand_moment(rng)))
        EvalRound.objects.bulk_create(rows)

    def inspections(self) -> None:
        rng, tree = self.rng, self.tree
        rounds = []
        for i in range(10):
            starts = rand_day(rng)
            org = rng.choice([tree.district, *tree.streets])
            rounds.append(InspectionRound.objects.create(
                org=org, org_path=org.path, year=starts.year, period=f"第{next(_seq)}批", title=f"巡查{i}",
                focus="重点",
                starts_on=starts, ends_on=starts + dt.timedelta(days=30), state=rng.choice(RoundState.values),
                state_since=rand_moment(rng)))
        rnd = rounds[0]
        team = InspectionTeam.objects.create(round=rnd, name="第一组", leader=self.people[0])
        target = InspectionTarget.objects.create(round=rnd, team=team, org=tree.communities[0],
                                                 org_path=tree.communities[0].path)
        finding = Finding.objects.create(round=rnd, target=target, org_path=target.org_path, text="问题",
                                         recorded_at=rand_moment(rng))
        for i in range(40):
            created = rand_moment(rng)
            closed = rand_day(rng, local(created)) if rng.random() < 0.5 else None
            org = self.org()
            item = Rectification.objects.create(
                round=rnd, target=target, finding=finding, title=f"整改{i}", org=org, org_path=org.path,
                responsible=self.people[2], due_on=rand_day(rng), created_at=created, state_since=created,
                state=RectState.CLOSED if closed else rng.choice(
                    [RectState.PENDING, RectState.REPORTED, RectState.RETURNED]), closed_on=closed)
            for _ in range(rng.choice([0, 1, 1, 2])):
                RectificationReport.objects.create(rectification=item, text="已整改",
                                                   filed_at=rand_moment(rng, first=local(created)))

    def funds(self) -> None:
        rng = self.rng
        for org in rng.sample(self.orgs, 6):
            for year in (2017, 2018, 2019):
                BudgetLine.objects.get_or_create(org=org, year=year, category=rng.choice(BudgetCategory.values),
                                                 defaults={"org_path": org.path,
                                                           "amount": Decimal(rng.randint(1, 10**6)) / 100})
        for _ in range(30):
            giver = self.org()
            below = [o for o in self.orgs if o.path.startswith(giver.path) and o != giver] or [giver]
            receiver = rng.choice(below)
            day = rand_day(rng)
            row = FundAllocation.objects.create(year=day.year, giver=giver, giver_path=giver.path, receiver=receiver,
                                                receiver_path=receiver.path, amount=Decimal(rng.randint(1, 10**6)),
                                                allocated_on=day, purpose="下拨")
            if rng.random() < 0.2:  # a reversal, later the same year
                FundAllocation.objects.create(year=day.year, giver=giver, giver_path=giver.path, receiver=receiver,
                                              receiver_path=receiver.path, amount=-row.amount, purpose="冲销",
                                              allocated_on=min(day + dt.timedelta(days=9), dt.date(day.year, 12, 31)),
                                              reverses=row)
        for _ in range(30):
            org, day = self.org(), rand_day(rng)
            FundSpending.objects.create(org=org, org_path=org.path, year=day.year, spent_on=day, purpose="活动",
                                        amount=Decimal(rng.randint(1, 10**5)) / 100)

    def cadres(self) -> None:
        rng = self.rng
        for _ in range(30):
            org, person = self.org(), rng.choice(self.people)
            month = rand_day(rng).replace(day=1)
            if not CadreStar.objects.filter(person=person, month=month).exists():
                CadreStar.objects.create(person=person, org=org, org_path=org.path, month=month, deeds="事迹",
                                         selected_at=rand_moment(rng))
            Promotion.objects.create(person=person, org=org, org_path=org.path, promoted_on=rand_day(rng),
                                     from_post="原职务", to_post=f"新职务{next(_seq)}", reason="理由", recorded_at=NOW)


# ---------------------------------------------------------------- the direct reading


def count(rows: Iterable[Any], path: Callable[[Any], str], scope: str, keep: Callable[[Any], bool]) -> int:
    return sum(1 for r in rows if path(r).startswith(scope) and keep(r))


def added(rows: Iterable[Any], path: Callable[[Any], str], scope: str, keep: Callable[[Any], bool]) -> Decimal:
    return sum((r.amount for r in rows if path(r).startswith(scope) and keep(r)), Decimal(0))


class Direct:
    """The records loaded once; ``figures(scope, period)`` reads every figure of the panel directly from them."""

    def __init__(self) -> None:
        self.lists = list(TaskList.objects.all())
        self.boards: dict[tuple[int, dt.date], progress.Board] = {}
        self.reports = list(ProgressReport.objects.all())
        self.standards = list(Standard.objects.select_related("task_list"))
        self.docs = list(SourceDocument.objects.select_related("task_list"))
        self.projects = list(Project.objects.all())
        self.brands = list(Brand.objects.all())
        self.evals = list(EvalRound.objects.all())
        self.inspections = list(InspectionRound.objects.all())
        self.items = list(Rectification.objects.prefetch_related("reports"))
        self.budget = list(BudgetLine.objects.all())
        self.allocations = list(FundAllocation.objects.all())
        self.spendings = list(FundSpending.objects.all())
        self.stars = list(CadreStar.objects.all())
        self.promotions = list(Promotion.objects.all())

    def board(self, tl: TaskList, day: dt.date) -> progress.Board:
        if (tl.pk, day) not in self.boards:
            self.boards[(tl.pk, day)] = progress.load(tl, day)
        return self.boards[(tl.pk, day)]

    def figures(self, scope: str, p: Period) -> dict[str, Any]:
        day = day_of(p)
        out: dict[str, Any] = {}
        # Tasks: the boards of the lists of the period's year on the reading day (progress.py, the module's truth).
        tops: list[str] = []
        leaves: list[str] = []
        for tl in (tl for tl in self.lists if tl.year == p.year):
            board = self.board(tl, day)
            tops += [board.status[i] for i in board.children[None] if board.tasks[i].org_path.startswith(scope)]
            leaves += [board.status[i] for i in board.leaves_under(scope)]
        out["lists.tasks"], out["lists.pieces"] = len(tops), len(leaves)
        for status in (TaskStatus.DONE, TaskStatus.ON_TRACK, TaskStatus.AT_RISK, TaskStatus.OVERDUE):
            out[f"lists.tasks_{status}"] = tops.count(status)
            out[f"lists.pieces_{status}"] = leaves.count(status)

        def org_path(r: Any) -> str:
            return r.org_path

        def reviewed(r: Any) -> bool:
            return r.reviewed_at is not None and within(p, local(r.reviewed_at))

        out["lists.reports_filed"] = count(self.reports, org_path, scope, lambda r: within(p, local(r.filed_at)))
        out["lists.reports_reviewed"] = count(self.reports, org_path, scope, reviewed)
        out["lists.reports_returned"] = count(self.reports, org_path, scope,
                                              lambda r: reviewed(r) and r.result == ReviewResult.RETURNED)

        def list_path(r: Any) -> str:
            return r.task_list.org_path

        out["lists.standards"] = count(self.standards, list_path, scope, lambda x: x.task_list.year == p.year)
        out["lists.documents"] = count(self.docs, list_path, scope,
                                       lambda d: d.task_list.year == p.year and d.kind != DocKind.RULE)
        out["lists.rules"] = count(self.docs, list_path, scope,
                                   lambda d: d.task_list.year == p.year and d.kind == DocKind.RULE)
        projects = [x for x in self.projects if x.year == p.year]
        out["lists.projects"] = count(projects, org_path, scope, lambda x: True)
        out["lists.projects_claimed"] = count(projects, org_path, scope, lambda x: x.kind == "claimed")
        out["lists.projects_applied"] = count(projects, org_path, scope, lambda x: x.kind == "applied")
        out["lists.special_projects"] = count(projects, org_path, scope, lambda x: x.kind == "special")
        out["lists.projects_done"] = count(projects, org_path, scope,
                                           lambda x: x.state in ("completed", "evaluated"))
        out["lists.brands"] = count(self.brands, org_path, scope, lambda b: b.named_on < p.end_date)

        def eval_in(r: Any) -> bool:  # a monthly round in its month, a yearly one in December
            return r.state != "draft" and within(p, dt.date(r.year, r.month or 12, 1))

        out["lists.eval_rounds"] = count(self.evals, org_path, scope, eval_in)
        for kind in EvalKind.values:
            out[f"lists.eval_{kind}"] = count(self.evals, org_path, scope,
                                              lambda r, k=kind: eval_in(r) and r.kind == k)
        out["lists.eval_published"] = count(self.evals, org_path, scope,
                                            lambda r: eval_in(r) and r.state == "published")
        out["lists.inspections"] = count(self.inspections, org_path, scope,
                                         lambda r: r.state != "preparing" and within(p, r.starts_on))
        out["lists.rect_found"] = count(self.items, org_path, scope, lambda r: within(p, local(r.created_at)))
        out["lists.rect_reported"] = count(self.items, org_path, scope,
                                           lambda r: any(within(p, local(x.filed_at)) for x in r.reports.all()))
        out["lists.rect_closed"] = count(self.items, org_path, scope, lambda r: within(p, r.closed_on))

        def open_late(r: Any) -> bool:  # registered by the day, not verified by it, past its deadline
            return local(r.created_at) <= day and not (r.closed_on and r.closed_on <= day) and r.due_on < day

        out["lists.rect_overdue"] = count(self.items, org_path, scope, open_late)
        out["lists.funds"] = added(self.budget, org_path, scope, lambda b: b.year == p.year)
        out["lists.funds_allocated"] = added(self.allocations, lambda a: a.giver_path, scope,
                                             lambda a: within(p, a.allocated_on))
        out["lists.funds_spent"] = added(self.spendings, org_path, scope, lambda x: within(p, x.spent_on))
        out["lists.cadre_stars"] = count(self.stars, org_path, scope, lambda x: within(p, x.month))
        out["lists.promotions"] = count(self.promotions, org_path, scope, lambda x: within(p, x.promoted_on))
        return out


def kids_of(org: Org) -> list[Org]:
    return list(Org.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path"))


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("seed", [11, 2018])
def test_every_figure_equals_a_direct_reading_for_three_scopes_their_children_and_four_periods(
        tree: Tree, seed: int) -> None:
    World(tree, random.Random(seed))
    codes = [m.code for m in mx.metrics("lists")]
    assert len(codes) == len(set(codes)) > 35
    seen_nonzero: set[str] = set()
    direct = Direct()
    for org in (tree.district, tree.streets[0], tree.communities[1]):
        kids = kids_of(org)
        for p in PERIODS:
            readings = mx.read(codes, org.path, [k.path for k in kids], p, NOW)
            want = direct.figures(org.path, p)
            assert set(want) == set(codes)
            wanted_kids = {k.path: direct.figures(k.path, p) for k in kids}
            for code in codes:
                assert readings[code].value == want[code], (code, org.name, str(p))
                if want[code]:
                    seen_nonzero.add(code)
                for k in kids:
                    assert readings[code].children[k.path] == wanted_kids[k.path][code], (code, k.name, str(p))
    # The data exercise nearly every figure (a random draw may leave one or two at zero).
    assert len(seen_nonzero) >= len(codes) - 3, set(codes) - seen_nonzero


@pytest.mark.parametrize("seed", range(6))
def test_the_status_written_as_sql_agrees_with_progress_for_every_task_on_random_days(tree: Tree, seed: int) -> None:
    rng = random.Random(seed)
    task_list = build_random_list(rng, tree, size=4)
    dues = list(task_list.tasks.values_list("milestones__due_on", flat=True).exclude(milestones__due_on=None))
    deadline = dt.date(2018, rng.randint(2, 12), task_list.report_day)
    days = {rand_day(rng, dt.date(2018, 1, 1), dt.date(2019, 2, 1)), dt.date(2018, 12, 31), deadline,
            deadline + dt.timedelta(days=1), deadline - dt.timedelta(days=1), dt.date(2018, 1, 1),
            *(d + dt.timedelta(days=rng.choice([-30, -1, 0, 1])) for d in rng.sample(dues, min(4, len(dues))))}
    checked = set()
    for day in sorted(days):
        board = progress.load(task_list, day)
        leaf = dict(lm.with_leaf_status(Task.objects.filter(task_list=task_list), day).values_list("pk", "_status"))
        top = dict(lm.with_top_status(Task.objects.filter(task_list=task_list, parent__isnull=True), day)
                   .values_list("pk", "_status"))
        for pk, status in board.status.items():
            if not board.children[pk]:
                assert leaf[pk] == status, (pk, day)
                checked.add(status)
        assert top == {pk: board.status[pk] for pk in board.children[None]}, day
    assert checked  # some statuses were compared


def test_a_figures_rows_are_exactly_what_it_counts_and_each_shows_a_chinese_title_and_its_page(tree: Tree) -> None:
    World(tree, random.Random(5))
    p = PERIODS[0]
    for m in mx.metrics("lists"):
        for org in (tree.district, tree.streets[1]):
            groups = mx.grouped([m.code], org.path, len(org.path), p, NOW)
            value = groups[m.code].get(org.path, 0)
            rows = list(mx.rows(m.code, org.path, p, NOW))
            if m.sum_of:
                assert sum((r.amount for r in rows), Decimal(0)) == value, m.code
            else:
                assert len(rows) == value, m.code
            src = mx.source_of(m.code)
            for r in rows[:3]:
                shown = src.show(r)
                assert shown.title and shown.url and shown.url.startswith("/"), m.code
                assert not shown.title.isascii(), (m.code, shown.title)


def test_grouped_runs_one_query_per_source_whatever_the_size_of_the_data(tree: Tree) -> None:
    codes = [m.code for m in mx.metrics("lists")]
    World(tree, random.Random(3))
    with CaptureQueriesContext(connection) as small:
        mx.grouped(codes, tree.district.path, len(tree.district.path) + 4, PERIODS[0], NOW)
    assert len(small) == len(SOURCES) == 15
    World(tree, random.Random(4), home=tree.communities[0])  # twice the records, a community's 2018 list
    with CaptureQueriesContext(connection) as large:
        mx.grouped(codes, tree.district.path, len(tree.district.path) + 4, PERIODS[0], NOW)
    assert len(large) == len(small)


def test_the_rows_page_of_a_status_lists_the_tasks_of_that_status_in_constant_queries(client, tree: Tree) -> None:
    World(tree, random.Random(9))
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    url = reverse("net:rows", args=[tree.district.pk, "lists.pieces_at_risk"])
    with CaptureQueriesContext(connection) as first:
        response = client.get(url, {"period": "2018-05"})
    assert response.status_code == 200
    board = progress.load(TaskList.objects.get(org=tree.district, year=2018), dt.date(2018, 5, 31))
    at_risk = [i for i in board.leaves_under(tree.district.path) if board.status[i] == TaskStatus.AT_RISK]
    at_risk += [i for tl in TaskList.objects.filter(year=2018).exclude(org=tree.district)
                for b in [progress.load(tl, dt.date(2018, 5, 31))] for i in b.leaves_under(tree.district.path)
                if b.status[i] == TaskStatus.AT_RISK]
    titles = {f"{t.code} {t.title}" for t in Task.objects.filter(pk__in=at_risk)}
    assert {row.title for row in response.context["items"]} == titles
    assert all("有风险" in row.detail for row in response.context["items"])
    World(tree, random.Random(10), home=tree.communities[1])
    with CaptureQueriesContext(connection) as second:
        assert client.get(url, {"period": "2018-05"}).status_code == 200
    assert len(second) == len(first)


def test_a_street_secretary_cannot_open_the_rows_of_another_street(client, tree: Tree) -> None:
    World(tree, random.Random(12))
    client.force_login(user_with_post(tree.streets[0], Role.SECRETARY))
    assert client.get(reverse("net:rows", args=[tree.streets[1].pk, "lists.funds_spent"]),
                      {"period": "2018"}).status_code == 404
    own = client.get(reverse("net:rows", args=[tree.streets[0].pk, "lists.funds_spent"]), {"period": "2018"})
    assert own.status_code == 200
    assert all(tree.streets[1].name not in row.title for row in own.context["items"])
