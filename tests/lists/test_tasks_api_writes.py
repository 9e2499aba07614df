"""The task list's other writes in the JSON API (split, plan and pledge, milestones, evidence, the quarterly and
the annual review): the same actions and the same doors as the pages — 401 anonymous, 403 without any list right
or without the write's right on a piece in scope, 404 for a piece, milestone, list or organisation out of scope
(or forged), 400 with the action's Chinese refusal, 422 for a malformed body; nothing written then; audited."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from tests.lists.factories_tasks import make_list, make_task, make_world, milestone
from zongheng.accounts.actions import do_create_token
from zongheng.core.models import AuditLog
from zongheng.lists import actions_tasks as actions
from zongheng.lists.models import AnnualReview, Milestone, QuarterReview, QuarterReviewItem, Task

pytestmark = pytest.mark.django_db

API = "/api/v1/lists"


@pytest.fixture
def w(tree):
    return make_world(tree)


def call(client: Any, method: str, url: str, body: Any = None, **headers: Any) -> Any:
    data = json.dumps(body if body is not None else {})
    return getattr(client, method)(url, data=data, content_type="application/json", **headers)


def audited(action: str) -> int:
    return AuditLog.objects.filter(action=action).count()


def page(client: Any, task: Task) -> str:
    response = client.get(f"/lists/tasks/{task.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_every_new_route_answers_401_anonymous_and_403_without_any_list_right(client, w):
    m = milestone(w.community, w.community_piece, dt.date(2026, 9, 30))
    piece, tl = w.community_piece.pk, w.task_list.pk
    routes = [("post", f"{API}/tasks/{piece}/split", {"org": w.tree.grids[0].pk}),
              ("patch", f"{API}/tasks/{piece}/plan", {"goal": "目标"}),
              ("post", f"{API}/tasks/{piece}/milestones", {"title": "节点", "due_on": "2026-09-30"}),
              ("patch", f"{API}/milestones/{m.pk}", {"title": "新"}),
              ("delete", f"{API}/milestones/{m.pk}", None),
              ("post", f"{API}/milestones/{m.pk}/meet", {"done_on": "2026-03-01", "evidence": "纪要"}),
              ("post", f"{API}/task-lists/{tl}/quarters", {"quarter": 1, "held_on": "2026-03-30", "summary": "调度"}),
              ("put", f"{API}/tasks/{piece}/annual", {"score": 90, "comments": "好"})]
    for method, url, body in routes:
        assert call(client, method, url, body).status_code == 401, url
    for user in (w.grid_leader, w.stranger):
        client.force_login(user)
        for method, url, body in routes:
            response = call(client, method, url, body)
            assert response.status_code == 403, (url, response.content)
            assert "一清单" in response.json()["detail"]
    assert Milestone.objects.get(pk=m.pk).title == "节点" and not QuarterReview.objects.exists()
    assert Task.objects.count() == 4 and not AnnualReview.objects.exists()


def test_splitting_a_piece_through_the_api_places_it_below_and_the_page_lists_it(client, w):
    client.force_login(w.community)
    url = f"{API}/tasks/{w.community_piece.pk}/split"
    before = audited("lists.task_split")
    response = call(client, "post", url, {"org": w.tree.grids[0].pk, "weight": 3, "goal": "网格摸底"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent_id"] == w.community_piece.pk and body["org"]["id"] == w.tree.grids[0].pk
    assert body["code"] == "1.1.1.1" and body["weight"] == 3 and body["lead"]["name"] == "领衔干部甲"
    child = Task.objects.get(pk=body["id"])
    assert child.goal == "网格摸底" and child.root_id == w.task1.pk
    assert audited("lists.task_split") == before + 1
    assert w.tree.grids[0].name in page(client, w.community_piece)
    again = call(client, "post", url, {"org": w.tree.grids[0].pk})
    assert again.status_code == 400
    assert again.json()["detail"] == f"这项任务已分解给{w.tree.grids[0].name}，请修改原来那一部分"
    assert Task.objects.count() == 5 and audited("lists.task_split") == before + 1


def test_a_split_names_only_an_organisation_right_below_the_piece_else_404_and_nothing_written(client, w):
    client.force_login(w.community)
    url = f"{API}/tasks/{w.community_piece.pk}/split"
    for org in (w.tree.grids[4], w.tree.households[0], w.tree.communities[0], w.tree.district, 2**62):
        pk = org if isinstance(org, int) else org.pk
        assert call(client, "post", url, {"org": pk}).status_code == 404, org
    for bad in ({"org": w.tree.grids[0].pk, "weight": 0}, {"org": w.tree.grids[0].pk, "title": "长" * 201},
                {"org": 0}, {"weight": 1}, {"org": w.tree.grids[0].pk, "goal": "a\x00b"}, {"org": 2**64}):
        assert call(client, "post", url, bad).status_code == 422, bad
    assert Task.objects.count() == 4


def test_splitting_needs_the_review_right_on_the_piece_as_the_page_does(client, w):
    url = f"{API}/tasks/{w.community_piece.pk}/split"
    client.force_login(w.lead)  # sees every piece of the task they lead, but splits none
    assert client.get(f"/lists/tasks/{w.community_piece.pk}/split/").status_code == 403
    response = call(client, "post", url, {"org": w.tree.grids[0].pk})
    assert response.status_code == 403 and response.json()["detail"] == "您不能分解这项任务"
    client.force_login(w.other_community)
    assert client.get(f"/lists/tasks/{w.community_piece.pk}/split/").status_code == 404
    assert call(client, "post", url, {"org": w.tree.grids[0].pk}).status_code == 404
    assert Task.objects.count() == 4


def test_splitting_through_a_bearer_token(client, w):
    _, key = do_create_token(w.street, "api")
    url = f"{API}/tasks/{w.street_piece.pk}/split"
    response = call(client, "post", url, {"org": w.tree.communities[1].pk}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 201, response.content
    assert response.json()["org"]["name"] == w.tree.communities[1].name


def test_plan_and_pledge_change_only_the_fields_given_and_the_page_shows_them(client, w):
    client.force_login(w.community)
    url = f"{API}/tasks/{w.community_piece.pk}/plan"
    response = call(client, "patch", url, {"goal": "建强网格", "measures": "逐户走访", "pledge_on": "2026-02-01",
                                           "pledge_text": "保证完成"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["goal"], body["pledge_on"], body["pledge_text"]) == ("建强网格", "2026-02-01", "保证完成")
    html = page(client, w.community_piece)
    assert "建强网格" in html and "保证完成" in html and "逐户走访" in html
    cleared = call(client, "patch", url, {"pledge_on": None}).json()
    assert cleared["pledge_on"] is None and cleared["goal"] == "建强网格" and cleared["pledge_text"] == "保证完成"
    assert audited("lists.task_plan") == 2
    assert call(client, "patch", url, {"measures": "长" * 4001}).status_code == 422
    assert call(client, "patch", url, {"pledge_on": "2026-13-01"}).status_code == 422
    assert Task.objects.get(pk=w.community_piece.pk).measures == "逐户走访" and audited("lists.task_plan") == 2
    client.force_login(w.lead)
    refused = call(client, "patch", url, {"goal": "x"})
    assert refused.status_code == 403 and refused.json()["detail"] == actions.REPORT_REFUSED
    client.force_login(w.other_community)
    assert call(client, "patch", url, {"goal": "x"}).status_code == 404
    assert Task.objects.get(pk=w.community_piece.pk).goal == "建强网格"


def test_a_milestone_is_added_changed_met_with_evidence_and_shown_on_the_page(client, w):
    client.force_login(w.community)
    added = call(client, "post", f"{API}/tasks/{w.community_piece.pk}/milestones",
                 {"title": "完成摸底", "due_on": "2026-04-30", "weight": 2})
    assert added.status_code == 201, added.content
    mid = added.json()["id"]
    assert "完成摸底" in page(client, w.community_piece)
    changed = call(client, "patch", f"{API}/milestones/{mid}", {"title": "完成入户摸底", "due_on": "2026-05-31"})
    assert changed.status_code == 200 and changed.json()["weight"] == 2
    m = Milestone.objects.get(pk=mid)
    assert (m.title, m.due_on, m.weight) == ("完成入户摸底", dt.date(2026, 5, 31), 2)
    met = call(client, "post", f"{API}/milestones/{mid}/meet", {"done_on": "2026-05-20", "evidence": "摸底台账"})
    assert met.status_code == 200 and met.json()["done_on"] == "2026-05-20"
    assert "摸底台账" in page(client, w.community_piece)
    detail = client.get(f"{API}/tasks/{w.community_piece.pk}").json()
    assert detail["status"] == "done" and detail["milestones"][0]["evidence"] == "摸底台账"
    assert [audited(a) for a in ("lists.milestone_add", "lists.milestone_update", "lists.milestone_meet")] == [1, 1, 1]
    # A met milestone is the record of what was done: neither changed, nor met again, nor removed.
    for method, url, body, message in [
            ("patch", f"{API}/milestones/{mid}", {"title": "改"}, "这个节点已完成，不能再修改"),
            ("post", f"{API}/milestones/{mid}/meet", {"done_on": "2026-05-21", "evidence": "x"},
             "这个节点已于 2026-05-20 完成"),
            ("delete", f"{API}/milestones/{mid}", None, "这个节点已完成并提交了佐证材料，不能删除")]:
        refused = call(client, method, url, body)
        assert refused.status_code == 400 and refused.json()["detail"] == message
    m.refresh_from_db()
    assert (m.title, m.done_on, m.evidence) == ("完成入户摸底", dt.date(2026, 5, 20), "摸底台账")


def test_removing_an_unmet_milestone_through_the_api(client, w):
    m = milestone(w.community, w.community_piece, dt.date(2026, 9, 30), title="待删节点")
    client.force_login(w.community)
    response = call(client, "delete", f"{API}/milestones/{m.pk}")
    assert response.status_code == 204 and not Milestone.objects.filter(pk=m.pk).exists()
    assert "待删节点" not in page(client, w.community_piece) and audited("lists.milestone_remove") == 1
    assert call(client, "delete", f"{API}/milestones/{m.pk}").status_code == 404


def test_bad_milestone_input_answers_400_or_422_in_chinese_and_writes_nothing(client, w):
    m = milestone(w.community, w.community_piece, dt.date(2026, 9, 30))
    client.force_login(w.community)
    new = f"{API}/tasks/{w.community_piece.pk}/milestones"
    outside = call(client, "post", new, {"title": "节点", "due_on": "2027-01-05"})
    assert outside.status_code == 400
    assert outside.json()["detail"] == "节点时间须在任务期限内（2026-01-01 至 2026-12-31）"
    blank = call(client, "post", new, {"title": "  ", "due_on": "2026-05-05"})
    assert blank.status_code == 400 and "节点" in blank.json()["detail"]
    future = call(client, "post", f"{API}/milestones/{m.pk}/meet",
                  {"done_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(), "evidence": "x"})
    assert future.status_code == 400 and future.json()["detail"] == "完成日期不能晚于今天"
    early = call(client, "post", f"{API}/milestones/{m.pk}/meet", {"done_on": "2025-12-31", "evidence": "x"})
    assert early.status_code == 400 and early.json()["detail"] == "完成日期不能早于任务开始日期"
    no_evidence = call(client, "post", f"{API}/milestones/{m.pk}/meet", {"done_on": "2026-03-01", "evidence": ""})
    assert no_evidence.status_code == 400 and "佐证材料" in no_evidence.json()["detail"]
    for method, url, body in [("post", new, {"title": "节点", "due_on": "2026-05-05", "weight": 101}),
                              ("post", new, {"title": "长" * 201, "due_on": "2026-05-05"}),
                              ("post", new, {"due_on": "2026-05-05"}),
                              ("patch", f"{API}/milestones/{m.pk}", {"weight": 0}),
                              ("patch", f"{API}/milestones/{m.pk}", {"due_on": "soon"}),
                              ("post", f"{API}/milestones/{m.pk}/meet", {"done_on": "2026-03-01",
                                                                          "evidence": "长" * 2001})]:
        assert call(client, method, url, body).status_code == 422, body
    assert list(Milestone.objects.values_list("pk", "done_on", "weight")) == [(m.pk, None, 1)]
    assert audited("lists.milestone_add") == 1 and audited("lists.milestone_meet") == 0


def test_milestones_out_of_scope_answer_404_and_the_lead_403_as_the_pages_do(client, w):
    m = milestone(w.community, w.community_piece, dt.date(2026, 9, 30))
    client.force_login(w.other_community)
    assert client.get(f"/lists/milestones/{m.pk}/edit/").status_code == 404
    for method, url, body in [("patch", f"{API}/milestones/{m.pk}", {"title": "x"}),
                              ("delete", f"{API}/milestones/{m.pk}", None),
                              ("post", f"{API}/milestones/{m.pk}/meet", {"done_on": "2026-03-01", "evidence": "x"}),
                              ("post", f"{API}/tasks/{w.community_piece.pk}/milestones",
                               {"title": "x", "due_on": "2026-05-05"}),
                              ("patch", f"{API}/milestones/{2**62}", {"title": "x"})]:
        assert call(client, method, url, body).status_code == 404, url
    client.force_login(w.lead)
    assert client.get(f"/lists/milestones/{m.pk}/edit/").status_code == 403
    refused = call(client, "post", f"{API}/milestones/{m.pk}/meet", {"done_on": "2026-03-01", "evidence": "x"})
    assert refused.status_code == 403 and refused.json()["detail"] == actions.REPORT_REFUSED
    assert Milestone.objects.get(pk=m.pk).done_on is None and Milestone.objects.count() == 1


def test_the_quarterly_review_is_recorded_once_by_the_list_s_organisation_and_shown_on_its_page(client, w):
    client.force_login(w.force)
    url = f"{API}/task-lists/{w.task_list.pk}/quarters"
    body = {"quarter": 1, "held_on": "2026-03-30", "summary": "一季度调度", "remarks": {str(w.task1.pk): "加快进度"}}
    response = call(client, "post", url, body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["quarter"] == 1 and out["remarks"] == [{"task_id": w.task1.pk, "remark": "加快进度"}]
    html = client.get(f"/lists/quarters/{out['id']}/").content.decode()
    assert "一季度调度" in html and "加快进度" in html
    assert audited("lists.quarter_record") == 1
    again = call(client, "post", url, body)
    assert again.status_code == 400 and again.json()["detail"] == "第1季度调度会已经记录"
    late = call(client, "post", url, {"quarter": 2, "held_on": "2025-06-30", "summary": "x"})
    assert late.status_code == 400 and late.json()["detail"] == "召开日期须在 2026 年"
    for bad in ({"quarter": 5, "held_on": "2026-06-30", "summary": "x"},
                {"quarter": 2, "held_on": "2026-06-30", "summary": "长" * 4001},
                {"quarter": 2, "held_on": "2026-06-30", "summary": "x", "remarks": {"abc": "x"}},
                {"quarter": 2, "held_on": "2026-06-30", "summary": "x", "remarks": {str(w.task1.pk): "长" * 501}},
                {"quarter": 2, "held_on": "2026-06-30", "summary": "x", "remarks": {str(2**64): "x"}}):
        assert call(client, "post", url, bad).status_code == 422, bad
    assert QuarterReview.objects.count() == 1 and QuarterReviewItem.objects.count() == 1


def test_a_quarterly_remark_on_a_task_of_another_list_or_a_forged_one_answers_404(client, w):
    other_task = make_task(make_list(w.tree.district, year=2025), w.tree.district, year=2025)
    client.force_login(w.force)
    url = f"{API}/task-lists/{w.task_list.pk}/quarters"
    for pk in (other_task.pk, 2**62):
        body = {"quarter": 2, "held_on": "2026-06-30", "summary": "x", "remarks": {str(pk): "意见"}}
        assert call(client, "post", url, body).status_code == 404
    assert call(client, "post", f"{API}/task-lists/{2**62}/quarters",
                {"quarter": 2, "held_on": "2026-06-30", "summary": "x"}).status_code == 404
    assert not QuarterReview.objects.exists() and audited("lists.quarter_record") == 0


def test_only_the_list_s_organisation_records_the_quarterly_review_as_on_the_page(client, w):
    url = f"{API}/task-lists/{w.task_list.pk}/quarters"
    for user in (w.street, w.community, w.lead):
        client.force_login(user)
        page_status = client.get(f"/lists/{w.task_list.pk}/quarters/new/").status_code
        response = call(client, "post", url, {"quarter": 1, "held_on": "2026-03-30", "summary": "x"})
        assert response.status_code == page_status == 403, user
        assert "制发清单的组织" in response.json()["detail"]
    assert not QuarterReview.objects.exists()


def test_the_annual_review_is_made_and_corrected_by_its_reviewer_and_shown_on_the_page(client, w):
    client.force_login(w.street)
    url = f"{API}/tasks/{w.community_piece.pk}/annual"
    made = call(client, "put", url, {"score": 92.5, "comments": "成效明显"})
    assert made.status_code == 200, made.content
    assert made.json()["score"] == 92.5 and made.json()["task_id"] == w.community_piece.pk
    assert "成效明显" in page(client, w.community_piece) and audited("lists.annual_review") == 1
    corrected = call(client, "put", url, {"score": "88", "comments": "成效较好"})
    assert corrected.status_code == 200 and corrected.json()["comments"] == "成效较好"
    assert audited("lists.annual_update") == 1
    client.force_login(w.force)  # above the piece too, but not its reviewer
    refused = call(client, "put", url, {"score": 60, "comments": "改"})
    assert refused.status_code == 400 and refused.json()["detail"] == "这项任务已经述评，只有述评人可以修改"
    review = AnnualReview.objects.get()
    assert (review.score, review.comments) == (88, "成效较好")


def test_the_annual_review_refuses_the_piece_s_own_organisation_out_of_scope_and_bad_scores(client, w):
    url = f"{API}/tasks/{w.community_piece.pk}/annual"
    client.force_login(w.community)  # the carrying organisation reviews not itself
    assert client.get(f"/lists/tasks/{w.community_piece.pk}/annual/").status_code == 403
    own = call(client, "put", url, {"score": 90, "comments": "好"})
    assert own.status_code == 403 and "述评" in own.json()["detail"]
    client.force_login(w.other_community)
    assert call(client, "put", url, {"score": 90, "comments": "好"}).status_code == 404
    client.force_login(w.lead)  # the lead cadre of the top-level task may
    for bad in ({"score": 100.5, "comments": "好"}, {"score": -1, "comments": "好"}, {"score": 85.55, "comments": "好"},
                {"score": "NaN", "comments": "好"}, {"score": "1e400", "comments": "好"}, {"comments": "好"},
                {"score": 90, "comments": "长" * 2001}):
        assert call(client, "put", url, bad).status_code == 422, bad
    blank = call(client, "put", url, {"score": 90, "comments": " "})
    assert blank.status_code == 400 and "述评意见" in blank.json()["detail"]
    assert not AnnualReview.objects.exists() and audited("lists.annual_review") == 0
    assert call(client, "put", url, {"score": 0, "comments": "未完成"}).status_code == 200


def test_a_month_of_year_0000_is_malformed_422_not_a_server_error(client, w):
    client.force_login(w.community)
    assert client.get(f"{API}/reports", {"month": "0000-05"}).status_code == 422
    response = call(client, "post", f"{API}/tasks/{w.community_piece.pk}/reports", {"month": "0000-05", "done": "x"})
    assert response.status_code == 422 and not w.community_piece.reports.exists()
