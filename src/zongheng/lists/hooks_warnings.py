"""What the task list's warnings register with the ground (called by ``lists.hooks.register``): the five rules of
``warnings_tasks``, seen by ``list.view`` in the subtree of the organisation each is addressed to."""

from __future__ import annotations

from zongheng.core.permissions import Perm
from zongheng.core.warnings import register_rule

from . import warnings_tasks as w

LABELS = {
    w.MILESTONE_OVERDUE: ("任务节点逾期未完成", w.find_milestone_overdue),
    w.REPORT_MISSING: ("月度进展未按时报送", w.find_report_missing),
    w.REPORT_UNREVIEWED: ("月度进展未审核", w.find_report_unreviewed),
    w.QUARTER_REVIEW_MISSING: ("季度调度会未召开", w.find_quarter_review_missing),
    w.ANNUAL_REVIEW_MISSING: ("年度述评未完成", w.find_annual_review_missing),
}


def register() -> None:
    for code, (label, find) in LABELS.items():
        register_rule(code, label, Perm.LIST_VIEW, find)
