"""述职评议 in the JSON API (added by ``lists.api``): rounds list and detail, the caller's pending ratings, a
vote (or its amendment), and the results as the caller may see them.

Same doors as the pages: anonymous → 401; no capacity at all → 403; a round the caller sees in no capacity → 404
like a missing one; a refused write → 400 in Chinese. Results: the organiser (list.view on the round's
organisation) gets every subject; a subject gets only their own row of a published round (means, total, grade,
rank, comments); anybody else 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from zongheng.orgs.api import LIST, MAX_ID, NO_NUL, ONE, WRITE, Limit, Offset, OrgRef, PathId, _ref, _user

from . import actions_evaluations as actions
from . import scoring
from . import selectors_evaluations as selectors
from .choices_evaluations import EvalKind, EvalState
from .models_evaluations import EvalRound, EvalVote

router = Router(tags=["一清单"])


class EvalGroupOut(Schema):
    id: int
    name: str
    weight: Decimal = Field(description="权重（%）")


class EvalItemOut(Schema):
    id: int
    title: str
    max_score: Decimal


class EvalBandOut(Schema):
    label: str
    min_score: Decimal


class EvalRoundOut(Schema):
    id: int
    kind: str = Field(description="annual 述职评议；dual 双述双评；monthly 每月一评")
    kind_label: str
    title: str
    org: OrgRef = Field(description="组织评议的党组织")
    year: int
    month: int | None
    state: str = Field(description="draft 草稿；scoring 评分中；closed 已结束；published 已公布")
    state_label: str
    due_at: dt.datetime | None
    anonymous: bool


class EvalMyVoteOut(Schema):
    subject: int
    name: str
    org: str
    voted: bool
    scores: dict[str, Decimal] = Field(description="本人的评分：评分项 id → 得分")
    comment: str


class EvalRoundDetailOut(EvalRoundOut):
    groups: list[EvalGroupOut]
    items: list[EvalItemOut]
    bands: list[EvalBandOut]
    organiser: bool = Field(description="当前用户可以查看全部结果")
    rater_group: str | None = Field(description="当前用户作为评议人所在的评议主体")
    is_subject: bool = Field(description="当前用户是本轮述职人")
    my_votes: list[EvalMyVoteOut] = Field(description="评议人：需评议的述职人和本人的评分（不含他人评分）")


class EvalRoundPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EvalRoundOut]


class EvalPendingOut(Schema):
    round: int
    title: str
    due_at: dt.datetime | None
    left: int = Field(description="待评议人数")


class EvalGroupMeanOut(Schema):
    group: str
    weight: Decimal
    votes: int
    mean: Decimal | None


class EvalResultRowOut(Schema):
    subject: int
    name: str
    org: str
    groups: list[EvalGroupMeanOut]
    total: Decimal | None = Field(description="综合得分（权重加权，无人评分的主体按其余权重折算）")
    grade: str
    rank: int | None = Field(description="本轮内名次（并列同名次）")
    comments: list[str] = Field(description="评议意见（不含评议人）")


class EvalResultsOut(Schema):
    round: int
    rows: list[EvalResultRowOut]


Score = Annotated[Decimal, Field(ge=0, le=1000, max_digits=5, decimal_places=1)]


class EvalVoteIn(Schema):
    subject: int = Field(ge=1, le=MAX_ID, description="述职人 id（本轮内）")
    scores: dict[Annotated[str, Field(pattern=r"^[0-9]{1,18}$")], Score] = Field(
        description="评分项 id → 得分（每项都须打分，不超过满分）")
    comment: Annotated[str, Field(max_length=500, pattern=NO_NUL)] = ""
    amend: bool = Field(False, description="修改本人已有的评分（评分中）")


def _require_use(user: Any) -> None:
    if not selectors.may_use(user):
        raise PermissionDenied("您没有此项权限")


def _round(r: EvalRound) -> dict[str, Any]:
    return {"id": r.pk, "kind": r.kind, "kind_label": EvalKind(r.kind).label, "title": r.title, "org": _ref(r.org),
            "year": r.year, "month": r.month, "state": r.state, "state_label": EvalState(r.state).label,
            "due_at": r.due_at, "anonymous": r.anonymous}


def _detail(seat: selectors.Seat) -> dict[str, Any]:
    r = seat.round
    my_votes = []
    if seat.rater is not None:
        mine = selectors.own_votes(seat.rater)
        for s in selectors.rateable_subjects(seat.rater)[:500]:
            v = mine.get(s.pk)
            my_votes.append({"subject": s.pk, "name": s.person.name, "org": s.org.name, "voted": v is not None,
                             "scores": {str(x.item_id): x.score for x in v.scores.all()} if v else {},
                             "comment": v.comment if v else ""})
    return _round(r) | {
        "groups": [{"id": g.pk, "name": g.name, "weight": g.weight} for g in r.groups.all()],
        "items": [{"id": i.pk, "title": i.title, "max_score": i.max_score} for i in r.items.all()],
        "bands": [{"label": b.label, "min_score": b.min_score} for b in r.bands.all()],
        "organiser": seat.reads_all, "rater_group": seat.rater.group.name if seat.rater else None,
        "is_subject": seat.subject is not None, "my_votes": my_votes}


@router.get("/lists/evaluations", response={200: EvalRoundPage, **LIST},
            summary="述职评议轮次（组织、查看、评议或述职的）")
def list_eval_rounds(request: HttpRequest, limit: int = Limit, offset: int = Offset,
                     year: int | None = Query(None, ge=2000, le=2100, description="年度")) -> Any:
    user = _user(request)
    _require_use(user)
    qs = selectors.visible_rounds(user).select_related("org").order_by("-year", "-month", "-id")
    if year:
        qs = qs.filter(year=year)
    return {"count": qs.count(), "limit": limit, "offset": offset,
            "items": [_round(r) for r in qs[offset:offset + limit]]}


@router.get("/lists/evaluations/pending", response={200: list[EvalPendingOut], **LIST},
            summary="待我评议（评分中的轮次里尚未评分的人数）")
def my_pending_ratings(request: HttpRequest) -> Any:
    user = _user(request)
    _require_use(user)
    return [{"round": p.round_id, "title": p.title, "due_at": p.due_at, "left": p.left}
            for p in selectors.pending_for(user)]


@router.get("/lists/evaluations/{id}", response={200: EvalRoundDetailOut, **ONE},
            summary="一个评议轮次：评议办法，以及当前用户的身份和本人评分")
def get_eval_round(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _require_use(user)
    return _detail(selectors.seat_for(user, id))


@router.post("/lists/evaluations/{id}/votes", response={200: EvalMyVoteOut, **WRITE},
             summary="网上评分（每名评议人对每名述职人只评一次；评分中可修改本人评分）")
def submit_eval_vote(request: HttpRequest, payload: EvalVoteIn, id: int = PathId) -> Any:
    from zongheng.core.errors import ActionError

    user = _user(request)
    _require_use(user)
    seat = selectors.seat_for(user, id)
    if seat.rater is None:
        raise Http404
    subject = selectors.rateable_subjects(seat.rater).filter(pk=payload.subject).first()
    if subject is None:
        raise ActionError("述职人不在您需评议的名单中")
    vote = actions.do_vote(user, seat.round, subject, dict(payload.scores), payload.comment, amend=payload.amend)
    vote = EvalVote.objects.prefetch_related("scores").get(pk=vote.pk)
    return {"subject": subject.pk, "name": subject.person.name, "org": subject.org.name, "voted": True,
            "scores": {str(x.item_id): x.score for x in vote.scores.all()}, "comment": vote.comment}


@router.get("/lists/evaluations/{id}/results", response={200: EvalResultsOut, **ONE},
            summary="评议结果（组织单位：全部述职人；述职人：仅本人，公布后）")
def eval_results(request: HttpRequest, id: int = PathId) -> Any:
    user = _user(request)
    _require_use(user)
    seat = selectors.seat_for(user, id)
    r = seat.round
    if seat.reads_all:
        if r.state == EvalState.DRAFT:
            return {"round": r.pk, "rows": []}
        rows = scoring.results(r).rows
    elif seat.subject is not None and r.state == EvalState.PUBLISHED:
        own = scoring.results(r).for_subject(seat.subject.pk)
        rows = [own] if own else []
    else:
        raise Http404
    comments = scoring.comments_by_subject(r)
    return {"round": r.pk, "rows": [
        {"subject": x.subject_id, "name": x.name, "org": x.org_name, "total": x.total, "grade": x.grade,
         "rank": x.rank, "comments": comments.get(x.subject_id, []),
         "groups": [{"group": g.name, "weight": g.weight, "votes": g.votes, "mean": g.mean} for g in x.groups]}
        for x in rows]}
