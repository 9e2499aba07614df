"""Permission-matrix rows of 一传到底 (loaded by tests/test_permission_matrix.py).

Inside ``community`` the owner (that community's secretary) sends a notice; the owner is one of its
recipients (a party member of the community), so the self-service rows open it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zongheng.notices.actions import Audience, do_create_list, do_create_notice


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    pdf = SimpleUploadedFile("安排.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    notice = do_create_notice(
        owner, {"title": "关于开展主题党日活动的通知", "body": "请按时参加。", "sender_org": community,
                "needs_ack": True, "due_at": timezone.now() + dt.timedelta(days=3)},
        Audience(orgs=(community,)), attachments=[pdf], send=True)
    draft = do_create_notice(
        owner, {"title": "关于征集意见的通知（草稿）", "body": "", "sender_org": community, "needs_ack": False},
        Audience(orgs=(community,)))
    saved = do_create_list(owner, community, "支委会成员", [community], [])
    return {"notice": notice, "notice_attachment": notice.attachments.get(), "notice_draft": draft,
            "recipient_list": saved}


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
    saved = lambda o: {"pk": o["recipient_list"].pk}  # noqa: E731
    return [
        Route("api:list_recipient_lists", api=True),
        Route("api:get_recipient_list", lambda o: {"id": o["recipient_list"].pk}, api=True),
        Route("notices:mine_export", any_user=True),
        Route("notices:pick"),  # the organisation picker of compose and saved lists (htmx)
        Route("notices:edit", lambda o: {"pk": o["notice_draft"].pk}),  # 修改草稿
        Route("notices:lists"),
        Route("notices:list_new"),
        Route("notices:list_people"),  # the person search of a saved list (htmx)
        Route("notices:list_edit", saved),
        Route("notices:list_delete", saved, method="post", in_scope=None),
    ]


SHARED_PATH["api:create_recipient_list"] = "api:list_recipient_lists"
# PUT and DELETE share the path of the GET (own tests: tests/notices/test_saved_lists.py).
SHARED_PATH["api:update_recipient_list"] = "api:get_recipient_list"
SHARED_PATH["api:delete_recipient_list"] = "api:get_recipient_list"
