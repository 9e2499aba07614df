"""Permission-matrix rows of 一横's units part (concatenated by tests/cobuild/matrix.py): units, liaisons,
councils and members, performance — by page and API.

Inside ``community`` the owner (that community's secretary) registers a unit sitting there (its node and
row), appoints a liaison on it, sets up the community's council for a term and seats the unit on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zongheng.cobuild import actions_units as actions
from zongheng.orgs.models import Org


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    place = Org.objects.select_related("level").get(pk=community.pk)
    unit = actions.do_create_unit(owner, {"place": place, "name": f"{community.name}驻区单位",
                                          "type": "state_enterprise", "level": "city"})
    post = actions.do_appoint_liaison(owner, unit, name="联络员", starts_on=dt.date(2018, 1, 1))
    council = actions.do_create_council(owner, {"org": place, "term_starts_on": dt.date(2018, 1, 1)})
    member = actions.do_add_member(owner, council, {"seat": "unit", "unit": unit, "name": "兼职委员",
                                                    "rank": "county", "post": "党委书记"})
    return {"cb_unit": unit, "cb_liaison": post, "cb_council": council, "cb_member": member}


def routes(Route: Any) -> list[Any]:
    u = lambda o: {"pk": o["cb_unit"].pk}  # noqa: E731
    c = lambda o: {"pk": o["cb_council"].pk}  # noqa: E731
    api_u = lambda o: {"id": o["cb_unit"].pk}  # noqa: E731
    api_c = lambda o: {"id": o["cb_council"].pk}  # noqa: E731
    return [
        Route("cobuild:unit_list"),
        Route("cobuild:unit_export"),
        Route("cobuild:unit_pick"),  # the street/community picker (htmx)
        Route("cobuild:unit_create"),
        Route("cobuild:unit_import", holder="dept"),  # cobuild.configure
        Route("cobuild:unit_import_template", holder="dept"),
        Route("cobuild:unit_detail", u),
        Route("cobuild:unit_edit", u),
        Route("cobuild:unit_liaison_add", u),
        Route("cobuild:unit_liaison_end", lambda o: {"pk": o["cb_unit"].pk, "post_pk": o["cb_liaison"].pk},
              method="post", in_scope=None),
        Route("cobuild:council_list"),
        Route("cobuild:council_export"),
        Route("cobuild:council_create"),
        Route("cobuild:council_detail", c),
        Route("cobuild:council_edit", c),
        Route("cobuild:council_members_export", c),
        Route("cobuild:council_member_add", c),
        Route("cobuild:council_member_end", lambda o: {"pk": o["cb_member"].pk}, method="post", in_scope=None),
        Route("cobuild:perf_list"),
        Route("cobuild:perf_export"),
        Route("cobuild:perf_unit_export", u),
        Route("cobuild:perf_rows", lambda o: {"pk": o["cb_unit"].pk, "figure": "meetings"}),
        Route("api:list_units", api=True),
        Route("api:list_performance", api=True),
        Route("api:get_unit", api_u, api=True),
        Route("api:update_unit", api_u, method="patch", api=True, in_scope=None),
        Route("api:unit_performance", api_u, api=True),
        Route("api:appoint_liaison", api_u, method="post", api=True, in_scope=None),
        Route("api:end_liaison", lambda o: {"id": o["cb_unit"].pk, "post_id": o["cb_liaison"].pk}, method="post",
              api=True, in_scope=None),
        Route("api:list_councils", api=True),
        Route("api:get_council", api_c, api=True),
        Route("api:update_council", api_c, method="patch", api=True, in_scope=None),
        Route("api:add_council_member", api_c, method="post", api=True, in_scope=None),
        Route("api:end_council_member", lambda o: {"id": o["cb_member"].pk}, method="post", api=True,
              in_scope=None),
    ]


SHARED_PATH = {"api:create_unit": "api:list_units", "api:create_council": "api:list_councils"}
BODIES = {
    "api:update_unit": lambda o: {"members_count": 3},
    "api:appoint_liaison": lambda o: {"name": "新联络员"},
    "api:end_liaison": lambda o: {},
    "api:update_council": lambda o: {"name": "新名称"},
    "api:add_council_member": lambda o: {"seat": "own", "name": "本级干部"},
    "api:end_council_member": lambda o: {},
}
