"""Permission-matrix rows of the meetings module (loaded by tests/test_permission_matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from zongheng.meetings import actions
from zongheng.meetings.defaults import ensure_installed
from zongheng.meetings.models import MeetingAttachment, MeetingType
from zongheng.meetings.periods import period_of


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    """A held community joint meeting of the current quarter with an attachment and a resolution."""
    ensure_installed()
    mtype = MeetingType.objects.get(code="community_joint")
    now = timezone.now()
    period = period_of(mtype.cadence, timezone.localdate())
    when = max(period.starts_at + dt.timedelta(hours=9), now - dt.timedelta(days=1))
    meeting = actions.do_schedule(owner, {"type": mtype, "org": community, "period": period.key,
                                          "scheduled_at": when, "place": "会议室"}, now=now)
    attendance = dict.fromkeys(meeting.attendances.values_list("person_id", flat=True), "present")
    actions.do_record(owner, meeting, {"held_at": when, "minutes": "纪要", "attendance": attendance}, now=now)
    resolution = actions.do_add_resolution(owner, meeting, {"text": "修缮路灯", "owner_org": community,
                                                            "due_on": timezone.localdate() + dt.timedelta(days=30)})
    att = MeetingAttachment(meeting=meeting, name="纪要.pdf", size=10)
    att.file.save("m.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return {"meeting": meeting, "resolution": resolution, "attachment": att, "mtype": mtype}


def routes(Route: Any) -> list[Any]:
    meeting = lambda o: {"pk": o["meeting"].pk}  # noqa: E731
    return [
        Route("meetings:list", self_service=True),
        Route("meetings:export", self_service=True),
        Route("meetings:compliance"),
        Route("meetings:compliance_export"),
        Route("meetings:new"),
        Route("meetings:pick"),  # the 召开组织 picker of 安排会议 (htmx)
        Route("meetings:detail", meeting, self_service=True),
        Route("meetings:edit", meeting, in_scope=None),  # the meeting is held: edit refused (own tests)
        Route("meetings:cancel", meeting, method="post", in_scope=None),
        Route("meetings:record", meeting),
        Route("meetings:attach", meeting, method="post", in_scope=None),
        Route("meetings:attachment", lambda o: {"pk": o["meeting"].pk, "att_pk": o["attachment"].pk},
              self_service=True),
        Route("meetings:minutes_docx", meeting, self_service=True),
        Route("meetings:resolution_add", meeting, method="post", in_scope=None),
        Route("meetings:resolutions", self_service=True),
        Route("meetings:resolutions_export", self_service=True),
        Route("meetings:resolution", lambda o: {"pk": o["resolution"].pk}, self_service=True),
        Route("meetings:types", holder="dept"),
        Route("meetings:type_edit", lambda o: {"pk": o["mtype"].pk}, holder="dept", district_wide=True),
        Route("api:list_meetings", api=True, self_service=True),
        Route("api:get_meeting", lambda o: {"id": o["meeting"].pk}, api=True, self_service=True),
        Route("api:meeting_compliance", api=True),
        Route("api:list_resolutions", api=True, self_service=True),
        Route("api:get_resolution", lambda o: {"id": o["resolution"].pk}, api=True, self_service=True),
    ]


SHARED_PATH = {"api:update_resolution": "api:get_resolution"}
BODIES = {"api:update_resolution": lambda o: {"progress": "进展"}}
