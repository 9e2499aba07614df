"""Excel exports of the 一纵 pages. Numbers are always masked; rows come from scoped querysets."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse

from zongheng.core.exports import xlsx_response

from .choices import Gender, MemberType
from .models import Org, Person

PEOPLE_HEADERS = [
    "姓名", "性别", "出生年份", "是否党员", "党员类型", "入党日期", "所在（管理）组织", "报到社区", "电话", "身份证号",
]


def children_xlsx(org: Org, labels: Sequence[str], rows: Sequence[tuple[Org, Sequence[int]]]) -> HttpResponse:
    """下级组织统计: one row per regular child with the same counts as the page."""
    headers = ["组织", "层级", "代码", *labels]
    body = [[child.name, child.level.name, child.code or "", *values] for child, values in rows]
    return xlsx_response(f"{org.name}-下级组织.xlsx", "下级组织", headers, body)


_GENDERS = dict(Gender.choices)
_MEMBER_TYPES = dict(MemberType.choices)
_PEOPLE_FIELDS = (
    "name", "gender", "birth_year", "is_party_member", "member_type", "joined_on", "org__name",
    "registered_org__name", "phone_masked", "id_masked",
)


def people_rows(qs: QuerySet[Person]) -> Iterator[list[Any]]:
    """Rows for the people export: plain values (no model instances), masked numbers only."""
    for name, gender, birth_year, is_member, member_type, joined_on, org, registered, phone, id_masked in (
        qs.values_list(*_PEOPLE_FIELDS).iterator(chunk_size=2000)
    ):
        yield [
            name, _GENDERS.get(gender, gender), birth_year or "", "是" if is_member else "否",
            _MEMBER_TYPES.get(member_type, member_type), joined_on.isoformat() if joined_on else "",
            org, registered or "", phone, id_masked,
        ]


def people_xlsx(qs: QuerySet[Person]) -> HttpResponse:
    """人员名单: every row of ``qs`` (already scoped and filtered), masked numbers only."""
    return xlsx_response("人员名单.xlsx", "人员名单", PEOPLE_HEADERS, people_rows(qs))


TEAM_HEADERS = ["姓名", "性别", "是否党员", "所在（管理）组织", "电话"]


def team_xlsx(team: Any, participants: QuerySet[Person]) -> HttpResponse:
    """活动队伍参与居民: one row per participant, masked phone only."""
    rows = (
        [name, _GENDERS.get(gender, gender), "是" if is_member else "否", org, phone]
        for name, gender, is_member, org, phone in participants.values_list(
            "name", "gender", "is_party_member", "org__name", "phone_masked"
        )
    )
    return xlsx_response(f"{team.name}-参与居民.xlsx", "参与居民", TEAM_HEADERS, rows)


HOUSEHOLD_HEADERS = ["住址", "户主"]


def households_xlsx(central: Org, households: QuerySet[Any]) -> HttpResponse:
    """联系户: the households linked to a central household (no phone or ID numbers are kept for them)."""
    rows = ([address, contact] for address, contact in households.values_list("address", "contact_name"))
    return xlsx_response(f"{central.name}-联系户.xlsx", "联系户", HOUSEHOLD_HEADERS, rows)
