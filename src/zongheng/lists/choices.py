"""Choices of 一清单: the task list's documents, categories and derived statuses; the project list's kinds and
its workflow (the transition table: one place, refused in Chinese when a move is not in it)."""

from __future__ import annotations

from django.db import models


class DocKind(models.TextChoices):
    OPINION = "opinion", "意见"
    SUPPORTING = "supporting", "配套文件"
    RULE = "rule", "配套制度"


class TaskStatus(models.TextChoices):
    """Derived, never typed (``progress.task_status``). Ordered from best to worst: a parent takes its worst child."""

    DONE = "done", "已完成"
    ON_TRACK = "on_track", "正常推进"
    AT_RISK = "at_risk", "有风险"
    OVERDUE = "overdue", "逾期"
    UNPLANNED = "unplanned", "未制定路线图"


STATUS_RANK = {TaskStatus.DONE: 0, TaskStatus.ON_TRACK: 1, TaskStatus.UNPLANNED: 2, TaskStatus.AT_RISK: 3,
               TaskStatus.OVERDUE: 4}


class ReviewResult(models.TextChoices):
    ACCEPTED = "accepted", "通过"
    RETURNED = "returned", "退回补充"


class ProjectKind(models.TextChoices):
    CLAIMED = "claimed", "书记认领"
    APPLIED = "applied", "基层申报"
    SPECIAL = "special", "常委领衔专题项目"


class ProjectState(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    REVIEWING = "reviewing", "审核中"
    APPROVED = "approved", "已立项"
    RETURNED = "returned", "已退回"
    IN_PROGRESS = "in_progress", "实施中"
    COMPLETED = "completed", "已完成"
    EVALUATED = "evaluated", "已评估"


class ProjectMove(models.TextChoices):
    SUBMIT = "submit", "提交"
    REVIEW = "review", "受理审核"
    APPROVE = "approve", "批准立项"
    RETURN = "return", "退回"
    RESUBMIT = "resubmit", "修改后重新提交"
    START = "start", "开始实施"
    COMPLETE = "complete", "完成"
    EVALUATE = "evaluate", "评估"


# The project workflow: (move) -> (from states, to state). A move not here, or from another state, is refused.
PROJECT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    ProjectMove.REVIEW: (frozenset({ProjectState.SUBMITTED}), ProjectState.REVIEWING),
    ProjectMove.APPROVE: (frozenset({ProjectState.REVIEWING}), ProjectState.APPROVED),
    ProjectMove.RETURN: (frozenset({ProjectState.REVIEWING}), ProjectState.RETURNED),
    ProjectMove.RESUBMIT: (frozenset({ProjectState.RETURNED}), ProjectState.SUBMITTED),
    ProjectMove.START: (frozenset({ProjectState.APPROVED}), ProjectState.IN_PROGRESS),
    ProjectMove.COMPLETE: (frozenset({ProjectState.IN_PROGRESS}), ProjectState.COMPLETED),
    ProjectMove.EVALUATE: (frozenset({ProjectState.COMPLETED}), ProjectState.EVALUATED),
}

# The moves a reviewer makes (``list.review``); the others are the project's own side (``list.report``).
REVIEW_MOVES = frozenset({ProjectMove.REVIEW, ProjectMove.APPROVE, ProjectMove.RETURN, ProjectMove.EVALUATE})

# How long a project may rest in a state before it warns as stalled (days).
STALL_DAYS: dict[str, int] = {
    ProjectState.SUBMITTED: 10, ProjectState.REVIEWING: 20, ProjectState.RETURNED: 30,
    ProjectState.APPROVED: 30, ProjectState.IN_PROGRESS: 180, ProjectState.COMPLETED: 60,
}
