"""Permission-matrix rows of 一横's lists (concatenated by tests/cobuild/matrix.py).

Inside ``community`` its secretary (the owner) registers a unit sitting there, a resource of it, a need,
a service, and accepts the proposal (a match, with its 资源联享 item)."""

from __future__ import annotations

from typing import Any

from tests.cobuild.factories_lists import make_need, make_resource, make_service, make_unit
from zongheng.cobuild.actions_lists import do_accept_match


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    unit = make_unit(community)
    resource = make_resource(owner, unit, "venue", 200, "党员活动室", idle=True)
    spare = make_resource(owner, unit, "venue", 100, "会议室")
    need = make_need(owner, community, "venue", 150, "老年活动场地")
    match = do_accept_match(owner, need, resource)
    return {"lists_unit": unit, "lists_resource": resource, "lists_spare": spare, "lists_need": need,
            "lists_match": match, "lists_service": make_service(owner, community, "代办证照")}


def routes(Route: Any) -> list[Any]:
    need = lambda o: {"pk": o["lists_need"].pk}  # noqa: E731
    resource = lambda o: {"pk": o["lists_resource"].pk}  # noqa: E731
    api_need = lambda o: {"id": o["lists_need"].pk}  # noqa: E731
    api_resource = lambda o: {"id": o["lists_resource"].pk}  # noqa: E731
    return [
        Route("cobuild:lists_home"),
        Route("cobuild:lists_pick_community"),
        Route("cobuild:lists_pick_unit"),
        Route("cobuild:lists_pick_place"),
        Route("cobuild:need_list"),
        Route("cobuild:need_export"),
        Route("cobuild:need_new"),
        Route("cobuild:need_detail", need),
        Route("cobuild:need_edit", need),
        Route("cobuild:need_proposals", need),
        Route("cobuild:need_close", need, method="post", in_scope=None),
        Route("cobuild:need_accept", need, method="post", in_scope=None),
        Route("cobuild:resource_list"),
        Route("cobuild:resource_export"),
        Route("cobuild:resource_new"),
        Route("cobuild:resource_detail", resource),
        Route("cobuild:resource_edit", resource),
        Route("cobuild:service_list"),
        Route("cobuild:service_export"),
        Route("cobuild:service_new"),
        Route("cobuild:service_edit", lambda o: {"pk": o["lists_service"].pk}),
        Route("cobuild:match_list"),
        Route("cobuild:match_export"),
        Route("api:list_needs", api=True),
        Route("api:get_need", api_need, api=True),
        Route("api:need_proposals", api_need, api=True),
        Route("api:close_need", api_need, method="post", api=True, in_scope=None),
        Route("api:accept_match", api_need, method="post", api=True, in_scope=None),
        Route("api:list_resources", api=True),
        Route("api:get_resource", api_resource, api=True),
        Route("api:resource_proposals", api_resource, api=True),
        Route("api:list_services", api=True),
        Route("api:get_service", lambda o: {"id": o["lists_service"].pk}, api=True),
        Route("api:list_matches", api=True),
        Route("api:get_match", lambda o: {"id": o["lists_match"].pk}, api=True),
    ]


# POST and PATCH share the path of a GET row (own tests: tests/cobuild/test_needs_api.py, test_resources.py).
SHARED_PATH = {
    "api:create_need": "api:list_needs", "api:update_need": "api:get_need",
    "api:create_resource": "api:list_resources", "api:update_resource": "api:get_resource",
    "api:create_service": "api:list_services", "api:update_service": "api:get_service",
}
BODIES = {"api:accept_match": lambda o: {"resource": o["lists_spare"].pk}}
