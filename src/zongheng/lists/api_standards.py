"""标准化建设 in the JSON API (added by ``lists.api``): the framework, an organisation's score card for a
quarter, the ranked cards of a level inside an organisation the caller oversees, and scoring an assessed
indicator.

Same doors as the pages (``selectors_standards``): anonymous → 401, no ``list.view`` anywhere → 403, an
organisation out of scope → 404 like a missing one, scoring without ``standard.assess`` strictly above → 403,
a malformed or future quarter → 400; writes through ``actions_standards.do_assess`` (refused → 400).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from zongheng.core import indicators as registry
from zongheng.core.errors import ActionError
from zongheng.core.indicators import Quarter
from zongheng.orgs.api import MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _user

from . import actions_standards as actions
from . import selectors_standards as sel
from . import standards

router = Router(tags=["一清单"])

PERIOD = r"^\d{4}-Q[1-4]$"
PERIOD_Q = Query(None, pattern=PERIOD, description="季度，如 2026-Q4；不填为本季度；不能是以后的季度")
READ: dict[int, Any] = ONE | {400: ONE[404]}


class StdIndicatorOut(Schema):
    id: int
    code: str
    name: str
    max_score: float
    method: str = Field(description="computed 系统计算；assessed 人工评分")
    source: str = Field(description="系统计算指标的计算口径代码")
    source_label: str = Field(description="计算口径名称")
    guidance: str


class StdKindOut(Schema):
    id: int
    code: str
    name: str
    general: bool = Field(description="通用标准（“1”）适用于所有组织")
    levels: list[str]
    unit_types: list[str]
    org_kinds: list[str]
    indicators: list[StdIndicatorOut]


class StdFrameworkOut(Schema):
    id: int | None
    name: str
    kinds: list[StdKindOut]


class StdLineOut(Schema):
    indicator_id: int
    code: str
    name: str
    kind: str
    method: str
    max_score: float
    applies: bool = Field(description="本季度是否适用（系统计算指标无可计记录时不适用，不计入满分）")
    value: str = Field(description="数值（系统计算）或得分（人工评分）；待评分为“待评分”")
    score: float | None
    url: str = Field(description="系统计算指标所计记录的页面（站内路径）")
    pending: bool = Field(description="人工评分指标尚未评分")
    evidence: str
    assessed_at: dt.datetime | None


class StdCardOut(Schema):
    org: OrgRef
    period: str
    period_label: str
    kind: str = Field(description="适用的分类标准；只适用通用标准时为空")
    total: float
    maximum: float
    rate: float | None = Field(description="得分率（0–1）")
    pending: int
    rank: int | None = Field(description="在所比较范围内的名次（列表中给出）")
    lines: list[StdLineOut]


class StdCardPage(Schema):
    org: OrgRef = Field(description="在其范围内比较的组织")
    level: str
    period: str
    count: int
    limit: int
    offset: int
    items: list[StdCardOut]


class StdAssessIn(Schema):
    period: str = Field(pattern=PERIOD, description="季度，如 2026-Q4；不能是以后的季度")
    indicator: int = Field(ge=1, le=MAX_ID, description="人工评分指标 id（该组织评分卡上的）")
    score: Decimal = Field(ge=0, le=1000, max_digits=5, decimal_places=1, description="得分（0–指标分值）")
    evidence: str = Field(min_length=1, max_length=2000, pattern=NO_NUL, description="评分依据")


def _quarter(value: str | None) -> Quarter:
    try:
        return sel.quarter_param(value, timezone.localdate())
    except ValueError as exc:
        raise ActionError(str(exc)) from None


def _card(c: standards.Card, with_lines: bool = True) -> dict[str, Any]:
    lines = [{
        "indicator_id": ln.indicator.pk, "code": ln.indicator.code, "name": ln.indicator.name, "kind": ln.kind.name,
        "method": ln.indicator.method, "max_score": float(ln.indicator.max_score), "applies": ln.applies,
        "value": ln.value, "score": float(ln.score) if ln.score is not None else None, "url": ln.url,
        "pending": ln.pending, "evidence": ln.assessment.evidence if ln.assessment else "",
        "assessed_at": ln.assessment.assessed_at if ln.assessment else None,
    } for ln in c.lines] if with_lines else []
    return {"org": {"id": c.org.id, "name": c.org.name}, "period": c.quarter.key, "period_label": c.quarter.label,
            "kind": c.kind.name if c.kind else "", "total": float(c.total), "maximum": float(c.maximum),
            "rate": float(c.rate) if c.rate is not None else None, "pending": c.pending, "rank": c.rank,
            "lines": lines}


@router.get("/lists/standards/framework", response={200: StdFrameworkOut, **ONE}, summary="标准化建设标准体系（1+9）")
def std_framework(request: HttpRequest) -> Any:
    sel.require_view(_user(request))
    fw = standards.active_framework()
    kinds = []
    for k in fw.kinds:
        items = []
        for ind in fw.items.get(k.pk, []):
            reg = registry.indicator(ind.source) if ind.source else None
            items.append({"id": ind.pk, "code": ind.code, "name": ind.name, "max_score": float(ind.max_score),
                          "method": ind.method, "source": ind.source, "source_label": reg.label if reg else "",
                          "guidance": ind.guidance})
        kinds.append({"id": k.pk, "code": k.code, "name": k.name, "general": k.general, "levels": list(k.levels),
                      "unit_types": list(k.unit_types), "org_kinds": list(k.org_kinds), "indicators": items})
    return {"id": fw.framework.pk if fw.framework else None, "name": fw.framework.name if fw.framework else "",
            "kinds": kinds}


@router.get("/lists/standards/cards/{id}", response={200: StdCardOut, **READ}, summary="组织的季度评分卡")
def std_card(request: HttpRequest, id: int = PathId, period: str | None = PERIOD_Q) -> Any:
    user = _user(request)
    sel.require_view(user)
    org = sel.org_for(user, id)
    return _card(standards.card_for(org, _quarter(period), timezone.now()))


@router.get("/lists/standards/cards", response={200: StdCardPage, **READ},
            summary="某组织范围内某一层级的评分卡排名（只在调用者管辖范围内）")
def std_cards(request: HttpRequest, org: int | None = Query(None, ge=1, le=MAX_ID, description="在其范围内比较的组织；"
                                                                                                "不填为调用者管辖的最高组织"),
               level: str | None = Query(None, max_length=32, pattern=r"^[a-z0-9_-]*$",
                                         description="层级代码（如 community）；不填为最高的下级层级"),
               period: str | None = PERIOD_Q, limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    sel.require_view(user)
    parent = sel.org_for(user, org) if org is not None else sel.top_org(user)
    if parent is None:
        raise Http404
    codes = [lv.code for lv in sel.levels_below(parent)]
    if level and level not in codes:
        raise Http404
    code = level or (codes[0] if codes else "")
    quarter = _quarter(period)
    ranked = standards.ranking(parent, code, quarter, timezone.now()) if code else []
    return {"org": {"id": parent.pk, "name": parent.name}, "level": code, "period": quarter.key,
            "count": len(ranked), "limit": limit, "offset": offset,
            "items": [_card(c) for c in ranked[offset:offset + limit]]}


@router.post("/lists/standards/cards/{id}/assess", response={200: StdCardOut, **WRITE},
             summary="人工评分（须在被评组织的上级担任可评分职务）")
def std_assess(request: HttpRequest, payload: StdAssessIn, id: int = PathId) -> Any:
    user = _user(request)
    sel.require_view(user)
    org = sel.org_for(user, id)
    if not sel.may_assess(user, org.path):
        raise PermissionDenied(actions.REFUSED)
    quarter = _quarter(payload.period)
    actions.do_assess(user, org, quarter, payload.indicator, {"score": payload.score, "evidence": payload.evidence})
    return _card(standards.card_for(org, quarter, timezone.now()))
