"""Every write of the inspections (巡查): create a round and move it (``ROUND_TRANSITIONS``), add teams and
targets, record findings and their rectification items, report what was done (text and evidence files) and
verify the report (销号 / 退回, ``RECT_TRANSITIONS``).

Each ``do_*`` runs in one transaction, locks the row it moves (``select_for_update``: two verifiers at once
leave one decision — the second finds the state moved and is refused by the table), checks the right through
``selectors_inspections``, writes the audit record and an ``InspectionEvent`` for every move, and raises
``ActionError`` (Chinese) when refused — then nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.core.errors import checked_text as _text
from zongheng.orgs.models import Org, Person

from . import selectors_inspections as sel
from .actions_tasks import _check_upload
from .choices_inspections import (
    RECT_TRANSITIONS,
    ROUND_TRANSITIONS,
    VERIFY_MOVES,
    RectMove,
    RectState,
    RoundMove,
    RoundState,
)
from .models_inspections import (
    Finding,
    InspectionEvent,
    InspectionRound,
    InspectionTarget,
    InspectionTeam,
    Rectification,
    RectificationEvidence,
    RectificationReport,
)

ROUND_FIELDS = ["org", "year", "period", "title", "focus", "starts_on", "ends_on", "state"]
RECT_FIELDS = ["title", "org", "responsible", "due_on", "state", "closed_on"]
MAX_FILES = 5
RUN_REFUSED = "您不能组织这轮巡查：须在组织巡查的单位（或其上级）担任可组织巡查的职务"


def _by(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        raise ActionError(f"请填写{label}（如 2018-06-30）") from None


def _event(rnd: InspectionRound, rect: Rectification | None, move: str, from_state: str, to_state: str,
           note: str, user: Any, now: dt.datetime) -> InspectionEvent:
    return InspectionEvent.objects.create(round=rnd, rectification=rect, move=move, from_state=from_state,
                                          to_state=to_state, note=note, by=_by(user), at=now)


def _locked_round(rnd: InspectionRound) -> InspectionRound:
    return InspectionRound.objects.select_for_update().get(pk=rnd.pk)


# ---------------------------------------------------------------- rounds


@transaction.atomic
def do_create_round(user: Any, data: dict[str, Any], *, now: dt.datetime | None = None) -> InspectionRound:
    """巡查轮次: org (an ``Org`` from ``resolve_organiser``), year, period, title, focus, starts_on, ends_on."""
    now = now or timezone.now()
    org = data.get("org")
    if not isinstance(org, Org):
        raise ActionError("请选择组织单位")
    org = sel.resolve_organiser(user, org.pk)
    try:
        year = int(data.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise ActionError("年度须在 2000 到 2100 之间")
    starts_on, ends_on = _date(data.get("starts_on"), "开始日期"), _date(data.get("ends_on"), "结束日期")
    if ends_on < starts_on:
        raise ActionError("结束日期不能早于开始日期")
    period = _text(data.get("period"), "批次", 20, required=True)
    if InspectionRound.objects.filter(org=org, year=year, period=period).exists():
        raise ActionError(f"{org.name}{year}年已有“{period}”的巡查轮次")
    rnd = InspectionRound(org=org, org_path=org.path, year=year, period=period,
                          title=_text(data.get("title"), "巡查名称", 100, required=True),
                          focus=_text(data.get("focus"), "巡查重点", 200, required=True),
                          starts_on=starts_on, ends_on=ends_on, state=RoundState.PREPARING, state_since=now,
                          created_by=_by(user))
    try:
        with transaction.atomic():
            rnd.save()
    except IntegrityError:
        raise ActionError(f"{org.name}{year}年已有“{period}”的巡查轮次") from None
    _event(rnd, None, "create", "", RoundState.PREPARING, "", user, now)
    audit.record(user, "lists.inspection_create", rnd, after=audit.snapshot(rnd, ROUND_FIELDS))
    return rnd


@transaction.atomic
def do_move_round(user: Any, rnd: InspectionRound, move: str, *, now: dt.datetime | None = None) -> InspectionRound:
    """开始巡查 (needs a team with a target), 转入整改, 完成巡查 (every rectification 已销号)."""
    now = now or timezone.now()
    locked = _locked_round(rnd)
    if move not in ROUND_TRANSITIONS:
        raise ActionError("没有这项操作")
    if not sel.may_run(user, locked):
        raise ActionError(RUN_REFUSED)
    sources, to_state = ROUND_TRANSITIONS[move]
    if locked.state not in sources:
        raise ActionError(f"巡查当前为「{RoundState(locked.state).label}」，不能「{RoundMove(move).label}」")
    if move == RoundMove.START and not InspectionTarget.objects.filter(round=locked).exists():
        raise ActionError("请先组建巡查组并确定被巡查对象，再开始巡查")
    if move == RoundMove.COMPLETE:
        open_items = Rectification.objects.filter(round=locked).exclude(state=RectState.CLOSED).count()
        if open_items:
            raise ActionError(f"还有 {open_items} 项整改事项未销号，不能完成巡查")
    before = audit.snapshot(locked, ROUND_FIELDS)
    from_state = locked.state
    locked.state, locked.state_since = to_state, now
    locked.save(update_fields=["state", "state_since"])
    _event(locked, None, move, from_state, to_state, "", user, now)
    audit.record(user, "lists.inspection_move", locked, before=before,
                 after=audit.snapshot(locked, ROUND_FIELDS) | {"move": move})
    return locked


def _open_for_setup(rnd: InspectionRound) -> None:
    if rnd.state == RoundState.COMPLETED:
        raise ActionError("巡查已完成，不能再调整巡查组和被巡查对象")


@transaction.atomic
def do_add_team(user: Any, rnd: InspectionRound, data: dict[str, Any]) -> InspectionTeam:
    """巡查组: name, leader and members (``Person`` ids or rows, people of the organiser's subtree)."""
    rnd = _locked_round(rnd)
    if not sel.may_run(user, rnd):
        raise ActionError(RUN_REFUSED)
    _open_for_setup(rnd)
    name = _text(data.get("name"), "组名", 40, required=True)
    if InspectionTeam.objects.filter(round=rnd, name=name).exists():
        raise ActionError(f"这轮巡查已有“{name}”")
    leader = sel.resolve_team_person(rnd, data.get("leader"), "组长")
    members: list[Person] = []
    for value in list(data.get("members") or [])[:30]:
        person = sel.resolve_team_person(rnd, value, "组员")
        if person.pk != leader.pk and person not in members:
            members.append(person)
    team = InspectionTeam.objects.create(round=rnd, name=name, leader=leader)
    team.members.set(members)
    audit.record(user, "lists.inspection_team", team, org_path=rnd.org_path,
                 after={"round": rnd.pk, "name": name, "leader": leader.pk, "members": [p.pk for p in members]})
    return team


@transaction.atomic
def do_add_target(user: Any, team: InspectionTeam, data: dict[str, Any], *,
                  today: dt.date | None = None) -> InspectionTarget:
    """被巡查对象: org (inside the organiser's subtree, once per round); its secretary in force is recorded."""
    rnd = _locked_round(team.round)
    if not sel.may_run(user, rnd):
        raise ActionError(RUN_REFUSED)
    _open_for_setup(rnd)
    org = sel.resolve_target_org(rnd, getattr(data.get("org"), "pk", data.get("org")))
    if InspectionTarget.objects.filter(round=rnd, org=org).exists():
        raise ActionError(f"{org.name}已是这轮巡查的被巡查对象")
    target = InspectionTarget.objects.create(round=rnd, team=team, org=org, org_path=org.path,
                                             secretary=sel.secretary_of(org, today))
    audit.record(user, "lists.inspection_target", target,
                 after={"round": rnd.pk, "team": team.pk, "org": org.pk, "secretary": target.secretary_id})
    return target


# ---------------------------------------------------------------- findings and rectification items


def _rect_data(target: InspectionTarget, item: dict[str, Any], today: dt.date) -> tuple[str, Org, Person, dt.date]:
    title = _text(item.get("title"), "整改事项", 200, required=True)
    owner = sel.resolve_owner(target, getattr(item.get("org"), "pk", item.get("org")))
    responsible = sel.resolve_responsible(owner, getattr(item.get("responsible"), "pk", item.get("responsible")))
    due_on = _date(item.get("due_on"), "整改时限")
    if due_on < today:
        raise ActionError("整改时限不能早于今天")
    return title, owner, responsible, due_on


def _create_rect(user: Any, finding: Finding, target: InspectionTarget, rnd: InspectionRound,
                 item: dict[str, Any], now: dt.datetime, today: dt.date) -> Rectification:
    title, owner, responsible, due_on = _rect_data(target, item, today)
    rect = Rectification.objects.create(round=rnd, target=target, finding=finding, title=title, org=owner,
                                        org_path=owner.path, responsible=responsible, due_on=due_on,
                                        state=RectState.PENDING, state_since=now, created_at=now)
    _event(rnd, rect, "create", "", RectState.PENDING, "", user, now)
    audit.record(user, "lists.rectification_create", rect, after=audit.snapshot(rect, RECT_FIELDS))
    return rect


def _recording_round(user: Any, target: InspectionTarget) -> InspectionRound:
    rnd = _locked_round(target.round)
    if not sel.may_record(user, target, rnd):
        raise ActionError("您不能登记这个对象的问题：须为组织巡查的单位或负责这个对象的巡查组成员")
    if rnd.state not in (RoundState.INSPECTING, RoundState.RECTIFYING):
        raise ActionError(f"巡查当前为「{RoundState(rnd.state).label}」，只能在巡查中或整改中登记问题和整改事项")
    return rnd


@transaction.atomic
def do_record_finding(user: Any, target: InspectionTarget, data: dict[str, Any], *,
                      now: dt.datetime | None = None) -> Finding:
    """发现问题: text, and ``items`` — one or more rectification items (title, org, responsible, due_on)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rnd = _recording_round(user, target)
    text = _text(data.get("text"), "问题描述", 2000, required=True)
    items = list(data.get("items") or [])
    if not items:
        raise ActionError("每个问题至少要有一项整改事项")
    if len(items) > 20:
        raise ActionError("一个问题最多 20 项整改事项")
    finding = Finding.objects.create(round=rnd, target=target, org_path=target.org_path, text=text,
                                     recorded_by=_by(user), recorded_at=now)
    audit.record(user, "lists.finding_record", finding, after={"target": target.pk, "text": text})
    for item in items:
        _create_rect(user, finding, target, rnd, item, now, today)
    return finding


@transaction.atomic
def do_add_rectification(user: Any, finding: Finding, item: dict[str, Any], *,
                         now: dt.datetime | None = None) -> Rectification:
    """Another rectification item for a finding."""
    now = now or timezone.now()
    target = InspectionTarget.objects.select_related("round").get(pk=finding.target_id)
    rnd = _recording_round(user, target)
    return _create_rect(user, finding, target, rnd, item, now, timezone.localdate(now))


# ---------------------------------------------------------------- report and verification


def _locked_rect(rect: Rectification) -> Rectification:
    locked = Rectification.objects.select_for_update().get(pk=rect.pk)
    locked.target = InspectionTarget.objects.get(pk=locked.target_id)
    locked.round = InspectionRound.objects.get(pk=locked.round_id)
    return locked


def refusal(rect: Rectification, move: str) -> str | None:
    """Why the table refuses ``move`` from the item's current state (None when it allows it)."""
    if move not in RECT_TRANSITIONS:
        return "没有这项操作"
    if rect.state in RECT_TRANSITIONS[move][0]:
        return None
    return f"整改事项当前为「{RectState(rect.state).label}」，不能「{RectMove(move).label}」"


@transaction.atomic
def do_report(user: Any, rect: Rectification, data: dict[str, Any], *,
              now: dt.datetime | None = None) -> RectificationReport:
    """整改报告: text and up to ``MAX_FILES`` evidence files (documents or images, 10 MB each)."""
    now = now or timezone.now()
    locked = _locked_rect(rect)
    if not sel.may_report(user, locked):
        raise ActionError("您不能报告这项整改：须为整改责任单位或整改责任人")
    why = refusal(locked, RectMove.REPORT)
    if why:
        raise ActionError(why)
    if locked.round.state == RoundState.COMPLETED:
        raise ActionError("巡查已完成，不能再报告整改情况")
    text = _text(data.get("text"), "整改情况", 4000, required=True)
    uploads = [u for u in (data.get("files") or []) if u]
    if len(uploads) > MAX_FILES:
        raise ActionError(f"佐证附件最多 {MAX_FILES} 个")
    for upload in uploads:
        _check_upload(upload, "佐证附件")
    report = RectificationReport.objects.create(rectification=locked, text=text, filed_at=now, filed_by=_by(user))
    for upload in uploads:
        evidence = RectificationEvidence(report=report, name=str(getattr(upload, "name", "附件"))[-120:])
        evidence.file.save(evidence.name, upload, save=False)
        evidence.save()
    _move(user, locked, RectMove.REPORT, "", now)
    return report


def _move(user: Any, locked: Rectification, move: str, note: str, now: dt.datetime) -> Rectification:
    before = audit.snapshot(locked, RECT_FIELDS)
    from_state = locked.state
    locked.state, locked.state_since = RECT_TRANSITIONS[move][1], now
    locked.closed_on = timezone.localdate(now) if locked.state == RectState.CLOSED else None
    locked.save(update_fields=["state", "state_since", "closed_on"])
    _event(locked.round, locked, move, from_state, locked.state, note, user, now)
    audit.record(user, "lists.rectification_move", locked, before=before,
                 after=audit.snapshot(locked, RECT_FIELDS) | {"move": move, "note": note})
    return locked


@transaction.atomic
def do_verify(user: Any, rect: Rectification, move: str, note: str = "", *,
              now: dt.datetime | None = None) -> Rectification:
    """核验: accept (销号) or return with a reason (退回). The organiser side or the target's team; never the
    owner side, never the one who filed the report."""
    now = now or timezone.now()
    locked = _locked_rect(rect)
    if move not in VERIFY_MOVES:
        raise ActionError("没有这项操作")
    last = locked.reports.order_by("-filed_at", "-id").values_list("filed_by_id", flat=True).first()
    if not sel.may_verify(user, locked, locked.round, last):
        raise ActionError("您不能核验这项整改：须由组织巡查的单位或巡查组核验，整改单位不能核验自己的报告")
    why = refusal(locked, move)
    if why:
        raise ActionError(why)
    note = _text(note, "退回理由" if move == RectMove.RETURN else "核验意见", 500,
                 required=move == RectMove.RETURN)
    return _move(user, locked, move, note, now)
