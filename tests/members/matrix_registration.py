"""Permission-matrix rows of 双联双管报到 (concatenated by tests/members/matrix.py), by page and API.

Inside ``community`` a member managed by the street above it (outside the community's subtree, so the
registration is seen by the community only through ``org_path``) has applied to register there. The owner
(that community's secretary) sees it; the other world's secretary does not (404).

Self-service rows (``self_service=True``): a member lists and opens their own registrations, applies and
withdraws; only a user with neither a person record nor member.view is refused (403). The cadre rows need
member.view (list export, counts, the members a community manages) or member.change (entering)."""

from __future__ import annotations

from typing import Any

from tests.factories import make_person, make_user, valid_id_number
from zongheng.members import actions_registration as actions
from zongheng.orgs.models import Org


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    place = Org.objects.select_related("level").get(pk=community.pk)
    street = Org.objects.get(path=community.path[:-Org.steplen])
    member = make_user(make_person(street))
    reg = actions.do_apply(member, member.person, place, {"skills": "法律咨询"})
    return {"reg_registration": reg, "reg_member": member}


def routes(Route: Any) -> list[Any]:
    r = lambda o: {"pk": o["reg_registration"].pk}  # noqa: E731
    api_r = lambda o: {"id": o["reg_registration"].pk}  # noqa: E731
    c = lambda o: {"pk": o["org"].pk}  # noqa: E731
    return [
        Route("members:registrations", self_service=True),  # a member: their own
        Route("members:registration_export"),
        Route("members:registration_pick", self_service=True),  # the list's filter (htmx); for=apply: members
        Route("members:registration_apply", self_service=True),  # party members only (a person record)
        Route("members:registration_enter"),  # member.change
        Route("members:registration_counts"),
        Route("members:registration_counts_export"),
        Route("members:registration_people", c),  # the members a community manages (its 'managed' count)
        Route("members:registration_people_export", c),
        Route("members:registration", r, self_service=True),
        Route("members:registration_act", r, method="post", self_service=True, in_scope=None),
        Route("api:list_registrations", api=True, self_service=True),
        Route("api:enter_registration", method="post", api=True, in_scope=None),
        Route("api:registration_counts", api=True),
        Route("api:registration_communities", api=True, self_service=True),
        Route("api:get_registration", api_r, api=True, self_service=True),
        Route("api:transition_registration", api_r, method="post", api=True, self_service=True, in_scope=None),
    ]


SHARED_PATH = {"api:apply_registration": "api:list_registrations"}
BODIES = {
    "api:enter_registration": lambda o: {"name": "某党员", "id_number": valid_id_number(999),
                                         "community": o["org"].pk},
    "api:transition_registration": lambda o: {"action": "withdraw"},
}
