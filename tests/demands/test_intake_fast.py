"""Fast intake: the last step of the public form and the Open311 POST do little in the request.

The holders' notices of a new demand are queued after commit and written by the task worker; the
last step reads no list of grids; one submission is a constant number of statements whatever the
size of the district; and the per-client limit still counts in the database.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.demands.test_public import LAMP, NEW, send
from tests.demands.test_sweep_batch import reference_holders
from zongheng.demands import suggest
from zongheng.demands.actions_public import limit
from zongheng.demands.models import ClientHit, Demand, Notification
from zongheng.orgs.models import Org


def test_the_holders_are_notified_by_the_worker_after_the_submission_commits(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert send(client, world).status_code == 200
    demand = Demand.objects.get()
    assert not Notification.objects.exists() and callbacks  # nothing before commit
    for callback in callbacks:
        callback()  # the commit: the job is queued (the test backend runs it at once)
    grid = world.tree.grids[0]
    notified = set(Notification.objects.filter(demand=demand).values_list("user_id", flat=True))
    assert notified == reference_holders(grid) and world.grid_leader.pk in notified
    assert all(demand.ref in n.text for n in Notification.objects.all())


def test_the_last_step_reads_no_list_of_grids_but_the_page_before_shows_them(client, world, monkeypatch):
    page = client.post(NEW, {"step": "what", "description": LAMP, "address": "幸福小区 3 栋"})
    assert world.tree.grids[3].name in page.content.decode()

    def forbidden() -> None:
        raise AssertionError("the grid list was read on the last step")

    monkeypatch.setattr(suggest, "grid_choices", forbidden)
    assert send(client, world).status_code == 200
    assert Demand.objects.count() == 1


def test_a_grid_that_is_not_in_the_list_is_refused_on_the_last_step_as_before(client, world):
    household = world.tree.households[0]  # an organisation, but not a grid
    for value in (household.pk, -5, 10**20, "x"):
        response = send(client, world, grid=value)
        assert response.status_code == 400 and "请从列表中选择网格" in response.content.decode()
    assert not Demand.objects.exists() and not ClientHit.objects.exists()


def submission_statements(client, world, address: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert send(client, world, REMOTE_ADDR=address).status_code == 200
    return len(ctx.captured_queries)


def test_a_submission_runs_the_same_statements_in_a_small_or_a_larger_district(client, world):
    small = submission_statements(client, world, "10.0.0.1")
    street = world.tree.streets[1]
    for i in range(12):
        level = world.tree.levels["community"]
        community = Org.objects.add_child(street, instance=Org(name=f"新建{i}社区", level=level))
        for g in range(3):
            Org.objects.add_child(community, instance=Org(name=f"新建{i}社区第{g + 1}网格",
                                                          level=world.tree.levels["grid"]))
        world.submit(world.tree.grids[i % 4])
    assert submission_statements(client, world, "10.0.0.2") == small


def test_the_limit_still_counts_each_client_in_the_database(client, world):
    for _ in range(limit()):
        assert send(client, world, REMOTE_ADDR="10.1.1.1").status_code == 200
    assert send(client, world, REMOTE_ADDR="10.1.1.1").status_code == 400
    assert ClientHit.objects.count() == limit() == Demand.objects.count()
    assert send(client, world, REMOTE_ADDR="10.1.1.2").status_code == 200  # another client is not held back
