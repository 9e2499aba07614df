"""The project list in the API: create (claim, apply, special with its lead), list with filters and constant
queries, get with history, move along the table (a skip refused with 400 in Chinese), edit; 401 anonymous,
403 without the right, 404 out of scope."""

from __future__ import annotations

import json

import pytest

from tests.lists.factories_projects import advance, create, make_world
from zongheng.lists.choices import ProjectState
from zongheng.lists.models import Project

pytestmark = pytest.mark.django_db

BASE = "/api/v1/lists/projects"


def _post(client, url, body, method="post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_applying_and_moving_a_project_through_the_api(client, tree):
    w = make_world(tree)
    client.force_login(w.secretary)
    r = _post(client, BASE, {"kind": "applied", "org": w.community.pk, "title": "网格党建", "summary": "网格内建支部",
                             "budget": "5.5", "year": 2018})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "submitted" and body["events"][0]["to_state"] == "submitted" and body["moves"] == []
    pk = body["id"]
    client.force_login(w.street_secretary)
    assert _post(client, f"{BASE}/{pk}/move", {"move": "review"}).json()["moves"] == ["approve", "return"]
    r = _post(client, f"{BASE}/{pk}/move", {"move": "evaluate", "evaluation": "跳过"})
    assert r.status_code == 400 and r.json()["detail"] == "项目当前为「审核中」，不能直接「评估」"
    r = _post(client, f"{BASE}/{pk}/move", {"move": "return"})
    assert r.status_code == 400 and "退回理由" in r.json()["detail"]
    assert _post(client, f"{BASE}/{pk}/move", {"move": "approve"}).json()["state"] == "approved"
    client.force_login(w.secretary)
    r = _post(client, f"{BASE}/{pk}", {"outcome": "建成 2 个网格支部"}, method="patch")
    assert r.status_code == 200 and r.json()["outcome"] == "建成 2 个网格支部"


def test_a_special_project_through_the_api_needs_a_lead_among_the_committee(client, tree):
    w = make_world(tree)
    client.force_login(w.dept)
    body = {"kind": "special", "org": tree.streets[0].pk, "title": "专题", "summary": "x"}
    assert _post(client, BASE, body | {"lead": w.secretary.person_id}).status_code == 400
    r = _post(client, BASE, body | {"lead": w.standing.pk})
    assert r.status_code == 201 and r.json()["lead"]["id"] == w.standing.pk
    client.force_login(w.secretary)
    assert _post(client, BASE, body | {"lead": w.standing.pk}).status_code == 400  # list.configure only


def test_reading_projects_in_and_out_of_scope(client, tree, django_assert_max_num_queries):
    w = make_world(tree)
    p = create(w.secretary, w.community)
    advance(w, create(w.secretary, w.community, title="已立项的"), "approved")
    assert client.get(BASE).status_code == 401
    client.force_login(w.other_secretary)
    assert client.get(f"{BASE}/{p.pk}").status_code == 404
    assert client.get(BASE).json()["count"] == 0
    assert _post(client, f"{BASE}/{p.pk}/move", {"move": "review"}).status_code == 404
    client.force_login(w.secretary)
    assert client.get(BASE, {"state": "approved"}).json()["count"] == 1
    client.get(BASE)
    with django_assert_max_num_queries(10) as few:
        client.get(BASE)
    for i in range(10):
        create(w.secretary, tree.grids[i % 2])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BASE).json()["count"] == 12
    assert Project.objects.get(pk=p.pk).state == ProjectState.SUBMITTED


def test_a_user_without_the_right_is_refused_403(client, tree):
    from tests.factories import user_with_post
    from zongheng.core.permissions import Role

    auditor = user_with_post(tree.district, Role.AUDITOR)
    client.force_login(auditor)
    assert client.get(BASE).status_code == 403
    assert _post(client, BASE, {"kind": "applied", "org": tree.communities[0].pk, "title": "x",
                                "summary": "x"}).status_code == 403
