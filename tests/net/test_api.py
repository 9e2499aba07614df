"""一张网 in the API: the dashboard's figures and the rows behind each, scoped like the pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import Tree, user_with_post
from zongheng.core.permissions import Role
from zongheng.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_the_api_gives_each_figure_with_the_previous_period_and_each_child(client, tree: Tree) -> None:
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    body = client.get(f"/api/v1/net/{tree.district.pk}/figures", {"period": "2026-Q4"}).json()
    assert body["period"] == "2026-Q4" and body["previous_period"] == "2026-Q3"
    grids = next(f for f in body["figures"] if f["code"] == "tree.grids")
    assert grids["value"] == Org.objects.filter(level__code="grid").count()
    assert {c["org"]["id"]: c["value"] for c in grids["children"]} == {
        s.pk: Org.objects.filter(path__startswith=s.path, level__code="grid").count() for s in tree.streets}
    rows = client.get(grids["rows"]).json()
    assert rows["count"] == grids["value"]
    assert sorted(item["title"] for item in rows["items"]) == sorted(g.name for g in tree.grids)


def test_the_api_answers_404_outside_the_scope_and_400_for_a_bad_period(client, tree: Tree) -> None:
    client.force_login(user_with_post(tree.streets[0], Role.SECRETARY))
    assert client.get(f"/api/v1/net/{tree.streets[1].pk}/figures").status_code == 404
    assert client.get(f"/api/v1/net/{tree.streets[1].pk}/figures/tree.grids/rows").status_code == 404
    assert client.get(f"/api/v1/net/{tree.streets[0].pk}/figures/no.such/rows").status_code == 404
    bad = client.get(f"/api/v1/net/{tree.streets[0].pk}/figures", {"period": "2026-13"})
    assert bad.status_code == 400 and "统计期间" in bad.json()["detail"]


def test_the_dashboard_page_runs_the_same_number_of_queries_for_a_bigger_tree(client, tree: Tree) -> None:
    client.force_login(user_with_post(tree.district, Role.SECRETARY))
    url = f"/net/{tree.district.pk}/"
    client.get(url, {"period": "2026"})
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, {"period": "2026"}).status_code == 200
    street = Org.objects.get(pk=tree.streets[0].pk)
    for i in range(5):
        community = Org.objects.add_child(Org.objects.get(pk=street.pk),
                                          instance=Org(name=f"新社区{i}", level=tree.levels["community"]))
        Org.objects.add_child(community, instance=Org(name=f"新网格{i}", level=tree.levels["grid"]))
    with CaptureQueriesContext(connection) as large:
        assert client.get(url, {"period": "2026"}).status_code == 200
    assert len(large) == len(small)
