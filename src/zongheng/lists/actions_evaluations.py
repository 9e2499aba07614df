"""Every write of 述职评议 (evaluation rounds): create a round (or copy one's configuration), set its formula
(rater groups and weights, score-sheet items, grade bands), choose its subjects and raters, move it along
``EVAL_TRANSITIONS``, write a subject's report, cast or amend an online vote, and enter a paper sheet.

Each ``do_*`` runs in one transaction, checks who may act, writes the audit record and raises ``ActionError``
(Chinese) when refused — then nothing is written. One vote per rater per subject and one sheet number per round
are unique constraints: a second vote — also two arriving at once — is refused in Chinese (the insert runs in a
savepoint; the loser's IntegrityError becomes the refusal). An amendment locks the rater's own vote row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.core.errors import checked_text as _text
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person

from .choices_evaluations import EVAL_TRANSITIONS, EvalKind, EvalMove, EvalState
from .models_evaluations import (
    EvalBand,
    EvalGroup,
    EvalItem,
    EvalRater,
    EvalRound,
    EvalScore,
    EvalSheet,
    EvalSubject,
    EvalVote,
)
from .selectors_evaluations import may_organise, secretaries_at_level

FIELDS = ["org", "kind", "title", "year", "month", "subject_level", "anonymous", "due_at", "state"]
HUNDRED = Decimal("100")
MAX_GROUPS, MAX_ITEMS, MAX_BANDS = 10, 30, 10
COMMENT_MAX = 500
FORMULA_STATES = (EvalState.DRAFT,)


def _by(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _number(value: Any, label: str, *, places: str = "0.1") -> Decimal:
    try:
        amount = Decimal(str(value).strip()).quantize(Decimal(places))
    except (InvalidOperation, ValueError) as exc:
        raise ActionError(f"{label}须为数字") from exc
    if not amount.is_finite():
        raise ActionError(f"{label}须为数字")
    return amount


def _locked(user: Any, round_: EvalRound, *, states: tuple[str, ...] | None = None, doing: str = "") -> EvalRound:
    locked = EvalRound.objects.select_for_update().get(pk=round_.pk)
    if not may_organise(user, locked):
        raise ActionError("只有组织评议的党组织可以进行这项操作")
    if states is not None and locked.state not in states:
        raise ActionError(f"评议当前为「{EvalState(locked.state).label}」，不能{doing}")
    return locked


# ---------------------------------------------------------------- rounds and their formula


@transaction.atomic
def do_create_round(user: Any, data: dict[str, Any], *, now: dt.datetime | None = None) -> EvalRound:
    """新建评议轮次: ``org`` (an ``Org`` from ``resolve_round_org``), kind, title, year, month (每月一评),
    anonymous, due_at; ``copy_from`` (a round from ``resolve_copy``) copies its groups, items and bands."""
    now = now or timezone.now()
    org = data.get("org")
    if not isinstance(org, Org) or not may_organise_path(user, org.path):
        raise ActionError("组织评议的党组织不存在或不在您的管辖范围内")
    kind = data.get("kind")
    if kind not in EvalKind.values:
        raise ActionError("请选择评议类型")
    try:
        year = int(data.get("year") or timezone.localtime(now).year)
    except (TypeError, ValueError) as exc:
        raise ActionError("年度须为四位数字") from exc
    if not 2000 <= year <= 2100:
        raise ActionError("年度须在 2000 到 2100 之间")
    month = data.get("month")
    if kind == EvalKind.MONTHLY:
        try:
            month = int(month)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ActionError("每月一评须选择月份") from exc
        if not 1 <= month <= 12:
            raise ActionError("月份须在 1 到 12 之间")
    else:
        month = None
    due_at = data.get("due_at")
    if due_at is not None and not isinstance(due_at, dt.datetime):
        raise ActionError("评分截止时间格式不正确")
    round_ = EvalRound.objects.create(
        org=org, org_path=org.path, kind=kind, title=_text(data.get("title"), "名称", 100, required=True),
        year=year, month=month, anonymous=bool(data.get("anonymous", True)), due_at=due_at,
        state=EvalState.DRAFT, state_since=now, created_by=_by(user))
    source = data.get("copy_from")
    if isinstance(source, EvalRound):
        if not may_organise(user, source):
            raise ActionError("要复制的评议轮次不存在或不在您的管辖范围内")
        _write_formula(round_, [(g.name, g.weight) for g in source.groups.all()],
                       [(i.title, i.max_score) for i in source.items.all()],
                       [(b.label, b.min_score) for b in source.bands.all()])
        round_.copied_from = source
        round_.subject_level = source.subject_level
        round_.save(update_fields=["copied_from", "subject_level"])
    audit.record(user, "lists.eval_create", round_, after=audit.snapshot(round_, FIELDS)
                 | {"copied_from": source.pk if isinstance(source, EvalRound) else None})
    return round_


def may_organise_path(user: Any, path: str) -> bool:
    from zongheng.core.access import in_scope

    return in_scope(user, Perm.EVAL_RUN, path)


@transaction.atomic
def do_update_round(user: Any, round_: EvalRound, data: dict[str, Any]) -> EvalRound:
    """修改名称、匿名设置和评分截止时间 (until the round is published). Only the keys given change."""
    locked = _locked(user, round_, states=(EvalState.DRAFT, EvalState.SCORING, EvalState.CLOSED), doing="修改")
    before = audit.snapshot(locked, FIELDS)
    if "title" in data:
        locked.title = _text(data["title"], "名称", 100, required=True)
    if "anonymous" in data:
        locked.anonymous = bool(data["anonymous"])
    if "due_at" in data:
        if data["due_at"] is not None and not isinstance(data["due_at"], dt.datetime):
            raise ActionError("评分截止时间格式不正确")
        locked.due_at = data["due_at"]
    locked.save(update_fields=["title", "anonymous", "due_at"])
    audit.record(user, "lists.eval_update", locked, before=before, after=audit.snapshot(locked, FIELDS))
    return locked


def check_formula(groups: list[tuple[Any, Any]], items: list[tuple[Any, Any]], bands: list[tuple[Any, Any]]
                  ) -> tuple[list[tuple[str, Decimal]], list[tuple[str, Decimal]], list[tuple[str, Decimal]]]:
    """The formula as stored, or ActionError: group weights (%) summing to exactly 100, items with positive
    maxima, bands with distinct minima within the sheet's full marks."""
    out_groups = []
    for name, weight in groups:
        name = _text(name, "评议主体名称", 40, required=True)
        w = _number(weight, f"「{name}」的权重", places="0.01")
        if not Decimal("0") < w <= HUNDRED:
            raise ActionError(f"「{name}」的权重须大于 0、不超过 100")
        out_groups.append((name, w))
    if not out_groups:
        raise ActionError("请至少设置一个评议主体")
    if len(out_groups) > MAX_GROUPS:
        raise ActionError(f"评议主体最多 {MAX_GROUPS} 个")
    if len({n for n, _ in out_groups}) != len(out_groups):
        raise ActionError("评议主体名称不能重复")
    total_weight = sum((w for _, w in out_groups), Decimal("0"))
    if total_weight != HUNDRED:
        raise ActionError(f"各评议主体的权重合计须为 100%，现在是 {total_weight}%")
    out_items = []
    for title, maximum in items:
        title = _text(title, "评分项名称", 60, required=True)
        m = _number(maximum, f"「{title}」的满分")
        if not Decimal("0") < m <= Decimal("1000"):
            raise ActionError(f"「{title}」的满分须大于 0、不超过 1000")
        out_items.append((title, m))
    if not out_items:
        raise ActionError("请至少设置一个评分项")
    if len(out_items) > MAX_ITEMS:
        raise ActionError(f"评分项最多 {MAX_ITEMS} 个")
    if len({t for t, _ in out_items}) != len(out_items):
        raise ActionError("评分项名称不能重复")
    full = sum((m for _, m in out_items), Decimal("0"))
    out_bands = []
    for label, minimum in bands:
        label = _text(label, "等次名称", 20, required=True)
        b = _number(minimum, f"「{label}」的最低分", places="0.01")
        if not Decimal("0") <= b <= full:
            raise ActionError(f"「{label}」的最低分须在 0 到满分 {full} 之间")
        out_bands.append((label, b))
    if not out_bands:
        raise ActionError("请至少设置一个等次")
    if len(out_bands) > MAX_BANDS:
        raise ActionError(f"等次最多 {MAX_BANDS} 个")
    if len({label for label, _ in out_bands}) != len(out_bands) or len({b for _, b in out_bands}) != len(out_bands):
        raise ActionError("等次名称和最低分都不能重复")
    return out_groups, out_items, out_bands


def _write_formula(round_: EvalRound, groups: list[tuple[Any, Any]], items: list[tuple[Any, Any]],
                   bands: list[tuple[Any, Any]]) -> None:
    g, i, b = check_formula(groups, items, bands)
    kept = {grp.name: grp for grp in round_.groups.all()}
    for grp in kept.values():
        if grp.name not in {name for name, _ in g}:
            if grp.raters.exists():
                raise ActionError(f"评议主体「{grp.name}」已有评议人，请先移除评议人再删除")
            grp.delete()
    for order, (name, weight) in enumerate(g):
        if name in kept:
            EvalGroup.objects.filter(pk=kept[name].pk).update(weight=weight, order=order)
        else:
            EvalGroup.objects.create(round=round_, name=name, weight=weight, order=order)
    round_.items.all().delete()
    EvalItem.objects.bulk_create([EvalItem(round=round_, title=t, max_score=m, order=n) for n, (t, m) in
                                  enumerate(i)])
    round_.bands.all().delete()
    EvalBand.objects.bulk_create([EvalBand(round=round_, label=label, min_score=m) for label, m in b])


def _formula(round_: EvalRound) -> dict[str, Any]:
    return {"groups": [[g.name, str(g.weight)] for g in round_.groups.all()],
            "items": [[i.title, str(i.max_score)] for i in round_.items.all()],
            "bands": [[b.label, str(b.min_score)] for b in round_.bands.all()]}


@transaction.atomic
def do_set_formula(user: Any, round_: EvalRound, groups: list[tuple[Any, Any]], items: list[tuple[Any, Any]],
                   bands: list[tuple[Any, Any]]) -> EvalRound:
    """设置评议办法 (draft only): the rater groups and weights, the score sheet's items and maxima, the bands.
    A group keeps its raters when its name stays."""
    locked = _locked(user, round_, states=FORMULA_STATES, doing="修改评议办法（仅草稿可改）")
    before = _formula(locked)
    _write_formula(locked, groups, items, bands)
    audit.record(user, "lists.eval_formula", locked, before=before, after=_formula(locked))
    return locked


# ---------------------------------------------------------------- subjects and raters


@transaction.atomic
def do_add_subjects(user: Any, round_: EvalRound, level: str, *, today: dt.date | None = None) -> int:
    """确定述职人: the secretaries in force of the organisations at ``level`` (checked by ``resolve_level``)
    inside the round's subtree; those already in stay. Returns how many were added."""
    locked = _locked(user, round_, states=(EvalState.DRAFT,), doing="调整述职人（仅草稿可改）")
    found = secretaries_at_level(locked, level, today or timezone.localdate())
    have = set(locked.subjects.values_list("person_id", flat=True))
    new = [EvalSubject(round=locked, person_id=p, org_id=o, org_path=path) for p, o, path in found if p not in have]
    EvalSubject.objects.bulk_create(new)
    locked.subject_level = level
    locked.save(update_fields=["subject_level"])
    audit.record(user, "lists.eval_subjects", locked, after={"level": level, "added": len(new)})
    return len(new)


@transaction.atomic
def do_remove_subject(user: Any, subject: EvalSubject) -> None:
    locked = _locked(user, subject.round, states=(EvalState.DRAFT,), doing="调整述职人（仅草稿可改）")
    audit.record(user, "lists.eval_subject_remove", locked, after={"person": subject.person_id})
    EvalSubject.objects.filter(pk=subject.pk, round=locked).delete()


@transaction.atomic
def do_add_raters(user: Any, round_: EvalRound, group: EvalGroup, people: list[int | Person], *,
                  within: Org | None = None) -> int:
    """指定评议人 (draft or scoring): people (ids from a scoped source) join ``group``; a person already rating in
    this round (in any group) is skipped. With ``within`` (an organisation inside the round's subtree) they rate
    only the subjects inside it. Returns how many were added."""
    locked = _locked(user, round_, states=(EvalState.DRAFT, EvalState.SCORING), doing="调整评议人")
    if group.round_id != locked.pk:
        raise ActionError("请选择评议主体")
    if within is not None and not within.path.startswith(locked.org_path):
        raise ActionError("评议范围须在组织评议的党组织之内")
    ids = {p.pk if isinstance(p, Person) else int(p) for p in people}
    have = set(locked.raters.values_list("person_id", flat=True))
    new = [EvalRater(round=locked, group=group, person_id=pid, within=within.path if within else "")
           for pid in sorted(ids - have)]
    EvalRater.objects.bulk_create(new)
    audit.record(user, "lists.eval_raters", locked, after={"group": group.name, "added": len(new),
                                                           "within": within.path if within else ""})
    return len(new)


@transaction.atomic
def do_remove_rater(user: Any, rater: EvalRater) -> None:
    locked = _locked(user, rater.round, states=(EvalState.DRAFT, EvalState.SCORING), doing="调整评议人")
    if rater.votes.exists():
        raise ActionError("该评议人已经评分，不能移除")
    audit.record(user, "lists.eval_rater_remove", locked, after={"person": rater.person_id, "group": rater.group_id})
    rater.delete()


@transaction.atomic
def do_submit_report(user: Any, subject: EvalSubject, text: str, *, now: dt.datetime | None = None) -> EvalSubject:
    """提交述职报告: the subject themselves, until the round closes."""
    locked = EvalSubject.objects.select_for_update().select_related("round").get(pk=subject.pk)
    if locked.person_id != getattr(user, "person_id", None):
        raise ActionError("只有述职人本人可以提交述职报告")
    if locked.round.state not in (EvalState.DRAFT, EvalState.SCORING):
        raise ActionError("评议已结束，不能再修改述职报告")
    locked.report = _text(text, "述职报告", 20000, required=True)
    locked.reported_at = now or timezone.now()
    locked.save(update_fields=["report", "reported_at"])
    audit.record(user, "lists.eval_report", locked.round, after={"subject": locked.pk, "chars": len(locked.report)})
    return locked


# ---------------------------------------------------------------- the workflow


def refusal(round_: EvalRound, move: str) -> str | None:
    if move not in EVAL_TRANSITIONS:
        return "没有这项操作"
    if round_.state in EVAL_TRANSITIONS[move][0]:
        return None
    return f"评议当前为「{EvalState(round_.state).label}」，不能「{EvalMove(move).label}」"


@transaction.atomic
def do_move_round(user: Any, round_: EvalRound, move: str, *, now: dt.datetime | None = None) -> EvalRound:
    """One step along ``EVAL_TRANSITIONS`` (evaluation.run on the round's organisation). Opening needs a whole
    formula (weights summing to 100 %, items, bands) and subjects (raters may still be added while scoring; paper
    sheets cover groups without accounts)."""
    now = now or timezone.now()
    locked = _locked(user, round_)
    why = refusal(locked, move)
    if why:
        raise ActionError(why)
    if move == EvalMove.OPEN:
        groups = list(locked.groups.all())
        check_formula([(g.name, g.weight) for g in groups], [(i.title, i.max_score) for i in locked.items.all()],
                      [(b.label, b.min_score) for b in locked.bands.all()])
        if not locked.subjects.exists():
            raise ActionError("请先确定述职人")
    before = audit.snapshot(locked, FIELDS)
    locked.state = EVAL_TRANSITIONS[move][1]
    locked.state_since = now
    locked.save(update_fields=["state", "state_since"])
    audit.record(user, "lists.eval_move", locked, before=before, after=audit.snapshot(locked, FIELDS) | {"move": move})
    return locked


# ---------------------------------------------------------------- votes


def _scores(round_: EvalRound, values: dict[Any, Any]) -> list[tuple[EvalItem, Decimal]]:
    """Every item of the sheet scored within its maximum, or ActionError."""
    out = []
    for item in round_.items.all():
        raw = values.get(item.pk, values.get(str(item.pk)))
        if raw in (None, ""):
            raise ActionError(f"请为「{item.title}」打分")
        score = _number(raw, f"「{item.title}」的得分")
        if not Decimal("0") <= score <= item.max_score:
            raise ActionError(f"「{item.title}」的得分须在 0 到 {item.max_score} 之间")
        out.append((item, score))
    return out


def _insert_vote(round_: EvalRound, subject: EvalSubject, group_id: int, scores: list[tuple[EvalItem, Decimal]],
                 comment: str, now: dt.datetime, *, rater: EvalRater | None = None, sheet: EvalSheet | None = None,
                 refused: str) -> EvalVote:
    try:
        with transaction.atomic():
            vote = EvalVote.objects.create(round=round_, subject=subject, group_id=group_id, rater=rater, sheet=sheet,
                                           comment=comment, created_at=now, updated_at=now)
    except IntegrityError as exc:
        raise ActionError(refused) from exc
    EvalScore.objects.bulk_create([EvalScore(vote=vote, item=item, score=score) for item, score in scores])
    return vote


@transaction.atomic
def do_vote(user: Any, round_: EvalRound, subject: EvalSubject, values: dict[Any, Any], comment: str = "", *,
            amend: bool = False, now: dt.datetime | None = None) -> EvalVote:
    """网上评分: the signed-in rater scores one subject (every item within its maximum) with an optional comment.
    One vote per rater per subject: a second is refused; ``amend`` changes the rater's own vote while the round
    is being scored."""
    now = now or timezone.now()
    # The round's row is locked for the vote, so a round closed at the same moment takes no vote after it closed
    # (the close waits for the vote's commit, or the vote reads the closed state).
    locked = EvalRound.objects.select_for_update().get(pk=round_.pk)
    person_id = getattr(user, "person_id", None)
    rater = EvalRater.objects.filter(round=locked, person_id=person_id).first() if person_id else None
    if rater is None:
        raise ActionError("您不是本轮评议的评议人")
    if locked.state != EvalState.SCORING:
        raise ActionError(f"评议当前为「{EvalState(locked.state).label}」，不能评分")
    if subject.round_id != locked.pk:
        raise ActionError("述职人不在本轮评议中")
    if subject.person_id == person_id:
        raise ActionError("不能给自己评分")
    if not subject.org_path.startswith(rater.within):
        raise ActionError("述职人不在您需评议的名单中")
    scores = _scores(locked, values)
    comment = _text(comment, "评议意见", COMMENT_MAX)
    if amend:
        vote = EvalVote.objects.select_for_update().filter(rater=rater, subject=subject).first()
        if vote is None:
            raise ActionError("您还没有给该述职人评分，无需修改")
        before = {str(s.item_id): str(s.score) for s in vote.scores.all()} | {"comment": vote.comment}
        vote.scores.all().delete()
        EvalScore.objects.bulk_create([EvalScore(vote=vote, item=item, score=score) for item, score in scores])
        vote.comment, vote.updated_at = comment, now
        vote.save(update_fields=["comment", "updated_at"])
        audit.record(user, "lists.eval_vote_amend", locked, before=before,
                     after={str(i.pk): str(s) for i, s in scores} | {"comment": comment, "subject": subject.pk})
        return vote
    vote = _insert_vote(locked, subject, rater.group_id, scores, comment, now, rater=rater,
                        refused="您已经给该述职人评过分，不能重复评分（可在评分中修改原评分）")
    audit.record(user, "lists.eval_vote", locked, after={"subject": subject.pk, "vote": vote.pk})
    return vote


@transaction.atomic
def do_enter_sheet(user: Any, round_: EvalRound, group: EvalGroup, number: str,
                   rows: dict[EvalSubject, tuple[dict[Any, Any], str]], *,
                   now: dt.datetime | None = None) -> EvalSheet:
    """录入纸质评分表 (evaluation.run, while scoring): a numbered sheet of ``group`` with the scores of the subjects
    it rates (``rows``: subject -> (item scores, comment)). Each sheet number once per round."""
    now = now or timezone.now()
    locked = _locked(user, round_, states=(EvalState.SCORING,), doing="录入纸质评分表")
    if group.round_id != locked.pk:
        raise ActionError("请选择评议主体")
    number = _text(number, "评分表编号", 30, required=True)
    if not rows:
        raise ActionError("这张评分表没有填写任何述职人的得分")
    checked = []
    for subject, (values, comment) in rows.items():
        if subject.round_id != locked.pk:
            raise ActionError("述职人不在本轮评议中")
        try:
            checked.append((subject, _scores(locked, values), _text(comment, "评议意见", COMMENT_MAX)))
        except ActionError as exc:
            raise ActionError(f"{subject.person.name}：{exc.message}") from exc
    try:
        with transaction.atomic():
            sheet = EvalSheet.objects.create(round=locked, group=group, number=number, entered_by=_by(user),
                                             entered_at=now)
    except IntegrityError as exc:
        raise ActionError(f"评分表 {number} 已经录入过，不能重复录入") from exc
    for subject, scores, comment in checked:
        _insert_vote(locked, subject, group.pk, scores, comment, now, sheet=sheet,
                     refused=f"评分表 {number} 已经录入过，不能重复录入")
    audit.record(user, "lists.eval_sheet", locked, after={"sheet": number, "group": group.name,
                                                          "subjects": sorted(s.pk for s in rows)})
    return sheet
