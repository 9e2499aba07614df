"""Permission-matrix rows of 一横's agreements part (concatenated by tests/cobuild/matrix.py): claim
agreements, items, pairings and activities, by page and API.

Inside ``community`` the owner (that community's secretary) signs an agreement with a unit sitting there,
adds an item, and pairs the community with the unit (one activity logged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tests.cobuild.factories_agreements import log, make_agreement, make_item, make_pairing, make_unit


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    unit = make_unit(community, f"{community.name}认领单位")
    agreement = make_agreement(owner, community, unit)
    item = make_item(owner, agreement, dt.date(2018, 9, 30))
    pairing = make_pairing(owner, community, unit)
    log(owner, pairing, dt.date(2018, 3, 5), now=timezone.now())
    return {"agr_unit": unit, "agr_agreement": agreement, "agr_item": item, "agr_pairing": pairing}


def routes(Route: Any) -> list[Any]:
    a = lambda o: {"pk": o["agr_agreement"].pk}  # noqa: E731
    i = lambda o: {"pk": o["agr_item"].pk}  # noqa: E731
    p = lambda o: {"pk": o["agr_pairing"].pk}  # noqa: E731
    api_a = lambda o: {"id": o["agr_agreement"].pk}  # noqa: E731
    api_i = lambda o: {"id": o["agr_item"].pk}  # noqa: E731
    api_p = lambda o: {"id": o["agr_pairing"].pk}  # noqa: E731
    return [
        Route("cobuild:agreements"),
        Route("cobuild:agreements_export"),
        Route("cobuild:agreement_new"),
        Route("cobuild:agr_pick"),  # the org/community/unit pickers of the forms (htmx)
        Route("cobuild:agreement", a),
        Route("cobuild:agreement_edit", a),
        Route("cobuild:agreement_transition", a, method="post", in_scope=None),  # test_agreements
        Route("cobuild:agreement_item_add", a, method="post", in_scope=None),
        Route("cobuild:items"),
        Route("cobuild:items_export"),
        Route("cobuild:item", i),
        Route("cobuild:item_progress", i),
        Route("cobuild:item_complete", i),
        Route("cobuild:item_drop", i, method="post", in_scope=None),
        Route("cobuild:pairings"),
        Route("cobuild:pairings_export"),
        Route("cobuild:pairing_new"),
        Route("cobuild:pairing", p),
        Route("cobuild:pairing_activity", p, method="post", in_scope=None),  # test_pairings
        Route("api:list_agreements", api=True),
        Route("api:get_agreement", api_a, api=True),
        Route("api:add_agreement_item", api_a, method="post", api=True, in_scope=None),
        Route("api:list_agreement_items", api=True),
        Route("api:get_agreement_item", api_i, api=True),
        Route("api:agreement_item_progress", api_i, method="post", api=True, in_scope=None),  # test_agreements_api
        Route("api:complete_agreement_item", api_i, method="post", api=True, in_scope=None),
        Route("api:list_pairings", api=True),
        Route("api:get_pairing", api_p, api=True),
        Route("api:list_pairing_activities", api_p, api=True),
    ]


# Operations sharing the path of a row above (their own tests: tests/cobuild/test_agreements_api.py).
SHARED_PATH = {
    "api:create_agreement": "api:list_agreements",
    "api:update_agreement": "api:get_agreement",
    "api:create_pairing": "api:list_pairings",
    "api:log_pairing_activity": "api:list_pairing_activities",
}
BODIES = {
    "api:add_agreement_item": lambda o: {"kind": "joint_affairs", "title": "共建停车场", "org_owner": "张书记",
                                         "unit_owner": "李主任", "due_on": "2018-10-31"},
    "api:agreement_item_progress": lambda o: {"progress": 40, "note": "场地已腾空"},
    "api:complete_agreement_item": lambda o: {"result": "停车位增加 40 个", "problems_solved": 1},
}
