"""Every write of claim agreements (项目认领书), their items, pairings (结对共建) and joint activities.

Views and the API resolve references through the scoped lookups (``cobuild.resolve`` and
``selectors_agreements``), then call one of these. Each runs in a transaction, writes its audit record,
and refuses in Chinese (``ActionError``) with nothing written.

Who may do what:
- an agreement, its items, their completion and pairings are written by whoever holds ``cobuild.change``
  over the street/community side (``org_path``);
- progress of an item (进度更新, an ``ItemUpdate`` row) by whoever holds ``cobuild.progress`` over either
  side — so a unit's liaison (a post on the unit's node) updates their unit's items, and nothing else;
- a joint activity by whoever holds ``cobuild.progress`` over either side of the pairing;
- a yearly minimum other than four by whoever holds ``cobuild.configure`` over the community.

Agreement states move only along ``choices.AGREEMENT_TRANSITIONS``; a change carries the version the
user read, and a stale one is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from zongheng.core import audit
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from .choices import AGREEMENT_TRANSITIONS, AgreementState, ItemKind, ItemState, PartnerKind
from .models import Activity, Agreement, AgreementItem, ItemUpdate, Pairing, Unit

AGREEMENT_FIELDS = ["org", "unit", "title", "signed_on", "starts_on", "ends_on", "state", "note"]
ITEM_FIELDS = ["agreement", "kind", "title", "target", "org_owner", "unit_owner", "due_on", "progress", "state",
               "completed_on", "problems_solved", "result"]
PAIRING_FIELDS = ["org", "partner_kind", "unit", "partner_name", "partner_region", "starts_on", "ends_on",
                  "required_per_year", "note"]
ACTIVITY_FIELDS = ["pairing", "held_on", "kind", "content", "participants", "residents_reached"]
OUTSIDE_REGIONS = ("江苏", "浙江", "上海")
DEFAULT_REQUIRED = 4
STATE_NAMES = dict(AgreementState.choices)
TRANSITION_VERBS: dict[str, str] = {AgreementState.ACTIVE: "生效", AgreementState.DONE: "标记为已完成",
                    AgreementState.ENDED: "终止"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any, limit: int, label: str = "内容") -> str:
    """Plain text: no tags, no control characters, trimmed, at most ``limit`` characters."""
    text = _CONTROL.sub("", strip_tags(str(value or ""))).replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ActionError(f"{label}过长（最多 {limit} 字）")
    return text


def _required_text(data: dict[str, Any], key: str, limit: int, label: str) -> str:
    text = clean_text(data.get(key), limit, label)
    if not text:
        raise ActionError(f"请填写{label}")
    return text


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise ActionError(f"{label}不是有效日期") from exc


def _actor(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _today(now: dt.datetime | None) -> dt.date:
    return timezone.localtime(now or timezone.now()).date()


# ---------------------------------------------------------------- who may

def may_change(user: Any, obj: Agreement | AgreementItem | Pairing) -> bool:
    """cobuild.change over the street/community side."""
    return user is not None and in_scope(user, Perm.COBUILD_CHANGE, obj.org_path)


def may_progress(user: Any, obj: AgreementItem | Pairing) -> bool:
    """cobuild.progress over either side (the unit's liaison included)."""
    if user is None:
        return False
    return in_scope(user, Perm.COBUILD_PROGRESS, obj.org_path) or bool(
        obj.unit_path and in_scope(user, Perm.COBUILD_PROGRESS, obj.unit_path))


def _check_change(user: Any, obj: Agreement | AgreementItem | Pairing) -> None:
    if user is not None and not may_change(user, obj):
        raise ActionError("您不能修改该记录：须由街道或社区一方维护")


def _check_side(user: Any, org: Org) -> None:
    if user is not None and not in_scope(user, Perm.COBUILD_CHANGE, org.path):
        raise ActionError("该街道或社区不在您的管辖范围内")


def _check_version(current: int, expected: int | None) -> None:
    if expected is not None and int(expected) != current:
        raise ActionError("该记录已被他人更新，请刷新页面后重试")


# ---------------------------------------------------------------- agreements (项目认领书)


def _agreement_dates(data: dict[str, Any]) -> tuple[dt.date, dt.date, dt.date]:
    signed_on = _date(data.get("signed_on"), "签订日期")
    starts_on = _date(data.get("starts_on") or signed_on, "履行开始日期")
    ends_on = _date(data.get("ends_on"), "履行结束日期")
    if ends_on < starts_on:
        raise ActionError("履行结束日期不能早于开始日期")
    return signed_on, starts_on, ends_on


@transaction.atomic
def do_create_agreement(user: Any, data: dict[str, Any]) -> Agreement:
    """签订项目认领书: ``org`` (a street or community, resolved with cobuild.change), ``unit`` (any member
    unit, ``resolve_any_unit``), title, dates, note; ``state`` draft or active (default active)."""
    org: Org = data["org"]
    unit: Unit = data["unit"]
    _check_side(user, org)
    state = data.get("state") or AgreementState.ACTIVE
    if state not in (AgreementState.DRAFT, AgreementState.ACTIVE):
        raise ActionError("新认领书的状态只能是“草拟”或“履行中”")
    signed_on, starts_on, ends_on = _agreement_dates(data)
    a = Agreement.objects.create(
        org=org, org_path=org.path, unit=unit, unit_path=unit.org_path,
        title=_required_text(data, "title", 200, "名称"), signed_on=signed_on, starts_on=starts_on,
        ends_on=ends_on, state=state,
        note=clean_text(data.get("note"), 5000, "说明"), created_by=_actor(user))
    audit.record(user, "cobuild.agreement_create", a, after=audit.snapshot(a, AGREEMENT_FIELDS))
    return a


def _locked_agreement(agreement: Agreement, expected_version: int | None) -> Agreement:
    fresh = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _check_version(fresh.version, expected_version)
    return fresh


@transaction.atomic
def do_update_agreement(user: Any, agreement: Agreement, data: dict[str, Any],
                        expected_version: int | None = None) -> Agreement:
    """修改认领书: title, dates, note (while draft or active)."""
    a = _locked_agreement(agreement, expected_version)
    _check_change(user, a)
    if a.state not in (AgreementState.DRAFT, AgreementState.ACTIVE):
        raise ActionError(f"认领书{a.get_state_display()}，不能再修改")
    before = audit.snapshot(a, AGREEMENT_FIELDS)
    merged = {"signed_on": a.signed_on, "starts_on": a.starts_on, "ends_on": a.ends_on} | {
        k: v for k, v in data.items() if k in ("signed_on", "starts_on", "ends_on") and v}
    a.signed_on, a.starts_on, a.ends_on = _agreement_dates(merged)
    if "title" in data:
        a.title = _required_text(data, "title", 200, "名称")
    if "note" in data:
        a.note = clean_text(data.get("note"), 5000, "说明")
    a.version += 1
    a.save()
    audit.record(user, "cobuild.agreement_update", a, before=before, after=audit.snapshot(a, AGREEMENT_FIELDS))
    return a


def allowed_states(agreement: Agreement) -> tuple[str, ...]:
    return AGREEMENT_TRANSITIONS.get(agreement.state, ())


@transaction.atomic
def do_transition_agreement(user: Any, agreement: Agreement, to_state: str,
                            expected_version: int | None = None) -> Agreement:
    """Move an agreement along ``AGREEMENT_TRANSITIONS`` (草拟 → 履行中/已终止; 履行中 → 已完成/已终止).
    已完成 needs every item finished or cancelled."""
    a = _locked_agreement(agreement, expected_version)
    _check_change(user, a)
    if to_state not in STATE_NAMES:
        raise ActionError("未知的认领书状态")
    if to_state not in allowed_states(a):
        raise ActionError(f"认领书当前状态为“{a.get_state_display()}”，不能改为“{STATE_NAMES[to_state]}”")
    if to_state == AgreementState.DONE:
        open_items = a.items.filter(state=ItemState.OPEN).count()
        if open_items:
            raise ActionError(f"还有 {open_items} 个认领项目未完成，不能将认领书标记为已完成")
    before = audit.snapshot(a, AGREEMENT_FIELDS)
    a.state = to_state
    a.version += 1
    a.save(update_fields=["state", "version"])
    audit.record(user, "cobuild.agreement_transition", a, before=before, after=audit.snapshot(a, AGREEMENT_FIELDS))
    return a


# ---------------------------------------------------------------- items (认领项目)


@transaction.atomic
def do_add_item(user: Any, agreement: Agreement, data: dict[str, Any]) -> AgreementItem:
    """添加认领项目: kind (党建联建/事务联办/资源联享), title, target, an owner on each side, due date."""
    a = Agreement.objects.select_for_update().get(pk=agreement.pk)
    _check_change(user, a)
    if a.state not in (AgreementState.DRAFT, AgreementState.ACTIVE):
        raise ActionError(f"认领书{a.get_state_display()}，不能再添加项目")
    kind = data.get("kind")
    if kind not in ItemKind.values:
        raise ActionError("请选择项目类别（党建联建、事务联办或资源联享）")
    due_on = _date(data.get("due_on"), "完成时限")
    if due_on < a.starts_on:
        raise ActionError("完成时限不能早于认领书履行开始日期")
    item = AgreementItem.objects.create(
        agreement=a, org_path=a.org_path, unit_path=a.unit_path, kind=kind,
        title=_required_text(data, "title", 200, "项目名称"), target=clean_text(data.get("target"), 2000, "目标"),
        org_owner=_required_text(data, "org_owner", 50, "街道/社区责任人"),
        unit_owner=_required_text(data, "unit_owner", 50, "单位责任人"), due_on=due_on)
    audit.record(user, "cobuild.item_add", item, after=audit.snapshot(item, ITEM_FIELDS))
    return item


def _locked_item(item: AgreementItem, expected_version: int | None) -> AgreementItem:
    fresh = AgreementItem.objects.select_for_update().select_related("agreement").get(pk=item.pk)
    _check_version(fresh.version, expected_version)
    if fresh.state != ItemState.OPEN:
        raise ActionError(f"该项目{fresh.get_state_display()}，不能再更新")
    if fresh.agreement.state != AgreementState.ACTIVE:
        raise ActionError(f"认领书{fresh.agreement.get_state_display()}，项目暂不能更新进度")
    return fresh


def _progress(value: Any) -> int:
    try:
        progress = int(value)
    except (TypeError, ValueError) as exc:
        raise ActionError("进度须为 0 到 100 之间的整数") from exc
    if not 0 <= progress <= 100:
        raise ActionError("进度须为 0 到 100 之间的整数")
    return progress


@transaction.atomic
def do_item_progress(user: Any, item: AgreementItem, progress: Any, note: Any,
                     expected_version: int | None = None) -> ItemUpdate:
    """进度更新: how far (0–100 %) and what was done; one ItemUpdate row. Either side's cobuild.progress —
    the unit's liaison included. Reaching 100 % does not finish the item: the street/community confirms
    completion (``do_complete_item``) with the problems it solved."""
    it = _locked_item(item, expected_version)
    if user is not None and not may_progress(user, it):
        raise ActionError("您不能更新该项目的进度")
    value = _progress(progress)
    text = _required_text({"note": note}, "note", 2000, "进展情况")
    before = audit.snapshot(it, ITEM_FIELDS)
    update = ItemUpdate.objects.create(item=it, progress=value, note=text, by=_actor(user))
    it.progress = value
    it.version += 1
    it.save(update_fields=["progress", "version"])
    audit.record(user, "cobuild.item_progress", it, before=before,
                 after=audit.snapshot(it, ITEM_FIELDS) | {"note": text})
    return update


@transaction.atomic
def do_complete_item(user: Any, item: AgreementItem, data: dict[str, Any], expected_version: int | None = None,
                     now: dt.datetime | None = None) -> AgreementItem:
    """完成认领项目: completion date, problems solved, result, and the demands it resolved (already resolved
    by the caller through ``selectors_agreements.resolve_item_demands``). By the street/community side."""
    it = _locked_item(item, expected_version)
    _check_change(user, it)
    today = _today(now)
    completed_on = _date(data.get("completed_on") or today, "完成日期")
    if completed_on > today:
        raise ActionError("完成日期不能晚于今天")
    if completed_on < it.agreement.signed_on:
        raise ActionError("完成日期不能早于认领书签订日期")
    try:
        solved = int(data.get("problems_solved") or 0)
    except (TypeError, ValueError) as exc:
        raise ActionError("解决问题数须为整数") from exc
    demands = list(data.get("demands") or [])
    if solved < 0 or solved > 100000:
        raise ActionError("解决问题数须为 0 到 100000 之间的整数")
    if solved < len(demands):
        raise ActionError(f"解决问题数不能少于关联的诉求数（{len(demands)} 件）")
    result = _required_text(data, "result", 5000, "完成情况")
    before = audit.snapshot(it, ITEM_FIELDS)
    it.state, it.progress, it.completed_on = ItemState.DONE, 100, completed_on
    it.problems_solved, it.result = solved, result
    it.version += 1
    it.save()
    it.demands.set(demands)
    ItemUpdate.objects.create(item=it, progress=100, note=f"项目完成：{result}"[:2000], by=_actor(user))
    audit.record(user, "cobuild.item_complete", it, before=before,
                 after=audit.snapshot(it, ITEM_FIELDS) | {"demands": sorted(d.pk for d in demands)})
    return it


@transaction.atomic
def do_drop_item(user: Any, item: AgreementItem, reason: Any, expected_version: int | None = None) -> AgreementItem:
    """取消认领项目 (with the reason), by the street/community side."""
    it = AgreementItem.objects.select_for_update().get(pk=item.pk)
    _check_version(it.version, expected_version)
    _check_change(user, it)
    if it.state != ItemState.OPEN:
        raise ActionError(f"该项目{it.get_state_display()}，不能取消")
    text = _required_text({"reason": reason}, "reason", 500, "取消原因")
    before = audit.snapshot(it, ITEM_FIELDS)
    it.state, it.result = ItemState.DROPPED, f"取消原因：{text}"
    it.version += 1
    it.save(update_fields=["state", "result", "version"])
    audit.record(user, "cobuild.item_drop", it, before=before, after=audit.snapshot(it, ITEM_FIELDS))
    return it


# ---------------------------------------------------------------- pairings (结对共建)


@transaction.atomic
def do_create_pairing(user: Any, data: dict[str, Any]) -> Pairing:
    """结对: ``org`` a community (``resolve_community``); partner a member unit (``unit``, via
    ``resolve_any_unit``) or an outside community (``partner_name`` + ``partner_region`` 江苏/浙江/上海)."""
    org: Org = data["org"]
    _check_side(user, org)
    kind = data.get("partner_kind") or (PartnerKind.UNIT if data.get("unit") else PartnerKind.OUTSIDE)
    unit: Unit | None = None
    name = region = ""
    if kind == PartnerKind.UNIT:
        unit = data.get("unit")
        if unit is None:
            raise ActionError("请选择结对的驻区单位")
        if Pairing.objects.filter(org=org, unit=unit, ends_on__isnull=True).exists():
            raise ActionError(f"{org.name}与{unit.name}已有结对关系")
    elif kind == PartnerKind.OUTSIDE:
        name = _required_text(data, "partner_name", 100, "外地社区名称")
        region = clean_text(data.get("partner_region"), 20, "所在省市")
        if region not in OUTSIDE_REGIONS:
            raise ActionError("外地先进社区的所在省市须为江苏、浙江或上海")
    else:
        raise ActionError("请选择结对对象（驻区单位党组织或外地先进社区）")
    starts_on = _date(data.get("starts_on"), "结对日期")
    ends_on = _date(data["ends_on"], "结束日期") if data.get("ends_on") else None
    if ends_on is not None and ends_on < starts_on:
        raise ActionError("结束日期不能早于结对日期")
    required = data.get("required_per_year") or DEFAULT_REQUIRED
    try:
        required = int(required)
    except (TypeError, ValueError) as exc:
        raise ActionError("每年至少活动次数须为整数") from exc
    if not 1 <= required <= 52:
        raise ActionError("每年至少活动次数须在 1 到 52 之间")
    if required != DEFAULT_REQUIRED and user is not None and not in_scope(user, Perm.COBUILD_CONFIGURE, org.path):
        raise ActionError(f"每年至少活动次数默认为 {DEFAULT_REQUIRED} 次，调整须由组织部配置")
    p = Pairing.objects.create(org=org, org_path=org.path, partner_kind=kind, unit=unit,
                               unit_path=unit.org_path if unit else "", partner_name=name, partner_region=region,
                               starts_on=starts_on, ends_on=ends_on, required_per_year=required,
                               note=clean_text(data.get("note"), 200, "说明"))
    audit.record(user, "cobuild.pairing_create", p, after=audit.snapshot(p, PAIRING_FIELDS))
    return p


@transaction.atomic
def do_log_activity(user: Any, pairing: Pairing, data: dict[str, Any], now: dt.datetime | None = None) -> Activity:
    """登记共建活动 (either side, cobuild.progress): date, kind, content, participants, residents reached."""
    from .choices import ActivityKind

    p = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if user is not None and not may_progress(user, p):
        raise ActionError("您不能为该结对登记活动")
    held_on = _date(data.get("held_on"), "活动日期")
    if held_on > _today(now):
        raise ActionError("活动日期不能晚于今天")
    if held_on < p.starts_on:
        raise ActionError("活动日期不能早于结对日期")
    if p.ends_on is not None and held_on > p.ends_on:
        raise ActionError("活动日期不能晚于结对结束日期")
    kind = data.get("kind")
    if kind not in ActivityKind.values:
        raise ActionError("请选择活动类型")
    counts = []
    for key, label in (("participants", "参加人数"), ("residents_reached", "服务群众人数")):
        try:
            n = int(data.get(key) or 0)
        except (TypeError, ValueError) as exc:
            raise ActionError(f"{label}须为整数") from exc
        if not 0 <= n <= 1_000_000:
            raise ActionError(f"{label}须在 0 到 1000000 之间")
        counts.append(n)
    activity = Activity.objects.create(pairing=p, held_on=held_on, kind=kind,
                                       content=_required_text(data, "content", 5000, "活动内容"),
                                       participants=counts[0], residents_reached=counts[1], created_by=_actor(user))
    audit.record(user, "cobuild.activity_add", activity, org_path=p.org_path,
                 after=audit.snapshot(activity, ACTIVITY_FIELDS))
    return activity
