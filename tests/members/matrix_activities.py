"""Permission-matrix rows of activities (concatenated by tests/members/matrix.py), by page and API.

Inside ``community`` the owner (that community's secretary) organises a published activity that takes
residents (and signs up for it themselves) and a draft; the routes a person uses for their own sign-ups are
``self_service`` (only an account without a person record is refused), the public sign-up page is public."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zongheng.members import actions_activities as actions


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    starts = timezone.now() + dt.timedelta(days=3)
    base = {"org": community, "place": "社区活动室", "starts_at": starts, "ends_at": starts + dt.timedelta(hours=2),
            "kind": "volunteer"}
    act = actions.do_create_activity(owner, base | {"title": f"{community.name}志愿服务", "publish": True})
    draft = actions.do_create_activity(owner, base | {"title": f"{community.name}读书会"})
    signup = actions.do_sign_up(owner, act)
    return {"act": act, "act_draft": draft, "act_signup": signup}


def routes(Route: Any) -> list[Any]:
    a = lambda o: {"pk": o["act"].pk}  # noqa: E731
    s = lambda o: {"pk": o["act_signup"].pk}  # noqa: E731
    api_a = lambda o: {"id": o["act"].pk}  # noqa: E731
    return [
        # A person without member.view is sent to their own page (302), so every signed-in user may open it.
        Route("members:activities", any_user=True),
        Route("members:activities_export"),
        Route("members:activity_pick"),
        Route("members:activity_new"),
        Route("members:my_activities", any_user=True),
        Route("members:activity_figures"),
        Route("members:activity_signups"),
        Route("members:activity_signups_export"),
        Route("members:signup_cancel", s, method="post", self_service=True, in_scope=None),  # test_activities_pages
        Route("members:activity", a, self_service=True),
        Route("members:activity_edit", lambda o: {"pk": o["act_draft"].pk}),
        Route("members:activity_transition", a, method="post", in_scope=None),
        Route("members:activity_signup", a, method="post", self_service=True, in_scope=None),
        Route("members:activity_resident", a, method="post", in_scope=None),
        Route("members:activity_attendance", a),
        Route("members:activity_roster", a),
        Route("members:activity_public", a, public=True),
        Route("api:list_member_activities", api=True),
        Route("api:my_member_activities", api=True, self_service=True),
        Route("api:member_activity_figures", api=True),
        Route("api:get_member_activity", api_a, api=True, self_service=True),
        Route("api:transition_member_activity", api_a, method="post", api=True, in_scope=None),
        Route("api:sign_up_member_activity", api_a, method="post", api=True, self_service=True, in_scope=None),
        Route("api:add_member_activity_resident", api_a, method="post", api=True, in_scope=None),
        Route("api:list_member_activity_signups", api_a, api=True),
        Route("api:confirm_member_activity_attendance", api_a, method="post", api=True, in_scope=None),
    ]


# Operations sharing the path of a row above (their own tests: tests/members/test_activities_api.py).
SHARED_PATH = {
    "api:create_member_activity": "api:list_member_activities",
    "api:update_member_activity": "api:get_member_activity",
    "api:cancel_member_activity_signup": "api:sign_up_member_activity",
}
BODIES = {
    "api:transition_member_activity": lambda o: {"state": "cancelled", "from_state": "published", "reason": "改期"},
    "api:add_member_activity_resident": lambda o: {"name": "王大妈"},
    "api:confirm_member_activity_attendance": lambda o: {"marks": []},
}
