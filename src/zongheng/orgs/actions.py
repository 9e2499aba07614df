"""Every write of 一纵: atomic, audited ``do_*`` actions.

Views and the API validate input (forms / schemas), then call one of these. Errors a
user can fix raise ``ActionError`` with a Chinese message; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import F, ProtectedError, RestrictedError, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from zongheng.core import audit, crypto
from zongheng.core.access import in_scope, roles_grantable_on
from zongheng.core.errors import ActionError
from zongheng.core.masking import (
    mask_address,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)
from zongheng.core.paths import moved, path_copies
from zongheng.core.permissions import PLATFORM_ROLES, Perm, Role

from .choices import OrgKind, Standing
from .models import ActivityTeam, Level, LinkedHousehold, Org, Person, Post

ORG_FIELDS = ["name", "level", "kind", "code", "address", "office_phone", "purpose", "opened_on", "closed_on", "bond",
              "description"]
OFFICE_PHONE = re.compile(r"^[0-9][0-9\-() 转]{4,31}$")
PERSON_FIELDS = [
    "name", "gender", "birth_year", "phone_masked", "id_masked", "is_party_member", "member_type",
    "joined_on", "org", "registered_org", "standing", "confirmed_on", "ethnicity", "education", "workplace",
    "address_masked",
]
POST_FIELDS = ["person", "role", "org", "starts_on", "ends_on", "sent_from", "note"]


def _check_scope(user: Any, perm: str, org: Org) -> None:
    if user is not None and not in_scope(user, perm, org.path):
        raise ActionError("该组织不在您的管辖范围内")


# ---------------------------------------------------------------- organisations


def _with_office_phone(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its office phone normalised (full-width digits, spaces), or a Chinese refusal."""
    if "office_phone" not in data:
        return data
    phone = unicodedata.normalize("NFKC", data["office_phone"] or "").strip()
    if phone and not OFFICE_PHONE.match(phone):
        raise ActionError("办公电话只能由数字、连字符、括号和“转”组成，例如 0556-5512345 或 0556-5512345转8001")
    return {**data, "office_phone": phone}


def _validate_org(data: dict[str, Any]) -> None:
    kind = data.get("kind", OrgKind.REGULAR)
    if kind in (OrgKind.TEMP_BRANCH, OrgKind.TEMP_GROUP):
        if not data.get("purpose"):
            raise ActionError("临时党组织须填写设立用途")
        if not data.get("opened_on"):
            raise ActionError("临时党组织须填写成立日期")
    if kind == OrgKind.FUNCTIONAL and not data.get("bond"):
        raise ActionError("功能型党组织须选择纽带（地缘、业缘或趣缘）")
    opened, closed = data.get("opened_on"), data.get("closed_on")
    if opened and closed and closed < opened:
        raise ActionError("撤销日期不能早于成立日期")


@transaction.atomic
def do_create_org(user: Any, parent: Org | None, data: dict[str, Any]) -> Org:
    """Adds an organisation under ``parent`` (a root when parent is None; superusers only)."""
    data = _with_office_phone(data)
    _validate_org(data)
    if parent is None:
        if user is not None and not user.is_superuser:
            raise ActionError("只有系统管理员可以新建顶层组织")
        org = Org.objects.add_root(instance=Org(**data))
    else:
        _check_scope(user, Perm.ORG_CHANGE, parent)
        org = Org.objects.add_child(parent, instance=Org(**data))
    audit.record(user, "org.create", org, after=audit.snapshot(org, ORG_FIELDS) | {"path": org.path})
    return org


@transaction.atomic
def do_update_org(user: Any, org: Org, data: dict[str, Any]) -> Org:
    org = Org.objects.select_for_update().get(pk=org.pk)
    _check_scope(user, Perm.ORG_CHANGE, org)
    data = _with_office_phone(data)
    _validate_org({k: getattr(org, k) for k in ORG_FIELDS} | data)
    before = audit.snapshot(org, ORG_FIELDS)
    for key, value in data.items():
        setattr(org, key, value)
    org.save()
    audit.record(user, "org.update", org, before=before, after=audit.snapshot(org, ORG_FIELDS))
    return org


@transaction.atomic
def do_move_org(user: Any, org: Org, new_parent: Org) -> Org:
    """Moves ``org`` (e.g. a grid to another community) with all its descendants.

    Rewrites every descendant path (treebeard) and every copied path below it (people's ``org_path`` /
    ``registered_path`` and each module's copies, ``core.paths``), in one transaction, then audits old and
    new paths.
    """
    org = Org.objects.select_for_update().get(pk=org.pk)
    new_parent = Org.objects.select_for_update().get(pk=new_parent.pk)
    _check_scope(user, Perm.ORG_MOVE, org)
    _check_scope(user, Perm.ORG_MOVE, new_parent)
    if org.depth == 1:
        raise ActionError("顶层组织不能移动")
    if new_parent.path.startswith(org.path):
        raise ActionError("不能把组织移动到它自己或它的下级之下")
    if org.path[: -Org.steplen] == new_parent.path:
        raise ActionError("该组织已经隶属于所选上级")
    if new_parent.level.rank >= org.level.rank:
        raise ActionError(f"{org.level.name}不能隶属于{new_parent.level.name}")
    old_path, old_parent_id = org.path, Org.objects.get(path=org.path[: -Org.steplen]).pk
    Org.objects.move(org, new_parent, "last-child")
    org.refresh_from_db()
    new_path = org.path
    for model, field in path_copies():  # people's org_path/registered_path and each module's copies
        model.objects.filter(**{f"{field}__startswith": old_path}).update(
            **{field: Concat(Value(new_path), Substr(F(field), len(old_path) + 1))}
        )
    moved(org, new_parent)
    audit.record(
        user, "org.move", org,
        before={"parent": old_parent_id, "path": old_path},
        after={"parent": new_parent.pk, "path": new_path},
    )
    return org


# ---------------------------------------------------------------- people


def clean_person_numbers(phone: str, id_number: str) -> list[str]:
    """Chinese error messages for a phone / ID number pair (empty when both are valid)."""
    errors = []
    if msg := validate_phone(phone):
        errors.append(msg)
    if msg := validate_id_number(id_number):
        errors.append(msg)
    return errors


def _apply_numbers(person: Person, phone: str | None, id_number: str | None) -> None:
    if phone is not None:
        person.phone_enc = crypto.encrypt(phone)
        person.phone_masked = mask_phone(phone)
    if id_number is not None:
        id_number = normalize_id_number(id_number)
        person.id_enc = crypto.encrypt(id_number)
        person.id_masked = mask_id_number(id_number)
        person.id_hash = crypto.blind_index(id_number)


def _check_person(person: Person) -> None:
    if not person.is_party_member:
        person.member_type = ""
    if person.registered_org_id and person.registered_org_id == person.org_id:
        person.registered_org = None
    person.org_path = person.org.path
    person.registered_path = person.registered_org.path if person.registered_org else ""
    if person.id_hash and Person.objects.filter(id_hash=person.id_hash).exclude(pk=person.pk).exists():
        raise ActionError("已有相同身份证号码的人员")


# The roster fields a page or the API may set, with the import's length limits (orgs/importer.py).
PERSON_TEXT_FIELDS = {"ethnicity": ("民族", 16), "education": ("学历", 20), "workplace": ("工作单位", 100),
                      "address": ("家庭住址", 200)}


def clean_person_fields(data: dict[str, Any], person: Person | None = None) -> dict[str, Any]:
    """正式/预备, 转正日期, 民族, 学历, 工作单位, 家庭住址 and the dates: the import's checks and normalisers
    (NFKC text, 汉 → 汉族, no date after today, 入党 at 18 or later, 转正 not before 入党, no 转正日期 for a
    预备党员, a 转正日期 alone making a 正式党员). ``person`` is the stored person on an update: a field
    not in ``data`` keeps its stored value for the cross-checks. Raises ActionError (Chinese)."""
    from .importer import ETHNIC_GROUPS, _add_years, id_birth
    from .roster import norm_text

    data = dict(data)
    errors: list[str] = []

    def current(key: str, default: Any = None) -> Any:
        if key in data:
            return data[key]
        return getattr(person, key, default) if person is not None else default

    for key, (label, limit) in PERSON_TEXT_FIELDS.items():
        if key not in data:
            continue
        text = norm_text(data[key] or "")
        if len(text) > limit:
            errors.append(f"{label}不能超过 {limit} 字")
        if key == "ethnicity" and text + "族" in ETHNIC_GROUPS:
            text += "族"  # 汉 → 汉族
        data[key] = text
    if "standing" in data:
        data["standing"] = data["standing"] or ""
        if data["standing"] not in ("", *Standing.values):
            errors.append("正式/预备应为“正式党员”或“预备党员”")
    today = timezone.localdate()
    for key, label in (("joined_on", "入党日期"), ("confirmed_on", "转正日期")):
        if data.get(key) and data[key] > today:
            errors.append(f"{label}不能晚于今天")
    is_member = current("is_party_member", True)
    standing, joined, confirmed = current("standing", ""), current("joined_on"), current("confirmed_on")
    if is_member and confirmed and not standing:
        standing = data["standing"] = Standing.FULL  # the import's rule: a 转正日期 means 正式党员
    id_number = data.get("id_number") or ""
    birth = id_birth(normalize_id_number(id_number)) if id_number and not validate_id_number(id_number) else None
    birth_year = current("birth_year")
    if joined and birth and joined < _add_years(birth, 18):
        errors.append(f"入党日期 {joined:%Y-%m-%d} 时未满 18 周岁（{birth:%Y-%m-%d} 出生），请核对入党日期或身份证号码")
    elif joined and not birth and birth_year and joined.year - birth_year < 18:
        errors.append(f"入党日期 {joined:%Y-%m-%d} 时未满 18 周岁（{birth_year} 年出生），请核对入党日期或出生年份")
    if joined and confirmed and confirmed < joined:
        errors.append("转正日期早于入党日期，请核对")
    if is_member and confirmed and standing == Standing.PROBATIONARY:
        errors.append("预备党员不应有转正日期：已转正的请把“正式/预备”改为“正式党员”")
    was_probationary = person is not None and person.standing == Standing.PROBATIONARY
    if is_member and was_probationary and standing == Standing.FULL and not confirmed:
        errors.append("预备党员转为正式党员须填写转正日期")
    if errors:
        raise ActionError("；".join(errors))
    if not is_member and ("is_party_member" in data or "standing" in data):
        data["standing"] = ""
    return data


def _apply_address(person: Person, address: str | None) -> None:
    if address is not None:
        person.address_enc = crypto.encrypt(address) if address else ""
        person.address_masked = mask_address(address)


def build_person(data: dict[str, Any]) -> Person:
    """An unsaved Person from cleaned data (phone/id_number in clear); used by imports too."""
    data = dict(data)
    phone, id_number = data.pop("phone", ""), data.pop("id_number", "")
    address = data.pop("address", None)
    errors = clean_person_numbers(phone or "", id_number or "")
    if errors:
        raise ActionError("；".join(errors))
    person = Person(**data)
    _apply_numbers(person, phone or "", id_number or "")
    _apply_address(person, address)
    if not person.is_party_member:
        person.member_type = ""
    person.org_path = person.org.path
    person.registered_path = person.registered_org.path if person.registered_org else ""
    return person


@transaction.atomic
def do_create_person(user: Any, data: dict[str, Any]) -> Person:
    person = build_person(clean_person_fields(data))
    _check_scope(user, Perm.PERSON_CHANGE, person.org)
    _check_person(person)
    person.save()
    audit.record(user, "person.create", person, after=audit.snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def do_update_person(user: Any, person: Person, data: dict[str, Any]) -> Person:
    person = Person.objects.select_for_update().select_related("org").get(pk=person.pk)
    _check_scope(user, Perm.PERSON_CHANGE, person.org)
    before = audit.snapshot(person, PERSON_FIELDS)
    data = dict(data)
    errors = clean_person_numbers(data.get("phone") or "", data.get("id_number") or "")
    if errors:
        raise ActionError("；".join(errors))
    data = clean_person_fields(data, person)
    phone, id_number = data.pop("phone", None), data.pop("id_number", None)
    address = data.pop("address", None)
    for key, value in data.items():
        setattr(person, key, value)
    _check_scope(user, Perm.PERSON_CHANGE, person.org)
    # Blank inputs keep the stored numbers; a new value replaces them. 家庭住址 is set as sent
    # (an API patch without it keeps it; the form always sends it, so blank clears it).
    _apply_numbers(person, phone or None, id_number or None)
    _apply_address(person, address)
    _check_person(person)
    person.save()
    audit.record(user, "person.update", person, before=before, after=audit.snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def do_reveal_person(user: Any, person: Person, field: str) -> str:
    """Returns the clear phone, ID number or 家庭住址, and records that it was revealed."""
    stored = {"phone": "phone_enc", "id_number": "id_enc", "address": "address_enc"}
    if field not in stored:
        raise ActionError("只能查看电话、身份证号码或家庭住址")
    _check_scope(user, Perm.PERSON_REVEAL, person.org)
    cipher = getattr(person, stored[field])
    value = crypto.decrypt(cipher) if cipher else ""
    audit.record(user, f"person.reveal.{field}", person)
    return value


# ---------------------------------------------------------------- posts


def check_grant(user: Any, role: str, org: Org) -> None:
    """A role grants only what it holds (``core.permissions.grantable_roles``): the one check of who may
    appoint to, or end, a post of ``role`` on ``org``. ``user`` None is the system (demo, migrations)."""
    if role not in Role.values:
        raise ActionError("职务不正确")
    if user is None or role in roles_grantable_on(user, org.path):
        return
    label = Role(role).label
    if role in PLATFORM_ROLES:
        raise ActionError(f"“{label}”只能由区委组织部（顶层组织）或系统管理员任免")
    raise ActionError(f"您不能任免“{label}”：只能任免权限不超过您在该组织所拥有权限的职务")


def _check_sent_from(post: Post) -> None:
    """派出单位: required for a 书记助理, the street (township) above the post's org; allowed on a stationed
    unit's node (a street cadre sent to sit on the unit's party committee, e.g. 紫峰大厦党委); nobody else has one."""
    from .resolve import resolve_sent_from

    if post.role == Role.SECRETARY_ASSISTANT:
        if post.sent_from is None:
            raise ActionError("书记助理须填写派出单位")
        resolve_sent_from(post.org, post.sent_from)
    elif post.sent_from is not None:
        if post.org.level.code != "unit":
            raise ActionError("只有书记助理和下派到驻区单位党组织的干部需要填写派出单位")
        resolve_sent_from(post.org, post.sent_from)
    # A liaison's scope is their unit: the post is held on a stationed unit's node, never on a street or community.
    if post.role == Role.LIAISON and post.org.level.code != "unit":
        raise ActionError("驻区单位联络员只能任职于驻区单位")


@transaction.atomic
def do_create_post(user: Any, data: dict[str, Any]) -> Post:
    post = Post(**data)
    _check_scope(user, Perm.POST_CHANGE, post.org)
    check_grant(user, post.role, post.org)
    _check_sent_from(post)
    if post.ends_on and post.ends_on < post.starts_on:
        raise ActionError("离任日期不能早于任职日期")
    if post.ends_on is None and Post.objects.filter(
        person=post.person, role=post.role, org=post.org, ends_on__isnull=True
    ).exists():
        raise ActionError("此人已在该组织担任该职务")
    post.save()
    audit.record(user, "post.create", post, after=audit.snapshot(post, POST_FIELDS))
    return post


@transaction.atomic
def do_end_post(user: Any, post: Post, ends_on: dt.date | None = None) -> Post:
    post = Post.objects.select_for_update().select_related("org").get(pk=post.pk)
    _check_scope(user, Perm.POST_CHANGE, post.org)
    check_grant(user, post.role, post.org)
    if post.ends_on is not None:
        raise ActionError("该职务已经结束")
    ends_on = ends_on or timezone.localdate()
    if ends_on < post.starts_on:
        raise ActionError("离任日期不能早于任职日期")
    before = audit.snapshot(post, POST_FIELDS)
    post.ends_on = ends_on
    post.save(update_fields=["ends_on"])
    audit.record(user, "post.end", post, before=before, after=audit.snapshot(post, POST_FIELDS))
    return post


def level(code: str) -> Level:
    return Level.objects.get(code=code)


# ---------------------------------------------------------------- 活动队伍 (teams of a functional org)

TEAM_FIELDS = ["org", "name", "activity", "founded_on"]


def _team_data(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise ActionError("请填写活动队伍名称")
    if "activity" in data:
        data["activity"] = (data["activity"] or "").strip()
    founded = data.get("founded_on")
    if founded and founded > timezone.localdate():
        raise ActionError("成立日期不能晚于今天")
    return data


def _check_team_name(team: ActivityTeam) -> None:
    if ActivityTeam.objects.filter(org_id=team.org_id, name=team.name).exclude(pk=team.pk).exists():
        raise ActionError(f"该组织已有名为“{team.name}”的活动队伍")


def _team_snapshot(team: ActivityTeam) -> dict[str, Any]:
    return audit.snapshot(team, TEAM_FIELDS)


@transaction.atomic
def do_create_team(user: Any, org: Org, data: dict[str, Any]) -> ActivityTeam:
    """新增活动队伍 of a functional party organisation (功能型党组织)."""
    org = Org.objects.select_for_update().get(pk=org.pk)
    _check_scope(user, Perm.ORG_CHANGE, org)
    if org.kind != OrgKind.FUNCTIONAL:
        raise ActionError("只有功能型党组织可以设立活动队伍")
    data = _team_data(data)
    team = ActivityTeam(org=org, name=data.get("name", ""), activity=data.get("activity", ""),
                        founded_on=data.get("founded_on"))
    if not team.name:
        raise ActionError("请填写活动队伍名称")
    _check_team_name(team)
    team.save()
    audit.record(user, "team.create", team, after=_team_snapshot(team))
    return team


def _locked_team(team: ActivityTeam) -> ActivityTeam:
    return ActivityTeam.objects.select_for_update().select_related("org").get(pk=team.pk)


@transaction.atomic
def do_update_team(user: Any, team: ActivityTeam, data: dict[str, Any]) -> ActivityTeam:
    team = _locked_team(team)
    _check_scope(user, Perm.ORG_CHANGE, team.org)
    data = _team_data({k: v for k, v in data.items() if k in ("name", "activity", "founded_on")})
    before = _team_snapshot(team)
    for key, value in data.items():
        setattr(team, key, value)
    _check_team_name(team)
    team.save()
    audit.record(user, "team.update", team, before=before, after=_team_snapshot(team))
    return team


@transaction.atomic
def do_delete_team(user: Any, team: ActivityTeam) -> None:
    """撤销活动队伍: the team and its participant links go; the people stay."""
    team = _locked_team(team)
    _check_scope(user, Perm.ORG_CHANGE, team.org)
    before = _team_snapshot(team) | {"participants": sorted(team.participants.values_list("pk", flat=True))}
    audit.record(user, "team.delete", team, before=before)
    team.delete()


def _check_participant_scope(user: Any, person: Person) -> None:
    if user is not None and not Person.objects.restrict(user, Perm.PERSON_VIEW).filter(pk=person.pk).exists():
        raise ActionError("该人员不存在或不在您的管辖范围内")


@transaction.atomic
def do_add_team_participant(user: Any, team: ActivityTeam, person: Person) -> ActivityTeam:
    team = _locked_team(team)
    _check_scope(user, Perm.ORG_CHANGE, team.org)
    _check_participant_scope(user, person)
    if team.participants.filter(pk=person.pk).exists():
        raise ActionError(f"{person.name}已在“{team.name}”中")
    team.participants.add(person)
    audit.record(user, "team.participant.add", team, after={"person": person.pk})
    return team


@transaction.atomic
def do_remove_team_participant(user: Any, team: ActivityTeam, person: Person) -> ActivityTeam:
    team = _locked_team(team)
    _check_scope(user, Perm.ORG_CHANGE, team.org)
    if not team.participants.filter(pk=person.pk).exists():
        raise ActionError(f"{person.name}不在“{team.name}”中")
    team.participants.remove(person)
    audit.record(user, "team.participant.remove", team, before={"person": person.pk})
    return team


def resident_home(org: Org) -> Org:
    """Where a resident drawn in by a functional org is managed: its parent (the community)."""
    parent = Org.objects.filter(path=org.path[: -Org.steplen]).first() if org.depth > 1 else None
    return parent or org


@transaction.atomic
def do_add_team_resident(user: Any, team: ActivityTeam, data: dict[str, Any]) -> Person:
    """新建居民并加入队伍: a non-member Person managed by the functional org's parent community.

    ``data``: name, gender, phone (optional, clear), birth_year (optional).
    """
    team = _locked_team(team)
    _check_scope(user, Perm.ORG_CHANGE, team.org)
    name = (data.get("name") or "").strip()
    if not name:
        raise ActionError("请填写居民姓名")
    person = build_person({
        "name": name, "gender": data.get("gender") or "", "birth_year": data.get("birth_year"),
        "phone": data.get("phone") or "", "id_number": "", "is_party_member": False, "member_type": "",
        "org": resident_home(team.org), "registered_org": None,
    })
    if person.gender not in ("M", "F"):
        raise ActionError("请选择性别")
    _check_person(person)
    person.save()
    audit.record(user, "person.create", person, after=audit.snapshot(person, PERSON_FIELDS))
    team.participants.add(person)
    audit.record(user, "team.participant.add", team, after={"person": person.pk})
    return person


# ---------------------------------------------------------------- 联系户 (households linked to a central household)

HOUSEHOLD_FIELDS = ["central", "address", "contact_name"]
MAX_LINKED_HOUSEHOLDS = 15  # PRODUCT.md: a central household links 5–15 households
MIN_LINKED_HOUSEHOLDS = 5


def linked_households_warning(count: int) -> str:
    """The page's (and API's) advice when a central household links too few households."""
    if count < MIN_LINKED_HOUSEHOLDS:
        return f"目前联系 {count} 户，少于建议的 {MIN_LINKED_HOUSEHOLDS} 户（每个党员中心户宜联系 5–15 户）"
    return ""


def _household_data(data: dict[str, Any]) -> dict[str, Any]:
    data = {k: (v or "").strip() for k, v in data.items() if k in ("address", "contact_name")}
    if "address" in data and not data["address"]:
        raise ActionError("请填写联系户住址")
    return data


def _check_household_address(household: LinkedHousehold) -> None:
    clash = LinkedHousehold.objects.filter(central_id=household.central_id, address=household.address)
    if clash.exclude(pk=household.pk).exists():
        raise ActionError(f"住址“{household.address}”已登记为联系户")


@transaction.atomic
def do_add_linked_household(user: Any, central: Org, data: dict[str, Any]) -> LinkedHousehold:
    """登记联系户: at most 15 per central household (the 16th is refused)."""
    # Locking the central household serialises concurrent additions, so the cap holds.
    central = Org.objects.select_for_update().select_related("level").get(pk=central.pk)
    _check_scope(user, Perm.ORG_CHANGE, central)
    if central.level.code != "household":
        raise ActionError("只有党员中心户可以登记联系户")
    data = _household_data(data)
    if not data.get("address"):
        raise ActionError("请填写联系户住址")
    if LinkedHousehold.objects.filter(central=central).count() >= MAX_LINKED_HOUSEHOLDS:
        raise ActionError(f"每个党员中心户最多联系 {MAX_LINKED_HOUSEHOLDS} 户，“{central.name}”已满，不能再添加")
    household = LinkedHousehold(central=central, **data)
    _check_household_address(household)
    household.save()
    audit.record(user, "household.create", household, after=audit.snapshot(household, HOUSEHOLD_FIELDS))
    return household


def _locked_household(household: LinkedHousehold) -> LinkedHousehold:
    return LinkedHousehold.objects.select_for_update().select_related("central").get(pk=household.pk)


@transaction.atomic
def do_update_linked_household(user: Any, household: LinkedHousehold, data: dict[str, Any]) -> LinkedHousehold:
    household = _locked_household(household)
    _check_scope(user, Perm.ORG_CHANGE, household.central)
    data = _household_data(data)
    before = audit.snapshot(household, HOUSEHOLD_FIELDS)
    for key, value in data.items():
        setattr(household, key, value)
    _check_household_address(household)
    household.save()
    audit.record(user, "household.update", household, before=before, after=audit.snapshot(household, HOUSEHOLD_FIELDS))
    return household


@transaction.atomic
def do_remove_linked_household(user: Any, household: LinkedHousehold) -> None:
    household = _locked_household(household)
    _check_scope(user, Perm.ORG_CHANGE, household.central)
    audit.record(user, "household.delete", household, before=audit.snapshot(household, HOUSEHOLD_FIELDS))
    try:
        with transaction.atomic():
            household.delete()
    except (ProtectedError, RestrictedError) as e:  # other modules' records (民情日记) keep it
        raise ActionError("该联系户已有民情日记等记录，不能移除；如地址有误，请修改联系户信息") from e
