"""Permission-matrix rows of duty campaigns (认领) (concatenated by tests/members/matrix.py), by page and API.

Inside ``community`` the owner (that community's secretary, a party member) runs an open campaign of the
community with one post and tomorrow's shifts, and claims one shift themselves: cadre routes are served to
the owner by their right, self-service routes (the list, the campaign, the shifts, the claim button, their own
claims) to the owner as a member. Out of scope: the other community's campaign and the other secretary's claim
answer 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zongheng.members import actions_campaigns as actions
from zongheng.members.choices import CampaignState
from zongheng.members.models import Shift
from zongheng.orgs.models import Org


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    org = Org.objects.get(pk=community.pk)
    start = timezone.localdate() + dt.timedelta(days=1)
    campaign = actions.do_create_campaign(owner, {"org": org, "kind": "flood", "title": f"{org.name}防汛值守",
                                                  "starts_on": start, "ends_on": start + dt.timedelta(days=1)})
    actions.do_generate(owner, campaign, {"segment_mode": "numbered", "count": 1, "pattern": "第{n}岗",
                                          "shifts_from": start, "shifts_to": start,
                                          "slots": "08:00-20:00\n20:00-08:00", "capacity": 2})
    actions.do_transition_campaign(owner, campaign, CampaignState.OPEN)
    shifts = list(Shift.objects.filter(campaign=campaign).select_related("segment").order_by("starts_at"))
    claim = actions.do_claim(owner, shifts[0])
    return {"mc_campaign": campaign, "mc_segment": shifts[0].segment, "mc_shift": shifts[1], "mc_claim": claim}


def routes(Route: Any) -> list[Any]:
    c = lambda o: {"pk": o["mc_campaign"].pk}  # noqa: E731
    seg = lambda o: {"pk": o["mc_segment"].pk}  # noqa: E731
    sh = lambda o: {"pk": o["mc_shift"].pk}  # noqa: E731
    cl = lambda o: {"pk": o["mc_claim"].pk}  # noqa: E731
    api_c = lambda o: {"id": o["mc_campaign"].pk}  # noqa: E731
    api_sh = lambda o: {"id": o["mc_shift"].pk}  # noqa: E731
    api_cl = lambda o: {"id": o["mc_claim"].pk}  # noqa: E731
    return [
        Route("members:campaigns", self_service=True),  # cadres: their scope; members: open to them
        Route("members:campaigns_export"),
        Route("members:campaign_new"),
        Route("members:campaign_pick"),  # the organisation picker (htmx)
        Route("members:campaign", c, self_service=True),
        Route("members:campaign_live", c, self_service=True),  # the live partial (htmx polling)
        Route("members:campaign_edit", c),
        Route("members:campaign_transition", c, method="post", in_scope=None),
        Route("members:campaign_generate", c),
        Route("members:campaign_clone", c),
        Route("members:campaign_coverage_export", c),
        Route("members:campaign_segments", c, self_service=True),
        Route("members:campaign_segment_add", c, method="post", in_scope=None),
        Route("members:campaign_segment", seg),
        Route("members:campaign_segment_delete", seg, method="post", in_scope=None),
        Route("members:campaign_shift_add", seg, method="post", in_scope=None),
        Route("members:campaign_shifts", self_service=True),
        Route("members:campaign_shift", sh, self_service=True),
        Route("members:campaign_shift_delete", sh, method="post", in_scope=None),
        Route("members:campaign_shift_claim", sh, method="post", self_service=True, in_scope=None),
        Route("members:duty_claims", self_service=True),
        Route("members:duty_claim_release", cl, method="post", self_service=True, in_scope=None),
        Route("members:duty_claim_checkin", cl, method="post", self_service=True, in_scope=None),
        Route("members:duty_claim_checkout", cl, method="post", self_service=True, in_scope=None),
        Route("members:duty_claim_companions", cl, self_service=True),
        Route("members:campaign_roster"),
        Route("members:campaign_roster_export"),
        Route("api:list_campaigns", api=True, self_service=True),
        Route("api:get_campaign", api_c, api=True, self_service=True),
        Route("api:update_campaign", api_c, method="patch", api=True, in_scope=None),
        Route("api:generate_campaign_shifts", api_c, method="post", api=True, in_scope=None),
        Route("api:clone_campaign", api_c, method="post", api=True, in_scope=None),
        Route("api:list_campaign_segments", api_c, api=True, self_service=True),
        Route("api:list_campaign_shifts", api_c, api=True, self_service=True),
        Route("api:list_campaign_claims", api_c, api=True),
        Route("api:list_duty_shifts", api=True, self_service=True),
        Route("api:claim_shift", api_sh, method="post", api=True, self_service=True, in_scope=None),
        Route("api:list_my_duty_claims", api=True, self_service=True),
        Route("api:get_my_duty_claim", api_cl, api=True, self_service=True),
        Route("api:release_duty_claim", api_cl, method="post", api=True, self_service=True, in_scope=None),
        Route("api:duty_check_in", api_cl, method="post", api=True, self_service=True, in_scope=None),
        Route("api:duty_check_out", api_cl, method="post", api=True, self_service=True, in_scope=None),
        Route("api:set_duty_companions", api_cl, method="put", api=True, self_service=True, in_scope=None),
    ]


SHARED_PATH = {"api:create_campaign": "api:list_campaigns"}
BODIES = {
    "api:update_campaign": lambda o: {"title": "新名称"},
    "api:generate_campaign_shifts": lambda o: {"segment_mode": "numbered", "count": 1},
    "api:clone_campaign": lambda o: {},
    "api:claim_shift": lambda o: {},
    "api:release_duty_claim": lambda o: {},
    "api:duty_check_in": lambda o: {},
    "api:duty_check_out": lambda o: {},
    "api:set_duty_companions": lambda o: {"names": ["张三"]},
}
