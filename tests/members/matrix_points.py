"""Permission-matrix rows of the points part (concatenated by tests/members/matrix.py): the totals, a member's
ledger, corrections, claims, rules, closing and exports — by page and API.

Inside ``community`` a party member of its grid (with an account) holds an entry (a demand handled) and a
pending claim. Rules belong to no organisation: their edit routes are district-wide (``member.configure``
at the root: the 组织部 account ``dept``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.factories import make_person, make_user
from zongheng.members import actions_points as actions
from zongheng.members import points
from zongheng.members.choices import Deed
from zongheng.members.defaults import ensure_installed
from zongheng.members.models import PointItem, PointRule, RuleSet


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    ensure_installed()
    person = make_person(grid, member_type="employed")
    user = make_user(person)
    entry = points.award(person, Deed.DEMAND, f"demand:{900000 + person.pk}", timezone.localdate())
    item = PointItem.objects.order_by("order").first()
    today = timezone.localdate()
    claim = actions.do_submit_claim(user, {"item": item, "occurred_on": today, "description": "调解纠纷"})
    rule = PointRule.objects.order_by("id").first()
    return {"pt_person": person, "pt_entry": entry, "pt_claim": claim, "pt_rule": rule,
            "pt_rule_set": RuleSet.objects.order_by("id").first()}


def routes(Route: Any) -> list[Any]:
    person = lambda o: {"pk": o["pt_person"].pk}  # noqa: E731
    claim = lambda o: {"pk": o["pt_claim"].pk}  # noqa: E731
    api_claim = lambda o: {"id": o["pt_claim"].pk}  # noqa: E731
    return [
        # A user without member.view is sent to their own page (302): every signed-in user may open it.
        Route("members:points", any_user=True),
        Route("members:points_pick"),
        Route("members:points_totals_export"),
        Route("members:points_ledger_export"),
        Route("members:my_points", any_user=True),  # no person: a page that says so
        Route("members:points_person", person),
        Route("members:points_correct", lambda o: {"pk": o["pt_entry"].pk}),
        Route("members:points_claims"),
        Route("members:points_claim_new", self_service=True),
        Route("members:points_claim", claim, self_service=True),
        Route("members:points_claim_withdraw", claim, method="post", self_service=True, in_scope=None),
        Route("members:points_claim_review", claim, method="post", in_scope=None),
        Route("members:points_rules"),
        Route("members:points_rule_edit", lambda o: {"pk": o["pt_rule"].pk}, holder="dept", district_wide=True),
        Route("members:points_rule_add", lambda o: {"pk": o["pt_rule_set"].pk}, holder="dept", district_wide=True,
              in_scope=302),  # every deed already has a rule in the default sets: back to the rules
        Route("members:points_rule_delete", lambda o: {"pk": o["pt_rule"].pk}, method="post", holder="dept",
              district_wide=True, in_scope=None),
        Route("members:points_closings", holder="dept"),
        Route("api:points_mine", api=True, self_service=True),
        Route("api:points_entries", api=True, self_service=True),
        Route("api:points_totals", api=True),
        Route("api:points_claims", api=True, self_service=True),
        Route("api:points_claim", api_claim, api=True, self_service=True),
        Route("api:points_review_claim", api_claim, method="post", api=True, in_scope=None),
        Route("api:points_withdraw_claim", api_claim, method="post", api=True, self_service=True, in_scope=None),
        Route("api:points_rules", api=True),
        Route("api:points_update_rule", lambda o: {"id": o["pt_rule"].pk}, method="patch", api=True, holder="dept",
              district_wide=True, in_scope=None),
    ]


SHARED_PATH = {"api:points_create_claim": "api:points_claims"}
BODIES = {
    "api:points_review_claim": lambda o: {"action": "approve"},
    "api:points_update_rule": lambda o: {"points": 2},
}
