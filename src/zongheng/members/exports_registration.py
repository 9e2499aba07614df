"""Spreadsheets of 双联双管报到: the registrations of a list (its filters), the counts per community and the
party members a community manages. Phone numbers masked, as on the pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

from zongheng.core.exports import xlsx_response
from zongheng.orgs.models import Org, Person

from .models import Registration

HEADERS = ["党员", "党员类型", "电话", "所在党组织", "报到社区", "状态", "特长和可提供的服务", "说明", "申请日期",
           "报到日期", "结束日期", "未同意或结束的原因"]
COUNT_HEADERS = ["社区（村）", "所在街道（乡）", "管理党员", "报到党员", "待确认申请"]
PEOPLE_HEADERS = ["姓名", "党员类型", "电话", "所在党组织", "报到社区（双联双管）"]


def _day(value: Any) -> str:
    return value.isoformat() if value else ""


def registration_row(r: Registration) -> list[Any]:
    p = r.person
    return [p.name, p.get_member_type_display(), p.phone_masked, p.org.name, r.community.name,
            r.get_state_display(), r.skills, r.note, _day(r.applied_on), _day(r.confirmed_on), _day(r.ended_on),
            r.reason]


def registrations_xlsx(rows: Iterable[Registration]) -> HttpResponse:
    return xlsx_response("双联双管报到.xlsx", "双联双管报到", HEADERS, (registration_row(r) for r in rows))


def counts_xlsx(rows: Iterable[Any]) -> HttpResponse:
    return xlsx_response("报到统计.xlsx", "报到统计", COUNT_HEADERS,
                         ([c.org.name, c.path, c.managed, c.registered, c.pending] for c in rows))


def people_xlsx(community: Org, people: Iterable[Person]) -> HttpResponse:
    rows = ([p.name, p.get_member_type_display(), p.phone_masked, p.org.name,
             p.registered_org.name if p.registered_org else ""] for p in people)
    return xlsx_response(f"{community.name}管理的党员.xlsx", "管理的党员", PEOPLE_HEADERS, rows)
