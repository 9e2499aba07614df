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
    # Since issue 15: the roster fields, and what lets the list be imported back (code, 人员编号).
    "正式/预备", "转正日期", "民族", "学历", "工作单位", "组织代码", "人员编号",
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
    "registered_org__name", "phone_masked", "id_masked", "standing", "confirmed_on", "ethnicity", "education",
    "workplace", "org__code", "pk",
)


def people_rows(qs: QuerySet[Person]) -> Iterator[list[Any]]:
    """Rows for the people export: plain values (no model instances), masked numbers only."""
    from .choices import Standing

    standings = dict(Standing.choices)
    for (name, gender, birth_year, is_member, member_type, joined_on, org, registered, phone, id_masked, standing,
         confirmed_on, ethnicity, education, workplace, code, pk) in qs.values_list(*_PEOPLE_FIELDS).iterator(
            chunk_size=2000):
        yield [
            name, _GENDERS.get(gender, gender), birth_year or "", "是" if is_member else "否",
            _MEMBER_TYPES.get(member_type, member_type), joined_on.isoformat() if joined_on else "",
            org, registered or "", phone, id_masked, standings.get(standing, ""),
            confirmed_on.isoformat() if confirmed_on else "", ethnicity, education, workplace, code or "", str(pk),
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


def people_edit_rows(qs: QuerySet[Person], *, reveal: bool) -> Iterator[list[Any]]:
    """One row per person in the import template's columns (``roster.TEMPLATE_FIELDS``).

    Organisations go out by code (every org has one), so the file imports back unchanged; the
    人员编号 column ties a row to its person when the ID number is masked. Clear numbers and
    addresses only with ``reveal`` (the caller checked person.reveal and audits it).
    """
    from zongheng.core import crypto

    from .choices import Standing
    from .roster import TEMPLATE_FIELDS

    standings = dict(Standing.choices)
    fields = (
        "pk", "name", "gender", "birth_year", "phone_masked", "phone_enc", "id_masked", "id_enc", "is_party_member",
        "member_type", "joined_on", "org__name", "org__code", "registered_org__code", "standing", "confirmed_on",
        "ethnicity", "education", "workplace", "address_masked", "address_enc",
    )
    for values in qs.order_by("org_path", "pk").values_list(*fields).iterator(chunk_size=2000):
        p = dict(zip(fields, values, strict=True))
        clear = (lambda token: crypto.decrypt(token) if token else "") if reveal else None
        cells = {
            "name": p["name"], "gender": _GENDERS.get(p["gender"], p["gender"]), "birth_year": p["birth_year"] or "",
            "phone": clear(p["phone_enc"]) if clear else p["phone_masked"],
            "id_number": clear(p["id_enc"]) if clear else p["id_masked"],
            "is_party_member": "是" if p["is_party_member"] else "否",
            "member_type": _MEMBER_TYPES.get(p["member_type"], p["member_type"]),
            "joined_on": p["joined_on"].isoformat() if p["joined_on"] else "",
            "org": p["org__name"], "registered_org": p["registered_org__code"] or "",
            "standing": standings.get(p["standing"], ""),
            "confirmed_on": p["confirmed_on"].isoformat() if p["confirmed_on"] else "",
            "ethnicity": p["ethnicity"], "education": p["education"], "workplace": p["workplace"],
            "address": clear(p["address_enc"]) if clear else p["address_masked"],
            "org_code": p["org__code"] or "", "person_ref": str(p["pk"]),
        }
        yield [cells.get(f.key, "") for f in TEMPLATE_FIELDS]


def people_edit_xlsx(org: Org, qs: QuerySet[Person], *, reveal: bool) -> HttpResponse:
    """导出名册（用于修改后导入）: the template's headers, so the file can be edited and imported back."""
    from .models import fill_missing_codes
    from .roster import TEMPLATE_FIELDS

    fill_missing_codes(Org, Org.objects.filter(path__startswith=org.path))
    headers = [f.header for f in TEMPLATE_FIELDS]
    return xlsx_response(f"{org.name}-名册（用于修改后导入）.xlsx", "党员名册", headers,
                         people_edit_rows(qs, reveal=reveal))
