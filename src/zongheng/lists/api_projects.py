"""The project list in the JSON API (added by ``lists.api``): list and get projects, create one (书记认领,
基层申报, 常委领衔专题项目), edit it, and move it one step along its workflow.

Same doors as the pages: anonymous → 401, no right at all → 403, a project out of scope → 404 like a missing
one; references through the scoped lookups of ``selectors_projects`` (refused → 400 in Chinese); writes
through the ``do_*`` actions of ``actions_projects``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from zongheng.orgs.api import CREATE, LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _ref, _user

from . import actions_projects as actions
from . import selectors_projects as selectors
from .choices import ProjectKind, ProjectMove, ProjectState
from .models import Project

router = Router(tags=["一清单"])

KindCode = Literal["claimed", "applied", "special"]
MoveCode = Literal["review", "approve", "return", "resubmit", "start", "complete", "evaluate"]


class ProjectPersonRef(Schema):
    id: int
    name: str


class ProjectEventOut(Schema):
    move: str
    from_state: str
    to_state: str
    note: str
    at: dt.datetime


class ProjectOut(Schema):
    id: int
    kind: str = Field(description="claimed 书记认领；applied 基层申报；special 常委领衔专题项目")
    kind_label: str
    org: OrgRef = Field(description="实施单位")
    year: int
    title: str
    summary: str
    secretary: ProjectPersonRef | None = Field(description="认领书记")
    lead: ProjectPersonRef | None = Field(description="领衔常委")
    budget: Decimal = Field(description="预算（万元）")
    outcome: str = Field(description="实施成效")
    evaluation: str = Field(description="评估意见")
    state: str
    state_label: str
    state_since: dt.datetime
    moves: list[str] = Field(description="当前用户现在可以进行的操作")


class ProjectDetailOut(ProjectOut):
    events: list[ProjectEventOut] = Field(description="流转记录")


class ProjectPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProjectOut]


Title = Annotated[str, Field(min_length=1, max_length=120, pattern=NO_NUL)]
Summary = Annotated[str, Field(min_length=1, max_length=4000, pattern=NO_NUL)]
Budget = Annotated[Decimal, Field(ge=0, le=Decimal("99999999.99"), decimal_places=2)]


class ProjectIn(Schema):
    kind: KindCode
    org: int = Field(ge=1, le=MAX_ID, description="实施单位 id（区以下、在管辖范围内）")
    year: int | None = Field(None, ge=2000, le=2100, description="年度；默认今年")
    title: Title
    summary: Summary
    budget: Budget = Field(Decimal("0"), description="预算（万元）")
    lead: int | None = Field(None, ge=1, le=MAX_ID, description="领衔常委的人员 id（专题项目必填）")


class ProjectPatchIn(Schema):
    title: Title | None = None
    summary: Summary | None = None
    budget: Budget | None = None
    outcome: Annotated[str, Field(max_length=4000, pattern=NO_NUL)] | None = None


class ProjectMoveIn(Schema):
    move: MoveCode
    note: Annotated[str, Field(max_length=500, pattern=NO_NUL)] = Field("", description="说明；退回须写理由")
    evaluation: Annotated[str, Field(max_length=2000, pattern=NO_NUL)] = Field("", description="评估意见（评估必填）")


def _person(p: Any) -> dict[str, Any] | None:
    return {"id": p.pk, "name": p.name} if p is not None else None


def _project(user: Any, p: Project) -> dict[str, Any]:
    return {"id": p.pk, "kind": p.kind, "kind_label": ProjectKind(p.kind).label, "org": _ref(p.org),
            "year": p.year, "title": p.title, "summary": p.summary, "secretary": _person(p.secretary),
            "lead": _person(p.lead), "budget": p.budget, "outcome": p.outcome, "evaluation": p.evaluation,
            "state": p.state, "state_label": ProjectState(p.state).label, "state_since": p.state_since,
            "moves": [m for m, _ in selectors.moves_for(user, p)]}


def _detail(user: Any, p: Project) -> dict[str, Any]:
    return _project(user, p) | {"events": [
        {"move": e.move, "from_state": e.from_state, "to_state": e.to_state, "note": e.note, "at": e.at}
        for e in p.events.order_by("at", "id")]}


def _require_view(user: Any) -> None:
    if not selectors.may_view(user):
        raise PermissionDenied("您没有此项权限")


@router.get("/lists/projects", response={200: ProjectPage, **LIST},
            summary="项目清单（管辖范围内的和本人认领、领衔的）")
def list_projects(
    request: HttpRequest,
    kind: Literal["claimed", "applied", "special"] | None = Query(None, description="项目类型"),
    state: Literal["submitted", "reviewing", "approved", "returned", "in_progress", "completed",
                   "evaluated"] | None = Query(None, description="状态"),
    year: int | None = Query(None, ge=2000, le=2100, description="年度"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    user = _user(request)
    _require_view(user)
    qs = selectors.project_list(user, selectors.filters({"kind": kind, "state": state, "year": year}))
    items = [_project(user, p) for p in qs[offset:offset + limit]]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


@router.post("/lists/projects", response={201: ProjectDetailOut, **CREATE},
             summary="申报、认领或确定专题项目（提交后由上级组织审核）")
def create_project(request: HttpRequest, payload: ProjectIn) -> Any:
    user = _user(request)
    if not selectors.may_create(user):
        raise PermissionDenied("您没有此项权限")
    data = payload.dict()
    data["org"] = selectors.resolve_project_org(user, payload.org, payload.kind)
    data["lead"] = selectors.resolve_lead(user, payload.lead) if payload.kind == ProjectKind.SPECIAL else None
    project = actions.do_create_project(user, data)
    return Status(201, _detail(user, selectors.project_for(user, project.pk)))


@router.get("/lists/projects/{id}", response={200: ProjectDetailOut, **ONE}, summary="一个党建项目及其流转记录")
def get_project(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _require_view(user)
    return _detail(user, selectors.project_for(user, id))


@router.patch("/lists/projects/{id}", response={200: ProjectDetailOut, **WRITE},
              summary="修改党建项目（名称、内容、预算、实施成效；已评估的不能修改）")
def update_project(request: HttpRequest, payload: ProjectPatchIn, id: int = PathId) -> Any:
    user = _user(request)
    _require_view(user)
    project = selectors.project_for(user, id)
    actions.do_update_project(user, project, {k: v for k, v in payload.dict(exclude_unset=True).items()
                                              if v is not None})
    return _detail(user, selectors.project_for(user, id))


@router.post("/lists/projects/{id}/move", response={200: ProjectDetailOut, **WRITE},
             summary="党建项目流转一步（受理审核、批准立项、退回、重新提交、开始实施、完成、评估）")
def move_project(request: HttpRequest, payload: ProjectMoveIn, id: int = PathId) -> Any:
    user = _user(request)
    _require_view(user)
    project = selectors.project_for(user, id)
    actions.do_move(user, project, ProjectMove(payload.move), payload.note, evaluation=payload.evaluation)
    return _detail(user, selectors.project_for(user, id))
