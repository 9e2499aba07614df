"""The task list in the JSON API: the same actions and the same scope as the pages (401, 403, 404; refused → 400
in Chinese); status and progress as progress.py computes them."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.lists.factories_tasks import make_world, milestone, report
from zongheng.lists import actions_tasks as actions
from zongheng.lists.models import ProgressReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(tree):
    return make_world(tree)


def test_anonymous_callers_get_401_and_users_without_the_list_403(client, w):
    assert client.get("/api/v1/lists/tasks").status_code == 401
    client.force_login(w.grid_leader)
    assert client.get("/api/v1/lists/tasks").status_code == 403
    assert client.get("/api/v1/lists/reports").status_code == 403


def test_listing_tasks_computes_status_and_progress_and_filters(client, w):
    m = milestone(w.community, w.community_piece, dt.date(2026, 3, 31))
    actions.do_meet_milestone(w.community, m, {"done_on": dt.date(2026, 3, 2), "evidence": "纪要"})
    client.force_login(w.force)
    body = client.get("/api/v1/lists/tasks").json()
    assert body["year"] == 2026 and body["count"] == 4
    by_code = {t["code"]: t for t in body["items"]}
    assert [t["code"] for t in body["items"]] == ["1", "2", "1.1", "1.1.1"]
    assert by_code["1"]["status"] == "done" and by_code["1"]["progress"] == 1.0 and by_code["1"]["lead"]
    assert by_code["2"]["status_label"] == "未制定路线图"
    assert client.get("/api/v1/lists/tasks", {"status": "done"}).json()["count"] == 3
    assert client.get("/api/v1/lists/tasks", {"limit": 1, "offset": 1}).json()["items"][0]["code"] == "2"


def test_a_task_out_of_scope_answers_404_and_the_lead_sees_every_piece_of_theirs(client, w):
    client.force_login(w.other_community)
    assert client.get(f"/api/v1/lists/tasks/{w.community_piece.pk}").status_code == 404
    client.force_login(w.lead)
    assert client.get("/api/v1/lists/tasks").json()["count"] == 3
    body = client.get(f"/api/v1/lists/tasks/{w.task1.pk}").json()
    assert [c["code"] for c in body["children"]] == ["1.1"]
    assert client.get(f"/api/v1/lists/tasks/{w.task2.pk}").status_code == 404


def test_filing_and_reviewing_a_report_through_the_api(client, w):
    client.force_login(w.community)
    url = f"/api/v1/lists/tasks/{w.community_piece.pk}/reports"
    response = client.post(url, {"month": "2026-05", "done": "完成摸底"}, content_type="application/json")
    assert response.status_code == 201, response.content
    rid = response.json()["id"]
    again = client.post(url, {"month": "2026-05", "done": "x"}, content_type="application/json")
    assert again.status_code == 400 and "不能重复报送" in again.json()["detail"]
    own = client.post(f"/api/v1/lists/reports/{rid}/review", {"result": "accepted"}, content_type="application/json")
    assert own.status_code == 400
    client.force_login(w.street)
    assert client.get("/api/v1/lists/reports", {"state": "pending"}).json()["count"] == 1
    done = client.post(f"/api/v1/lists/reports/{rid}/review", {"result": "returned", "note": "补充"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["result"] == "returned"
    client.force_login(w.other_community)
    assert client.post(f"/api/v1/lists/reports/{rid}/review", {"result": "accepted"},
                       content_type="application/json").status_code == 404
    assert client.post(url, {"month": "2026-04", "done": "x"}, content_type="application/json").status_code == 404


def test_reports_out_of_scope_are_not_listed(client, w):
    report(w.community, w.community_piece, dt.date(2026, 5, 1))
    client.force_login(w.other_community)
    assert client.get("/api/v1/lists/reports").json()["count"] == 0
    client.force_login(w.lead2)
    assert client.get("/api/v1/lists/reports").json()["count"] == 0
    client.force_login(w.lead)
    assert client.get("/api/v1/lists/reports").json()["count"] == 1
    assert ProgressReport.objects.count() == 1
