"""Choices of 述职评议 (evaluation rounds): the kinds of round, the round's states and its workflow (the transition
table: one place, refused in Chinese when a move is not in it)."""

from __future__ import annotations

from django.db import models


class EvalKind(models.TextChoices):
    ANNUAL = "annual", "述职评议"
    DUAL = "dual", "双述双评"
    MONTHLY = "monthly", "每月一评"


class EvalState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SCORING = "scoring", "评分中"
    CLOSED = "closed", "已结束"
    PUBLISHED = "published", "已公布"


class EvalMove(models.TextChoices):
    OPEN = "open", "开始评分"
    CLOSE = "close", "结束评分"
    REOPEN = "reopen", "重新开放评分"
    PUBLISH = "publish", "公布结果"


# The round workflow: move -> (from states, to state). A move not here, or from another state, is refused.
EVAL_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    EvalMove.OPEN: (frozenset({EvalState.DRAFT}), EvalState.SCORING),
    EvalMove.CLOSE: (frozenset({EvalState.SCORING}), EvalState.CLOSED),
    EvalMove.REOPEN: (frozenset({EvalState.CLOSED}), EvalState.SCORING),
    EvalMove.PUBLISH: (frozenset({EvalState.CLOSED}), EvalState.PUBLISHED),
}
