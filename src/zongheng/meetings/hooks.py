"""What the meetings module registers with the ground (``MeetingsConfig.ready``): two warning rules,
to-do items and figures, audit names and links, navigation."""

from __future__ import annotations

from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.nav import register_nav
from zongheng.core.permissions import Perm
from zongheng.core.todo import register_figure, register_todo
from zongheng.core.warnings import register_rule

AUDIT_ACTIONS = {
    "meeting.schedule": "安排会议", "meeting.edit": "修改会议安排", "meeting.cancel": "取消会议",
    "meeting.record": "记录会议召开情况", "meeting.amend": "修改会议记录", "meeting.attachment": "上传会议附件",
    "meeting.resolution_add": "登记议定事项", "meeting.resolution_progress": "更新议定事项进展",
    "meeting.resolution_done": "议定事项办结", "meeting.type_configure": "配置会议类型",
}


def register() -> None:
    from zongheng.core.paths import register_path_copy

    from . import indicators, metrics, rules
    from .models import Meeting, Resolution

    register_path_copy(Meeting, "org_path")
    register_path_copy(Resolution, "org_path", "owner_path")

    register_rule(rules.NOT_HELD, "会议未按期召开", Perm.MEETING_VIEW, rules.find_not_held)
    register_rule(rules.RESOLUTION_OVERDUE, "议定事项逾期", Perm.MEETING_VIEW, rules.find_resolution_overdue)
    register_todo(30, "meetings", rules.todos)
    register_figure(30, "meetings", rules.figures)
    register_actions(AUDIT_ACTIONS)
    register_object_url("meetings.meeting", url_by_pk("meetings:detail"), Perm.MEETING_VIEW)
    register_object_url("meetings.resolution", url_by_pk("meetings:resolution"), Perm.MEETING_VIEW)
    register_nav(35, "meetings:list", "会议", Perm.MEETING_VIEW)
    indicators.register()
    metrics.register()
