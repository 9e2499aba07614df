"""The 一清单 demo meets the article for a random seed: the 2018 list holds the 1+7 documents, 87 top-level tasks,
147 standards, a lead cadre on every task, pieces split to streets and communities; twelve months of reports
(some late, some missing, most reviewed), four quarterly meetings and an annual review of every piece; the six
special projects each led by a standing committee member, the three brands on evaluated projects, every project's
history walking the transition table. This year's list has live work today: a report waiting for review, a
missing report, an overdue milestone — and the statuses computed by ``progress`` come out varied.

The tree (orgs demo, seed 2018) is built once for the module inside a transaction rolled back at the end; the lists
demo then runs for one random seed (a savepoint). Every figure is a direct count of rows."""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tests.factories import module_transaction
from zongheng.accounts.models import User
from zongheng.core.permissions import Perm, Role
from zongheng.lists import demo as lists_demo
from zongheng.lists import demo_words as words
from zongheng.lists import progress
from zongheng.lists.choices import PROJECT_TRANSITIONS, DocKind, ProjectKind, ProjectMove, ProjectState, TaskStatus
from zongheng.lists.models import (
    AnnualReview,
    Brand,
    Milestone,
    ProgressReport,
    Project,
    ProjectEvent,
    QuarterReview,
    Standard,
    Task,
    TaskList,
)
from zongheng.orgs import demo
from zongheng.orgs.models import Post

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)  # a new one each run
YEAR = 2018
# The live slice as of today — in January or February (a year's list with hardly a month behind it) as of a day late
# last year instead.
TODAY = timezone.localdate() if timezone.localdate().month >= 3 else dt.date(timezone.localdate().year - 1, 11, 28)


@pytest.fixture(scope="module")
def tree(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            built = demo.build(seed=2018)
        yield built.districts[0]


@pytest.fixture(scope="module")
def district(tree, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        sid = transaction.savepoint()
        try:
            lists_demo.build(tree, seed=SEED, year=YEAR)
            lists_demo.build_live(tree, seed=SEED, today=TODAY)
            yield tree
        finally:
            transaction.savepoint_rollback(sid)


def _list(year: int) -> TaskList:
    return TaskList.objects.get(year=year)


def _leaves(board: progress.Board) -> list[int]:
    return [i for i in board.tasks if not board.children[i]]


def test_the_2018_list_holds_the_articles_documents_tasks_and_standards(district, db):
    tl = _list(YEAR)
    assert tl.org_id == district.pk
    kinds = Counter(tl.documents.values_list("kind", flat=True))
    assert kinds == {DocKind.OPINION: 1, DocKind.SUPPORTING: 7, DocKind.RULE: 17}  # 1+7, and 17 配套制度
    rules = tl.documents.filter(kind=DocKind.RULE)
    assert {"党建联席会议制度", "五位一体包保制度"} <= set(rules.values_list("title", flat=True))  # the article's
    assert not rules.exclude(issued_on__year=YEAR).exists()
    titles = set(tl.documents.values_list("title", flat=True))
    assert {"全面加强城市基层党建工作的意见", "全面建立街道大工委的实施意见",
            "全面加强商务楼宇、商圈市场党建工作的实施意见", "关于实施社区建设六大提升工程的实施意见"} <= titles
    assert Standard.objects.filter(task_list=tl).count() == 147
    assert len(set(Standard.objects.filter(task_list=tl).values_list("group", flat=True))) > 5  # grouped
    tops = Task.objects.filter(task_list=tl, parent__isnull=True)
    assert tops.count() == 87
    assert not tops.filter(lead__isnull=True).exists()  # 一项工程一名县处级干部领衔
    assert not Task.objects.filter(task_list=tl, parent__isnull=False, lead__isnull=False).exists()
    assert not tops.filter(standards__isnull=True).exists() and not tops.filter(document__isnull=True).exists()
    # Leads are county-level cadres of the district: no post in the tree.
    leads = set(tops.values_list("lead_id", flat=True))
    assert not Post.objects.filter(person_id__in=leads).exists()
    assert set(tops.values_list("lead__org_id", flat=True)) == {district.pk}


def test_tasks_are_split_to_streets_and_communities_with_weights(district, db):
    tl = _list(YEAR)
    levels = Counter()
    for org_depth, level in Task.objects.filter(task_list=tl).values_list("org__depth", "org__level__code"):
        levels[(org_depth - district.depth, level)] += 1
    assert levels[(0, "district")] == 87
    assert levels[(1, "street")] > 87 and levels[(1, "township")] > 0
    assert levels[(2, "community")] > 20
    for t in Task.objects.filter(task_list=tl, parent__isnull=False).select_related("parent", "org", "parent__org"):
        assert t.org.path.startswith(t.parent.org.path) and t.org_path == t.org.path
        assert t.root_id == (t.parent.root_id or t.parent_id)
        assert t.parent.starts_on <= t.starts_on <= t.ends_on <= t.parent.ends_on
    assert len(set(Task.objects.filter(task_list=tl).values_list("weight", flat=True))) > 1
    assert not Task.objects.filter(task_list=tl, root__isnull=True).exists()


def test_twelve_months_of_reports_some_late_some_missing_most_reviewed(district, db):
    tl = _list(YEAR)
    board = progress.load(tl, dt.date(YEAR + 1, 1, 31))
    reports = ProgressReport.objects.filter(task__task_list=tl)
    months = set(reports.values_list("month", flat=True))
    assert months == {dt.date(YEAR, m, 1) for m in range(1, 13)}
    leaves = set(_leaves(board))
    assert set(reports.values_list("task_id", flat=True)) <= leaves  # reports per piece not split further
    late = [r for r in reports.values("month", "filed_at")
            if timezone.localdate(r["filed_at"]) > progress.report_due(r["month"], tl.report_day)]
    assert 0 < len(late) < reports.count() / 4
    missing = sum(len(board.missing_reports(i)) for i in leaves)
    assert 0 < missing < reports.count() / 10
    assert not reports.filter(reviewed_at__isnull=True).exists()  # the year is over: all reviewed
    results = Counter(reports.values_list("result", flat=True))
    assert results["accepted"] > 10 * results["returned"] > 0
    assert not reports.filter(result="returned", review_note="").exists()
    for r in reports.select_related("milestone")[:500]:
        assert r.milestone is not None and r.milestone.task_id == r.task_id and r.org_path
    # Milestones: most met on time, some late, a few not by the year's end — put right the next spring, so that a
    # year long over leaves nothing overdue today.
    ms = Milestone.objects.filter(task__task_list=tl)
    year_end = dt.date(YEAR, 12, 31)
    on_time = ms.filter(done_on__isnull=False, done_on__lte=F("due_on")).count()
    late_ms = ms.filter(done_on__gt=F("due_on"), done_on__lte=year_end).count()
    unmet = ms.filter(Q(done_on__isnull=True) | Q(done_on__gt=year_end)).count()
    assert on_time > late_ms > 0 and on_time > unmet > 0
    assert not ms.filter(done_on__isnull=True).exists()
    assert not ms.filter(done_on__isnull=False, evidence="").exists()


def test_four_quarterly_meetings_and_an_annual_review_of_every_piece(district, db):
    tl = _list(YEAR)
    reviews = QuarterReview.objects.filter(task_list=tl).order_by("quarter")
    assert [r.quarter for r in reviews] == [1, 2, 3, 4]
    for r in reviews:
        assert r.held_on > progress.month_end(dt.date(YEAR, 3 * r.quarter, 1))
        board = progress.load(tl, r.held_on)
        flagged = {t for t in board.children[None] if board.status[t] in (TaskStatus.OVERDUE, TaskStatus.AT_RISK)}
        assert flagged <= set(r.items.values_list("task_id", flat=True))  # every task in trouble got a remark
    tasks = Task.objects.filter(task_list=tl)
    assert AnnualReview.objects.filter(task__task_list=tl).count() == tasks.count()
    scores = list(AnnualReview.objects.filter(task__task_list=tl).values_list("score", flat=True))
    assert min(scores) < 80 < max(scores) <= 100


def test_the_2018_list_at_year_end_and_the_live_list_today_have_varied_statuses(district, db):
    for tl, day in ((_list(YEAR), dt.date(YEAR, 12, 31)), (_list(TODAY.year), TODAY)):
        board = progress.load(tl, day)
        statuses = Counter(board.status[i] for i in _leaves(board))
        assert len([s for s, n in statuses.items() if n]) >= 3, statuses
        progresses = {board.progress[i] for i in _leaves(board)}
        assert len(progresses) > 3 and 0 < board.list_progress() < 1


def test_the_live_list_has_work_around_today(district, db):
    from zongheng.orgs.demo import DEMO_ACCOUNTS

    tl = _list(TODAY.year)
    board = progress.load(tl, TODAY)
    last_month = progress.month_start(progress.month_start(TODAY) - dt.timedelta(days=1))
    reports = ProgressReport.objects.filter(task__task_list=tl)
    assert reports.filter(month__lte=last_month).exists() and not reports.filter(month__gt=last_month).exists()
    assert reports.filter(reviewed_at__isnull=True).exists()  # waiting for review
    assert not reports.filter(filed_at__gt=timezone.now()).exists()
    assert any(board.missing_reports(i) for i in _leaves(board))
    overdue = Milestone.objects.filter(task__task_list=tl, done_on__isnull=True, due_on__lt=TODAY)
    assert overdue.exists()
    assert not Milestone.objects.filter(task__task_list=tl, done_on__gt=TODAY).exists()
    # The demo community's account has its share of it.
    home = next(a["org"] for a in DEMO_ACCOUNTS if a["username"] == "community")
    mine = [i for i in _leaves(board) if Task.objects.get(pk=i).org.name == home]
    assert any(board.missing_reports(i) for i in mine)
    assert any(board.status[i] == TaskStatus.OVERDUE for i in mine)
    assert reports.filter(task_id__in=mine, reviewed_at__isnull=True).exists()


def test_a_year_long_over_warns_no_more_today_the_live_year_does(district, db):
    from zongheng.lists import selectors_projects, warnings_tasks

    now = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    old = Task.objects.filter(task_list__year=YEAR)
    milestones = {int(d.key) for d in warnings_tasks.find_milestone_overdue(now)}
    missing = {int(d.key.split(":")[0]) for d in warnings_tasks.find_report_missing(now)}
    assert milestones and not Milestone.objects.filter(pk__in=milestones, task__in=old).exists()
    assert missing and not old.filter(pk__in=missing).exists()
    stalled = {int(d.key.split(":")[0]) for d in selectors_projects.find_stalled(now)}
    assert len(stalled) == 1 and Project.objects.get(pk__in=stalled).year == TODAY.year  # one rests in review


def test_the_lead_account_holds_no_post_and_reaches_the_tasks_it_leads(district, db):
    user = User.objects.get(username="lead")
    assert user.is_demo and user.person is not None and user.person.workplace == words.LEAD_ACCOUNT_POST
    assert not Post.objects.filter(person=user.person).exists()
    led = Task.objects.filter(root__lead=user.person)
    assert led.filter(task_list__year=YEAR).exists() and led.filter(task_list__year=TODAY.year).exists()
    assert set(Task.objects.restrict(user, Perm.LIST_VIEW).values_list("pk", flat=True)) == \
        set(led.values_list("pk", flat=True))
    assert Project.objects.filter(kind=ProjectKind.SPECIAL, lead=user.person).exists()


def test_six_special_projects_and_the_three_brands_on_evaluated_projects(district, db):
    specials = Project.objects.filter(year=YEAR, kind=ProjectKind.SPECIAL)
    assert specials.count() == 6
    leads = list(specials.values_list("lead__workplace", flat=True))
    assert len(set(leads)) == 6 and all(w in words.STANDING_COMMITTEE for w in leads)
    kinds = Counter(Project.objects.filter(year=YEAR).values_list("kind", flat=True))
    assert kinds[ProjectKind.CLAIMED] > 10 and kinds[ProjectKind.APPLIED] > 10
    for p in Project.objects.filter(kind=ProjectKind.CLAIMED):  # claimed by the secretary of a real organisation
        assert Post.objects.filter(person_id=p.secretary_id, org_id=p.org_id, role=Role.SECRETARY).exists()
    brands = Brand.objects.all()
    assert set(brands.values_list("name", flat=True)) == {"楼宇党建示范基地", "阳光360", "常青藤志愿服务"}
    for brand in brands:
        projects = list(brand.projects.all())
        assert projects and all(p.state == ProjectState.EVALUATED for p in projects)
        assert all(p.org_path.startswith(district.path) for p in projects)


def test_the_articles_list_figures_come_out_of_the_generated_records(district, db):
    """Each figure of the article that 一清单 owns, computed by its registered metric (``net.article``) over the
    article's window, falls in the article's range — and equals a direct count of the generated rows."""
    from zongheng.lists.models_cadres import CadreStar, Promotion
    from zongheng.lists.models_funds import BudgetLine
    from zongheng.net import article

    now = timezone.now()
    figures = [f for f in article.FIGURES if f.code.startswith("lists.")]
    assert {f.code for f in figures} >= {"lists.tasks", "lists.standards", "lists.special_projects", "lists.brands",
                                         "lists.funds", "lists.rules", "lists.cadre_stars", "lists.promotions"}
    values = {f.code: article.value(f, district.path, YEAR, now) for f in figures}
    assert [(f.code, values[f.code]) for f in figures if not f.low <= (values[f.code] or 0) <= f.high] == []
    since_2017 = (dt.date(YEAR - 1, 1, 1), dt.date(YEAR + 1, 1, 1))
    assert values["lists.tasks"] == Task.objects.filter(task_list__year=YEAR, parent__isnull=True).count()
    assert values["lists.standards"] == Standard.objects.filter(task_list__year=YEAR).count()
    assert values["lists.rules"] == TaskList.objects.get(year=YEAR).documents.filter(kind=DocKind.RULE).count()
    assert values["lists.special_projects"] == Project.objects.filter(year=YEAR, kind=ProjectKind.SPECIAL).count()
    assert values["lists.brands"] == Brand.objects.filter(named_on__year__lte=YEAR).count() == 3
    assert values["lists.funds"] == sum(BudgetLine.objects.filter(year=YEAR).values_list("amount", flat=True))
    assert values["lists.cadre_stars"] == CadreStar.objects.filter(month__gte=since_2017[0],
                                                                   month__lt=since_2017[1]).count()
    assert values["lists.promotions"] == Promotion.objects.filter(promoted_on__gte=since_2017[0],
                                                                  promoted_on__lt=since_2017[1]).count()


def test_every_projects_events_replay_the_transition_table_to_its_state(district, db):
    events = defaultdict(list)
    for e in ProjectEvent.objects.order_by("at", "pk"):
        events[e.project_id].append(e)
    projects = list(Project.objects.filter(org_path__startswith=district.path))
    assert projects and set(events) == {p.pk for p in projects}
    for p in projects:
        history = events[p.pk]
        assert (history[0].move, history[0].from_state, history[0].to_state) == (
            ProjectMove.SUBMIT, "", ProjectState.SUBMITTED)
        state = ProjectState.SUBMITTED
        for e in history[1:]:
            sources, target = PROJECT_TRANSITIONS[ProjectMove(e.move)]
            assert e.from_state == state and state in sources and e.to_state == target
            assert e.note if e.move == ProjectMove.RETURN else True  # a return gives its reason
            state = ProjectState(target)
        assert state == p.state and history[-1].at == p.state_since
    assert {p.state for p in projects if p.year == YEAR} == {ProjectState.EVALUATED}
    assert ProjectEvent.objects.filter(project__year=YEAR, move=ProjectMove.RETURN).exists()
    live = [p for p in projects if p.year == TODAY.year]
    assert {p.state for p in live} == set(ProjectState.values)  # every state of the table now
    assert Counter(p.state for p in live)[ProjectState.IN_PROGRESS] >= 1
    assert all(p.state_since <= timezone.now() for p in live)


def test_the_same_seed_gives_the_same_lists(tree, district, django_db_blocker):
    def snapshot():  # type: ignore[no-untyped-def]
        return (list(Task.objects.order_by("task_list__year", "code").values_list(
                    "code", "title", "org_id", "lead_id", "weight", "starts_on", "ends_on")),
                list(ProgressReport.objects.order_by("task__task_list__year", "task__code", "month").values_list(
                    "month", "filed_at", "result")),
                list(Project.objects.order_by("year", "kind", "title", "org_id").values_list(
                    "title", "org_id", "state", "state_since")))

    with django_db_blocker.unblock():
        first = snapshot()
        sid = transaction.savepoint()
        try:
            for model in (ProgressReport, Task, TaskList, ProjectEvent, Brand, Project):
                model.objects.all().delete()
            lists_demo.build(tree, seed=SEED, year=YEAR)
            lists_demo.build_live(tree, seed=SEED, today=TODAY)
            assert snapshot() == first
        finally:
            transaction.savepoint_rollback(sid)
