"""一清单 (1): the task list (任务清单) and the project list (项目清单).

A year's task list (``TaskList``) belongs to the organisation that issues it (the district) and holds its
source documents (the opinion and the 1+7 supporting documents), its standards catalogue (147 standards,
grouped) and its tasks. A top-level task (一项工程) has a county-level lead cadre (领衔); it is split into
child tasks down the tree, each carried by one organisation and weighted among its siblings. A task's
roadmap is its milestones (路线图 / 时间表); a milestone is met when its evidence is filed. The carrying
organisation files a monthly progress report per task (每月督查), the task force reviews it; the list is
walked every quarter (每季例会) and each task reviewed and scored at year end (每年述评).

Status and progress are never stored: ``progress.py`` derives them from milestones and reports for any day.

Scope is the tree (``org_path`` of the carrying organisation) — and, for a lead cadre, the assignment: they
see every piece of the tasks they lead (``root.lead``), wherever it is carried out.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from zongheng.core.access import path_q, scope_paths, steplen
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from .choices import DocKind, ProjectKind, ProjectState, ReviewResult

_USER = settings.AUTH_USER_MODEL


def _scoped(user: Any, perm: str, field: str = "org_path") -> Q:
    return path_q(field, scope_paths(user, perm))


def _led(user: Any, root_field: str) -> Q:
    """Rows of the tasks the signed-in user leads as their lead cadre (scope by assignment)."""
    person_id = getattr(user, "person_id", None)
    return Q(**{f"{root_field}__lead_id": person_id}) if person_id else Q(pk__in=[])


# ---------------------------------------------------------------- the year's list, documents, standards


class TaskListQuerySet(models.QuerySet["TaskList"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> TaskListQuerySet:
        """A list is read inside the organisation that issued it and everywhere below it (each organisation
        then sees its own share of the tasks), and by its lead cadres."""
        paths = scope_paths(user, perm)
        above = {path[:i] for path in paths for i in range(steplen(), len(path), steplen())}
        q = path_q("org_path", paths) | Q(org_path__in=above)
        person_id = getattr(user, "person_id", None)
        if person_id:
            q |= Q(pk__in=Task.objects.filter(lead_id=person_id).values("task_list_id"))
        return self.filter(q)


class TaskList(models.Model):
    """年度任务清单: the year's list issued by an organisation (the district's 城市基层党建工作重点任务清单)."""

    org = models.ForeignKey(Org, verbose_name="制发单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("清单名称", max_length=100)
    report_day = models.PositiveSmallIntegerField("月报截止日", default=5,
                                                  help_text="每月几日前报送上月进展")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskListQuerySet.as_manager()

    class Meta:
        verbose_name = "任务清单"
        verbose_name_plural = "任务清单"
        ordering = ["-year", "org_path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="tasklist_one_per_org_year"),
            models.CheckConstraint(name="tasklist_report_day", condition=Q(report_day__gte=1, report_day__lte=28)),
        ]

    def __str__(self) -> str:
        return self.title


class SourceDocument(models.Model):
    """来源文件: the opinion (《全面加强城市基层党建工作的意见》) and its supporting documents (1+7)."""

    task_list = models.ForeignKey(TaskList, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("类别", max_length=16, choices=DocKind.choices)
    title = models.CharField("文件名称", max_length=120)
    doc_no = models.CharField("文号", max_length=60, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)

    class Meta:
        verbose_name = "来源文件"
        verbose_name_plural = "来源文件"
        ordering = ["kind", "id"]
        constraints = [models.UniqueConstraint(fields=["task_list", "title"], name="document_title_once")]

    def __str__(self) -> str:
        return self.title


class Standard(models.Model):
    """党建工作标准: one of the catalogue's standards (147), in a group."""

    task_list = models.ForeignKey(TaskList, on_delete=models.CASCADE, related_name="standards")
    code = models.CharField("编号", max_length=20)
    group = models.CharField("类别", max_length=40)
    title = models.CharField("标准", max_length=200)
    text = models.TextField("内容", max_length=2000, blank=True)

    class Meta:
        verbose_name = "党建工作标准"
        verbose_name_plural = "党建工作标准"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["task_list", "code"], name="standard_code_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# ---------------------------------------------------------------- tasks and their roadmaps


class TaskQuerySet(models.QuerySet["Task"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> TaskQuerySet:
        """The pieces carried inside the user's scope, and every piece of the tasks they lead."""
        return self.filter(_scoped(user, perm) | _led(user, "root"))


class Task(models.Model):
    """任务: a top-level task (一项工程, ``parent`` empty, with its lead cadre) or a piece of one split down the
    tree. ``root`` is the top-level task (itself for one). ``weight`` weighs it among its siblings (the
    top-level tasks among the list's). Plan, timetable and pledge are structured fields; the timetable's
    dates are the milestones."""

    task_list = models.ForeignKey(TaskList, on_delete=models.CASCADE, related_name="tasks")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             editable=False)
    code = models.CharField("编号", max_length=20)
    title = models.CharField("任务", max_length=200)
    category = models.CharField("类别", max_length=40)
    weight = models.PositiveSmallIntegerField("权重", default=1)
    document = models.ForeignKey(SourceDocument, verbose_name="来源文件", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="tasks")
    standards = models.ManyToManyField(Standard, verbose_name="对应标准", blank=True, related_name="tasks")
    org = models.ForeignKey(Org, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    lead = models.ForeignKey(Person, verbose_name="领衔县处级干部", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    # 计划书
    goal = models.TextField("目标", max_length=2000, blank=True)
    measures = models.TextField("主要措施", max_length=4000, blank=True)
    plan_file = models.FileField("计划书附件", upload_to="lists/plans/%Y/%m/", blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("完成时限")
    # 责任状
    pledge_by = models.ForeignKey(Person, verbose_name="责任状签订人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    pledge_on = models.DateField("责任状签订日期", null=True, blank=True)
    pledge_text = models.TextField("责任状内容", max_length=2000, blank=True)
    pledge_file = models.FileField("责任状附件（签字盖章件）", upload_to="lists/pledges/%Y/%m/", blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "任务"
        ordering = ["task_list", "code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task_list", "code"], name="task_code_once"),
            models.CheckConstraint(name="task_weight_positive", condition=Q(weight__gte=1)),
            models.CheckConstraint(name="task_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))),
            models.CheckConstraint(name="task_lead_on_top_only",
                                   condition=Q(parent__isnull=True) | Q(lead__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Milestone(models.Model):
    """里程碑: one step of a task's roadmap, due on a date; met when its evidence is filed (``done_on``)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("节点", max_length=200)
    due_on = models.DateField("节点时间", db_index=True)
    weight = models.PositiveSmallIntegerField("权重", default=1)
    done_on = models.DateField("完成日期", null=True, blank=True)
    evidence = models.TextField("佐证材料", max_length=2000, blank=True)
    evidence_file = models.FileField("佐证附件", upload_to="lists/evidence/%Y/%m/", blank=True)
    done_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "里程碑"
        verbose_name_plural = "里程碑"
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(name="milestone_weight_positive", condition=Q(weight__gte=1)),
            models.CheckConstraint(name="milestone_done_with_evidence",
                                   condition=Q(done_on__isnull=True) | ~Q(evidence="")),
        ]

    def __str__(self) -> str:
        return self.title


class ReportQuerySet(models.QuerySet["ProgressReport"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> ReportQuerySet:
        return self.filter(_scoped(user, perm) | _led(user, "task__root"))


class ProgressReport(models.Model):
    """月度进展 (每月督查): what the carrying organisation did on a task in a month, against which milestone,
    its problems and evidence; reviewed by the task force (工作专班), who accept it or return it for more."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    month = models.DateField("月份", help_text="当月第一天")
    done = models.TextField("本月完成情况", max_length=2000)
    milestone = models.ForeignKey(Milestone, verbose_name="对应节点", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="reports")
    problems = models.TextField("存在问题", max_length=2000, blank=True)
    evidence = models.TextField("佐证材料", max_length=2000, blank=True)
    filed_at = models.DateTimeField("报送时间")
    filed_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result = models.CharField("审核结果", max_length=16, choices=ReviewResult.choices, blank=True)
    review_note = models.CharField("审核意见", max_length=500, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "月度进展"
        verbose_name_plural = "月度进展"
        ordering = ["-month", "task"]
        constraints = [
            models.UniqueConstraint(fields=["task", "month"], name="report_one_per_task_month"),
            models.CheckConstraint(name="report_reviewed_with_result",
                                   condition=Q(reviewed_at__isnull=True, result="")
                                   | (Q(reviewed_at__isnull=False) & ~Q(result=""))),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.month:%Y-%m}"


class QuarterReview(models.Model):
    """每季例会: the scheduling meeting that walks the list in a quarter; remarks per task in its items."""

    task_list = models.ForeignKey(TaskList, on_delete=models.CASCADE, related_name="quarter_reviews")
    quarter = models.PositiveSmallIntegerField("季度")
    held_on = models.DateField("召开日期")
    summary = models.TextField("调度情况", max_length=4000)
    recorded_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "季度调度会"
        verbose_name_plural = "季度调度会"
        ordering = ["task_list", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["task_list", "quarter"], name="quarter_review_once"),
            models.CheckConstraint(name="quarter_review_quarter", condition=Q(quarter__gte=1, quarter__lte=4)),
        ]

    def __str__(self) -> str:
        return f"{self.task_list} 第{self.quarter}季度调度会"


class QuarterReviewItem(models.Model):
    """A task discussed at a quarterly meeting: the remark and what was decided."""

    review = models.ForeignKey(QuarterReview, on_delete=models.CASCADE, related_name="items")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="quarter_items")
    remark = models.CharField("调度意见", max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "task"], name="quarter_item_once")]

    def __str__(self) -> str:
        return self.remark


class AnnualReview(models.Model):
    """每年述评: a task piece reviewed and scored at year end (0–100), with comments."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="annual_review")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    comments = models.TextField("述评意见", max_length=2000)
    reviewed_at = models.DateTimeField("述评时间")
    reviewed_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "年度述评"
        verbose_name_plural = "年度述评"
        constraints = [models.CheckConstraint(name="annual_score_range", condition=Q(score__gte=0, score__lte=100))]

    def __str__(self) -> str:
        return f"{self.task} {self.score}"


# ---------------------------------------------------------------- the project list


class ProjectQuerySet(models.QuerySet["Project"]):
    def restrict(self, user: Any, perm: str = Perm.LIST_VIEW) -> ProjectQuerySet:
        person_id = getattr(user, "person_id", None)
        own = Q(lead_id=person_id) | Q(secretary_id=person_id) if person_id else Q(pk__in=[])
        return self.filter(_scoped(user, perm) | own)


class Project(models.Model):
    """党建项目: claimed by a secretary (书记认领), applied for from below (基层申报), or a special project led by a
    standing committee member (专题项目). Its state moves only along ``choices.PROJECT_TRANSITIONS``; every move
    is a ``ProjectEvent``. ``state_since`` is when it entered its state (a stalled project warns)."""

    kind = models.CharField("类型", max_length=16, choices=ProjectKind.choices)
    org = models.ForeignKey(Org, verbose_name="实施单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("项目名称", max_length=120)
    summary = models.TextField("项目内容", max_length=4000)
    secretary = models.ForeignKey(Person, verbose_name="认领书记", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    lead = models.ForeignKey(Person, verbose_name="领衔常委", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    budget = models.DecimalField("预算（万元）", max_digits=10, decimal_places=2, default=0)
    outcome = models.TextField("实施成效", max_length=4000, blank=True)
    evaluation = models.TextField("评估意见", max_length=2000, blank=True)
    state = models.CharField("状态", max_length=16, choices=ProjectState.choices, default=ProjectState.SUBMITTED,
                             db_index=True)
    state_since = models.DateTimeField("进入当前状态时间", db_index=True)
    created_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "党建项目"
        verbose_name_plural = "党建项目"
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(name="project_budget_nonnegative", condition=Q(budget__gte=0)),
            models.CheckConstraint(name="project_special_has_lead",
                                   condition=~Q(kind=ProjectKind.SPECIAL) | Q(lead__isnull=False)),
            models.CheckConstraint(name="project_claimed_has_secretary",
                                   condition=~Q(kind=ProjectKind.CLAIMED) | Q(secretary__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title


class ProjectEvent(models.Model):
    """One move of a project (history row): from, to, who, when, the reason of a return."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    move = models.CharField("操作", max_length=16)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    note = models.CharField("说明", max_length=500, blank=True)
    by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project} {self.move}"


class Brand(models.Model):
    """党建品牌: a matured project named a brand (楼宇党建示范基地, 阳光360, 常青藤志愿服务). Its page is public
    (residents read what it did): it shows only the brand's own text and its projects' titles and outcomes."""

    name = models.CharField("品牌名称", max_length=60, unique=True)
    slug = models.SlugField("网址标识", max_length=60, unique=True)
    org = models.ForeignKey(Org, verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    summary = models.TextField("品牌简介", max_length=4000)
    projects = models.ManyToManyField(Project, verbose_name="品牌项目", related_name="brands")
    named_on = models.DateField("命名日期")
    named_by = models.ForeignKey(_USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "党建品牌"
        verbose_name_plural = "党建品牌"
        ordering = ["-named_on", "name"]

    def __str__(self) -> str:
        return self.name


# The parts of 一清单 (2) keep their models in their own files.
from .models_cadres import *  # noqa: E402, F403
from .models_evaluations import *  # noqa: E402, F403
from .models_funds import *  # noqa: E402, F403
from .models_inspections import *  # noqa: E402, F403
from .models_standards import *  # noqa: E402, F403
