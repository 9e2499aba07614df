"""一清单's figures for 一张网 (panel "lists"): registered with ``core.metrics`` from ``hooks.register``.

Every figure is a COUNT or a SUM over one source's rows, filtered by a ``Q``; the module's own definitions are the
truth, so each figure gives the number its own page gives:

- **the task list** (任务清单) belongs to a year: the rows of a period are the tasks of the lists of the period's
  year (a list stands through its year). Status is ``progress.py``'s, as of the period's reading day — its last day,
  or today while it runs (for a whole year: ``progress.reading_day``, what the hub shows) — written here as SQL
  conditions on a few flags per task (``LEAF`` for a piece not split further, ``TOP`` for a top-level task: the
  worst of its pieces; each status figure reads only the flags it needs); ``tests/net/test_metrics_lists.py``
  checks both against ``progress.Board`` for every task of random lists on random days. A report's "problems"
  count when not blank after trimming spaces (``progress`` strips any whitespace; the actions store them
  stripped). Pieces are counted where they are carried (the hub's ``org_status_counts``), top-level tasks on
  the organisation that issued them;
- **monthly reports** (每月督查): filed in the period, reviewed in the period (accepted or returned);
- **projects** (项目清单) of the period's year (the hub's counts: every state, by wheel), the special projects
  among them; **brands** named by the period's end (a brand stays a brand);
- **evaluation rounds** (述职评议, 双述双评, 每月一评) of the period — a monthly round in its month, a yearly one in
  December of its year — that were opened (not drafts), and those whose results were published. The grades
  themselves are not a figure: ``scoring.py`` computes them with exact fractions over renormalised weights, which
  SQL on SQLite can only approximate (floating point at a band's edge), so they stay on the round's page;
- **inspections** (巡查): rounds started in the period; rectification items registered, reported (a 整改报告 filed),
  verified (销号) in the period, and overdue at the period's reading day (``selectors_inspections.overdue_q``);
- **funds** (财政保障, yuan): the budget lines of the period's year (``funds.subtree().budget``), the allocations
  made by the organisations of the scope (``funds.allocated``, each level's own, reversals subtracting) and their
  spending (``funds.subtree().spent``), dated in the period;
- **standards** (the list's catalogue, 147) and the list's documents: the 1+7 documents and its supporting rules
  (配套制度, 17);
- **cadres**: the monthly cadre stars of the period's months, the promotions dated in it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Trim, TruncMonth
from django.urls import reverse

from zongheng.core.metrics import Row, flag, register_metric, register_source
from zongheng.core.periods import TZ, Period
from zongheng.core.permissions import Perm

from . import progress
from .choices import DocKind, ProjectKind, ProjectState, ReviewResult, TaskStatus
from .choices_evaluations import EvalKind, EvalState
from .choices_inspections import RoundState
from .models import (
    Brand,
    Milestone,
    ProgressReport,
    Project,
    SourceDocument,
    Standard,
    Task,
)
from .models_cadres import CadreStar, Promotion
from .models_evaluations import EvalRound
from .models_funds import BudgetLine, FundAllocation, FundSpending
from .models_inspections import InspectionRound, Rectification, RectificationReport

PANEL = "lists"
STATUS_LABELS = dict(TaskStatus.choices)


# ---------------------------------------------------------------- the reading day and its bounds


def reading_day(period: Period, now: dt.datetime) -> dt.date:
    """The day a period's task statuses are read on: its last day, or today while it runs (for a year, what
    ``progress.reading_day`` gives for that year's list)."""
    return min(period.end_date - dt.timedelta(days=1), now.astimezone(TZ).date())


def _day_end(day: dt.date) -> dt.datetime:
    """The first moment after a local day (a moment ``< _day_end(day)`` falls on the day or before)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)


def _month_before(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


# ---------------------------------------------------------------- task status as SQL (progress.py's rules)


# How a piece's milestones stand on the reading day, in one number (the worst milestone): -1 no roadmap, 0 all met,
# 1 one unmet, 2 one unmet due within RISK_DAYS, 3 one unmet past its date (overdue).
NO_ROADMAP, ALL_MET, UNMET, DUE_SOON, LATE = -1, 0, 1, 2, 3


def _unmet(day: dt.date) -> Q:
    """A milestone not met by ``day`` (no evidence yet, or met later)."""
    return Q(done_on__isnull=True) | Q(done_on__gt=day)


def _worst_milestone(milestones: QuerySet[Milestone], group: str, day: dt.date, *, soon: bool) -> Coalesce:
    """The worst milestone of each task (``group``: the task field the milestones are grouped by) on ``day``, as
    ``LATE`` … ``ALL_MET``, ``NO_ROADMAP`` without any: one correlated aggregate."""
    unmet = _unmet(day)
    grades = [When(unmet & Q(due_on__lt=day), then=Value(LATE))]
    if soon:
        grades.append(When(unmet & Q(due_on__lte=day + dt.timedelta(days=progress.RISK_DAYS)), then=Value(DUE_SOON)))
    grades.append(When(unmet, then=Value(UNMET)))
    worst = (milestones.order_by().values(group)
             .annotate(_w=Max(Case(*grades, default=Value(ALL_MET), output_field=IntegerField()))).values("_w"))
    return Coalesce(Subquery(worst, output_field=IntegerField()), Value(NO_ROADMAP), output_field=IntegerField())


def with_leaf_flags(qs: QuerySet[Task], day: dt.date) -> QuerySet[Task]:
    """``qs`` (tasks) annotated with what ``progress.leaf_status`` reads of a task's own milestones and monthly
    reports on ``day``: ``_ms`` (its worst milestone), ``_last_ok`` (the last monthly report due is filed and not
    returned) and ``_problems`` (the problems named by the latest report filed). ``LEAF[status]`` tells a status
    from them; ``with_leaf_status`` adds the status itself (``_status``)."""
    end = _day_end(day)
    this_month = day.replace(day=1)
    last, before = _month_before(this_month), _month_before(_month_before(this_month))
    early = Q(task_list__report_day__lt=day.day)  # last month's report is due by now, else the month before's
    late = Q(task_list__report_day__gte=day.day)
    filed = ProgressReport.objects.filter(task=OuterRef("pk"), filed_at__lt=end)
    standing = filed.exclude(Q(result=ReviewResult.RETURNED) & Q(reviewed_at__lt=end))  # filed, not returned
    # The month of the last report due: the latest month due, or the month of the piece's deadline if earlier.
    last_month = Case(
        When(early & Q(ends_on__gte=last), then=Value(last)),
        When(late & Q(ends_on__gte=before), then=Value(before)),
        default=TruncMonth("ends_on", output_field=DateField()), output_field=DateField())
    latest_problems = Subquery(filed.order_by("-month").annotate(_p=Trim("problems")).values("_p")[:1],
                               output_field=CharField())
    return qs.annotate(
        _ms=_worst_milestone(Milestone.objects.filter(task=OuterRef("pk")), "task", day, soon=True),
        _last_month=last_month, _last_ok=Exists(standing.filter(month=OuterRef("_last_month"))),
        _problems=Coalesce(latest_problems, Value(""), output_field=CharField()),
    )


def _some_report_due(day: dt.date) -> Q:
    """Some month of the piece's run has its report due before ``day``: its deadline's month is before the latest
    month due, or it started by then."""
    this_month = day.replace(day=1)
    last, before = _month_before(this_month), _month_before(_month_before(this_month))
    return ((Q(task_list__report_day__lt=day.day) & (Q(ends_on__lt=last) | Q(starts_on__lt=this_month)))
            | (Q(task_list__report_day__gte=day.day) & (Q(ends_on__lt=before) | Q(starts_on__lt=last))))


# The conditions below read ``_some_due`` (annotated by the sources from ``_some_report_due``) and the leaf flags;
# cheap conditions come first in each (the databases stop at the first false one).
_OPEN = Q(_ms__in=[UNMET, DUE_SOON])
_RISK = (Q(_some_due=True) & Q(_last_ok=False)) | (Q(_ms=DUE_SOON) & ~Q(_problems=""))
LEAF: dict[str, Q] = {  # progress.leaf_status of a piece not split further
    TaskStatus.UNPLANNED: Q(_ms=NO_ROADMAP),
    TaskStatus.DONE: Q(_ms=ALL_MET),
    TaskStatus.OVERDUE: Q(_ms=LATE),
    TaskStatus.AT_RISK: _OPEN & _RISK,
    TaskStatus.ON_TRACK: _OPEN & ~_RISK,
}


def _status_case(conditions: dict[str, Q]) -> Case:
    return Case(*(When(q, then=Value(status)) for status, q in conditions.items()), default=Value(""),
                output_field=CharField())


def with_leaf_status(qs: QuerySet[Task], day: dt.date) -> QuerySet[Task]:
    """``qs`` (tasks) with the leaf flags and ``_status``: the status of the task's own milestones and monthly
    reports on ``day`` by ``progress.leaf_status`` — a piece not split further takes exactly this one."""
    flagged = with_leaf_flags(qs, day).annotate(_some_due=flag(_some_report_due(day)))
    return flagged.annotate(_status=_status_case(LEAF))


TOP: dict[str, Q] = {  # the worst status among a top-level task's pieces (see ``with_top_status``)
    TaskStatus.OVERDUE: Q(_tms=LATE),
    TaskStatus.AT_RISK: Q(_tms__in=[NO_ROADMAP, ALL_MET, UNMET]) & Q(_trisk=True),
    TaskStatus.UNPLANNED: Q(_tms__in=[NO_ROADMAP, ALL_MET, UNMET]) & Q(_tgap=True) & Q(_trisk=False),
    TaskStatus.ON_TRACK: Q(_tms=UNMET) & Q(_tgap=False) & Q(_trisk=False),
    TaskStatus.DONE: Q(_tms=ALL_MET) & Q(_tgap=False),
}


def with_top_status(qs: QuerySet[Task], day: dt.date) -> QuerySet[Task]:
    """``qs`` (top-level tasks) annotated with ``_status``: the worst status among its pieces on ``day``
    (``progress.Board``: a split task takes the worst of its children and of its own milestones; rolled up, that is
    the worst over every piece not split further and every milestone of the tree below it). ``_tms`` is the worst
    milestone of the whole tree, ``_tgap`` a piece without roadmap, ``_trisk`` a piece at risk."""
    leaves = with_leaf_flags(Task.objects.filter(root=OuterRef("pk"))
                             .filter(~Exists(Task.objects.filter(parent=OuterRef("pk")))), day)
    risky = leaves.filter(_OPEN & ((_some_report_due(day) & Q(_last_ok=False))
                                   | (Q(_ms=DUE_SOON) & ~Q(_problems=""))))
    qs = qs.annotate(
        _tms=_worst_milestone(Milestone.objects.filter(task__root=OuterRef("pk")), "task__root", day, soon=False),
        _tgap=Exists(leaves.filter(Q(_ms=NO_ROADMAP))), _trisk=Exists(risky))
    return qs.annotate(_status=_status_case(TOP))


# ---------------------------------------------------------------- sources: rows of a period


def top_tasks(period: Period, now: dt.datetime) -> QuerySet[Task]:
    """The top-level tasks (一项工程) of the lists of the period's year, with their status (``TOP``)."""
    qs = Task.objects.filter(task_list__year=period.year, parent__isnull=True).select_related("org", "lead")
    return with_top_status(qs, reading_day(period, now))


def pieces(period: Period, now: dt.datetime) -> QuerySet[Task]:
    """The pieces not split further of the lists of the period's year, where they are carried, with their status
    (``LEAF``)."""
    qs = (Task.objects.filter(task_list__year=period.year)
          .filter(~Exists(Task.objects.filter(parent=OuterRef("pk")))).select_related("org", "lead"))
    return with_leaf_status(qs, reading_day(period, now))


def reports(period: Period, now: dt.datetime) -> QuerySet[ProgressReport]:
    """Monthly reports filed or reviewed in the period (``_filed``, ``_reviewed`` tell which)."""
    return (ProgressReport.objects.filter(period.q("filed_at") | period.q("reviewed_at"))
            .annotate(_filed=flag(period.q("filed_at")), _reviewed=flag(period.q("reviewed_at")))
            .select_related("task"))


def projects(period: Period, now: dt.datetime) -> QuerySet[Project]:
    """The projects of the period's year (every state, as the hub counts them)."""
    return Project.objects.filter(year=period.year).select_related("org")


def brands(period: Period, now: dt.datetime) -> QuerySet[Brand]:
    """The brands named by the period's end."""
    return Brand.objects.filter(named_on__lt=period.end_date).select_related("org")


def _months(period: Period) -> list[int]:
    first = period.start_date.month
    return list(range(first, first + {"month": 1, "quarter": 3}.get(period.kind, 12)))


def eval_rounds(period: Period, now: dt.datetime) -> QuerySet[EvalRound]:
    """The evaluation rounds of the period (a monthly round in its month, a yearly one in December of its year)
    that were opened (not drafts)."""
    months = _months(period)
    when = Q(month__in=months)
    if 12 in months:
        when |= Q(month__isnull=True)
    return EvalRound.objects.filter(when, year=period.year).exclude(state=EvalState.DRAFT).select_related("org")




def inspection_rounds(period: Period, now: dt.datetime) -> QuerySet[InspectionRound]:
    """The inspection rounds started in the period (past preparation)."""
    return (InspectionRound.objects.filter(period.q_dates("starts_on")).exclude(state=RoundState.PREPARING)
            .select_related("org"))


def rectifications(period: Period, now: dt.datetime) -> QuerySet[Rectification]:
    """The rectification items registered by the period's end, with what happened to each in the period:
    ``_new`` registered, ``_reported`` a report filed, ``_closed`` verified (销号), ``_overdue`` past its deadline
    and not verified on the period's reading day."""
    day = reading_day(period, now)
    reported = RectificationReport.objects.filter(period.q("filed_at"), rectification=OuterRef("pk"))
    overdue = (Q(created_at__lt=_day_end(day), due_on__lt=day)
               & (Q(closed_on__isnull=True) | Q(closed_on__gt=day)))
    return (Rectification.objects.filter(created_at__lt=period.end)
            .annotate(_new=flag(period.q("created_at")), _reported=Exists(reported),
                      _closed=flag(period.q_dates("closed_on")), _overdue=flag(overdue))
            .select_related("org"))


def budget_lines(period: Period, now: dt.datetime) -> QuerySet[BudgetLine]:
    return BudgetLine.objects.filter(year=period.year).select_related("org")


def allocations(period: Period, now: dt.datetime) -> QuerySet[FundAllocation]:
    return FundAllocation.objects.filter(period.q_dates("allocated_on")).select_related("giver", "receiver")


def spendings(period: Period, now: dt.datetime) -> QuerySet[FundSpending]:
    return FundSpending.objects.filter(period.q_dates("spent_on")).select_related("org")


def standards(period: Period, now: dt.datetime) -> QuerySet[Standard]:
    return Standard.objects.filter(task_list__year=period.year).select_related("task_list")


def documents(period: Period, now: dt.datetime) -> QuerySet[SourceDocument]:
    return SourceDocument.objects.filter(task_list__year=period.year).select_related("task_list")


def stars(period: Period, now: dt.datetime) -> QuerySet[CadreStar]:
    return CadreStar.objects.filter(period.q_dates("month")).select_related("person", "org")


def promotions(period: Period, now: dt.datetime) -> QuerySet[Promotion]:
    return Promotion.objects.filter(period.q_dates("promoted_on")).select_related("person", "org")


# ---------------------------------------------------------------- how a row is shown


def _yuan(amount: Any) -> str:
    return f"{amount:,.2f} 元"


def _show_task(task: Any) -> Row:
    status = STATUS_LABELS.get(getattr(task, "_status", ""), "")
    lead = f"，领衔：{task.lead.name}" if task.parent_id is None and task.lead_id else ""
    return Row(f"{task.code} {task.title}", reverse("lists:task", args=[task.pk]),
               f"{task.org.name}{lead}，完成时限 {task.ends_on:%Y-%m-%d}" + (f"，{status}" if status else ""))


def _show_report(report: Any) -> Row:
    review = f"，{report.get_result_display()}" if report.result else "，待审核"
    return Row(f"{report.task.code} {report.task.title}（{report.month:%Y年%m月}进展）",
               reverse("lists:report", args=[report.pk]),
               f"{report.filed_at.astimezone(TZ):%Y-%m-%d} 报送{review}")


def _show_project(project: Any) -> Row:
    return Row(project.title, reverse("lists:project", args=[project.pk]),
               f"{project.org.name}，{project.get_kind_display()}，{project.get_state_display()}")


def _show_brand(brand: Any) -> Row:
    return Row(brand.name, reverse("lists:brand", args=[brand.slug]),
               f"{brand.org.name}，{brand.named_on:%Y-%m-%d} 命名")


def _show_eval(round_: Any) -> Row:
    return Row(round_.title, reverse("lists:eval_round", args=[round_.pk]),
               f"{round_.org.name}，{round_.get_kind_display()}，{round_.period}，{round_.get_state_display()}")


def _show_inspection(round_: Any) -> Row:
    return Row(round_.title, reverse("lists:inspection", args=[round_.pk]),
               f"{round_.org.name}，{round_.starts_on:%Y-%m-%d} 至 {round_.ends_on:%Y-%m-%d}，"
               f"{round_.get_state_display()}")


def _show_rectification(item: Any) -> Row:
    state = f"{item.closed_on:%Y-%m-%d} 销号" if item.closed_on else item.get_state_display()
    return Row(item.title, reverse("lists:inspection_rect", args=[item.pk]),
               f"{item.org.name}，整改时限 {item.due_on:%Y-%m-%d}，{state}")


def _show_budget(line: Any) -> Row:
    query = urlencode({"org": line.org_id, "year": line.year})
    return Row(f"{line.org.name}{line.year}年预算：{line.get_category_display()}",
               f"{reverse('lists:funds_budget')}?{query}", _yuan(line.amount))


def _show_allocation(row: Any) -> Row:
    reversal = "（冲销）" if row.reverses_id else ""
    return Row(f"{row.giver.name} 下拨 {row.receiver.name}{reversal}", reverse("lists:funds_allocation", args=[row.pk]),
               f"{row.allocated_on:%Y-%m-%d}，{_yuan(row.amount)}，{row.purpose}")


def _show_spending(row: Any) -> Row:
    reversal = "（冲销）" if row.reverses_id else ""
    return Row(f"{row.org.name}：{row.purpose}{reversal}", reverse("lists:funds_spending", args=[row.pk]),
               f"{row.spent_on:%Y-%m-%d}，{_yuan(row.amount)}")


def _list_url(year: int) -> str:
    return f"{reverse('lists:home')}?{urlencode({'year': year})}"


def _show_standard(standard: Any) -> Row:
    """A standard has no page of its own: it opens the year's list (任务清单) it belongs to."""
    return Row(f"{standard.code} {standard.title}", _list_url(standard.task_list.year),
               f"{standard.group}，{standard.task_list.title}")


def _show_document(doc: Any) -> Row:
    """A document has no page of its own: it opens the year's list (任务清单) it belongs to."""
    issued = f"，{doc.issued_on:%Y-%m-%d} 印发" if doc.issued_on else ""
    number = f"（{doc.doc_no}）" if doc.doc_no else ""
    return Row(f"{doc.title}{number}", _list_url(doc.task_list.year), f"{doc.get_kind_display()}{issued}")


def _show_star(star: Any) -> Row:
    return Row(f"{star.person.name}（{star.month:%Y年%m月}干部之星）",
               reverse("lists:cadre_person", args=[star.person_id]), f"{star.org.name}，{star.deeds[:40]}")


def _show_promotion(row: Any) -> Row:
    return Row(f"{row.person.name}：{row.from_post} → {row.to_post}",
               reverse("lists:cadre_person", args=[row.person_id]), f"{row.org.name}，{row.promoted_on:%Y-%m-%d} 任职")


# ---------------------------------------------------------------- registration


def _status_metrics(prefix: str, source: str, what: str, order: int, conditions: dict[str, Q]) -> None:
    """A figure per status. A source that groups by what the conditions read (``split``: a top-level task's
    three roll-ups over its tree) has the database compute them once, whatever the number of figures; a piece's
    conditions test the cheap milestone grade first, and the database skips its reports for most pieces, so its
    source filters instead (grouping would compute every piece's reports: measured twice as slow)."""
    for i, (status, label) in enumerate(((TaskStatus.DONE, "已完成"), (TaskStatus.ON_TRACK, "正常推进"),
                                         (TaskStatus.AT_RISK, "有风险"), (TaskStatus.OVERDUE, "逾期")), start=1):
        register_metric(f"{prefix}_{status}", PANEL, f"{what}{label}", source=source, unit="项",
                        where=conditions[status], order=order + i,
                        help=f"{what}中，按路线图节点和月度进展，在统计期末（期间未结束时为今天）状态为“{label}”的")


def register() -> None:
    view = Perm.LIST_VIEW
    register_source("lists.task", top_tasks, path="org_path", perm=view, show=_show_task, dated="starts_on",
                    label="项任务", split=("_tms", "_tgap", "_trisk"))
    register_source("lists.piece", pieces, path="org_path", perm=view, show=_show_task, label="项分解事项")
    register_source("lists.report", reports, path="org_path", perm=view, show=_show_report, dated="filed_at",
                    label="份月度进展")
    register_source("lists.project", projects, path="org_path", perm=view, show=_show_project, label="个党建项目")
    register_source("lists.brand", brands, path="org_path", perm=view, show=_show_brand, dated="named_on",
                    label="个党建品牌")
    register_source("lists.eval_round", eval_rounds, path="org_path", perm=view, show=_show_eval, label="轮评议")
    register_source("lists.inspection", inspection_rounds, path="org_path", perm=view, show=_show_inspection,
                    dated="starts_on", label="轮巡查")
    register_source("lists.rectification", rectifications, path="org_path", perm=view, show=_show_rectification,
                    dated="created_at", label="项整改事项")
    register_source("lists.budget", budget_lines, path="org_path", perm=view, show=_show_budget, label="条预算")
    register_source("lists.allocation", allocations, path="giver_path", perm=view, show=_show_allocation,
                    dated="allocated_on", label="笔下拨")
    register_source("lists.spending", spendings, path="org_path", perm=view, show=_show_spending, dated="spent_on",
                    label="笔支出")
    register_source("lists.standard", standards, path="task_list__org_path", perm=view, show=_show_standard,
                    label="项标准")
    register_source("lists.document", documents, path="task_list__org_path", perm=view, show=_show_document,
                    label="份文件")
    register_source("lists.star", stars, path="org_path", perm=view, show=_show_star, dated="month",
                    label="名干部之星")
    register_source("lists.promotion", promotions, path="org_path", perm=view, show=_show_promotion,
                    dated="promoted_on", label="名提拔重用干部")

    # 任务清单
    register_metric("lists.tasks", PANEL, "任务清单任务", source="lists.task", unit="项", order=10,
                    help="期间所在年度任务清单的大项任务（一项工程），计在制发清单的组织")
    _status_metrics("lists.tasks", "lists.task", "大项任务", 10, TOP)
    register_metric("lists.pieces", PANEL, "分解落实事项", source="lists.piece", unit="项", order=20,
                    headline=True, help="期间所在年度任务清单分解到各级、不再分解的事项，计在承担的组织")
    _status_metrics("lists.pieces", "lists.piece", "分解落实事项", 20, LEAF)
    register_metric("lists.reports_filed", PANEL, "报送月度进展", source="lists.report", unit="份", order=30,
                    where=Q(_filed=True), help="期间内报送的月度进展（每月督查）")
    register_metric("lists.reports_reviewed", PANEL, "审核月度进展", source="lists.report", unit="份", order=31,
                    where=Q(_reviewed=True), help="期间内工作专班审核的月度进展（通过或退回补充）")
    register_metric("lists.reports_returned", PANEL, "退回补充的月度进展", source="lists.report", unit="份",
                    order=32, where=Q(_reviewed=True, result=ReviewResult.RETURNED),
                    help="期间内审核时退回补充的月度进展")
    # 标准和配套文件
    register_metric("lists.standards", PANEL, "党建工作标准", source="lists.standard", unit="项", order=40,
                    help="期间所在年度任务清单的党建工作标准目录")
    register_metric("lists.documents", PANEL, "方案文件", source="lists.document", unit="份", order=41,
                    where=Q(kind__in=[DocKind.OPINION, DocKind.SUPPORTING]),
                    help="期间所在年度任务清单的来源文件：意见及其配套文件（“1+7”方案体系）")
    register_metric("lists.rules", PANEL, "配套制度", source="lists.document", unit="项", order=42,
                    where=Q(kind=DocKind.RULE), help="期间所在年度任务清单登记的配套制度")
    # 项目清单
    register_metric("lists.projects", PANEL, "党建项目", source="lists.project", order=50,
                    help="期间所在年度的党建项目（各状态，含退回的申报）")
    register_metric("lists.projects_claimed", PANEL, "书记认领项目", source="lists.project", order=51,
                    where=Q(kind=ProjectKind.CLAIMED), help="期间所在年度书记认领的党建项目")
    register_metric("lists.projects_applied", PANEL, "基层申报项目", source="lists.project", order=52,
                    where=Q(kind=ProjectKind.APPLIED), help="期间所在年度基层申报的党建项目")
    register_metric("lists.special_projects", PANEL, "常委领衔专题项目", source="lists.project", order=53,
                    where=Q(kind=ProjectKind.SPECIAL), help="期间所在年度由区委常委领衔的专题项目")
    register_metric("lists.projects_done", PANEL, "已完成的党建项目", source="lists.project", order=54,
                    where=Q(state__in=[ProjectState.COMPLETED, ProjectState.EVALUATED]),
                    help="期间所在年度的党建项目中已完成（含已评估）的")
    register_metric("lists.brands", PANEL, "党建品牌", source="lists.brand", order=55,
                    help="到期末已命名的党建品牌（累计）")
    # 保障清单：述职评议
    register_metric("lists.eval_rounds", PANEL, "开展评议", source="lists.eval_round", unit="轮", order=60,
                    help="期间的评议轮次（每月一评计在当月，年度评议计在当年12月），不含草稿")
    for i, (kind, label) in enumerate(EvalKind.choices, start=1):
        register_metric(f"lists.eval_{kind}", PANEL, label, source="lists.eval_round", unit="轮", order=60 + i,
                        where=Q(kind=kind), help=f"期间的{label}轮次，不含草稿")
    register_metric("lists.eval_published", PANEL, "已公布评议结果", source="lists.eval_round", unit="轮",
                    order=65, where=Q(state=EvalState.PUBLISHED), help="期间的评议轮次中已公布结果的")
    # 保障清单：巡查整改
    register_metric("lists.inspections", PANEL, "开展巡查", source="lists.inspection", unit="轮", order=70,
                    help="期间内开始的巡查轮次（不含筹备中的）")
    register_metric("lists.rect_found", PANEL, "登记整改事项", source="lists.rectification", unit="项", order=71,
                    where=Q(_new=True), help="期间内针对巡查发现问题登记的整改事项，计在整改责任单位")
    register_metric("lists.rect_reported", PANEL, "报告整改", source="lists.rectification", unit="项", order=72,
                    where=Q(_reported=True), help="期间内报告了整改情况的整改事项")
    register_metric("lists.rect_closed", PANEL, "整改销号", source="lists.rectification", unit="项", order=73,
                    where=Q(_closed=True), help="期间内核验销号的整改事项")
    register_metric("lists.rect_overdue", PANEL, "整改逾期未销号", source="lists.rectification", unit="项",
                    order=74, where=Q(_overdue=True),
                    help="统计期末（期间未结束时为今天）已过整改时限、尚未销号的整改事项")
    # 保障清单：财政保障
    register_metric("lists.funds", PANEL, "党建经费预算", source="lists.budget", sum_of="amount", unit="元",
                    order=80, help="期间所在年度的党建专项经费预算（各级预算之和）")
    register_metric("lists.funds_allocated", PANEL, "下拨党建经费", source="lists.allocation", sum_of="amount",
                    unit="元", order=81,
                    help="期间内各级组织向下级下拨的党建经费（逐级下拨的每一级都计入，冲销抵减）")
    register_metric("lists.funds_spent", PANEL, "党建经费支出", source="lists.spending", sum_of="amount",
                    unit="元", order=82, help="期间内各级组织的党建经费支出（冲销抵减）")
    # 干部使用在一线
    register_metric("lists.cadre_stars", PANEL, "月度干部之星", source="lists.star", unit="名", order=90,
                    help="期间各月评出的月度干部之星，计在评选时所在组织")
    register_metric("lists.promotions", PANEL, "提拔重用干部", source="lists.promotion", unit="名", order=91,
                    help="期间内任职的提拔重用干部，计在记录时所在组织")
