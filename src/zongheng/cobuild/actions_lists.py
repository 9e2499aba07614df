"""Every write of the three lists (需求清单, 资源清单, 服务清单) and of matching: atomic, audited ``do_*``
actions raising ``ActionError`` (Chinese message, nothing changed).

- Needs belong to a community: created, edited and closed by cadres holding cobuild.change over it; a
  resident's demand or a 每月一听 session becomes a need in one step (``data['demand']`` /
  ``data['listening_session']``, resolved by the caller through ``resolve_demand_for_need`` /
  ``resolve_session_for_need``).
- Resources belong to a stationed unit: created and edited by cadres holding cobuild.change over the unit's
  node (a liaison only reports progress on items: not here). ``used`` moves only by accepted matches and
  never exceeds ``capacity`` (a database constraint, and every check here).
- Services belong to a community.
- ``do_accept_match``: locks the need, then the resource (always in that order: no deadlock between two
  accepts), re-checks what is left, creates the Match and an AgreementItem (资源联享) in an active agreement
  between the need's community and the resource's unit — creating one (资源联享认领书) when there is none —,
  consumes capacity and marks the need matched when fully met. Two people accepting the same proposal at
  once: the second waits on the need's row lock, then finds the match made and is refused; the unique
  constraint (need, resource) backs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from .choices import AgreementState, ItemKind, NeedState, ResourceKind
from .matching import kind_unit, met_quantity, need_places, reason_text, resource_places
from .models import Agreement, AgreementItem, Match, Need, Resource, Service, Unit

NEED_FIELDS = ["org", "kind", "title", "detail", "quantity", "state", "demand", "listening_session"]
RESOURCE_FIELDS = ["unit", "kind", "title", "detail", "capacity", "used", "area_m2", "availability", "place",
                   "idle", "active"]
SERVICE_FIELDS = ["org", "kind", "title", "detail", "schedule", "active"]
MATCH_FIELDS = ["need", "resource", "quantity", "reason", "item"]
MAX_QUANTITY = 10**9
AGREEMENT_TITLE = "资源联享认领书"
ITEM_DAYS = 90  # an accepted match becomes an item due this many days later, within its agreement's term


def _text(data: dict[str, Any], key: str, label: str, max_length: int, *, required: bool = True) -> str:
    value = str(data.get(key) or "").strip()
    if "\x00" in value:
        raise ActionError(f"{label}含有无效字符")
    if required and not value:
        raise ActionError(f"请填写{label}")
    if len(value) > max_length:
        raise ActionError(f"{label}不能超过 {max_length} 字")
    return value


def _quantity(value: Any, label: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ActionError(f"{label}须为正整数") from None
    if not 1 <= n <= MAX_QUANTITY:
        raise ActionError(f"{label}须在 1 到 {MAX_QUANTITY} 之间")
    return n


def _kind(value: Any) -> str:
    if value not in ResourceKind.values:
        raise ActionError("请选择类别")
    return str(value)


def _may_change(user: Any, path: str, what: str) -> None:
    if user is not None and not in_scope(user, Perm.COBUILD_CHANGE, path):
        raise ActionError(f"{what}不存在或不在您的管辖范围内")


# ---------------------------------------------------------------- needs


@transaction.atomic
def do_create_need(user: Any, data: dict[str, Any]) -> Need:
    """登记需求. ``data['org']``: a community resolved by ``resolve.resolve_community``; ``demand`` /
    ``listening_session`` (optional) resolved by the scoped lookups of ``selectors_lists``."""
    org: Org = data["org"]
    _may_change(user, org.path, "社区")
    demand, session = data.get("demand"), data.get("listening_session")
    if demand is not None:
        if not demand.grid_path.startswith(org.path):
            raise ActionError("该诉求不在所选社区，不能转为该社区的需求")
        taken = Need.objects.filter(demand=demand).first()
        if taken is not None:
            raise ActionError(f"该诉求已转为需求“{taken.title}”")
    if session is not None:
        session_path = session.org.path
        if not (session_path.startswith(org.path) or org.path.startswith(session_path)):
            raise ActionError("该每月一听活动与所选社区无关，不能转为该社区的需求")
    need = Need.objects.create(
        org=org, org_path=org.path, kind=_kind(data.get("kind")), title=_text(data, "title", "需求", 200),
        detail=_text(data, "detail", "说明", 5000, required=False), quantity=_quantity(data.get("quantity"), "数量"),
        demand=demand, listening_session=session, created_by=user if getattr(user, "pk", None) else None)
    audit.record(user, "cobuild.need_create", need, after=audit.snapshot(need, NEED_FIELDS))
    return need


def _lock_need(need: Need) -> Need:
    return Need.objects.select_for_update(of=("self",)).select_related("org").get(pk=need.pk)


@transaction.atomic
def do_update_need(user: Any, need: Need, data: dict[str, Any]) -> Need:
    """修改需求: kind, title, detail, quantity. The kind is fixed once matched; the quantity never below what
    matches have met (equal: the need becomes 已对接; above: back to 待对接)."""
    need = _lock_need(need)
    _may_change(user, need.org_path, "需求")
    if need.state == NeedState.CLOSED:
        raise ActionError("该需求已关闭，不能修改")
    before = audit.snapshot(need, NEED_FIELDS)
    met = met_quantity(need)
    kind = _kind(data.get("kind", need.kind))
    if met and kind != need.kind:
        raise ActionError("该需求已有对接，不能更改类别")
    quantity = _quantity(data.get("quantity", need.quantity), "数量")
    if quantity < met:
        raise ActionError(f"数量不能少于已对接的 {met} {kind_unit(need.kind)}")
    need.kind, need.quantity = kind, quantity
    need.title = _text(data, "title", "需求", 200) if "title" in data else need.title
    need.detail = _text(data, "detail", "说明", 5000, required=False) if "detail" in data else need.detail
    need.state = NeedState.MATCHED if met and quantity == met else NeedState.OPEN
    need.save(update_fields=["kind", "title", "detail", "quantity", "state"])
    audit.record(user, "cobuild.need_update", need, before=before, after=audit.snapshot(need, NEED_FIELDS))
    return need


@transaction.atomic
def do_close_need(user: Any, need: Need) -> Need:
    """关闭需求 (no longer needed): it leaves the proposals; its matches stay."""
    need = _lock_need(need)
    _may_change(user, need.org_path, "需求")
    if need.state == NeedState.CLOSED:
        raise ActionError("该需求已关闭")
    before = audit.snapshot(need, NEED_FIELDS)
    need.state = NeedState.CLOSED
    need.save(update_fields=["state"])
    audit.record(user, "cobuild.need_close", need, before=before, after=audit.snapshot(need, NEED_FIELDS))
    return need


# ---------------------------------------------------------------- resources


def _area(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return _quantity(value, "面积")


@transaction.atomic
def do_create_resource(user: Any, data: dict[str, Any]) -> Resource:
    """登记资源. ``data['unit']``: a Unit resolved with cobuild.change (``resolve.resolve_unit``);
    ``data['place']`` (optional, a street or community resolved by the caller): where it is offered —
    by default where the unit sits."""
    unit: Unit = data["unit"]
    _may_change(user, unit.org_path, "驻区单位")
    place: Org = data.get("place") or unit.place
    resource = Resource.objects.create(
        unit=unit, unit_path=unit.org_path, kind=_kind(data.get("kind")), title=_text(data, "title", "资源", 200),
        detail=_text(data, "detail", "说明", 5000, required=False),
        capacity=_quantity(data.get("capacity"), "可提供数量"), area_m2=_area(data.get("area_m2")),
        availability=_text(data, "availability", "开放时间", 100, required=False), place=place,
        place_path=place.path, idle=bool(data.get("idle")), active=bool(data.get("active", True)))
    audit.record(user, "cobuild.resource_create", resource, after=audit.snapshot(resource, RESOURCE_FIELDS))
    return resource


@transaction.atomic
def do_update_resource(user: Any, resource: Resource, data: dict[str, Any]) -> Resource:
    """修改资源: the capacity never below what matches have taken; the kind fixed once matched."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    _may_change(user, resource.unit_path, "资源")
    before = audit.snapshot(resource, RESOURCE_FIELDS)
    kind = _kind(data.get("kind", resource.kind))
    if resource.used and kind != resource.kind:
        raise ActionError("该资源已有对接，不能更改类别")
    capacity = _quantity(data.get("capacity", resource.capacity), "可提供数量")
    if capacity < resource.used:
        raise ActionError(f"可提供数量不能少于已对接的 {resource.used} {kind_unit(resource.kind)}")
    place: Org = data.get("place") or resource.place
    resource.kind, resource.capacity, resource.place, resource.place_path = kind, capacity, place, place.path
    for key, label, n in (("title", "资源", 200), ("detail", "说明", 5000), ("availability", "开放时间", 100)):
        if key in data:
            setattr(resource, key, _text(data, key, label, n, required=key == "title"))
    if "area_m2" in data:
        resource.area_m2 = _area(data.get("area_m2"))
    for flag in ("idle", "active"):
        if flag in data:
            setattr(resource, flag, bool(data[flag]))
    resource.save()
    audit.record(user, "cobuild.resource_update", resource, before=before,
                 after=audit.snapshot(resource, RESOURCE_FIELDS))
    return resource


# ---------------------------------------------------------------- services


@transaction.atomic
def do_create_service(user: Any, data: dict[str, Any]) -> Service:
    """登记服务. ``data['org']``: a community resolved by ``resolve.resolve_community``."""
    org: Org = data["org"]
    _may_change(user, org.path, "社区")
    service = Service.objects.create(
        org=org, org_path=org.path, kind=_kind(data.get("kind") or ResourceKind.OTHER),
        title=_text(data, "title", "服务", 200), detail=_text(data, "detail", "说明", 5000, required=False),
        schedule=_text(data, "schedule", "服务时间", 100, required=False), active=bool(data.get("active", True)))
    audit.record(user, "cobuild.service_create", service, after=audit.snapshot(service, SERVICE_FIELDS))
    return service


@transaction.atomic
def do_update_service(user: Any, service: Service, data: dict[str, Any]) -> Service:
    service = Service.objects.select_for_update().get(pk=service.pk)
    _may_change(user, service.org_path, "服务")
    before = audit.snapshot(service, SERVICE_FIELDS)
    service.kind = _kind(data.get("kind", service.kind))
    for key, label, n in (("title", "服务", 200), ("detail", "说明", 5000), ("schedule", "服务时间", 100)):
        if key in data:
            setattr(service, key, _text(data, key, label, n, required=key == "title"))
    if "active" in data:
        service.active = bool(data["active"])
    service.save()
    audit.record(user, "cobuild.service_update", service, before=before,
                 after=audit.snapshot(service, SERVICE_FIELDS))
    return service


# ---------------------------------------------------------------- accepting a match


def _owner_name(user: Any) -> str:
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    if person is not None:
        return str(person.name)[:50]
    return (user.get_username() if getattr(user, "is_authenticated", False) else "系统")[:50]


def _unit_owner(unit: Unit) -> str:
    if unit.secretary_id and unit.secretary is not None:
        return unit.secretary.name[:50]
    return (unit.secretary_name or f"{unit.name}联络员")[:50]


def _agreement_for(user: Any, org: Org, unit: Unit, today: dt.date) -> tuple[Agreement, bool]:
    """The active agreement between ``org`` and ``unit`` (the most recent), or a new 资源联享认领书."""
    Unit.objects.select_for_update().filter(pk=unit.pk).exists()  # one new agreement per unit at a time
    found = (Agreement.objects.filter(org=org, unit=unit, state=AgreementState.ACTIVE)
             .order_by("-signed_on", "-id").first())
    if found is not None:
        return found, False
    agreement = Agreement.objects.create(
        org=org, org_path=org.path, unit=unit, unit_path=unit.org_path, title=AGREEMENT_TITLE, signed_on=today,
        starts_on=today, ends_on=dt.date(today.year, 12, 31), state=AgreementState.ACTIVE,
        note="资源对接确认时自动建立", created_by=user if getattr(user, "pk", None) else None)
    return agreement, True


@transaction.atomic
def do_accept_match(user: Any, need: Need, resource: Resource, *, quantity: int | None = None,
                    today: dt.date | None = None) -> Match:
    """确认对接: ``resource`` proposed for ``need`` (the caller resolves both: the need in the user's
    cobuild.change scope, the resource among the proposable ones of ``resolve_proposed_resource``).

    ``quantity`` defaults to all that can be taken now: min(what the need still lacks, what the resource
    has left); a larger one is refused."""
    today = today or timezone.localdate()
    need = _lock_need(need)
    _may_change(user, need.org_path, "需求")
    resource = (Resource.objects.select_for_update(of=("self",))
                .select_related("unit", "unit__secretary", "place", "place__level").get(pk=resource.pk))
    if need.state != NeedState.OPEN:
        raise ActionError("该需求已对接完成或已关闭")
    if Match.objects.filter(need=need, resource=resource).exists():
        raise ActionError("该需求已与该资源对接，不能重复确认")
    if not resource.active:
        raise ActionError("该资源已停止提供")
    if resource.kind != need.kind:
        raise ActionError("资源与需求的类别不同，不能对接")
    _, _, district = resource_places(resource)
    if not need.org_path.startswith(district):
        raise ActionError("资源不在本区，不能对接")
    lacking = need.quantity - met_quantity(need)
    left = resource.capacity - resource.used
    if left <= 0:
        raise ActionError("该资源已全部对接，没有剩余")
    if lacking <= 0:
        raise ActionError("该需求已全部满足")
    most = min(lacking, left)
    amount = most if quantity is None else _quantity(quantity, "对接数量")
    if amount > most:
        raise ActionError(f"对接数量不能超过 {most} {kind_unit(need.kind)}（需求尚缺 {lacking}，资源剩余 {left}）")
    unit = resource.unit
    agreement, created = _agreement_for(user, need.org, unit, today)
    if created:
        audit.record(user, "cobuild.match_agreement", agreement,
                     after={"title": agreement.title, "org": need.org_id, "unit": unit.pk})
    tier = _tier(need, resource)
    unit_word = kind_unit(need.kind)
    item = AgreementItem.objects.create(
        agreement=agreement, org_path=agreement.org_path, unit_path=agreement.unit_path,
        kind=ItemKind.SHARED_RESOURCES, title=f"{resource.title}（{need.title}）"[:200],
        target=f"{unit.name}提供“{resource.title}”{amount} {unit_word}，用于{need.org.name}“{need.title}”",
        org_owner=_owner_name(user), unit_owner=_unit_owner(unit),
        due_on=min(today + dt.timedelta(days=ITEM_DAYS), max(agreement.ends_on, today)))
    try:
        with transaction.atomic():
            match = Match.objects.create(need=need, resource=resource, quantity=amount, item=item,
                                         reason=reason_text(need.kind, tier, left, idle=resource.idle)[:200],
                                         accepted_by=user if getattr(user, "pk", None) else None)
    except IntegrityError:
        raise ActionError("该需求已与该资源对接，不能重复确认") from None
    Resource.objects.filter(pk=resource.pk).update(used=F("used") + amount)
    if amount == lacking:
        Need.objects.filter(pk=need.pk).update(state=NeedState.MATCHED)
    audit.record(user, "cobuild.match_accept", match, org_path=need.org_path,
                 after=audit.snapshot(match, MATCH_FIELDS) | {"agreement": agreement.pk})
    return match


def _tier(need: Need, resource: Resource) -> int:
    community, street, _ = need_places(need)
    if resource.place_path.startswith(community):
        return 0
    return 1 if resource.place_path.startswith(street) else 2
