"""Permission-matrix rows of the task list (concatenated by tests/lists/matrix.py): pages and API.

Inside ``community`` the owner (that community's secretary: list.view, list.report and list.review there) finds
a piece of a district task carried by the community (with an unmet milestone) and a piece of it carried by a grid
below (with a monthly report the owner filed): the owner may report on both, split the community's piece, review
the grid's report and make the grid piece's annual review. The year's list and its quarterly review belong to
the district (``district_wide``: the same rows inside and outside); recording a quarterly review needs
list.review on the district (the organisation department)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from zongheng.lists import actions_tasks
from zongheng.lists.models import QuarterReview, Task, TaskList
from zongheng.orgs.models import Org


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    today = timezone.localdate()
    district = Org.objects.get(path=community.path[:Org.steplen])
    tl, _ = TaskList.objects.get_or_create(org=district, year=today.year, defaults={
        "org_path": district.path, "title": f"{today.year}年城市基层党建工作重点任务清单"})
    run = {"starts_on": dt.date(today.year, 1, 1), "ends_on": dt.date(today.year, 12, 31), "category": "组织体系"}
    top = Task.objects.create(task_list=tl, org=district, org_path=district.path, code=f"M{community.pk}",
                              title=f"{community.name}所在工程", **run)
    Task.objects.filter(pk=top.pk).update(root=top)
    piece = Task.objects.create(task_list=tl, parent=top, root=top, org=community, org_path=community.path,
                                code=f"M{community.pk}.1", title="社区部分", **run)
    grid_piece = Task.objects.create(task_list=tl, parent=piece, root=top, org=grid, org_path=grid.path,
                                     code=f"M{community.pk}.1.1", title="网格部分", **run)
    milestone = actions_tasks.do_add_milestone(owner, piece, {"title": "完成摸底", "due_on": run["ends_on"]})
    report = actions_tasks.do_file_report(owner, grid_piece, {"month": today, "done": "完成摸底"})
    quarter, _ = QuarterReview.objects.get_or_create(task_list=tl, quarter=1, defaults={
        "held_on": dt.date(today.year, 3, 30), "summary": "一季度调度"})
    return {"lt_list": tl, "lt_piece": piece, "lt_grid_piece": grid_piece, "lt_milestone": milestone,
            "lt_report": report, "lt_quarter": quarter}


def routes(Route: Any) -> list[Any]:
    piece = lambda o: {"pk": o["lt_piece"].pk}  # noqa: E731
    grid_piece = lambda o: {"pk": o["lt_grid_piece"].pk}  # noqa: E731
    milestone = lambda o: {"pk": o["lt_milestone"].pk}  # noqa: E731
    report = lambda o: {"pk": o["lt_report"].pk}  # noqa: E731
    return [
        Route("lists:home"),
        Route("lists:tasks"),
        Route("lists:task", piece),
        Route("lists:task_split", piece),
        Route("lists:task_plan", piece),
        Route("lists:task_annual", grid_piece),  # the owner's community is above the grid
        Route("lists:milestone_new", piece),
        Route("lists:milestone_edit", milestone),
        Route("lists:milestone_meet", milestone),
        Route("lists:milestone_evidence", milestone, in_scope=None),  # no file here: test_tasks_pages serves one
        Route("lists:task_file", lambda o: {"pk": o["lt_piece"].pk, "kind": "pledge"}, in_scope=None),  # likewise
        Route("lists:milestone_remove", milestone, method="post", in_scope=None),
        Route("lists:report_new", piece),
        Route("lists:report", report),
        Route("lists:report_edit", report),
        Route("lists:report_review", report, method="post", in_scope=None),
        Route("lists:review_quarter_new", lambda o: {"pk": o["lt_list"].pk}, holder="dept", district_wide=True),
        Route("lists:review_quarter", lambda o: {"pk": o["lt_quarter"].pk}, district_wide=True),
        Route("api:list_tasks", api=True),
        Route("api:get_task", lambda o: {"id": o["lt_piece"].pk}, api=True),
        Route("api:list_reports", api=True),
        Route("api:file_report", lambda o: {"id": o["lt_piece"].pk}, method="post", api=True, in_scope=None),
        Route("api:review_report", lambda o: {"id": o["lt_report"].pk}, method="post", api=True, in_scope=None),
        # The other writes (test_tasks_api_writes): the same doors as their pages above.
        Route("api:split_task", lambda o: {"id": o["lt_piece"].pk}, method="post", api=True, in_scope=None),
        Route("api:update_plan", lambda o: {"id": o["lt_piece"].pk}, method="patch", api=True, in_scope=None),
        Route("api:add_milestone", lambda o: {"id": o["lt_piece"].pk}, method="post", api=True, in_scope=None),
        Route("api:update_milestone", lambda o: {"id": o["lt_milestone"].pk}, method="patch", api=True,
              in_scope=None),
        Route("api:remove_milestone", lambda o: {"id": o["lt_milestone"].pk}, method="delete", api=True,
              in_scope=None),
        Route("api:meet_milestone", lambda o: {"id": o["lt_milestone"].pk}, method="post", api=True, in_scope=None),
        Route("api:record_quarter", lambda o: {"id": o["lt_list"].pk}, method="post", api=True, holder="dept",
              district_wide=True, in_scope=None),
        Route("api:annual_review", lambda o: {"id": o["lt_grid_piece"].pk}, method="put", api=True, in_scope=None),
    ]


BODIES = {
    "api:file_report": lambda o: {"month": timezone.localdate().strftime("%Y-%m"), "done": "完成"},
    "api:review_report": lambda o: {"result": "accepted"},
    "api:split_task": lambda o: {"org": o["lt_grid_piece"].org_id},
    "api:update_plan": lambda o: {"goal": "目标"},
    "api:add_milestone": lambda o: {"title": "节点", "due_on": f"{timezone.localdate().year}-12-31"},
    "api:update_milestone": lambda o: {"title": "节点"},
    "api:meet_milestone": lambda o: {"done_on": timezone.localdate().isoformat(), "evidence": "纪要"},
    "api:record_quarter": lambda o: {"quarter": 2, "held_on": timezone.localdate().isoformat(), "summary": "调度"},
    "api:annual_review": lambda o: {"score": 90, "comments": "成效明显"},
}
