"""The warnings list, its export and the API: a grid's warnings are seen by its community and street
cadres, not by a sibling community (404 on the detail and on an org filter outside the scope)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import make_user, user_with_post
from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Perm, Role

NOW = timezone.now()


def warn(org, key: str, *, rule: str = "demand.overdue", cleared: bool = False, person_id=None) -> EarlyWarning:
    return EarlyWarning.objects.create(
        rule=rule, key=key, perm=Perm.DEMAND_VIEW, org_path=org.path, org_name=org.name, person_id=person_id,
        title=f"{org.name} 事项 {key}", url=f"/demands/{key}/", due_at=NOW - dt.timedelta(days=1),
        opened_at=NOW - dt.timedelta(hours=20), cleared_at=NOW if cleared else None)


@pytest.fixture
def grid_warning(tree) -> EarlyWarning:
    return warn(tree.grids[0], "g0")


@pytest.mark.parametrize("who", ["community", "street"])
def test_a_grids_warning_is_seen_by_its_community_and_street_cadres(client, tree, grid_warning, who):
    org = tree.communities[0] if who == "community" else tree.streets[0]
    client.force_login(user_with_post(org, Role.SECRETARY))
    body = client.get(reverse("core:warnings")).content.decode()
    assert grid_warning.title in body and 'lang="zh-CN"' in body
    assert client.get(reverse("api:get_warning", args=[grid_warning.pk])).json()["title"] == grid_warning.title
    assert client.get(reverse("core:warnings"), {"org": tree.grids[0].path}).status_code == 200


def test_a_sibling_community_does_not_see_it_and_gets_404_on_detail_and_filters(client, tree, grid_warning):
    client.force_login(user_with_post(tree.communities[1], Role.SECRETARY))
    assert grid_warning.title not in client.get(reverse("core:warnings")).content.decode()
    assert client.get(reverse("api:get_warning", args=[grid_warning.pk])).status_code == 404
    for org in (tree.grids[0], tree.communities[0], tree.streets[0], tree.district):
        assert client.get(reverse("core:warnings"), {"org": org.path}).status_code == 404
        assert client.get(reverse("core:warnings_export"), {"org": org.path}).status_code == 404
        assert client.get(reverse("api:list_warnings"), {"org": org.path}).status_code == 404
    assert client.get(reverse("api:list_warnings")).json()["count"] == 0
    for bad in ("x", "0001' OR 1=1", "00010001000"):
        assert client.get(reverse("core:warnings"), {"org": bad}).status_code == 404


def test_filters_by_rule_state_org_and_mine_match_a_direct_count(client, tree):
    secretary = user_with_post(tree.streets[0], Role.SECRETARY)
    for i, grid in enumerate(tree.grids[:4]):
        warn(grid, f"a{i}")
        warn(grid, f"b{i}", rule="meeting.not_held", cleared=i % 2 == 0)
    warn(tree.grids[5], "far")  # another street
    warn(tree.streets[0], "own", person_id=secretary.person_id)
    client.force_login(secretary)
    cases = [
        ({}, EarlyWarning.objects.open().filter(org_path__startswith=tree.streets[0].path)),
        ({"state": "cleared"}, EarlyWarning.objects.filter(cleared_at__isnull=False)),
        ({"state": "all", "rule": "meeting.not_held"}, EarlyWarning.objects.filter(rule="meeting.not_held")),
        ({"org": tree.communities[1].path},
         EarlyWarning.objects.open().filter(org_path__startswith=tree.communities[1].path)),
        ({"org": tree.streets[0].path, "only": "1"}, EarlyWarning.objects.open().filter(org_path=tree.streets[0].path)),
        ({"mine": "1"}, EarlyWarning.objects.open().filter(person_id=secretary.person_id)),
    ]
    for params, expected in cases:
        response = client.get(reverse("core:warnings"), params)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == expected.count(), params
        api = client.get(reverse("api:list_warnings"), {k: v for k, v in params.items() if k != "only"})
        if "only" not in params:
            assert api.json()["count"] == expected.count(), params


def test_the_list_counts_per_child_organisation_each_linking_to_its_rows(client, tree):
    for i, grid in enumerate(tree.grids[:4]):
        for n in range(i + 1):
            warn(grid, f"{i}-{n}")
    client.force_login(user_with_post(tree.streets[0], Role.SECRETARY))
    groups = {g.path: g for g in client.get(reverse("core:warnings")).context["groups"]}
    for community in tree.communities[:2]:
        assert groups[community.path].total == EarlyWarning.objects.filter(
            org_path__startswith=community.path).count()
        assert groups[community.path].name == community.name
        linked = client.get(groups[community.path].url).context["page"].paginator.count
        assert linked == groups[community.path].total


def test_the_export_holds_the_filtered_rows(client, tree, grid_warning):
    warn(tree.grids[1], "g1")
    warn(tree.grids[2], "other")
    client.force_login(user_with_post(tree.communities[0], Role.SECRETARY))
    response = client.get(reverse("core:warnings_export"), {"org": tree.grids[0].path})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("预警规则", "事由", "责任组织")
    assert [row[1] for row in values[1:]] == [grid_warning.title]


def test_the_list_pages_and_runs_a_constant_number_of_queries(client, tree):
    user = user_with_post(tree.district, Role.ORG_DEPT)
    client.force_login(user)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("core:warnings")).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        warn(tree.grids[i], f"s{i}")
    small = count()
    for i in range(60):
        warn(tree.grids[i % 8], f"m{i}")
    assert count() == small
    page2 = client.get(reverse("core:warnings"), {"page": 2})
    assert len(page2.context["page"].object_list) == EarlyWarning.objects.count() - 50


def test_an_account_without_a_person_sees_an_empty_list_and_api(client, tree, grid_warning):
    client.force_login(make_user(None))
    assert "没有符合条件的预警" in client.get(reverse("core:warnings")).content.decode()
    assert client.get(reverse("api:list_warnings")).json() == {"count": 0, "limit": 50, "offset": 0, "items": []}
    assert client.get(reverse("api:get_warning", args=[grid_warning.pk])).status_code == 404


def test_the_api_lists_in_the_documented_shape(client, tree, grid_warning):
    client.force_login(user_with_post(tree.communities[0], Role.SECRETARY))
    body = client.get(reverse("api:list_warnings"), {"limit": 1}).json()
    item = body["items"][0]
    assert body["count"] == 1 and item["id"] == grid_warning.pk and item["is_open"] is True
    assert item["rule_label"] == "诉求超时" and item["org_name"] == tree.grids[0].name
    schema = json.loads(client.get(reverse("api:openapi-json")).content)
    op = schema["paths"]["/api/v1/warnings/{id}"]["get"]
    assert {"200", "401", "404", "422"} <= set(op["responses"])
