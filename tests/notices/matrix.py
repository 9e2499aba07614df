"""Permission-matrix rows of 一传到底 (loaded by tests/test_permission_matrix.py).

Inside ``community`` the owner (that community's secretary) sends a notice; the owner is one of its
recipients (a party member of the community), so the self-service rows open it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zongheng.notices.actions import Audience, do_create_notice


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    pdf = SimpleUploadedFile("安排.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    notice = do_create_notice(
        owner, {"title": "关于开展主题党日活动的通知", "body": "请按时参加。", "sender_org": community,
                "needs_ack": True, "due_at": timezone.now() + dt.timedelta(days=3)},
        Audience(orgs=(community,)), attachments=[pdf], send=True)
    return {"notice": notice, "notice_attachment": notice.attachments.get()}


def routes(Route: Any) -> list[Any]:
    n = lambda o: {"pk": o["notice"].pk}  # noqa: E731
    api_n = lambda o: {"id": o["notice"].pk}  # noqa: E731
    return [
        Route("notices:sent"),
        Route("notices:sent_export"),
        Route("notices:compose"),
        Route("notices:mine", any_user=True),
        Route("notices:read", n, self_service=True),
        Route("notices:ack", n, method="post", self_service=True, in_scope=None),
        Route("notices:attachment", lambda o: {"pk": o["notice"].pk, "att_pk": o["notice_attachment"].pk}),
        Route("notices:progress", n),
        Route("notices:rows", n),
        Route("notices:export_pending", n),
        Route("notices:send", n, method="post", in_scope=None),
        Route("notices:remind", n, method="post", in_scope=None),
        Route("notices:withdraw", n, method="post", in_scope=None),
        Route("api:list_my_notices", api=True, self_service=True),
        Route("api:get_my_notice", api_n, api=True, self_service=True),
        Route("api:mark_notice_read", api_n, method="post", api=True, self_service=True),
        Route("api:acknowledge_notice", api_n, method="post", api=True, self_service=True, in_scope=None),
        Route("api:list_notices", api=True),
        Route("api:get_notice", api_n, api=True),
        Route("api:notice_progress", api_n, api=True),
        Route("api:remind_notice", api_n, method="post", api=True, in_scope=None),
        Route("api:withdraw_notice", api_n, method="post", api=True, in_scope=None),
        *_more_routes(Route),
    ]


SHARED_PATH = {"api:send_notice": "api:list_notices"}
BODIES = {
    "api:acknowledge_notice": lambda o: {"reply": "已收到"},
    "api:remind_notice": lambda o: {},
}


def _more_routes(Route: Any) -> list[Any]:
    return [Route("api:list_recipient_lists", api=True)]


SHARED_PATH["api:create_recipient_list"] = "api:list_recipient_lists"
