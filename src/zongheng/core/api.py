"""Warnings (预警) in the JSON API: the list and one warning, through the user's scope.

Every signed-in user may call them: they read only the warnings addressed to them or lying in a
subtree where they hold the rule's permission (``EarlyWarning.objects.restrict``); a warning
outside that answers 404, like a missing one; an org filter outside the scope answers 404 too.
Lists are paginated with ``limit``/``offset`` (two queries).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from .models import EarlyWarning
from .views_todo import Filters, filtered, scope_org
from .warnings import rule_label, rules

router = Router(tags=["warnings"])


class Problem(Schema):
    detail: str = Field(description="中文说明")


class InvalidInput(Schema):
    detail: list[dict[str, Any]] = Field(description="输入不符合接口定义：每项含 loc、msg、type")


LIST: dict[int, Any] = {401: Problem, 422: InvalidInput}
ONE: dict[int, Any] = LIST | {404: Problem}


class WarningOut(Schema):
    id: int
    rule: str = Field(description="预警规则代码，如 demand.overdue")
    rule_label: str = Field(description="预警规则名称")
    title: str = Field(description="事由")
    url: str = Field(description="办理入口（站内路径）")
    org_path: str = Field(description="责任组织的路径（筛选下级时用作 org 参数）")
    org_name: str = Field(description="责任组织")
    person_id: int | None = Field(None, description="责任人（人员 id），未指定为空")
    due_at: dt.datetime = Field(description="应完成时间")
    opened_at: dt.datetime = Field(description="预警时间")
    cleared_at: dt.datetime | None = Field(None, description="解除时间；未解除为空")
    is_open: bool


class WarningPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[WarningOut]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _out(w: EarlyWarning) -> dict[str, Any]:
    return {"id": w.pk, "rule": w.rule, "rule_label": rule_label(w.rule), "title": w.title, "url": w.url,
            "org_path": w.org_path, "org_name": w.org_name, "person_id": w.person_id, "due_at": w.due_at,
            "opened_at": w.opened_at, "cleared_at": w.cleared_at, "is_open": w.is_open}


@router.get("/warnings", response={200: WarningPage, **ONE}, summary="预警列表（交办给我的及管辖范围内的）")
def list_warnings(
    request: HttpRequest,
    rule: str | None = Query(None, max_length=40, pattern=r"^[a-z0-9_.]*$", description="预警规则代码"),
    state: Literal["open", "cleared", "all"] = Query("open",
                                                     description="open 未解除（默认）、cleared 已解除、all 全部"),
    org: str | None = Query(None, max_length=255, pattern=r"^[0-9A-Za-z]*$",
                            description="只列该组织（路径）及其下级的；须在管辖范围内，否则 404"),
    mine: bool = Query(False, description="true 只列交办给我的"),
    limit: int = Query(50, ge=1, le=200, description="每页条数（1–200）"),
    offset: int = Query(0, ge=0, le=10**9, description="跳过的条数"),
) -> Any:
    user = _user(request)
    codes = {r.code for r in rules()}
    f = Filters(rule=rule if rule in codes else "", state=state, org=scope_org(user, org) if org else "",
                mine=mine)
    if rule and rule not in codes:
        raise Http404
    qs = filtered(user, f).order_by("due_at", "id")
    items = [_out(w) for w in qs[offset:offset + limit]]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


@router.get("/warnings/{id}", response={200: WarningOut, **ONE}, summary="预警详情")
def get_warning(request: HttpRequest, id: int = Path(..., ge=1, le=2**63 - 1)) -> Any:
    user = _user(request)
    return _out(get_object_or_404(EarlyWarning.objects.restrict(user), pk=id))
