"""The demand workflow in one table: which action moves a demand from which states to which.

An action not allowed from the current state is refused with a Chinese message. Every
transition becomes a ``DemandEvent`` row (see ``actions._transition``).
"""

from __future__ import annotations

from zongheng.core.errors import ActionError

from .choices import Status as S

_OPEN = frozenset({S.RECEIVED, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS})

# action: (allowed from, goes to — None keeps the status, label)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None, str]] = {
    "receive": (frozenset({""}), S.RECEIVED, "受理"),
    "assign": (frozenset({S.RECEIVED, S.ASSIGNED}), S.ASSIGNED, "派单"),
    "return": (frozenset({S.ASSIGNED, S.ACCEPTED}), S.RECEIVED, "退回重派"),
    "accept": (frozenset({S.ASSIGNED}), S.ACCEPTED, "接单"),
    "start": (frozenset({S.ACCEPTED}), S.IN_PROGRESS, "开始办理"),
    "answer": (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.ANSWERED, "答复"),
    "escalate": (_OPEN, S.ASSIGNED, "上报上级"),
    "whistle": (frozenset({S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS}), None, "吹哨"),
    "report": (frozenset({S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS}), None, "报到反馈"),
    "reject": (frozenset({S.RECEIVED, S.ASSIGNED}), S.REJECTED, "不予受理"),
    "merge": (_OPEN, S.MERGED, "合并"),
    "rate": (frozenset({S.ANSWERED}), S.RATED, "居民评价"),
    "close": (frozenset({S.RATED}), S.CLOSED, "办结"),
    "reopen": (frozenset({S.ANSWERED, S.RATED}), S.ASSIGNED, "居民不满意，重新办理"),
    "rating_timeout": (frozenset({S.ANSWERED}), S.CLOSED, "超时未评价，自动办结"),
}


def target(action: str, current: str) -> str:
    """The status after ``action`` from ``current``; raises TransitionRefused if not in the table."""
    if action not in TRANSITIONS:
        raise TransitionRefused(f"未知的办理动作：{action}")
    allowed, to, label = TRANSITIONS[action]
    if current not in allowed:
        shown = S(current).label if current in S.values else current or "（新）"
        raise TransitionRefused(f"诉求当前状态为“{shown}”，不能{label}")
    return to or current


class TransitionRefused(ActionError):
    """A transition not in TRANSITIONS (or stale): refused, nothing written."""
