"""Permission-matrix rows of 民情日记 (concatenated by tests/members/matrix.py): pages and API.

Inside ``community`` the owner (that community's secretary, who holds ``member.visit`` there) records a visit to
a linked household of the grid's central household. Lists and a visit's page are self-service (a member sees the
visits they recorded): only a user without a person record is refused them. Recording, the household picker and
corrections need ``member.visit`` (or a registration with the community); the counts need ``member.view``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from zongheng.members import actions_visits
from zongheng.orgs.models import LinkedHousehold, Org


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    central = Org.objects.filter(path__startswith=grid.path, level__code="household").order_by("path").first()
    household = LinkedHousehold.objects.create(central=central, address=f"{community.name}民情里1号")
    visit, _ = actions_visits.do_record_visit(owner, {
        "household": household, "visited_on": timezone.localdate(), "raised": "楼道灯不亮", "follow_up": "",
        "raise_demand": False})
    return {"mv_visit": visit, "mv_household": household}


def routes(Route: Any) -> list[Any]:
    v = lambda o: {"pk": o["mv_visit"].pk}  # noqa: E731
    api_v = lambda o: {"id": o["mv_visit"].pk}  # noqa: E731
    return [
        Route("members:visits", self_service=True),
        Route("members:visits_export", self_service=True),
        Route("members:visits_counts"),
        Route("members:visits_org_pick"),  # the list's organisation filter (htmx)
        Route("members:visit_pick"),  # the record form's household picker (htmx)
        Route("members:visit_new"),
        Route("members:visit", v, self_service=True),
        Route("members:visit_edit", v),  # the owner recorded it
        Route("members:visit_raise", v, method="post", in_scope=None),
        Route("api:list_visits", api=True, self_service=True),
        Route("api:list_visit_households", api=True),
        Route("api:visit_counts", api=True),
        Route("api:get_visit", api_v, api=True, self_service=True),
        Route("api:update_visit", api_v, method="patch", api=True, in_scope=None),
        Route("api:raise_visit_demand", api_v, method="post", api=True, in_scope=None),
    ]


SHARED_PATH = {"api:create_visit": "api:list_visits"}
BODIES = {
    "api:update_visit": lambda o: {"follow_up": "已回访"},
    "api:raise_visit_demand": lambda o: {},
}
