"""Every write of 一横's units part: stationed units (the tree node and the row, in one action), their
liaisons (a post on the unit's node, through ``orgs.actions``), councils (大工委/大党委) and their members.

Each ``do_*`` runs in a transaction, checks the scope of what it touches, writes the audit record and
raises ``ActionError`` (Chinese) when refused — then nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm, Role
from zongheng.orgs import actions as org_actions
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Level, Org, Person, Post

from .choices import PartyManagement, Rank, SeatKind, UnitLevel, UnitType
from .models import UNIT_LEVEL, Council, CouncilMember, Unit
from .resolve import COMMUNITY_LEVELS, SIDE_LEVELS

UNIT_FIELDS = ["name", "credit_code", "type", "level", "address", "place", "party_management", "party_org_name",
               "secretary", "secretary_name", "members_count", "joined_on"]
EDITABLE = ["name", "credit_code", "type", "level", "address", "party_management", "party_org_name",
            "secretary_name", "members_count", "joined_on"]
COUNCIL_FIELDS = ["org", "name", "term_starts_on", "term_ends_on"]
MEMBER_FIELDS = ["council", "seat", "unit", "sent_from", "person", "name", "rank", "post", "council_post",
                 "starts_on", "ends_on"]
STREET_LEVELS = ("street", "township")


def _check(user: Any, perm: str, path: str, message: str) -> None:
    if user is not None and not in_scope(user, perm, path):
        raise ActionError(message)


def unit_level() -> Level:
    level = Level.objects.filter(code=UNIT_LEVEL).first()
    if level is None:  # the orgs migration 0009 installs it; a flushed test database may not have it
        level = Level.objects.create(code=UNIT_LEVEL, name="驻区单位", rank=45)
    return level


def clean_unit(data: dict[str, Any]) -> dict[str, Any]:
    """The unit's fields normalised and checked (Chinese messages, all problems at once)."""
    out = dict(data)
    errors: list[str] = []
    for key in ("name", "credit_code", "address", "party_org_name", "secretary_name"):
        if key in out:
            out[key] = (out[key] or "").strip()
    if "name" in out:
        if not out["name"]:
            errors.append("请填写单位名称")
        elif len(out["name"]) > 100:
            errors.append("单位名称不能超过 100 字")
    if "credit_code" in out:
        code = out["credit_code"].upper()
        if code and (len(code) != 18 or not code.isalnum()):
            errors.append("统一社会信用代码应为 18 位数字或大写字母")
        out["credit_code"] = code or None
    if "type" in out and out["type"] not in UnitType.values:
        errors.append("单位类型应为：" + "、".join(UnitType.labels))
    if "level" in out and out["level"] not in UnitLevel.values:
        errors.append("隶属层级应为：" + "、".join(UnitLevel.labels))
    if "party_management" in out:
        out["party_management"] = out["party_management"] or PartyManagement.LOCAL
        if out["party_management"] not in PartyManagement.values:
            errors.append("党组织管理方式不正确")
    for key, label, limit in (("address", "地址", 200), ("party_org_name", "党组织名称", 100),
                              ("secretary_name", "党组织书记姓名", 50)):
        if len(out.get(key) or "") > limit:
            errors.append(f"{label}不能超过 {limit} 字")
    count = out.get("members_count")
    if count is not None and (not isinstance(count, int) or count < 0 or count > 1_000_000):
        errors.append("党员人数应为不小于 0 的整数")
    joined = out.get("joined_on")
    if joined is not None and joined > timezone.localdate():
        errors.append("加入共建日期不能晚于今天")
    if errors:
        raise ActionError("；".join(errors), errors)
    return out


def _check_unique(unit: Unit) -> None:
    if Unit.objects.filter(name=unit.name).exclude(pk=unit.pk).exists():
        raise ActionError(f"已有名为“{unit.name}”的驻区单位")
    if unit.credit_code and Unit.objects.filter(credit_code=unit.credit_code).exclude(pk=unit.pk).exists():
        raise ActionError(f"统一社会信用代码 {unit.credit_code} 已被其他驻区单位使用")


def build_unit(place: Org, data: dict[str, Any]) -> Unit:
    """An unsaved unit (no node yet) from cleaned data; used by the import's checks too."""
    if place.level.code not in SIDE_LEVELS:
        raise ActionError("驻区单位只能登记在街道（乡镇）或社区（村）之下")
    fields = {k: v for k, v in data.items() if k in UNIT_FIELDS and k != "place"}
    return Unit(place=place, **fields)


@transaction.atomic
def do_create_unit(user: Any, data: dict[str, Any]) -> Unit:
    """Registers a stationed unit: its node (level 驻区单位) under the street/community ``data['place']``
    (resolved by the caller) and the Unit row, audited."""
    place: Org = data["place"]
    _check(user, Perm.COBUILD_CHANGE, place.path, "所选街道或社区不在您的管辖范围内")
    data = clean_unit({k: v for k, v in data.items() if k != "place"})
    unit = build_unit(place, data)
    _check_unique(unit)
    node = Org.objects.add_child(Org.objects.get(pk=place.pk),
                                 instance=Org(name=unit.name, level=unit_level(), kind=OrgKind.REGULAR,
                                              address=unit.address or ""))
    unit.org, unit.org_path = node, node.path
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:  # a concurrent registration of the same name
        raise ActionError(f"已有名为“{unit.name}”的驻区单位") from exc
    audit.record(user, "org.create", node, after={"name": node.name, "level": UNIT_LEVEL, "path": node.path})
    audit.record(user, "cobuild.unit_create", unit, after=audit.snapshot(unit, UNIT_FIELDS) | {"path": node.path})
    return unit


@transaction.atomic
def do_update_unit(user: Any, unit: Unit, data: dict[str, Any]) -> Unit:
    """Edits a unit's record (its place stays: a unit that moves is moved in the tree, 调整隶属, and its place
    and copied paths follow — ``hooks._unit_moved``, ``core.paths``). Renaming it renames
    its node."""
    unit = Unit.objects.select_for_update().select_related("org").get(pk=unit.pk)
    _check(user, Perm.COBUILD_CHANGE, unit.org_path, "该驻区单位不在您的管辖范围内")
    data = clean_unit({k: v for k, v in data.items() if k in EDITABLE})
    before = audit.snapshot(unit, UNIT_FIELDS)
    for key, value in data.items():
        setattr(unit, key, value)
    _check_unique(unit)
    unit.save()
    if unit.org.name != unit.name or (unit.address and unit.org.address != unit.address):
        Org.objects.filter(pk=unit.org_id).update(name=unit.name, address=unit.address or unit.org.address)
    after = audit.snapshot(unit, UNIT_FIELDS)
    if after != before:
        audit.record(user, "cobuild.unit_update", unit, before=before, after=after)
    return unit


# ---------------------------------------------------------------- liaisons


def liaisons(unit: Unit, today: dt.date | None = None) -> list[Post]:
    """The unit's liaisons in office (posts of role 驻区单位联络员 on its node)."""
    today = today or timezone.localdate()
    return list(Post.objects.active(today).filter(org_id=unit.org_id, role=Role.LIAISON)
                .select_related("person").order_by("starts_on", "id"))


@transaction.atomic
def do_appoint_liaison(user: Any, unit: Unit, *, person: Person | None = None, name: str = "", phone: str = "",
                       starts_on: dt.date | None = None) -> Post:
    """联络员: a post of role liaison on the unit's node (``orgs.actions.do_create_post``, audited there),
    for a person of the roster in the user's scope, or for a new person registered on the unit's node."""
    node = Org.objects.select_related("level").get(pk=unit.org_id)
    _check(user, Perm.COBUILD_CHANGE, node.path, "该驻区单位不在您的管辖范围内")
    if person is None:
        name = (name or "").strip()
        if not name:
            raise ActionError("请选择人员，或填写新联络员的姓名")
        if len(name) > 50:
            raise ActionError("姓名不能超过 50 字")
        person = org_actions.do_create_person(user, {"name": name, "phone": (phone or "").strip(), "org": node,
                                                     "is_party_member": False, "member_type": ""})
    return org_actions.do_create_post(user, {"person": person, "role": Role.LIAISON, "org": node,
                                             "starts_on": starts_on or timezone.localdate()})


@transaction.atomic
def do_end_liaison(user: Any, unit: Unit, post: Post, ends_on: dt.date | None = None) -> Post:
    if post.org_id != unit.org_id or post.role != Role.LIAISON:
        raise ActionError("该联络员不属于本单位")
    return org_actions.do_end_post(user, post, ends_on)


# ---------------------------------------------------------------- councils


def default_council_name(org: Org) -> str:
    return f"{org.name}{'大党委' if org.level.code in COMMUNITY_LEVELS else '大工委'}"


def _check_term(starts: dt.date | None, ends: dt.date | None) -> dt.date:
    if starts is None:
        raise ActionError("请填写本届开始日期")
    if ends is not None and ends < starts:
        raise ActionError("本届结束日期不能早于开始日期")
    return starts


@transaction.atomic
def do_create_council(user: Any, data: dict[str, Any]) -> Council:
    """A council (街道大工委 / 社区大党委) of the street/community ``data['org']`` for a term."""
    org: Org = data["org"]
    _check(user, Perm.COBUILD_CHANGE, org.path, "所选街道或社区不在您的管辖范围内")
    if org.level.code not in SIDE_LEVELS:
        raise ActionError("大工委/大党委只能设在街道（乡镇）或社区（村）")
    name = (data.get("name") or "").strip() or default_council_name(org)
    if len(name) > 100:
        raise ActionError("名称不能超过 100 字")
    ends = data.get("term_ends_on")
    starts = _check_term(data.get("term_starts_on"), ends)
    if Council.objects.filter(org=org, term_starts_on=starts).exists():
        raise ActionError(f"{org.name}已有 {starts:%Y-%m-%d} 开始的一届")
    council = Council.objects.create(org=org, org_path=org.path, name=name, term_starts_on=starts, term_ends_on=ends)
    audit.record(user, "cobuild.council_create", council, after=audit.snapshot(council, COUNCIL_FIELDS))
    return council


@transaction.atomic
def do_update_council(user: Any, council: Council, data: dict[str, Any]) -> Council:
    council = Council.objects.select_for_update().get(pk=council.pk)
    _check(user, Perm.COBUILD_CHANGE, council.org_path, "该大工委/大党委不在您的管辖范围内")
    before = audit.snapshot(council, COUNCIL_FIELDS)
    name = (data.get("name") or "").strip()
    if not name:
        raise ActionError("请填写名称")
    if len(name) > 100:
        raise ActionError("名称不能超过 100 字")
    starts = data.get("term_starts_on") or council.term_starts_on
    ends = data.get("term_ends_on")
    _check_term(starts, ends)
    if Council.objects.filter(org_id=council.org_id, term_starts_on=starts).exclude(pk=council.pk).exists():
        raise ActionError(f"已有 {starts:%Y-%m-%d} 开始的一届")
    council.name, council.term_starts_on, council.term_ends_on = name, starts, ends
    council.save()
    audit.record(user, "cobuild.council_update", council, before=before,
                 after=audit.snapshot(council, COUNCIL_FIELDS))
    return council


def clean_member(council: Council, data: dict[str, Any]) -> dict[str, Any]:
    """A member's fields checked against the seat kind (references already resolved by the caller)."""
    seat = data.get("seat") or SeatKind.UNIT
    if seat not in SeatKind.values:
        raise ActionError("席位不正确")
    person: Person | None = data.get("person")
    name = (data.get("name") or "").strip() or (person.name if person is not None else "")
    if not name:
        raise ActionError("请填写委员姓名，或选择人员")
    if len(name) > 50:
        raise ActionError("姓名不能超过 50 字")
    rank = data.get("rank") or Rank.OTHER
    if rank not in Rank.values:
        raise ActionError("职级应为：" + "、".join(Rank.labels))
    unit: Unit | None = data.get("unit")
    sent_from: Org | None = data.get("sent_from")
    if seat == SeatKind.UNIT:
        if unit is None:
            raise ActionError("驻区单位兼职委员须选择所在单位")
        sent_from = None
    elif seat == SeatKind.SENT:
        if council.org.level.code not in COMMUNITY_LEVELS:
            raise ActionError("街道下派干部只能进入社区大党委")
        if sent_from is None:
            raise ActionError("街道下派干部须选择派出街道")
        if sent_from.level.code not in STREET_LEVELS or not council.org_path.startswith(sent_from.path):
            raise ActionError("派出街道须为该社区所在的街道（乡镇）")
        unit = None
    else:
        unit, sent_from = None, None
    starts = data.get("starts_on") or council.term_starts_on
    ends = data.get("ends_on")
    if ends is not None and ends < starts:
        raise ActionError("离任日期不能早于任职日期")
    post = (data.get("post") or "").strip()
    council_post = (data.get("council_post") or "").strip() or "兼职委员"
    if len(post) > 100 or len(council_post) > 50:
        raise ActionError("单位职务不能超过 100 字，委员会职务不能超过 50 字")
    return {"seat": seat, "unit": unit, "sent_from": sent_from, "person": person, "name": name, "rank": rank,
            "post": post, "council_post": council_post, "starts_on": starts, "ends_on": ends}


@transaction.atomic
def do_add_member(user: Any, council: Council, data: dict[str, Any]) -> CouncilMember:
    """Seats a member on a council: a unit's part-time member (兼职委员) with rank and post, a street cadre sent
    to a community council, or the level's own cadre. ``unit``/``sent_from``/``person`` resolved by the caller."""
    council = Council.objects.select_for_update().select_related("org", "org__level").get(pk=council.pk)
    _check(user, Perm.COBUILD_CHANGE, council.org_path, "该大工委/大党委不在您的管辖范围内")
    fields = clean_member(council, data)
    if council.term_ends_on is not None and fields["starts_on"] > council.term_ends_on:
        raise ActionError("任职日期晚于本届结束日期")
    if CouncilMember.objects.filter(council=council, name=fields["name"], unit=fields["unit"],
                                    ends_on__isnull=True).exists():
        raise ActionError(f"{fields['name']}已是本届委员")
    member = CouncilMember.objects.create(council=council, **fields)
    audit.record(user, "cobuild.member_add", member, org_path=council.org_path,
                 after=audit.snapshot(member, MEMBER_FIELDS))
    return member


@transaction.atomic
def do_end_member(user: Any, member: CouncilMember, ends_on: dt.date | None = None) -> CouncilMember:
    member = CouncilMember.objects.select_for_update().select_related("council").get(pk=member.pk)
    _check(user, Perm.COBUILD_CHANGE, member.council.org_path, "该大工委/大党委不在您的管辖范围内")
    if member.ends_on is not None:
        raise ActionError("该委员已经离任")
    ends_on = ends_on or timezone.localdate()
    if ends_on < member.starts_on:
        raise ActionError("离任日期不能早于任职日期")
    before = audit.snapshot(member, MEMBER_FIELDS)
    member.ends_on = ends_on
    member.save(update_fields=["ends_on"])
    audit.record(user, "cobuild.member_end", member, org_path=member.council.org_path, before=before,
                 after=audit.snapshot(member, MEMBER_FIELDS))
    return member
