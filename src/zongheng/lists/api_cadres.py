"""The cadre records in the JSON API (added by ``lists.api``): the monthly cadre stars (list by month or year,
select one), the promotions (list by year, record one), and a person's front-line work for a period.

Same doors as the pages: anonymous → 401, no right at all → 403, a record or person out of scope → 404 like a
missing one; the person and the cited work are checked by the actions (refused → 400 in Chinese).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from zongheng.core.errors import ActionError
from zongheng.orgs.api import CREATE, LIST, MAX_ID, NO_NUL, WRITE, Limit, Offset, OrgRef, PathId, _ref, _user

from . import actions_cadres as actions
from . import frontline
from . import selectors_cadres as sel
from .models_cadres import CadreStar, Promotion

router = Router(tags=["一清单"])

Month = Annotated[str, Field(pattern=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$", description="月份，如 2018-07")]
Keys = Annotated[list[Annotated[str, Field(max_length=40, pattern=r"^[a-z_]+:\d{1,19}$")]],
                 Field(min_length=1, max_length=frontline.MAX_CITED,
                       description="引用的一线工作，如 task:12、demand:5、campaign:3、temp_org:88")]
MonthQuery = Query(None, description="月份，如 2018-07")
StartQuery = Query(None, description="开始日期（默认结束日期前一年）")
EndQuery = Query(None, description="结束日期（默认今天）")


class CadrePersonRef(Schema):
    id: int
    name: str


class CadreCitationOut(Schema):
    kind: str = Field(description="task 清单任务；demand 群众诉求；campaign 认领值守；temp_org 临时党组织")
    id: int | None = Field(description="被引用记录的 id；记录已被删除时为空")
    label: str


class CadreStarOut(Schema):
    id: int
    month: str
    person: CadrePersonRef
    org: OrgRef = Field(description="所在组织（评选时）")
    deeds: str = Field(description="事迹")
    cited: list[CadreCitationOut]


class CadreStarPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CadreStarOut]


class CadrePromotionOut(Schema):
    id: int
    promoted_on: dt.date
    person: CadrePersonRef
    org: OrgRef
    from_post: str
    to_post: str
    doc_no: str
    reason: str
    cited: list[CadreCitationOut]


class CadrePromotionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CadrePromotionOut]


class CadreWorkOut(Schema):
    kind: str
    id: int
    key: str = Field(description="引用时使用的键")
    label: str
    part: str = Field(description="本人在其中的角色")
    start: dt.date
    end: dt.date | None


class CadreStarIn(Schema):
    person: int = Field(ge=1, le=MAX_ID, description="干部的人员 id（在管辖范围内）")
    month: Month
    deeds: Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL)]
    work: Keys


class CadrePromotionIn(Schema):
    person: int = Field(ge=1, le=MAX_ID)
    promoted_on: dt.date = Field(description="任职日期")
    from_post: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
    to_post: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]
    doc_no: Annotated[str, Field(max_length=60, pattern=NO_NUL)] = ""
    reason: Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL)]
    work: Keys


def _cited(record: Any) -> list[dict[str, Any]]:
    return [{"kind": c.kind, "id": c.target_id, "label": c.label} for c in record.citations.all()]


def _star(s: CadreStar) -> dict[str, Any]:
    return {"id": s.pk, "month": f"{s.month:%Y-%m}", "person": {"id": s.person_id, "name": s.person.name},
            "org": _ref(s.org), "deeds": s.deeds, "cited": _cited(s)}


def _promotion(p: Promotion) -> dict[str, Any]:
    return {"id": p.pk, "promoted_on": p.promoted_on, "person": {"id": p.person_id, "name": p.person.name},
            "org": _ref(p.org), "from_post": p.from_post, "to_post": p.to_post, "doc_no": p.doc_no,
            "reason": p.reason, "cited": _cited(p)}


@router.get("/lists/cadres/stars", response={200: CadreStarPage, **LIST},
            summary="月度干部之星（按月份或年度，管辖范围内的和本人的）")
def list_stars(request: HttpRequest, month: Month | None = MonthQuery,
               year: int | None = Query(None, ge=2000, le=2100, description="年度（未给月份时）"),
               limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    sel.require_view(user)
    first = sel.parse_month(month)
    if first is not None:
        start, end = first, first
    else:
        start, end = sel.year_bounds(year or timezone.localdate().year)
    qs = sel.stars_in(user, start, end).prefetch_related("citations")
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_star(s) for s in qs[offset:offset + limit]]}


@router.post("/lists/cadres/stars", response={201: CadreStarOut, **CREATE}, summary="评选月度干部之星（区委组织部）")
def create_star(request: HttpRequest, payload: CadreStarIn) -> Any:
    user = _user(request)
    sel.require_record(user)
    star = actions.do_select_star(user, payload.dict())
    return Status(201, _star(sel.stars(user).prefetch_related("citations").get(pk=star.pk)))


@router.get("/lists/cadres/promotions", response={200: CadrePromotionPage, **LIST},
            summary="提拔重用（按年度，管辖范围内的和本人的）")
def list_promotions(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100),
                    limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    sel.require_view(user)
    start, end = sel.year_bounds(year or timezone.localdate().year)
    qs = sel.promotions_in(user, start, end).prefetch_related("citations")
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_promotion(p) for p in qs[offset:offset + limit]]}


@router.post("/lists/cadres/promotions", response={201: CadrePromotionOut, **CREATE},
             summary="记录提拔重用（区委组织部）")
def create_promotion(request: HttpRequest, payload: CadrePromotionIn) -> Any:
    user = _user(request)
    sel.require_record(user)
    promotion = actions.do_record_promotion(user, payload.dict())
    return Status(201, _promotion(sel.promotions(user).prefetch_related("citations").get(pk=promotion.pk)))


@router.get("/lists/cadres/people/{id}/work", response={200: list[CadreWorkOut], **WRITE},
            summary="一名干部在某期间的一线工作（在管辖范围内，可供引用）")
def person_work(request: HttpRequest, id: int = PathId,
                start: dt.date | None = StartQuery, end: dt.date | None = EndQuery) -> Any:
    user = _user(request)
    sel.require_record(user)
    person = sel.people_to_record(user).filter(pk=id).first()
    if person is None:
        raise Http404
    if any(d is not None and not 2000 <= d.year <= 2100 for d in (start, end)):
        raise ActionError("日期须在 2000 年到 2100 年之间")
    end = end or timezone.localdate()
    start = start or end - dt.timedelta(days=365)
    if end < start or (end - start).days > 3 * 366 + 1:
        raise ActionError("期间须为开始日期到结束日期，最长三年")
    return [{"kind": w.kind, "id": w.pk, "key": w.key, "label": w.label, "part": w.part, "start": w.start,
             "end": w.end} for w in frontline.find(person, start, end, user)]
