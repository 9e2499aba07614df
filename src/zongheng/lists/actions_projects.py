"""Every write of the project list (项目清单): create a project (书记认领, 基层申报, 常委领衔专题项目), move it
along its workflow (one function, ``do_move``, that reads ``choices.PROJECT_TRANSITIONS``), edit its text,
budget and outcome, and name a brand (党建品牌) from evaluated projects.

Each ``do_*`` runs in one transaction, checks who may act through ``selectors_projects``, writes the audit
record and raises ``ActionError`` (Chinese) when refused — then nothing is written. A move locks the project's
row (``select_for_update``) and re-reads its state, so two reviewers deciding at once leave one decision: the
second finds the state already moved and is refused by the table.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.access import in_scope, is_root_path
from zongheng.core.errors import ActionError
from zongheng.core.errors import checked_text as _text
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from .choices import PROJECT_TRANSITIONS, REVIEW_MOVES, ProjectKind, ProjectMove, ProjectState
from .models import Brand, Project, ProjectEvent
from .selectors_projects import may_make

FIELDS = ["kind", "org", "year", "title", "summary", "secretary", "lead", "budget", "outcome", "evaluation",
          "state"]
BRAND_FIELDS = ["name", "slug", "org", "summary", "named_on"]
NOTE_MAX = 500
BUDGET_MAX = Decimal("99999999.99")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _budget(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ActionError("预算须为数字（万元）") from exc
    if not amount.is_finite() or amount < 0:
        raise ActionError("预算不能为负数")
    if amount > BUDGET_MAX:
        raise ActionError("预算数额过大，请以万元为单位填写")
    return amount


def _year(value: Any, now: dt.datetime) -> int:
    try:
        year = int(value) if value not in (None, "") else timezone.localtime(now).year
    except (TypeError, ValueError) as exc:
        raise ActionError("年度须为四位数字") from exc
    if not 2000 <= year <= 2100:
        raise ActionError("年度须在 2000 到 2100 之间")
    return year


def _event(project: Project, move: str, from_state: str, to_state: str, note: str, user: Any,
           now: dt.datetime) -> ProjectEvent:
    return ProjectEvent.objects.create(project=project, move=move, from_state=from_state, to_state=to_state,
                                       note=note, by=user if getattr(user, "pk", None) else None, at=now)


@transaction.atomic
def do_create_project(user: Any, data: dict[str, Any], *, now: dt.datetime | None = None) -> Project:
    """申报 / 认领 / 立专题: ``data`` = kind, org (an ``Org`` from ``selectors_projects.resolve_project_org``),
    title, summary, budget, year, and for a special project ``lead`` (a ``Person`` from ``resolve_lead``).
    The project starts 已提交 (a ``submit`` event); a claimed project's secretary is the claimer."""
    now = now or timezone.now()
    kind = data.get("kind")
    if kind not in ProjectKind.values:
        raise ActionError("请选择项目类型")
    org = data.get("org")
    if not isinstance(org, Org):
        raise ActionError("请选择实施单位")
    perm = Perm.LIST_CONFIGURE if kind == ProjectKind.SPECIAL else Perm.LIST_REPORT
    if not in_scope(user, perm, org.path):
        raise ActionError("实施单位不存在或不在您的管辖范围内")
    if is_root_path(org.path) and kind != ProjectKind.SPECIAL:
        raise ActionError("实施单位须为区以下的组织（项目由上级组织审核）")
    secretary = lead = None
    if kind == ProjectKind.CLAIMED:
        person_id = getattr(user, "person_id", None)
        if not person_id:
            raise ActionError("您的账号没有关联人员信息，不能认领项目")
        secretary = Person.objects.get(pk=person_id)
    elif kind == ProjectKind.SPECIAL:
        lead = data.get("lead")
        if not isinstance(lead, Person):
            raise ActionError("专题项目须选择领衔的常委")
    project = Project.objects.create(
        kind=kind, org=org, org_path=org.path, year=_year(data.get("year"), now),
        title=_text(data.get("title"), "项目名称", 120, required=True),
        summary=_text(data.get("summary"), "项目内容", 4000, required=True),
        secretary=secretary, lead=lead, budget=_budget(data.get("budget")),
        state=ProjectState.SUBMITTED, state_since=now, created_by=user if getattr(user, "pk", None) else None)
    _event(project, ProjectMove.SUBMIT, "", ProjectState.SUBMITTED, "", user, now)
    audit.record(user, "lists.project_create", project, after=audit.snapshot(project, FIELDS))
    return project


def refusal(project: Project, move: str) -> str | None:
    """Why the table refuses ``move`` from the project's current state (None when it allows it)."""
    if move not in PROJECT_TRANSITIONS:
        return "没有这项操作"
    sources, _ = PROJECT_TRANSITIONS[move]
    if project.state in sources:
        return None
    return f"项目当前为「{ProjectState(project.state).label}」，不能直接「{_move_goal(move)}」"


def _move_goal(move: str) -> str:
    """How a move reads in a refusal: the state it leads to (完成, 立项 …), else its own name."""
    goals: dict[str, str] = {
        ProjectMove.APPROVE: "批准立项", ProjectMove.COMPLETE: "完成", ProjectMove.EVALUATE: "评估",
        ProjectMove.START: "开始实施", ProjectMove.REVIEW: "受理审核", ProjectMove.RETURN: "退回",
        ProjectMove.RESUBMIT: "重新提交"}
    return goals.get(move, ProjectMove(move).label if move in ProjectMove.values else move)


@transaction.atomic
def do_move(user: Any, project: Project, move: str, note: str = "", *, now: dt.datetime | None = None,
            evaluation: str = "", outcome: str | None = None) -> Project:
    """Move a project one step along ``PROJECT_TRANSITIONS``. Review moves (受理审核, 批准立项, 退回, 评估) need
    ``list.review`` on an organisation strictly above the project's (its own never approves itself); the others
    ``list.report`` on the project's organisation. A return needs its reason (``note``); an evaluation its text
    (``evaluation``, or ``note``). ``outcome`` may be given with 完成."""
    now = now or timezone.now()
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if move not in PROJECT_TRANSITIONS:
        raise ActionError("没有这项操作")
    if not may_make(user, locked, move):
        if move in REVIEW_MOVES:
            raise ActionError("只有上级组织可以审核、审批和评估这个项目")
        raise ActionError("只有项目实施单位可以推进这个项目")
    why = refusal(locked, move)
    if why:
        raise ActionError(why)
    note = _text(note, "说明", NOTE_MAX)
    if move == ProjectMove.RETURN and not note:
        raise ActionError("退回项目须写明退回理由")
    before = audit.snapshot(locked, FIELDS)
    if move == ProjectMove.EVALUATE:
        text = _text(evaluation or note, "评估意见", 2000)
        if not text:
            raise ActionError("评估项目须填写评估意见")
        locked.evaluation = text
    if move == ProjectMove.COMPLETE and outcome is not None:
        locked.outcome = _text(outcome, "实施成效", 4000)
    from_state = locked.state
    locked.state = PROJECT_TRANSITIONS[move][1]
    locked.state_since = now
    locked.save(update_fields=["state", "state_since", "evaluation", "outcome"])
    _event(locked, move, from_state, locked.state, note, user, now)
    audit.record(user, "lists.project_move", locked, before=before,
                 after=audit.snapshot(locked, FIELDS) | {"move": move, "note": note})
    return locked


@transaction.atomic
def do_update_project(user: Any, project: Project, data: dict[str, Any]) -> Project:
    """修改: the carrying organisation edits the title, summary, budget and outcome — until it is evaluated.
    Only the keys given change."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if not in_scope(user, Perm.LIST_REPORT, locked.org_path):
        raise ActionError("只有项目实施单位可以修改这个项目")
    if locked.state == ProjectState.EVALUATED:
        raise ActionError("项目已评估，不能再修改")
    before = audit.snapshot(locked, FIELDS)
    if "title" in data:
        locked.title = _text(data["title"], "项目名称", 120, required=True)
    if "summary" in data:
        locked.summary = _text(data["summary"], "项目内容", 4000, required=True)
    if "budget" in data:
        locked.budget = _budget(data["budget"])
    if "outcome" in data:
        locked.outcome = _text(data["outcome"], "实施成效", 4000)
    locked.save(update_fields=["title", "summary", "budget", "outcome"])
    audit.record(user, "lists.project_update", locked, before=before, after=audit.snapshot(locked, FIELDS))
    return locked


# ---------------------------------------------------------------- brands


def _brand_fields(user: Any, brand: Brand, data: dict[str, Any]) -> list[Project]:
    brand.name = _text(data.get("name"), "品牌名称", 60, required=True)
    slug = str(data.get("slug") or "").strip().lower()
    if not SLUG.match(slug) or len(slug) > 60:
        raise ActionError("网址标识只能用小写字母、数字和连字符，如 yangguang-360")
    brand.slug = slug
    brand.summary = _text(data.get("summary"), "品牌简介", 4000, required=True)
    org = data.get("org")
    if not isinstance(org, Org) or not in_scope(user, Perm.LIST_CONFIGURE, org.path):
        raise ActionError("所属单位不存在或不在您的管辖范围内")
    brand.org, brand.org_path = org, org.path
    projects = list(data.get("projects") or [])
    if not projects:
        raise ActionError("请至少选择一个已评估的项目")
    for p in projects:
        if not isinstance(p, Project) or p.state != ProjectState.EVALUATED:
            raise ActionError("品牌项目须为已评估的项目")
        if not in_scope(user, Perm.LIST_CONFIGURE, p.org_path):
            raise ActionError("品牌项目不存在或不在您的管辖范围内")
    if Brand.objects.filter(name=brand.name).exclude(pk=brand.pk).exists():
        raise ActionError(f"已有名为「{brand.name}」的品牌")
    if Brand.objects.filter(slug=brand.slug).exclude(pk=brand.pk).exists():
        raise ActionError(f"网址标识 {brand.slug} 已被其他品牌使用")
    return projects


@transaction.atomic
def do_name_brand(user: Any, data: dict[str, Any], *, today: dt.date | None = None) -> Brand:
    """命名党建品牌 (list.configure): name, slug (its public address /brands/<slug>/), summary, org, and one or
    more evaluated projects in scope."""
    brand = Brand(named_on=today or timezone.localdate(), named_by=user if getattr(user, "pk", None) else None)
    projects = _brand_fields(user, brand, data)
    brand.save()
    brand.projects.set(projects)
    audit.record(user, "lists.brand_create", brand,
                 after=audit.snapshot(brand, BRAND_FIELDS) | {"projects": sorted(p.pk for p in projects)})
    return brand


@transaction.atomic
def do_update_brand(user: Any, brand: Brand, data: dict[str, Any]) -> Brand:
    """修改党建品牌: the same fields as naming it; the naming date stays."""
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    if not in_scope(user, Perm.LIST_CONFIGURE, brand.org_path):
        raise ActionError("品牌不存在或不在您的管辖范围内")
    before = audit.snapshot(brand, BRAND_FIELDS) | {
        "projects": sorted(brand.projects.values_list("pk", flat=True))}
    projects = _brand_fields(user, brand, data)
    brand.save()
    brand.projects.set(projects)
    audit.record(user, "lists.brand_update", brand, before=before,
                 after=audit.snapshot(brand, BRAND_FIELDS) | {"projects": sorted(p.pk for p in projects)})
    return brand
