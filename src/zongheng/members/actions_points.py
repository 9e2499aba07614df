"""Every write of the points part (积分): claims (积分申报) and their review, corrections (更正), the yearly
closing (年度积分结算), the rule sets (积分规则) and the periodic reconciliation.

Each ``do_*`` runs in a transaction, checks who may do it and the scope of what it touches, writes the audit
record and raises ``ActionError`` (Chinese) when refused — then nothing is written. Points themselves are only
ever written by ``points.py`` (``award``, ``correct``, ``reconcile``).

A claim's workflow is the table ``CLAIM``: pending → approved | declined (a reviewer holding ``member.change``
over the member's managing organisation or registered community — never the member themselves), or
pending → withdrawn (the member). Approving awards the ``claim`` rule of the member's rule set (source
``claim:<id>``); a transition not in the table (a stale page, a forged request) is refused.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.access import at_root, in_scope, path_q, steplen
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from . import points
from .choices import CapPeriod, ClaimState, Deed
from .models import PointClaim, PointEntry, PointItem, PointRule, RuleSet, YearClosing, ancestor_paths
from .selectors_points import may_review

log = logging.getLogger(__name__)
C = ClaimState
# action: (allowed from, goes to, label)
CLAIM: dict[str, tuple[frozenset[str], str, str]] = {
    "withdraw": (frozenset({C.PENDING}), C.WITHDRAWN, "撤回"),
    "approve": (frozenset({C.PENDING}), C.APPROVED, "通过"),
    "decline": (frozenset({C.PENDING}), C.DECLINED, "不予通过"),
}
REVIEW_ACTIONS = ("approve", "decline")
MAX_PENDING = 20  # pending claims a member may hold at once
CLAIM_FIELDS = ["person", "item", "occurred_on", "description", "state", "review_note"]
RULE_FIELDS = ["deed", "item", "points", "cap", "cap_period"]
MAX_POINTS = 100
MAX_CAP = 10_000
RECENT_DAYS = 40  # the periodic reconciliation looks this far back


def claim_target(action: str, current: str) -> str:
    """The state after ``action`` from ``current``; ActionError when the table does not allow it."""
    if action not in CLAIM:
        raise ActionError("未知的审核动作")
    allowed, to, label = CLAIM[action]
    if current not in allowed:
        shown = C(current).label if current in C.values else current
        raise ActionError(f"该申报当前状态为“{shown}”，不能{label}（页面可能已过期，请刷新）")
    return to


# ---------------------------------------------------------------- claims (积分申报)


def clean_claim(data: dict[str, Any], today: dt.date) -> dict[str, Any]:
    errors = []
    item = data.get("item")
    if not isinstance(item, PointItem):
        errors.append("请选择八带头事项")
    day = data.get("occurred_on")
    if not isinstance(day, dt.date):
        errors.append("请填写事项日期")
    elif day > today:
        errors.append("事项日期不能晚于今天")
    elif day < dt.date(today.year - 1, 1, 1):
        errors.append(f"只能申报 {today.year - 1} 年以来的事项")
    description = str(data.get("description") or "").strip()
    if not description:
        errors.append("请写明做了什么")
    elif len(description) > 1000:
        errors.append("事项经过不能超过 1000 字")
    if errors:
        raise ActionError("；".join(errors), errors)
    return {"item": item, "occurred_on": day, "description": description}


@transaction.atomic
def do_submit_claim(user: Any, data: dict[str, Any], *, today: dt.date | None = None) -> PointClaim:
    """积分申报: a party member claims a deed the records do not hold (their own, never someone else's)."""
    today = today or timezone.localdate()
    person_id = getattr(user, "person_id", None)
    if not person_id:
        raise ActionError("您的账号没有关联人员信息，不能申报积分")
    person = Person.objects.select_for_update().get(pk=person_id)
    if not person.is_party_member:
        raise ActionError("只有党员可以申报积分")
    data = clean_claim(data, today)
    if points.year_closed(person, data["occurred_on"].year):
        raise ActionError(f"{data['occurred_on'].year} 年度积分已结算，不能再申报")
    if PointClaim.objects.filter(person=person, state=C.PENDING).count() >= MAX_PENDING:
        raise ActionError(f"您已有 {MAX_PENDING} 条申报待审核，请等审核后再申报")
    claim = PointClaim.objects.create(person=person, **data)
    audit.record(user, "members.points_claim", claim, after=audit.snapshot(claim, CLAIM_FIELDS),
                 org_path=person.org_path)
    return claim


def _locked_claim(claim: PointClaim | int) -> PointClaim:
    pk = claim if isinstance(claim, int) else claim.pk
    return PointClaim.objects.select_for_update().select_related("person", "item").get(pk=pk)


@transaction.atomic
def do_withdraw_claim(user: Any, claim: PointClaim | int) -> PointClaim:
    """The member withdraws their own pending claim."""
    claim = _locked_claim(claim)
    if claim.person_id != getattr(user, "person_id", None):
        raise ActionError("只能撤回本人的申报")
    before = audit.snapshot(claim, CLAIM_FIELDS)
    claim.state = claim_target("withdraw", claim.state)
    claim.save(update_fields=["state"])
    audit.record(user, "members.points_claim_withdraw", claim, before=before,
                 after=audit.snapshot(claim, CLAIM_FIELDS), org_path=claim.person.org_path)
    return claim


@transaction.atomic
def do_review_claim(user: Any, claim: PointClaim | int, action: str, note: str = "", *,
                    now: dt.datetime | None = None) -> tuple[PointClaim, PointEntry | None]:
    """通过 (approve: the points of the member's ``claim`` rule, item as claimed) or 不予通过 (decline, with a
    reason). Returns the claim and the entry written (None when the member's rule set gives a claim nothing)."""
    now = now or timezone.now()
    if action not in REVIEW_ACTIONS:
        raise ActionError("审核动作应为通过或不予通过")
    claim = _locked_claim(claim)
    if not may_review(user, claim):
        raise ActionError("不能审核本人的申报" if claim.person_id == getattr(user, "person_id", None)
                          else "该申报不在您的审核范围内")
    note = (note or "").strip()
    if action == "decline" and not note:
        raise ActionError("不予通过时请写明原因")
    if len(note) > 200:
        raise ActionError("审核意见不能超过 200 字")
    before = audit.snapshot(claim, CLAIM_FIELDS)
    claim.state = claim_target(action, claim.state)
    if action == "approve" and points.year_closed(claim.person, claim.occurred_on.year):
        raise ActionError(f"{claim.occurred_on.year} 年度积分已结算，不能再通过申报")
    claim.review_note, claim.reviewed_by, claim.reviewed_at = note, user, now
    claim.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at"])
    entry = None
    if action == "approve":
        entry = points.award(claim.person_id, Deed.CLAIM, f"claim:{claim.pk}", claim.occurred_on,
                             item=claim.item_id, by=user, note=f"申报：{claim.description}"[:100])
    after = audit.snapshot(claim, CLAIM_FIELDS) | ({"points": entry.points} if entry is not None else {})
    audit.record(user, f"members.points_claim_{action}", claim, before=before, after=after,
                 org_path=claim.person.org_path)
    return claim, entry


# ---------------------------------------------------------------- corrections (更正)


def may_correct(user: Any, person: Person) -> bool:
    if getattr(user, "person_id", None) == person.pk:
        return False
    return in_scope(user, Perm.MEMBER_CHANGE, person.org_path) or bool(
        person.registered_path and in_scope(user, Perm.MEMBER_CHANGE, person.registered_path))


@transaction.atomic
def do_correct(user: Any, entry: PointEntry, counts_as: int, reason: str) -> PointEntry:
    """更正: a new entry making the deed count ``counts_as`` points — between 0 and what it was first awarded.
    Never an edit: the original and earlier corrections stay as they were."""
    original = entry.corrects if entry.corrects_id else entry
    assert original is not None  # noqa: S101 - corrects_id set means corrects exists (PROTECT)
    person = points._lock(original.person_id)
    if not may_correct(user, person):
        raise ActionError("不能更正本人的积分" if getattr(user, "person_id", None) == person.pk
                          else "该党员不在您的管辖范围内")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请填写更正原因")
    if len(reason) > 200:
        raise ActionError("更正原因不能超过 200 字")
    if not isinstance(counts_as, int) or isinstance(counts_as, bool):
        raise ActionError("更正后的积分应为整数")
    _, now_counts = points.net_points(person.pk, original.source)
    if not 0 <= counts_as <= original.points:
        raise ActionError(f"更正后的积分应在 0 到 {original.points} 分之间（更正只能减少或恢复该事项原记的积分）")
    if counts_as == now_counts:
        raise ActionError(f"该事项现在就计 {now_counts} 分，无需更正")
    fix = points.correct(original, counts_as - now_counts, by=user, note=reason)
    audit.record(user, "members.points_correct", fix, org_path=person.org_path,
                 before={"points": now_counts}, after={"points": counts_as, "note": reason,
                                                       "source": original.source, "person": person.pk})
    return fix


# ---------------------------------------------------------------- yearly closing (年度积分结算)


@transaction.atomic
def do_close_year(user: Any, org: Org, year: int, *, today: dt.date | None = None) -> YearClosing:
    """年度积分结算 of ``org``'s subtree for ``year`` (a finished year): afterwards nothing of that year is
    written for its members. Every claim of that year of its members must have been reviewed first. The
    members' rows are locked, so no award interleaves with the closing."""
    today = today or timezone.localdate()
    if not in_scope(user, Perm.MEMBER_CONFIGURE, org.path):
        raise ActionError("该组织不在您的管辖范围内")
    if not isinstance(year, int) or year < 2000 or year >= today.year:
        raise ActionError("只能结算已经结束的年度")
    if YearClosing.objects.filter(year=year, org_path__in=ancestor_paths(org.path, steplen=steplen())).exists():
        raise ActionError(f"{org.name}（或其上级组织）{year} 年度积分已经结算")
    below = path_q("org_path", [org.path]) | path_q("registered_path", [org.path])
    list(Person.objects.select_for_update().filter(below).order_by("pk").values_list("pk", flat=True))
    pending = PointClaim.objects.filter(path_q("person__org_path", [org.path])
                                        | path_q("person__registered_path", [org.path]),
                                        state=C.PENDING, occurred_on__year=year).count()
    if pending:
        raise ActionError(f"{org.name} 还有 {pending} 条 {year} 年的积分申报待审核，请先审核完再结算")
    try:
        with transaction.atomic():
            closing = YearClosing.objects.create(org=org, org_path=org.path, year=year, closed_by=user)
    except IntegrityError as exc:
        raise ActionError(f"{org.name} {year} 年度积分已经结算") from exc
    audit.record(user, "members.points_close_year", closing, after={"org": org.pk, "year": year},
                 org_path=org.path)
    return closing


# ---------------------------------------------------------------- rule sets (积分规则)


def _require_root(user: Any) -> None:
    if not at_root(user, Perm.MEMBER_CONFIGURE):
        raise ActionError("积分规则涉及全区，须由区委组织部配置")


def clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    errors = []
    out = dict(data)
    if "deed" in out and out["deed"] not in Deed.values:
        errors.append("请选择积分来源")
    if "item" in out and not isinstance(out["item"], PointItem):
        errors.append("请选择八带头事项")
    pts = out.get("points")
    if "points" in out and (not isinstance(pts, int) or isinstance(pts, bool) or not 0 <= pts <= MAX_POINTS):
        errors.append(f"每次积分应为 0 到 {MAX_POINTS} 的整数")
    cap = out.get("cap")
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= MAX_CAP):
        errors.append(f"周期上限应为 1 到 {MAX_CAP} 的整数，不设上限请留空")
    elif cap is not None and isinstance(pts, int) and cap < pts:
        errors.append("周期上限不能小于每次积分")
    if "cap_period" in out:
        out["cap_period"] = out["cap_period"] or CapPeriod.YEAR
        if out["cap_period"] not in CapPeriod.values:
            errors.append("上限周期应为每月、每季度或每年")
    if errors:
        raise ActionError("；".join(errors), errors)
    return out


def _touch(rule_set: RuleSet) -> None:
    RuleSet.objects.filter(pk=rule_set.pk).update(updated_at=timezone.now())


@transaction.atomic
def do_update_rule(user: Any, rule: PointRule, data: dict[str, Any]) -> PointRule:
    """Changes a rule's points, cap, period or item (the deed kind stays; entries already written keep their
    points: a rule speaks for the deeds confirmed after it changed)."""
    _require_root(user)
    rule = PointRule.objects.select_for_update().select_related("rule_set").get(pk=rule.pk)
    data = clean_rule({k: v for k, v in data.items() if k in ("item", "points", "cap", "cap_period")})
    clean_rule({"points": data.get("points", rule.points), "cap": data["cap"] if "cap" in data else rule.cap})
    before = audit.snapshot(rule, RULE_FIELDS)
    for key, value in data.items():
        setattr(rule, key, value)
    rule.save()
    after = audit.snapshot(rule, RULE_FIELDS)
    if after != before:
        _touch(rule.rule_set)
        audit.record(user, "members.points_rule_update", rule, before=before,
                     after=after | {"rule_set": rule.rule_set.name}, org_path="")
    return rule


@transaction.atomic
def do_add_rule(user: Any, rule_set: RuleSet, data: dict[str, Any]) -> PointRule:
    _require_root(user)
    data = clean_rule({k: data.get(k) for k in RULE_FIELDS} | {"cap_period": data.get("cap_period") or ""})
    if PointRule.objects.filter(rule_set=rule_set, deed=data["deed"]).exists():
        raise ActionError(f"“{rule_set.name}”已有“{Deed(data['deed']).label}”的细则，请修改它")
    try:
        with transaction.atomic():
            rule = PointRule.objects.create(rule_set=rule_set, **data)
    except IntegrityError as exc:
        raise ActionError(f"“{rule_set.name}”已有该积分来源的细则") from exc
    _touch(rule_set)
    audit.record(user, "members.points_rule_add", rule,
                 after=audit.snapshot(rule, RULE_FIELDS) | {"rule_set": rule_set.name}, org_path="")
    return rule


@transaction.atomic
def do_remove_rule(user: Any, rule: PointRule) -> None:
    """Removes a rule no entry was written under (the ledger keeps its references); a rule already used is
    switched off by giving it 0 points instead."""
    _require_root(user)
    rule = PointRule.objects.select_for_update().select_related("rule_set").get(pk=rule.pk)
    if PointEntry.objects.filter(rule=rule).exists():
        raise ActionError("已有积分按该细则记账，不能删除；如不再计分，请把每次积分改为 0")
    before = audit.snapshot(rule, RULE_FIELDS) | {"rule_set": rule.rule_set.name}
    audit.record(user, "members.points_rule_remove", rule, before=before, org_path="")
    rule.delete()
    _touch(rule.rule_set)


# ---------------------------------------------------------------- the periodic reconciliation


def reconcile_recent(now: dt.datetime) -> points.Reconciled:
    """The periodic job ``members.points``: every confirmed deed of the last 40 days without an entry is
    awarded (idempotent; a crash leaves whole chunks, the next run completes them); deeds that count points
    without a confirmed source are counted and logged (``points.untraced``)."""
    from .deeds import confirmed_deeds

    today = timezone.localtime(now).date()
    start, end = today - dt.timedelta(days=RECENT_DAYS), today + dt.timedelta(days=1)
    deeds = list(confirmed_deeds(start, end))
    result = points.reconcile(start, end, deeds=deeds)
    result.untraced = len(points.untraced(start, end, deeds=deeds))
    if result.untraced:
        log.warning("members.points: %d deeds count points without a confirmed source", result.untraced)
    return result
