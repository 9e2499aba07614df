"""The .xlsx lists of activities: the activities list (filtered as the page), one activity's roster and the
sign-up rows the figures count. Phones are the masked copies, always."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from zongheng.core.exports import xlsx_response

from .models import Activity, SignUp


def _t(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _attended(s: SignUp) -> str:
    return "" if s.attended is None else ("出勤" if s.attended else "缺勤")


def _who(s: SignUp) -> tuple[str, str, str]:
    """(name, 党员/居民, masked phone): a member's from their record, a resident's own masked copy."""
    if s.person_id is not None and s.person is not None:
        return s.person.name, "党员" if s.is_member else "居民", s.person.phone_masked
    return s.name, "居民", s.phone_masked


def activities_xlsx(qs: QuerySet[Activity]) -> HttpResponse:
    headers = ["活动名称", "活动类型", "组织单位", "活动队伍", "地点", "开始时间", "结束时间", "人数上限", "已报名",
               "出勤人次", "接受居民报名", "状态", "取消原因"]

    def rows() -> Iterator[Sequence[Any]]:
        for a in qs.iterator(chunk_size=2000):
            yield [a.title, a.get_kind_display(), a.org.name, a.team.name if a.team else "", a.place,
                   _t(a.starts_at), _t(a.ends_at), a.capacity if a.capacity is not None else "不限", a.signed,
                   getattr(a, "attended_count", ""), "是" if a.open_to_residents else "否", a.get_state_display(),
                   a.cancel_reason]

    return xlsx_response("活动.xlsx", "活动", headers, rows())


def roster_xlsx(activity: Activity, qs: QuerySet[SignUp]) -> HttpResponse:
    headers = ["姓名", "身份", "所在组织", "电话", "报名时间", "报名状态", "现场加入", "出勤"]

    def rows() -> Iterator[Sequence[Any]]:
        for s in qs.iterator(chunk_size=2000):
            name, kind, phone = _who(s)
            org = s.person.org.name if s.person_id is not None and s.person is not None else ""
            yield [name, kind, org, phone, _t(s.signed_at), s.get_state_display(), "是" if s.walk_in else "",
                   _attended(s)]

    title = f"{activity.title}报名名单"
    return xlsx_response(f"{title}.xlsx", "报名名单", headers, rows())


def signups_xlsx(qs: QuerySet[SignUp]) -> HttpResponse:
    headers = ["活动名称", "组织单位", "开始时间", "姓名", "身份", "电话", "报名状态", "现场加入", "出勤"]

    def rows() -> Iterator[Sequence[Any]]:
        for s in qs.iterator(chunk_size=2000):
            name, kind, phone = _who(s)
            yield [s.activity.title, s.activity.org.name, _t(s.activity.starts_at), name, kind, phone,
                   s.get_state_display(), "是" if s.walk_in else "", _attended(s)]

    return xlsx_response("活动报名记录.xlsx", "报名记录", headers, rows())
