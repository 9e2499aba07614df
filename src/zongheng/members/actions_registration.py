"""Every write of 双联双管报到 (registration): apply, enter on a member's behalf, and the transitions.

The workflow is one table (``TRANSITIONS``): applied → confirmed | declined | withdrawn; confirmed → ended.
A transition not in it, or one whose page was stale (the state the user saw is no longer the state), is
refused in Chinese and writes nothing. Every transition is a ``RegistrationEvent`` row and an audit record.

Who may do what (``sides``):
- the member themselves (``request.user.person``, never a right): apply, withdraw their pending application,
  end their registration;
- the community (``member.change`` over the registration's ``org_path``): confirm or decline an application
  made to it, enter a registration on a member's behalf, end one;
- the managing organisation (``member.change`` over the member's ``member_path``): end one.

Confirming sets ``Person.registered_org``/``registered_path`` to the community in the same transaction (the
member is then seen by both sides); ending clears them, only if they still point at that community.

A community cadre finds the member they enter by name and full ID number (``lookup_member``): the ID number
is matched through its blind index (``Person.id_hash``, as the roster does); a miss says nothing about who
exists, every lookup is audited, and too many misses in an hour are refused.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.html import strip_tags

from zongheng.core import audit, crypto
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.masking import mask_id_number, normalize_id_number, validate_id_number
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Person
from zongheng.orgs.picker import UNIT_LEVELS
from zongheng.orgs.resolve import REGISTER_LEVELS

from .choices import OPEN_REGISTRATION, RegistrationState
from .models import Registration, RegistrationEvent

S = RegistrationState
FIELDS = ["person", "community", "state", "skills", "note", "applied_on", "confirmed_on", "ended_on", "reason"]
STATE_NAMES = dict(S.choices)
TEXT_LIMIT = 200
LOOKUP_ACTION = "members.registration_lookup"
LOOKUP_MISSES_PER_HOUR = 20
NO_MATCH = "未找到姓名和身份证号码都相符的党员。请核对后重试；尚未登记在党员名册中的，请联系其所在党组织。"
SELF, COMMUNITY, MANAGING = "self", "community", "managing"


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str  # the verb on its button: 确认报到, 不同意, 撤回申请, 结束报到
    sides: frozenset[str]  # who may take it (SELF, COMMUNITY, MANAGING)
    needs_reason: bool
    refused: str  # why a viewer not on those sides may not


# The registration workflow: the only moves there are.
TRANSITIONS: dict[str, Transition] = {
    "confirm": Transition(S.APPLIED, S.CONFIRMED, "确认报到", frozenset({COMMUNITY}), False,
                          "报到须由所报到社区的干部确认"),
    "decline": Transition(S.APPLIED, S.DECLINED, "不同意报到", frozenset({COMMUNITY}), True,
                          "只有所报到社区的干部可以不同意该报到"),
    "withdraw": Transition(S.APPLIED, S.WITHDRAWN, "撤回申请", frozenset({SELF}), False,
                           "只有党员本人可以撤回报到申请"),
    "end": Transition(S.CONFIRMED, S.ENDED, "结束报到", frozenset({SELF, COMMUNITY, MANAGING}), True,
                      "只有党员本人、所报到社区或党员所在党组织可以结束该报到"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any, label: str, limit: int = TEXT_LIMIT) -> str:
    """One line of plain text: NFKC, no tags, no control characters, trimmed, at most ``limit`` characters."""
    text = _CONTROL.sub("", strip_tags(unicodedata.normalize("NFKC", str(value or "")))).replace("\n", " ").strip()
    if len(text) > limit:
        raise ActionError(f"{label}不能超过 {limit} 字")
    return text


def _actor(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# ---------------------------------------------------------------- who may


def sides(user: Any, reg: Registration) -> set[str]:
    """The sides ``user`` stands on for ``reg``: the member themselves, the community, the managing org."""
    out: set[str] = set()
    if user is None or not getattr(user, "is_authenticated", False):
        return out
    if getattr(user, "person_id", None) and user.person_id == reg.person_id:
        out.add(SELF)
    if in_scope(user, Perm.MEMBER_CHANGE, reg.org_path):
        out.add(COMMUNITY)
    if reg.member_path and in_scope(user, Perm.MEMBER_CHANGE, reg.member_path):
        out.add(MANAGING)
    return out


def allowed_actions(user: Any, reg: Registration) -> list[str]:
    """The transitions ``user`` can take on ``reg`` now (a page renders exactly these buttons)."""
    mine = sides(user, reg)
    return [name for name, t in TRANSITIONS.items() if t.source == reg.state and mine & t.sides]


# ---------------------------------------------------------------- checks


def in_stationed_unit(person: Person) -> bool:
    """A member of a stationed unit (驻区单位: a node of level ``unit`` below a street or community) belongs to the
    unit's own party organisation, not to the community it sits in: they register there like any working member.
    ``person.org.level`` must be loaded (or it costs a query)."""
    org = person.org
    return org.level.code in UNIT_LEVELS


def managed_by(person: Person, community: Org) -> bool:
    """Whether ``community`` manages the member (their organisation lies in it, and is not a stationed unit)."""
    return person.org_path.startswith(community.path) and not in_stationed_unit(person)


def check_community(person: Person, community: Org) -> None:
    """A member registers with a standing residential community or village — not the one that manages them."""
    level = community.level.code if community.level_id else ""
    if level not in REGISTER_LEVELS or community.kind != OrgKind.REGULAR:
        raise ActionError("报到社区须为社区或村")
    if community.closed_on is not None and community.closed_on <= timezone.localdate():
        raise ActionError(f"{community.name}已撤销，不能报到")
    if managed_by(person, community):
        raise ActionError(f"组织关系就在{community.name}的党员无需到该社区报到")


def _locked(person: Person) -> Person:
    """The member's row, locked (applications of one member queue up), with their organisation's level."""
    return Person.objects.select_for_update(of=("self",)).select_related("org__level").get(pk=person.pk)


def _check_no_open(person: Person, *, own: bool) -> None:
    current = Registration.objects.filter(person=person, state__in=OPEN_REGISTRATION).select_related("community")
    found = current.first()
    if found is None:
        return
    if own:
        raise ActionError(f"您已有一条报到（{found.community.name}，{found.get_state_display()}），"
                          "须先撤回申请或结束报到，才能重新申请")
    raise ActionError("该党员已有一条待确认或已生效的报到，须由本人撤回申请或先结束原报到")


def _event(reg: Registration, state: str, user: Any, at: dt.datetime, note: str = "") -> RegistrationEvent:
    return RegistrationEvent.objects.create(registration=reg, state=state, note=note[:TEXT_LIMIT], by=_actor(user),
                                            at=at)


def _register_person(reg: Registration, now: dt.datetime) -> dict[str, Any]:
    """双联双管: the member is now seen by the community too. Returns the person's before/after for the audit."""
    person = Person.objects.select_for_update().get(pk=reg.person_id)
    before = person.registered_org_id
    Person.objects.filter(pk=person.pk).update(registered_org_id=reg.community_id, registered_path=reg.org_path,
                                               updated_at=now)
    return {"registered_org_before": before, "registered_org": reg.community_id}


def _unregister_person(reg: Registration, now: dt.datetime) -> dict[str, Any]:
    """Clears the member's 报到社区 — only when it still is this registration's community."""
    Person.objects.select_for_update().filter(pk=reg.person_id).first()
    n = Person.objects.filter(pk=reg.person_id, registered_org_id=reg.community_id).update(
        registered_org=None, registered_path="", updated_at=now)
    return {"registered_org_cleared": bool(n)}


def _create(reg: Registration, own: bool) -> Registration:
    try:
        with transaction.atomic():
            reg.save()
    except IntegrityError as exc:  # a concurrent application of the same member won the race
        raise ActionError("该党员已有一条待确认或已生效的报到" if not own else
                          "您已有一条待确认或已生效的报到，请刷新页面查看") from exc
    return reg


# ---------------------------------------------------------------- apply (the member) and enter (the community)


@transaction.atomic
def do_apply(user: Any, person: Person, community: Org, data: dict[str, Any] | None = None,
             now: dt.datetime | None = None) -> Registration:
    """申请报到: a party member applies, for themselves, to register with the community where they live.

    ``community`` is resolved by the caller (``selectors_registration.resolve_apply_community``); ``data`` may
    hold ``skills`` (特长和可提供的服务) and ``note``."""
    data = data or {}
    now = _now(now)
    if user is not None and getattr(user, "person_id", None) != person.pk:
        raise ActionError("只能为本人申请报到")
    person = _locked(person)
    if not person.is_party_member:
        raise ActionError("只有党员可以申请到社区报到")
    check_community(person, community)
    _check_no_open(person, own=True)
    skills = clean_text(data.get("skills"), "特长和可提供的服务")
    note = clean_text(data.get("note"), "说明")
    reg = _create(Registration(person=person, member_path=person.org_path, community=community,
                               org_path=community.path, state=S.APPLIED, skills=skills, note=note,
                               applied_on=timezone.localtime(now).date(), created_by=_actor(user)), own=True)
    _event(reg, S.APPLIED, user, now, note)
    audit.record(user, "members.registration_apply", reg, after=audit.snapshot(reg, FIELDS))
    return reg


def _date(value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ActionError(f"{label}不是有效日期") from exc


@transaction.atomic
def do_enter(user: Any, person: Person, community: Org, data: dict[str, Any] | None = None,
             now: dt.datetime | None = None) -> Registration:
    """代为登记: a community cadre enters a member's registration (a paper form, a member at the counter).

    ``person`` comes from ``lookup_member`` (name and full ID number); ``community`` is resolved in the user's
    ``member.change`` scope. ``data``: ``applied_on`` (default today), ``skills``, ``note`` and ``confirm``
    (default true: the community confirms it at once — two history rows, applied then confirmed)."""
    data = data or {}
    now = _now(now)
    today = timezone.localtime(now).date()
    if user is not None and not in_scope(user, Perm.MEMBER_CHANGE, community.path):
        raise ActionError("该社区不在您的管辖范围内")
    person = _locked(person)
    if not person.is_party_member:
        raise ActionError(NO_MATCH)
    check_community(person, community)
    _check_no_open(person, own=False)
    applied_on = _date(data.get("applied_on"), "申请日期") or today
    if applied_on > today:
        raise ActionError("申请日期不能晚于今天")
    if applied_on.year < 2000:
        raise ActionError("申请日期不正确")
    confirm = data.get("confirm", True) is not False
    skills = clean_text(data.get("skills"), "特长和可提供的服务")
    note = clean_text(data.get("note"), "说明")
    reg = _create(Registration(person=person, member_path=person.org_path, community=community,
                               org_path=community.path, state=S.CONFIRMED if confirm else S.APPLIED,
                               skills=skills, note=note, applied_on=applied_on,
                               confirmed_on=today if confirm else None, created_by=_actor(user)), own=False)
    _event(reg, S.APPLIED, user, now, note or "社区代为登记")
    after = audit.snapshot(reg, FIELDS)
    if confirm:
        _event(reg, S.CONFIRMED, user, now)
        after |= _register_person(reg, now)
    audit.record(user, "members.registration_enter", reg, after=after)
    return reg


def lookup_member(user: Any, community: Org, name: Any, id_number: Any, now: dt.datetime | None = None) -> Person:
    """The party member whose name and full ID number are both the ones given; else one Chinese refusal that
    tells nothing about who exists. Every lookup is audited (matched or not, the ID number masked), outside the
    caller's transaction so that a miss is recorded too; more than ``LOOKUP_MISSES_PER_HOUR`` misses in an hour
    are refused."""
    now = _now(now)
    if user is not None and not in_scope(user, Perm.MEMBER_CHANGE, community.path):
        raise ActionError("该社区不在您的管辖范围内")
    name = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(name or "")))
    number = normalize_id_number(str(id_number or ""))
    if not name or len(name) > 50:
        raise ActionError("请填写党员姓名（不超过 50 字）")
    if not number:
        raise ActionError("请填写党员的身份证号码")
    if msg := validate_id_number(number):
        raise ActionError(msg)
    actor = _actor(user)
    if actor is not None:
        since = now - dt.timedelta(hours=1)
        misses = AuditLog.objects.filter(actor=actor, action=LOOKUP_ACTION, at__gte=since,
                                         after__matched=False).count()
        if misses >= LOOKUP_MISSES_PER_HOUR:
            raise ActionError("一小时内未匹配的查询过多，请核对党员提供的信息后稍后再试")
    person = Person.objects.filter(id_hash=crypto.blind_index(number), name=name, is_party_member=True).first()
    after = {"matched": person is not None, "name": name, "id_masked": mask_id_number(number),
             "community": community.pk}
    if person is not None:
        audit.record(user, LOOKUP_ACTION, person, after=after, org_path=community.path)
    else:
        audit.record(user, LOOKUP_ACTION, object_type="orgs.person", object_repr=f"未匹配：{name}", after=after,
                     org_path=community.path)
    if person is None:
        raise ActionError(NO_MATCH)
    return person


# ---------------------------------------------------------------- transitions


@transaction.atomic
def do_transition(user: Any, reg: Registration, action: str, *, reason: Any = "", expected_state: str | None = None,
                  now: dt.datetime | None = None) -> Registration:
    """Moves ``reg`` along ``TRANSITIONS``. ``expected_state``: the state the user saw (a page's hidden field,
    the API's ``state``): when it is no longer the state, the page was stale and nothing is written."""
    t = TRANSITIONS.get(str(action))
    if t is None:
        raise ActionError("未知的报到操作")
    now = _now(now)
    reg = Registration.objects.select_for_update(of=("self",)).select_related("community", "person").get(pk=reg.pk)
    if expected_state not in (None, "") and expected_state != reg.state:
        raise ActionError(f"该报到已是“{reg.get_state_display()}”，您看到的页面已过时，请刷新后再操作")
    if reg.state != t.source:
        raise ActionError(f"该报到当前状态为“{reg.get_state_display()}”，不能{t.label}")
    if user is not None and not (sides(user, reg) & t.sides):
        raise ActionError(t.refused)
    text = clean_text(reason, "原因")
    if t.needs_reason and not text:
        raise ActionError("不同意报到须说明原因" if action == "decline" else "结束报到须说明原因")
    before = audit.snapshot(reg, FIELDS)
    today = timezone.localtime(now).date()
    reg.state = t.target
    extra: dict[str, Any] = {}
    if t.target == S.CONFIRMED:
        reg.confirmed_on = max(today, reg.applied_on)
        extra = _register_person(reg, now)
    elif t.target == S.ENDED:
        reg.ended_on = max(today, reg.confirmed_on or reg.applied_on)
        reg.reason = text
        extra = _unregister_person(reg, now)
    elif t.target == S.DECLINED:
        reg.ended_on = today
        reg.reason = text
    elif t.target == S.WITHDRAWN:
        reg.ended_on = today
        if text:
            reg.reason = text
    # The member's organisation may have changed since the application: the managing side follows them.
    reg.member_path = reg.person.org_path
    reg.save(update_fields=["state", "confirmed_on", "ended_on", "reason", "member_path"])
    _event(reg, t.target, user, now, text)
    audit.record(user, f"members.registration_{action}", reg, before=before,
                 after=audit.snapshot(reg, FIELDS) | extra)
    return reg


def sync_member_paths(now: dt.datetime | None = None) -> int:
    """Periodic, idempotent: a member whose organisation changed (roster edit, import) is managed elsewhere now;
    their registrations' ``member_path`` (the managing side's copy) follows. One statement; returns how many."""
    from django.db.models import Subquery

    stale = Registration.objects.exclude(member_path=F("person__org_path"))
    return stale.update(member_path=Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("org_path")[:1]))



ROSTER_NOTE = "人员信息中的报到社区已变更（名册维护或导入）"


def sync_with_roster(now: dt.datetime | None = None) -> tuple[int, int]:
    """Periodic, idempotent: the roster (person form, API, import) may set or clear ``Person.registered_org``
    directly; the registrations follow it. A confirmed registration whose community is no longer the member's
    报到社区 is ended; a member whose 报到社区 has no confirmed registration gets one (with its history row),
    after any open one is closed. Returns (ended, created). Rows are locked and re-read, so two runs at once
    or a crash half-way do no harm."""
    now = _now(now)
    today = timezone.localdate(now)
    ended = created = 0
    stale = (Registration.objects.filter(state=RegistrationState.CONFIRMED)
             .exclude(person__registered_org_id=F("community_id")).values_list("pk", flat=True))
    for pk in list(stale[:1000]):
        with transaction.atomic():
            reg = Registration.objects.select_for_update().filter(pk=pk, state=RegistrationState.CONFIRMED).first()
            if reg is None or Person.objects.filter(pk=reg.person_id, registered_org_id=reg.community_id).exists():
                continue
            before = audit.snapshot(reg, FIELDS)
            reg.state, reg.ended_on, reg.reason = RegistrationState.ENDED, today, ROSTER_NOTE
            reg.save(update_fields=["state", "ended_on", "reason"])
            _event(reg, RegistrationState.ENDED, None, now, ROSTER_NOTE)
            audit.record(None, "members.registration_roster", reg, before=before, after=audit.snapshot(reg, FIELDS))
            ended += 1
    confirmed = Registration.objects.filter(state=RegistrationState.CONFIRMED, person_id=OuterRef("pk"),
                                            community_id=OuterRef("registered_org_id"))
    missing = (Person.objects.filter(registered_org__isnull=False).exclude(Exists(confirmed))
               .values_list("pk", flat=True))
    for pk in list(missing[:1000]):
        with transaction.atomic():
            person = Person.objects.select_for_update().get(pk=pk)  # no join: FOR UPDATE refuses an outer one
            community = Org.objects.filter(pk=person.registered_org_id).first()
            if community is None or Registration.objects.filter(
                    person=person, community=community, state=RegistrationState.CONFIRMED).exists():
                continue
            for open_reg in Registration.objects.select_for_update().filter(person=person, state__in=OPEN_REGISTRATION):
                open_reg.state = (RegistrationState.ENDED if open_reg.state == RegistrationState.CONFIRMED
                                  else RegistrationState.DECLINED)
                open_reg.ended_on, open_reg.reason = today, ROSTER_NOTE
                open_reg.save(update_fields=["state", "ended_on", "reason"])
                _event(open_reg, open_reg.state, None, now, ROSTER_NOTE)
            reg = Registration.objects.create(
                person=person, member_path=person.org_path, community=community, org_path=community.path,
                state=RegistrationState.CONFIRMED, applied_on=today, confirmed_on=today, note=ROSTER_NOTE)
            _event(reg, RegistrationState.CONFIRMED, None, now, ROSTER_NOTE)
            audit.record(None, "members.registration_roster", reg, after=audit.snapshot(reg, FIELDS))
            created += 1
    return ended, created
