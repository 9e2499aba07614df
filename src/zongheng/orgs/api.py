"""一纵 in the JSON API: organisations, people, posts, activity teams and linked households.

Same doors as the pages: ``require`` (no right anywhere → 403), reads through
``restrict``-ed querysets (out of scope → 404, like a missing row), writes through one
``do_*`` action each (audited; ``ActionError`` → 400). Phone and ID numbers and 家庭住址
only ever appear masked; ``POST /people/{id}/reveal`` is the one audited way to the clear value.

Lists are paginated with ``limit``/``offset`` and report the total ``count``; each runs a
constant number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import AfterValidator

from zongheng.core.access import in_scope, require
from zongheng.core.masking import normalize_phone
from zongheng.core.permissions import Perm, Role

from . import actions, resolve, selectors
from .choices import Bond, Gender, MemberType, OrgKind, Standing, TempPurpose
from .models import ActivityTeam, LinkedHousehold, Org, Person, Post

router = Router(tags=["一纵"])

MAX_ID = 2**63 - 1  # the range of a bigint primary key; larger ids are refused with 422
MAX_OFFSET = 10**9
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("不能为空")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[str, Field(min_length=1, max_length=50, pattern=NO_NUL), AfterValidator(_stripped)]
Note = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
PhoneIn = Annotated[str, Field(max_length=20, pattern=NO_NUL, description="手机号或带区号的固话；留空表示不填/不改")]
IdNumberIn = Annotated[str, Field(max_length=18, pattern=NO_NUL, description="18 位居民身份证号码（校验位须正确）")]
BirthYear = Annotated[int, Field(ge=1900, le=2100)]
Ethnicity = Annotated[str, Field(max_length=16, pattern=NO_NUL, description="民族，如“汉族”（“汉”读作“汉族”）")]
Education = Annotated[str, Field(max_length=20, pattern=NO_NUL, description="学历")]
Workplace = Annotated[str, Field(max_length=100, pattern=NO_NUL, description="工作单位")]
AddressIn = Annotated[str, Field(max_length=200, pattern=NO_NUL, description="家庭住址（加密保存，只以脱敏形式返回）")]
Search = Annotated[str, Field(max_length=100, pattern=NO_NUL)]


# ---------------------------------------------------------------- schemas


class ErrorOut(Schema):
    detail: str = Field(description="中文说明")


class ValidationErrorOut(Schema):
    detail: list[dict[str, Any]] = Field(description="输入不符合接口定义：每项含 loc、msg、type")


class OrgRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


class OrgOut(Schema):
    id: int
    name: str
    level: str = Field(description="层级代码，如 district、street、community、grid、household")
    level_name: str
    kind: str
    kind_name: str
    code: str | None
    depth: int
    parent_id: int | None
    address: str
    office_phone: str = Field(description="办公电话（公开，完整显示）")


class OrgDetailOut(OrgOut):
    purpose: str
    purpose_name: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    bond: str
    bond_name: str
    description: str
    counts: dict[str, int] = Field(
        description="下级组织数（按层级代码或组织类型）、党员数 members、其中已到别处报到的 registered_out"
    )


class OrgWithCountsOut(OrgOut):
    counts: dict[str, int]


class TreeNodeOut(OrgWithCountsOut):
    children: list[OrgWithCountsOut]


class OrgPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrgOut]


class MoveIn(Schema):
    new_parent: Id = Field(description="新的上级组织 id")


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_year: int | None
    phone_masked: str = Field(description="脱敏电话，如 138****5678")
    id_masked: str = Field(description="脱敏身份证号")
    is_party_member: bool
    member_type: str
    member_type_name: str
    joined_on: dt.date | None
    standing: str = Field(description="正式/预备：full 正式党员、probationary 预备党员，未填为空")
    standing_name: str
    confirmed_on: dt.date | None = Field(description="转正日期")
    ethnicity: str
    education: str
    workplace: str
    address_masked: str = Field(description="脱敏家庭住址；完整住址须经 reveal（留痕）")
    org: OrgRef
    registered_org: OrgRef | None


class PersonPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PersonOut]


class PersonIn(Schema):
    name: Name
    gender: Gender
    birth_year: BirthYear | None = None
    phone: PhoneIn = ""
    id_number: IdNumberIn = ""
    is_party_member: bool = True
    member_type: MemberType | None = None
    joined_on: dt.date | None = None
    standing: Standing | None = Field(None, description="正式/预备；只填转正日期时视为正式党员")
    confirmed_on: dt.date | None = Field(None, description="转正日期（预备党员由预备转为正式时必填）")
    ethnicity: Ethnicity = ""
    education: Education = ""
    workplace: Workplace = ""
    address: AddressIn = ""
    org: Id = Field(description="所在（管理）组织 id，须在您的管辖范围内")
    registered_org: Id | None = Field(None, description="报到社区 id（双联双管，须为社区或村）")


class PersonPatchIn(Schema):
    """Only the fields sent are changed. Blank phone / ID number keeps the stored value."""

    # Defaults of None mark "not sent"; an explicit null is refused (422) where the field is not nullable.
    name: Name = None  # type: ignore[assignment]
    gender: Gender = None  # type: ignore[assignment]
    birth_year: BirthYear | None = None
    phone: PhoneIn = None  # type: ignore[assignment]
    id_number: IdNumberIn = None  # type: ignore[assignment]
    is_party_member: bool = None  # type: ignore[assignment]
    member_type: MemberType | None = None
    joined_on: dt.date | None = None
    standing: Standing | None = None
    confirmed_on: dt.date | None = None
    ethnicity: Ethnicity = None  # type: ignore[assignment]
    education: Education = None  # type: ignore[assignment]
    workplace: Workplace = None  # type: ignore[assignment]
    address: AddressIn = Field(None, description="家庭住址；空字符串表示删除，不提交则保留")  # type: ignore[assignment]
    org: Id = None  # type: ignore[assignment]
    registered_org: Id | None = None


class RevealIn(Schema):
    field: Literal["phone", "id_number", "address"] = Field(
        description="phone 电话、id_number 身份证号、address 家庭住址")


class RevealOut(Schema):
    value: str


class PostOut(Schema):
    id: int
    person: PersonRef
    role: str
    role_name: str
    org: OrgRef
    starts_on: dt.date
    ends_on: dt.date | None
    active: bool
    sent_from: OrgRef | None
    note: str


class PostPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PostOut]


class PostIn(Schema):
    person: Id
    role: Role = Field(
        description="职务；只能任命权限不超过您在该组织所拥有权限的职务，组织部干部和审计员只能由区委组织部任命")
    org: Id
    starts_on: dt.date
    ends_on: dt.date | None = None
    sent_from: Id | None = Field(None, description="书记助理：派出街道的组织 id（须为该组织所在的街道或乡镇）")
    note: Note = ""


class EndPostIn(Schema):
    ends_on: dt.date | None = Field(None, description="离任日期，默认今天")


ERR = ErrorOut
LIST: dict[int, Any] = {401: ERR, 403: ERR, 422: ValidationErrorOut}
ONE: dict[int, Any] = LIST | {404: ERR}
WRITE: dict[int, Any] = ONE | {400: ERR}
CREATE: dict[int, Any] = LIST | {400: ERR}


# ---------------------------------------------------------------- helpers


def _user(request: HttpRequest) -> Any:
    """The authenticated user, as set by the API's auth classes (token or session)."""
    return request.auth  # type: ignore[attr-defined]


def _with_parent(qs: QuerySet[Org]) -> QuerySet[Org]:
    """Adds ``parent_pk`` (a correlated subquery on the path prefix) and the level, in the same query."""
    parent = Org.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Org.steplen))
    return qs.select_related("level").annotate(parent_pk=Subquery(parent.values("pk")[:1]))


def _org(org: Org) -> dict[str, Any]:
    return {
        "id": org.pk, "name": org.name, "level": org.level.code, "level_name": org.level.name,
        "kind": org.kind, "kind_name": OrgKind(org.kind).label, "code": org.code, "depth": org.depth,
        "parent_id": getattr(org, "parent_pk", None), "address": org.address,
        "office_phone": org.office_phone,
    }


def _counts(raw: dict[str, int] | None) -> dict[str, int]:
    return {key: int(n) for key, n in (raw or {}).items()}


def _ref(org: Org | None) -> dict[str, Any] | None:
    return {"id": org.pk, "name": org.name} if org is not None else None


def _person(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk, "name": p.name, "gender": p.gender, "birth_year": p.birth_year,
        "phone_masked": p.phone_masked, "id_masked": p.id_masked, "is_party_member": p.is_party_member,
        "member_type": p.member_type, "member_type_name": MemberType(p.member_type).label if p.member_type else "",
        "joined_on": p.joined_on, "standing": p.standing,
        "standing_name": Standing(p.standing).label if p.standing in Standing.values else "",
        "confirmed_on": p.confirmed_on, "ethnicity": p.ethnicity, "education": p.education,
        "workplace": p.workplace, "address_masked": p.address_masked,
        "org": _ref(p.org), "registered_org": _ref(p.registered_org),
    }


def _post(post: Post) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": post.pk, "person": {"id": post.person.pk, "name": post.person.name}, "role": post.role,
        "role_name": Role(post.role).label if post.role in Role.values else post.role,
        "org": _ref(post.org), "starts_on": post.starts_on, "ends_on": post.ends_on,
        "active": post.starts_on <= today and (post.ends_on is None or post.ends_on >= today),
        "sent_from": _ref(post.sent_from), "note": post.note,
    }


def _page(qs: QuerySet[Any], limit: int, offset: int, render: Any) -> dict[str, Any]:
    """Two queries: the total and the page."""
    items = [render(x) for x in qs[offset:offset + limit]]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": items}


Limit = Query(50, ge=1, le=200, description="每页条数（1–200）")
Offset = Query(0, ge=0, le=MAX_OFFSET, description="跳过的条数")
PathId = Path(..., ge=1, le=MAX_ID)


# ---------------------------------------------------------------- organisations


@router.get("/orgs", response={200: OrgPage, **LIST}, summary="组织列表（管辖范围内）")
def list_orgs(
    request: HttpRequest,
    level: str | None = Query(None, max_length=32, pattern=r"^[-a-zA-Z0-9_]*$", description="层级代码"),
    kind: OrgKind | None = None,
    parent: int | None = Query(None, ge=1, le=MAX_ID, description="只列此组织的直接下级"),
    q: str | None = Query(None, max_length=100, pattern=NO_NUL, description="名称包含"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    require(_user(request), Perm.ORG_VIEW)
    qs = Org.objects.restrict(_user(request), Perm.ORG_VIEW)
    if level:
        qs = qs.filter(level__code=level)
    if kind:
        qs = qs.filter(kind=kind)
    if parent is not None:
        parent_org = Org.objects.restrict(_user(request), Perm.ORG_VIEW).filter(pk=parent).first()
        qs = qs.filter(path__startswith=parent_org.path, depth=parent_org.depth + 1) if parent_org else qs.none()
    if q and q.strip():
        qs = qs.filter(name__contains=q.strip())
    return _page(_with_parent(qs).order_by("path"), limit, offset, _org)


@router.get("/orgs/tree", response={200: list[TreeNodeOut], 401: ERR, 403: ERR},
            summary="管辖范围的顶层组织及其直接下级")
def org_tree(request: HttpRequest) -> Any:
    require(_user(request), Perm.ORG_VIEW)
    out = []
    for root in _with_parent(selectors.scope_roots(_user(request))).order_by("path"):
        counts = selectors.child_counts(root)
        children = _with_parent(selectors.children_of(root)).order_by("path")
        out.append(
            _org(root)
            | {"counts": _counts(counts.get(root.path)),
               "children": [_org(c) | {"counts": _counts(counts.get(c.path))} for c in children]}
        )
    return out


def _get_org(request: HttpRequest, pk: int) -> Org:
    require(_user(request), Perm.ORG_VIEW)
    return get_object_or_404(_with_parent(Org.objects.restrict(_user(request), Perm.ORG_VIEW)), pk=pk)


@router.get("/orgs/{id}", response={200: OrgDetailOut, **ONE}, summary="组织详情（含下级计数）")
def get_org(request: HttpRequest, id: int = PathId) -> Any:
    org = _get_org(request, id)
    own = selectors.subtree_counts(org.depth * Org.steplen, org.path).get(org.path)
    return _org(org) | {
        "purpose": org.purpose, "purpose_name": TempPurpose(org.purpose).label if org.purpose else "",
        "opened_on": org.opened_on, "closed_on": org.closed_on,
        "bond": org.bond, "bond_name": Bond(org.bond).label if org.bond else "",
        "description": org.description, "counts": _counts(own),
    }


@router.get("/orgs/{id}/children", response={200: list[OrgWithCountsOut], **ONE}, summary="直接下级及各自的下级计数")
def org_children(request: HttpRequest, id: int = PathId) -> Any:
    org = _get_org(request, id)
    counts = selectors.child_counts(org)
    children = _with_parent(selectors.children_of(org)).order_by("path")
    return [_org(c) | {"counts": _counts(counts.get(c.path))} for c in children]


@router.get("/orgs/{id}/subtree", response={200: OrgPage, **ONE}, summary="全部下级（分页）")
def org_subtree(
    request: HttpRequest,
    id: int = PathId,
    max_depth: int | None = Query(None, ge=1, le=64, description="最多向下几级"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    org = _get_org(request, id)
    qs = Org.objects.filter(path__startswith=org.path, depth__gt=org.depth)
    if max_depth is not None:
        qs = qs.filter(depth__lte=org.depth + max_depth)
    return _page(_with_parent(qs).order_by("path"), limit, offset, _org)


@router.post("/orgs/{id}/move", response={200: OrgOut, **WRITE}, summary="调整组织隶属（连同全部下级）")
def move_org(request: HttpRequest, payload: MoveIn, id: int = PathId) -> Any:
    require(_user(request), Perm.ORG_MOVE)
    org = _get_org(request, id)
    if not in_scope(_user(request), Perm.ORG_MOVE, org.path):
        raise PermissionDenied("您无权调整该组织的隶属关系")
    new_parent = resolve.resolve_move_parent(_user(request), payload.new_parent)
    actions.do_move_org(_user(request), org, new_parent)
    return _org(_with_parent(Org.objects.all()).get(pk=org.pk))


# ---------------------------------------------------------------- people


def _people_qs(user: Any) -> QuerySet[Person]:
    return selectors.people_in_scope(user, Perm.PERSON_VIEW)


@router.get("/people", response={200: PersonPage, **LIST}, summary="人员列表（管辖范围内，号码脱敏）")
def list_people(
    request: HttpRequest,
    q: str | None = Query(None, max_length=100, pattern=NO_NUL, description="姓名包含，或电话末四位"),
    org: int | None = Query(None, ge=1, le=MAX_ID, description="组织 id：其下全部（含报到）人员"),
    member_type: MemberType | None = None,
    party: Literal["0", "1"] | None = Query(None, description="1 党员 / 0 非党员"),
    registered: Literal["0", "1"] | None = Query(None, description="1 只列已报到（双联双管）"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    require(_user(request), Perm.PERSON_VIEW)
    params = {"q": q, "org": org, "member_type": member_type, "party": party, "registered": registered}
    qs = selectors.filter_people(_people_qs(_user(request)), params)
    return _page(qs, limit, offset, _person)


@router.get("/people/{id}", response={200: PersonOut, **ONE}, summary="人员详情（号码脱敏）")
def get_person(request: HttpRequest, id: int = PathId) -> Any:
    require(_user(request), Perm.PERSON_VIEW)
    return _person(get_object_or_404(_people_qs(_user(request)), pk=id))


def _person_data(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Body fields → the data the actions take (org ids → scoped orgs, numbers normalised)."""
    if "org" in data:
        data["org"] = resolve.resolve_person_org(user, data["org"])
    if "registered_org" in data:
        reg = data["registered_org"]
        data["registered_org"] = resolve.resolve_registered_org(reg) if reg is not None else None
    if "member_type" in data:
        data["member_type"] = data["member_type"] or ""
    if "standing" in data:
        data["standing"] = data["standing"] or ""
    if data.get("phone") is not None:
        data["phone"] = normalize_phone(data["phone"])
    if data.get("id_number") is not None:
        data["id_number"] = data["id_number"].strip().upper()
    return data


@router.post("/people", response={201: PersonOut, **CREATE}, summary="新建人员")
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    require(_user(request), Perm.PERSON_CHANGE)
    person = actions.do_create_person(_user(request), _person_data(_user(request), payload.dict()))
    return Status(201, _person(person))


@router.patch("/people/{id}", response={200: PersonOut, **WRITE}, summary="修改人员（只改提交的字段）")
def update_person(request: HttpRequest, payload: PersonPatchIn, id: int = PathId) -> Any:
    require(_user(request), Perm.PERSON_CHANGE)
    person = get_object_or_404(_people_qs(_user(request)), pk=id)
    if not in_scope(_user(request), Perm.PERSON_CHANGE, person.org_path):
        raise PermissionDenied("您无权修改该人员")
    data = _person_data(_user(request), payload.dict(exclude_unset=True))
    person = actions.do_update_person(_user(request), person, data)
    return _person(Person.objects.select_related("org", "registered_org").get(pk=person.pk))


@router.post("/people/{id}/reveal", response={200: RevealOut, **WRITE},
             summary="查看完整电话、身份证号或家庭住址（留痕）")
def reveal_person(request: HttpRequest, payload: RevealIn, id: int = PathId) -> Any:
    require(_user(request), Perm.PERSON_REVEAL)
    person = get_object_or_404(_people_qs(_user(request)), pk=id)
    if not in_scope(_user(request), Perm.PERSON_REVEAL, person.org_path):
        raise PermissionDenied("您无权查看该人员的完整号码")
    return {"value": actions.do_reveal_person(_user(request), person, payload.field)}


# ---------------------------------------------------------------- posts


def _posts_qs(user: Any) -> QuerySet[Post]:
    return Post.objects.restrict(user, Perm.ORG_VIEW).select_related("person", "org", "sent_from")


@router.get("/posts", response={200: PostPage, **LIST}, summary="职务列表（管辖范围内）")
def list_posts(
    request: HttpRequest,
    org: int | None = Query(None, ge=1, le=MAX_ID, description="只列此组织的职务"),
    person: int | None = Query(None, ge=1, le=MAX_ID, description="只列此人的职务"),
    active: bool | None = Query(None, description="true 只列在任 / false 只列已离任或未到任"),
    limit: int = Limit,
    offset: int = Offset,
) -> Any:
    require(_user(request), Perm.ORG_VIEW)
    qs = _posts_qs(_user(request))
    if org is not None:
        qs = qs.filter(org_id=org)
    if person is not None:
        qs = qs.filter(person_id=person)
    if active is not None:
        current = Post.objects.active().values("pk")
        qs = qs.filter(pk__in=current) if active else qs.exclude(pk__in=current)
    return _page(qs.order_by("org__path", "role", "starts_on", "id"), limit, offset, _post)


@router.post("/posts", response={201: PostOut, **CREATE}, summary="任职")
def create_post(request: HttpRequest, payload: PostIn) -> Any:
    user = _user(request)
    require(user, Perm.POST_CHANGE)
    org = resolve.resolve_post_org(user, payload.org)
    person = resolve.resolve_person(user, payload.person)
    sent_from = resolve.resolve_sent_from(org, payload.sent_from) if payload.sent_from is not None else None
    # Who may grant which role is checked by the action (403-free: a refused role answers 400 in Chinese).
    post = actions.do_create_post(user, {
        "person": person, "role": payload.role, "org": org, "starts_on": payload.starts_on,
        "ends_on": payload.ends_on, "sent_from": sent_from, "note": payload.note,
    })
    return Status(201, _post(_posts_qs(user).get(pk=post.pk)))


@router.post("/posts/{id}/end", response={200: PostOut, **WRITE}, summary="离任")
def end_post(request: HttpRequest, payload: EndPostIn, id: int = PathId) -> Any:
    require(_user(request), Perm.POST_CHANGE)
    post = get_object_or_404(_posts_qs(_user(request)), pk=id)
    if not in_scope(_user(request), Perm.POST_CHANGE, post.org.path):
        raise PermissionDenied("您无权任免该组织的职务")
    actions.do_end_post(_user(request), post, payload.ends_on)
    return _post(_posts_qs(_user(request)).get(pk=post.pk))


# ---------------------------------------------------------------- 活动队伍 (teams of a functional org)

TeamName = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL), AfterValidator(_stripped)]
Activity = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
Address = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL), AfterValidator(_stripped)]
ContactName = Annotated[str, Field(max_length=50, pattern=NO_NUL)]


class ParticipantOut(Schema):
    id: int
    name: str
    is_party_member: bool
    phone_masked: str = Field(description="脱敏电话")
    org: OrgRef


class TeamOut(Schema):
    id: int
    name: str
    activity: str
    founded_on: dt.date | None
    org: OrgRef = Field(description="所属功能型党组织")
    participants_count: int


class TeamDetailOut(TeamOut):
    participants: list[ParticipantOut]


class TeamPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TeamOut]


class TeamIn(Schema):
    name: TeamName
    activity: Activity = ""
    founded_on: dt.date | None = None


class TeamPatchIn(Schema):
    """Only the fields sent are changed."""

    name: TeamName = None  # type: ignore[assignment]
    activity: Activity = None  # type: ignore[assignment]
    founded_on: dt.date | None = None


def _team(team: ActivityTeam) -> dict[str, Any]:
    return {
        "id": team.pk, "name": team.name, "activity": team.activity, "founded_on": team.founded_on,
        "org": _ref(team.org), "participants_count": getattr(team, "n_participants", 0),
    }


def _team_detail(user: Any, pk: int) -> dict[str, Any]:
    """A team with its participants: three queries (team, participants with their orgs, none per row)."""
    team = get_object_or_404(_teams_qs(user), pk=pk)
    people = list(selectors.team_participants(team))
    return _team(team) | {"participants_count": len(people), "participants": [
        {"id": p.pk, "name": p.name, "is_party_member": p.is_party_member, "phone_masked": p.phone_masked,
         "org": _ref(p.org)} for p in people
    ]}


def _teams_qs(user: Any, perm: str = Perm.ORG_VIEW) -> QuerySet[ActivityTeam]:
    from django.db.models import Count

    return selectors.teams_in_scope(user, perm).annotate(n_participants=Count("participants"))


def _changeable_team(request: HttpRequest, pk: int) -> ActivityTeam:
    """In view scope (else 404) and in change scope (else 403)."""
    user = _user(request)
    require(user, Perm.ORG_CHANGE)
    team = get_object_or_404(selectors.teams_in_scope(user), pk=pk)
    if not in_scope(user, Perm.ORG_CHANGE, team.org.path):
        raise PermissionDenied("您无权维护该活动队伍")
    return team


def _changeable_org(request: HttpRequest, pk: int) -> Org:
    require(_user(request), Perm.ORG_CHANGE)
    org = _get_org(request, pk)
    if not in_scope(_user(request), Perm.ORG_CHANGE, org.path):
        raise PermissionDenied("您无权维护该组织")
    return org


@router.get("/orgs/{id}/teams", response={200: TeamPage, **ONE}, summary="功能型党组织的活动队伍")
def list_teams(request: HttpRequest, id: int = PathId, limit: int = Limit, offset: int = Offset) -> Any:
    org = _get_org(request, id)
    qs = _teams_qs(_user(request)).filter(org=org).order_by("id")
    return _page(qs, limit, offset, _team)


@router.post("/orgs/{id}/teams", response={201: TeamOut, **WRITE}, summary="新增活动队伍（功能型党组织）")
def create_team(request: HttpRequest, payload: TeamIn, id: int = PathId) -> Any:
    org = _changeable_org(request, id)
    team = actions.do_create_team(_user(request), org, payload.dict())
    return Status(201, _team(_teams_qs(_user(request)).get(pk=team.pk)))


@router.get("/teams/{id}", response={200: TeamDetailOut, **ONE}, summary="活动队伍详情（含参与居民，号码脱敏）")
def get_team(request: HttpRequest, id: int = PathId) -> Any:
    require(_user(request), Perm.ORG_VIEW)
    return _team_detail(_user(request), id)


@router.patch("/teams/{id}", response={200: TeamDetailOut, **WRITE}, summary="修改活动队伍（只改提交的字段）")
def update_team(request: HttpRequest, payload: TeamPatchIn, id: int = PathId) -> Any:
    team = _changeable_team(request, id)
    actions.do_update_team(_user(request), team, payload.dict(exclude_unset=True))
    return _team_detail(_user(request), team.pk)


@router.delete("/teams/{id}", response={204: None, **WRITE}, summary="撤销活动队伍（人员保留）")
def delete_team(request: HttpRequest, id: int = PathId) -> Any:
    team = _changeable_team(request, id)
    actions.do_delete_team(_user(request), team)
    return Status(204, None)


def _participant(user: Any, person_id: int) -> Person:
    """A person referenced in the path: missing and out of scope look the same (404)."""
    return get_object_or_404(Person.objects.restrict(user, Perm.PERSON_VIEW), pk=person_id)


@router.post("/teams/{id}/participants/{person_id}", response={200: TeamDetailOut, **WRITE},
             summary="把管辖范围内的人员加入活动队伍")
def add_team_participant(request: HttpRequest, id: int = PathId, person_id: int = PathId) -> Any:
    team = _changeable_team(request, id)
    actions.do_add_team_participant(_user(request), team, _participant(_user(request), person_id))
    return _team_detail(_user(request), team.pk)


@router.delete("/teams/{id}/participants/{person_id}", response={204: None, **WRITE}, summary="人员退出活动队伍")
def remove_team_participant(request: HttpRequest, id: int = PathId, person_id: int = PathId) -> Any:
    team = _changeable_team(request, id)
    person = get_object_or_404(team.participants.all(), pk=person_id)
    actions.do_remove_team_participant(_user(request), team, person)
    return Status(204, None)


# ---------------------------------------------------------------- 联系户 (households of a central household)


class HouseholdOut(Schema):
    id: int
    address: str
    contact_name: str
    central: OrgRef = Field(description="党员中心户")


class HouseholdPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[HouseholdOut]
    warning: str = Field(description="联系户少于 5 户时的提示（每个党员中心户宜联系 5–15 户，最多 15 户）；否则为空")


class HouseholdIn(Schema):
    address: Address
    contact_name: ContactName = ""


class HouseholdPatchIn(Schema):
    """Only the fields sent are changed."""

    address: Address = None  # type: ignore[assignment]
    contact_name: ContactName = None  # type: ignore[assignment]


def _household(h: LinkedHousehold) -> dict[str, Any]:
    return {"id": h.pk, "address": h.address, "contact_name": h.contact_name, "central": _ref(h.central)}


def _changeable_household(request: HttpRequest, pk: int) -> LinkedHousehold:
    user = _user(request)
    require(user, Perm.ORG_CHANGE)
    household = get_object_or_404(selectors.households_in_scope(user), pk=pk)
    if not in_scope(user, Perm.ORG_CHANGE, household.central.path):
        raise PermissionDenied("您无权维护该中心户的联系户")
    return household


@router.get("/orgs/{id}/households", response={200: HouseholdPage, **ONE}, summary="党员中心户的联系户")
def list_households(request: HttpRequest, id: int = PathId, limit: int = Limit, offset: int = Offset) -> Any:
    org = _get_org(request, id)
    qs = LinkedHousehold.objects.filter(central=org).select_related("central").order_by("id")
    page = _page(qs, limit, offset, _household)
    warning = actions.linked_households_warning(page["count"]) if org.level.code == "household" else ""
    return page | {"warning": warning}


@router.post("/orgs/{id}/households", response={201: HouseholdOut, **WRITE},
             summary="登记联系户（每个党员中心户最多 15 户）")
def create_household(request: HttpRequest, payload: HouseholdIn, id: int = PathId) -> Any:
    org = _changeable_org(request, id)
    household = actions.do_add_linked_household(_user(request), org, payload.dict())
    return Status(201, _household(household))


@router.patch("/households/{id}", response={200: HouseholdOut, **WRITE}, summary="修改联系户（只改提交的字段）")
def update_household(request: HttpRequest, payload: HouseholdPatchIn, id: int = PathId) -> Any:
    household = _changeable_household(request, id)
    household = actions.do_update_linked_household(_user(request), household, payload.dict(exclude_unset=True))
    return _household(household)


@router.delete("/households/{id}", response={204: None, **WRITE}, summary="移除联系户")
def delete_household(request: HttpRequest, id: int = PathId) -> Any:
    household = _changeable_household(request, id)
    actions.do_remove_linked_household(_user(request), household)
    return Status(204, None)
