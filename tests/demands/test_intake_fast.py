"""Fast intake: the last step of the public form and the Open311 POST do little in the request.

The holders' notices of a new demand are a job queued in the submission's transaction and written by the
task worker; the
last step reads no list of grids; one submission is a constant number of statements whatever the
size of the district; and the per-client limit still counts in the database.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.demands.test_public import LAMP, NEW, fields, send
from tests.demands.test_sweep_batch import reference_holders
from zongheng.demands import suggest
from zongheng.demands.actions_public import limit
from zongheng.demands.choices import Clock, Urgency
from zongheng.demands.models import Category, ClientHit, DeadlineRule, Demand, Notification
from zongheng.orgs.models import Org


@pytest.fixture
def db_tasks(settings):
    """The production task backend (jobs are rows the worker takes), not the tests' immediate one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_the_holders_are_notified_by_the_worker_after_the_submission_commits(client, world, db_tasks):
    """The request sends no notice: it queues one job, in its own transaction (the job's row commits
    with the demand, or neither does), and the worker sends the notices."""
    assert send(client, world).status_code == 200
    demand = Demand.objects.get()
    assert not Notification.objects.exists()
    job = DBTaskResult.objects.get()
    assert job.task_path == "zongheng.demands.tasks.notify_holders" and job.args_kwargs["args"][0] == demand.pk
    refused = send(client, world, grid=world.tree.households[0].pk)  # no demand: no job either
    assert refused.status_code == 400 and DBTaskResult.objects.count() == 1
    job.task.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])  # what the worker runs for the row
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


# ---------------------------------------------------------------- the statements written as SQL


def test_the_grid_lookup_finds_exactly_the_grids_a_resident_may_choose(world, django_assert_num_queries):
    tree = world.tree
    closed = tree.grids[1]
    closed.closed_on = dt.date(2000, 1, 1)
    closed.save(update_fields=["closed_on"])
    later = tree.grids[2]
    later.closed_on = dt.date(2999, 1, 1)  # closing in the future: still open today
    later.save(update_fields=["closed_on"])
    for org in Org.objects.all():
        expected = suggest.grids().filter(pk=org.pk).first()
        with django_assert_num_queries(1):
            found = suggest.open_grid(org.pk)
            level = found.level.code if found is not None else None  # the level comes with it
        assert (found.pk if found else None) == (expected.pk if expected else None), org.name
        if found is not None:
            assert (found.path, found.name, level) == (expected.path, expected.name, expected.level.code)
            assert found.closed_on == expected.closed_on  # a field not selected is read on access
    assert suggest.open_grid(closed.pk) is None and suggest.open_grid(later.pk) is not None
    assert suggest.open_grid(0) is None and suggest.open_grid(2**63) is None


def test_the_category_lookup_finds_the_active_categories_by_id_and_by_code(world):
    retired = Category.objects.get(code="municipal")
    Category.objects.filter(pk=retired.pk).update(active=False)
    for category in Category.objects.all():
        expected = Category.objects.filter(active=True, pk=category.pk).first()
        for found in (suggest.active_category(pk=category.pk), suggest.active_category(code=category.code)):
            assert (found and (found.pk, found.code, found.name, found.active, found.keywords)) == \
                (expected and (expected.pk, expected.code, expected.name, True, expected.keywords))
    assert suggest.active_category(pk=retired.pk) is None and suggest.active_category(code="municipal") is None
    assert suggest.active_category(pk=-1) is None and suggest.active_category(code="") is None


def test_a_retired_category_or_a_closed_grid_is_refused_on_the_last_step_with_the_field_message(client, world):
    retired = Category.objects.get(code="municipal")
    Category.objects.filter(pk=retired.pk).update(active=False)
    response = send(client, world, category=retired.pk)
    assert response.status_code == 400 and "请从列表中选择问题类别" in response.content.decode()
    for value in ("x", "99999999999999999999", "-3"):
        response = send(client, world, category=value)
        assert response.status_code == 400 and "请从列表中选择问题类别" in response.content.decode()
    Category.objects.filter(pk=retired.pk).update(active=True)
    grid = world.tree.grids[0]
    Org.objects.filter(pk=grid.pk).update(closed_on=dt.date(2000, 1, 1))
    response = send(client, world)
    assert response.status_code == 400 and "请从列表中选择网格" in response.content.decode()
    assert not Demand.objects.exists() and not ClientHit.objects.exists()


def test_open311_refuses_a_closed_grid_like_the_form(client, world):
    grid = world.tree.grids[0]
    Org.objects.filter(pk=grid.pk).update(closed_on=dt.date(2000, 1, 1))
    response = client.post(reverse("open311:requests", kwargs={"fmt": "json"}), {
        "service_code": "municipal", "description": LAMP, "address_string": "幸福小区 3 栋",
        "attribute[grid]": str(grid.pk)})
    assert response.status_code == 400 and "attribute[grid] 不是网格编号" in response.json()[0]["description"]
    assert not Demand.objects.exists()


def app_statements(client, world, address: str) -> list[str]:
    """The statements of one last step, without the test's own savepoints (a request's BEGIN/COMMIT)."""
    data = fields(world)
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(NEW, data, REMOTE_ADDR=address).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_a_submission_to_a_chosen_grid_runs_eleven_statements_and_one_more_for_working_time(client, world, db_tasks):
    """Grid, category, bucket lock, count and add, the demand's key, rule, the demand (its number and
    status in the same row: no UPDATE after it), history, audit, follower, the holders' job; a
    working-time rule reads the calendar."""
    rule = DeadlineRule.objects.get(category__code="municipal", urgency=Urgency.NORMAL)
    assert rule.clock == Clock.NATURAL
    statements = app_statements(client, world, "10.0.0.9")
    assert len(statements) == 11 and not [sql for sql in statements if "UPDATE \"demands_demand\"" in sql]
    demand = Demand.objects.get()
    assert demand.ref == f"MX{demand.received_at.astimezone(dt.timezone(dt.timedelta(hours=8))):%Y}{demand.pk:07d}"
    DeadlineRule.objects.filter(pk=rule.pk).update(clock=Clock.WORKING)
    assert len(app_statements(client, world, "10.0.0.10")) == 12
