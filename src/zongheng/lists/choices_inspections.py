"""Choices of the inspections (巡查): a round's states and a rectification's states, each workflow in one
transition table (a move not in it, or from another state, is refused in Chinese and changes nothing)."""

from __future__ import annotations

from django.db import models


class RoundState(models.TextChoices):
    PREPARING = "preparing", "筹备"
    INSPECTING = "inspecting", "巡查中"
    RECTIFYING = "rectifying", "整改中"
    COMPLETED = "completed", "已完成"


class RoundMove(models.TextChoices):
    START = "start", "开始巡查"
    RECTIFY = "rectify", "转入整改"
    COMPLETE = "complete", "完成巡查"


ROUND_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    RoundMove.START: (frozenset({RoundState.PREPARING}), RoundState.INSPECTING),
    RoundMove.RECTIFY: (frozenset({RoundState.INSPECTING}), RoundState.RECTIFYING),
    RoundMove.COMPLETE: (frozenset({RoundState.RECTIFYING}), RoundState.COMPLETED),
}


class RectState(models.TextChoices):
    PENDING = "pending", "待整改"
    REPORTED = "reported", "已报告"
    CLOSED = "closed", "已销号"
    RETURNED = "returned", "退回"


class RectMove(models.TextChoices):
    REPORT = "report", "报告整改情况"
    ACCEPT = "accept", "销号"
    RETURN = "return", "退回"


# The rectification workflow: 待整改 → 已报告 → 已销号 / 退回 → 已报告 …
RECT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    RectMove.REPORT: (frozenset({RectState.PENDING, RectState.RETURNED}), RectState.REPORTED),
    RectMove.ACCEPT: (frozenset({RectState.REPORTED}), RectState.CLOSED),
    RectMove.RETURN: (frozenset({RectState.REPORTED}), RectState.RETURNED),
}
VERIFY_MOVES = frozenset({RectMove.ACCEPT, RectMove.RETURN})
OPEN_STATES = (RectState.PENDING, RectState.REPORTED, RectState.RETURNED)

# Common focuses of a round (the organiser may write another).
FOCUSES = ("书记落实全面从严治党主体责任", "基层党组织建设", "党建工作重点任务清单落实", "作风建设和群众身边问题")

VERIFY_DAYS = 10  # a report waits at most this many days for verification before it warns the organiser
