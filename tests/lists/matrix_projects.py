"""Permission-matrix rows of the project list (concatenated by tests/lists/matrix.py): pages and API.

Inside ``community`` the owner (its secretary: list.view, list.report) applies for a project, and a brand
names it once evaluated. Projects need list.view (an auditor has none); brand administration needs
list.configure (the district's organisation department only; brands are read district-wide by it, so their
edit page has no out-of-scope row). The brand index and a brand's page are public: residents read them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from zongheng.lists import actions_projects
from zongheng.lists.choices import ProjectState
from zongheng.lists.models import Brand, Project


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    project = actions_projects.do_create_project(owner, {
        "kind": "applied", "org": community, "title": f"{community.name}阳光服务", "summary": "为老服务",
        "budget": "3", "year": 2018})
    Project.objects.filter(pk=project.pk).update(state=ProjectState.EVALUATED, outcome="服务老人 200 人次")
    brand = Brand.objects.create(name=f"{community.name}阳光360", slug=f"yangguang-{community.pk}", org=community,
                                 org_path=community.path, summary="社区为老服务品牌",
                                 named_on=timezone.localdate())
    brand.projects.add(project)
    return {"lp_project": project, "lp_brand": brand}


def routes(Route: Any) -> list[Any]:
    p = lambda o: {"pk": o["lp_project"].pk}  # noqa: E731
    api_p = lambda o: {"id": o["lp_project"].pk}  # noqa: E731
    b = lambda o: {"pk": o["lp_brand"].pk}  # noqa: E731
    return [
        Route("lists:projects"),
        Route("lists:projects_export"),
        Route("lists:project_new"),
        Route("lists:project_org_pick"),  # the create form's organisation picker (htmx)
        Route("lists:project", p),
        Route("lists:project_edit", p, in_scope=403),  # evaluated: no longer edited (test_projects_pages)
        Route("lists:project_move", lambda o: {"pk": o["lp_project"].pk, "move": "start"}, method="post",
              in_scope=None),
        Route("lists:brands_admin", holder="dept"),
        Route("lists:brand_new", holder="dept"),
        Route("lists:brand_org_pick", holder="dept"),
        Route("lists:brand_edit", b, holder="dept", district_wide=True),
        Route("lists:brands", public=True),
        Route("lists:brand", lambda o: {"slug": o["lp_brand"].slug}, public=True),
        Route("api:list_projects", api=True),
        Route("api:get_project", api_p, api=True),
        Route("api:update_project", api_p, method="patch", api=True, in_scope=None),
        Route("api:move_project", api_p, method="post", api=True, in_scope=None),
    ]


SHARED_PATH = {"api:create_project": "api:list_projects"}
BODIES = {
    "api:update_project": lambda o: {"outcome": "服务老人 300 人次"},
    "api:move_project": lambda o: {"move": "start"},
}
