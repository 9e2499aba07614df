"""一张网 in the JSON API: every dashboard figure of an organisation and period, and the rows behind each.

The same doors as the pages: ``require(net.view)`` (no right anywhere → 403), the organisation through
``selectors.dashboard_org`` (outside the scope → 404), the rows only where the viewer holds the right of the
module that owns them (else 404). A malformed period → 400 with a Chinese message. Both run a constant
number of queries whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from pydantic import BaseModel

from zongheng.core import metrics as mx
from zongheng.core.access import require
from zongheng.core.errors import ActionError
from zongheng.core.periods import Period
from zongheng.core.permissions import Perm
from zongheng.orgs.api import ERR, ONE, Limit, Offset, OrgRef, PathId, _ref, _user

from . import selectors as s
from .views import dashboard_url

router = Router(tags=["net"])

PeriodText = Annotated[str, Field(max_length=10, pattern=r"^\d{4}(-(Q[1-4]|\d{1,2}))?$")]
PeriodQuery = Query(None, description="2018-03（月）、2018-Q1（季度）或 2018（年）；默认为有数据的最近一年")
CodePath = Path(..., max_length=64, pattern=r"^[a-z0-9_.]+$", description="数字的代码，如 tree.grids")


# A child's value is a plain pydantic model, not a ninja ``Schema``: a city's answer holds 100 children × ~107 figures
# of them, and a ``Schema`` runs its Python root validator on each (the city's answer at scale 100: 1,268 → 502 million
# instructions, issue 14). The docstrings are the API's descriptions.
class NetChildOrg(BaseModel):
    """下级组织"""

    id: int
    name: str


class NetChildValue(BaseModel):
    """某个下级组织的本期数值"""

    org: NetChildOrg
    value: float | None


class NetFigureOut(Schema):
    code: str
    panel: str
    panel_label: str
    label: str
    unit: str
    help: str
    value: float | None = Field(description="本期数值；比率为百分数，无可计的记录时为 null")
    previous: float | None = Field(description="上一期的数值")
    rows: str | None = Field(description="该数字所统计记录的接口地址（无权查看这些记录时为 null）")
    children: list[NetChildValue]


class NetFiguresOut(Schema):
    org: OrgRef
    period: str
    period_label: str
    previous_period: str
    page: str = Field(description="一张网页面地址")
    figures: list[NetFigureOut]
    as_of: dt.datetime | None = Field(
        None, description="区及以上范围的数字为快照：统计的时刻（默认至多 5 分钟前）；为空表示实时统计")


class NetRowOut(Schema):
    title: str
    url: str | None
    detail: str


class NetRowsOut(Schema):
    org: OrgRef
    code: str
    label: str
    period: str
    count: int
    items: list[NetRowOut]


def _num(value: mx.Number | None) -> float | None:
    return None if value is None else float(value)


def _period(text: str | None, org: Any) -> Period:
    try:
        return s.period_of(text, org, timezone.now())
    except ValueError as exc:
        raise ActionError(str(exc)) from exc


@router.get("/net/{org_id}/figures", response={200: NetFiguresOut, **ONE, 400: ERR},
            summary="一张网：组织（及其各下级组织）本期的各项数字与上一期的对比")
def net_figures(request: HttpRequest, org_id: int = PathId, period: PeriodText | None = PeriodQuery) -> Any:
    user = _user(request)
    require(user, Perm.NET_VIEW)
    org = s.dashboard_org(user, org_id)
    p = _period(period, org)
    kids = s.children(org)
    out = []
    read = s.panels(org, kids, p, timezone.now())
    refs = [(_ref(k), k.path) for k in kids]  # once per child, not once per figure (a city: 100 × ~107)
    for panel in read.panels:
        for r in panel.readings:
            m = r.metric
            out.append({
                "code": m.code, "panel": panel.key, "panel_label": panel.label, "label": m.label,
                "unit": m.unit, "help": m.help, "value": _num(r.value), "previous": _num(r.previous),
                "rows": (f"/api/v1/net/{org.pk}/figures/{m.code}/rows?period={p}"
                         if s.can_open_rows(user, m.code, org) else None),
                "children": [{"org": ref, "value": _num(r.children.get(path))} for ref, path in refs],
            })
    return {"org": _ref(org), "period": str(p), "period_label": p.label, "previous_period": str(p.previous()),
            "page": dashboard_url(org, p), "figures": out, "as_of": read.as_of}


@router.get("/net/{org_id}/figures/{code}/rows", response={200: NetRowsOut, **ONE, 400: ERR},
            summary="一张网：某个数字所统计的记录（分页）")
def net_rows(request: HttpRequest, org_id: int = PathId, code: str = CodePath, period: PeriodText | None = PeriodQuery,
             limit: int = Limit, offset: int = Offset) -> Any:
    user = _user(request)
    require(user, Perm.NET_VIEW)
    org = s.dashboard_org(user, org_id)
    metric = mx.metric(code)
    if metric is None or not s.can_open_rows(user, code, org):
        raise Http404
    p = _period(period, org)
    src = mx.source_of(code)
    qs = mx.rows(code, org.path, p, timezone.now()).order_by("-pk")
    items = [src.show(obj) for obj in qs[offset:offset + limit]]
    return {"org": _ref(org), "code": code, "label": metric.label, "period": str(p), "count": qs.count(),
            "items": [{"title": r.title, "url": r.url, "detail": r.detail} for r in items]}

