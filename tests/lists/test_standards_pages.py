"""标准化建设 pages, API, export and hub: who sees which card, who may score, what a refused score leaves behind.

One small tree with random records (``factories_standards``) built once for the module."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import build_tree, make_post, module_transaction, user_with_post
from tests.lists import factories_standards as fs
from zongheng.core.errors import ActionError
from zongheng.core.indicators import Quarter
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.lists import actions_standards, standards
from zongheng.lists.models_standards import Assessment, StandardIndicator

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
Q = fs.QUARTER.key


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            yield fs.make_world(build_tree(), random.Random(SEED))


def _ind(kind: str, code: str) -> StandardIndicator:
    return StandardIndicator.objects.get(kind__framework__active=True, kind__code=kind, code=code)


def _card(client, org, period=Q):  # type: ignore[no-untyped-def]
    return client.get(reverse("lists:standard_card", args=[org.pk]), {"period": period})


def test_a_secretary_reads_their_cards_and_each_computed_value_opens_its_rows(client, world, db):
    client.force_login(world.community)
    response = _card(client, world.tree.communities[0])
    assert response.status_code == 200
    card = response.context["card"]
    for line in card.lines:
        if line.computed:
            assert line.url and f'href="{line.url}"'.replace("&", "&amp;") in response.content.decode()
    assert _card(client, world.tree.grids[0]).status_code == 200


def test_a_card_out_of_scope_answers_404_like_a_missing_one(client, world, db):
    client.force_login(world.community)
    assert _card(client, world.tree.communities[1]).status_code == 404
    assert client.get(reverse("lists:standard_card", args=[10**12])).status_code == 404
    assert client.get(reverse("api:std_card", args=[world.tree.communities[1].pk])).status_code == 404


def test_a_malformed_or_future_quarter_is_refused_in_chinese(client, world, db):
    client.force_login(world.community)
    bad = _card(client, world.tree.communities[0], "2026-Q9")
    assert bad.status_code == 400 and "期间格式" in bad.content.decode()
    future = Quarter.of(timezone.localdate() + dt.timedelta(days=120)).key
    later = _card(client, world.tree.communities[0], future)
    assert later.status_code == 400 and "尚未开始" in later.content.decode()
    api = client.get(reverse("api:std_card", args=[world.tree.communities[0].pk]), {"period": future})
    assert api.status_code == 400


def test_the_ranking_compares_only_inside_the_viewers_own_subtree(client, world, db):
    street = world.tree.streets[0]
    client.force_login(world.street)
    response = client.get(reverse("lists:standard_ranking"), {"org": street.pk, "level": "community", "period": Q})
    names = [c.org.name for c, _ in response.context["rows"]]
    assert sorted(names) == sorted(o.name for o in world.tree.communities if o.path.startswith(street.path))
    # A community secretary ranks its own grids, never its sibling communities (the street is not theirs).
    client.force_login(world.community)
    assert client.get(reverse("lists:standard_ranking"), {"org": street.pk}).status_code == 404
    mine = client.get(reverse("lists:standard_ranking"), {"period": Q})
    assert {c.org.id for c, _ in mine.context["rows"]} <= {o.pk for o in world.tree.grids}
    api = client.get(reverse("api:std_cards"), {"org": street.pk})
    assert api.status_code == 404


def test_a_grid_leader_without_list_view_sees_no_card_and_no_ranking(client, world, db):
    client.force_login(world.grid_leader)
    assert _card(client, world.tree.grids[0]).status_code == 403
    assert client.get(reverse("lists:standard_ranking")).status_code == 403
    assert client.get(reverse("api:std_cards")).status_code == 403


def test_only_an_assessor_strictly_above_may_score_no_self_assessment(client, world, db):
    community = world.tree.communities[0]
    ind = _ind("community", "c05")
    with pytest.raises(ActionError, match="上级组织"):
        actions_standards.do_assess(world.community, community, fs.QUARTER, ind, {"score": 10, "evidence": "自评"})
    assert not Assessment.objects.filter(org=community, indicator=ind).exists()
    client.force_login(world.community)
    assert client.get(reverse("lists:standard_assess", args=[community.pk]), {"period": Q}).status_code == 403
    response = client.post(reverse("api:std_assess", args=[community.pk]),
                           {"period": Q, "indicator": ind.pk, "score": "9", "evidence": "自评"},
                           content_type="application/json")
    assert response.status_code == 403
    # The street's secretary, above it, may.
    client.force_login(world.street)
    response = client.post(f"{reverse('lists:standard_assess', args=[community.pk])}?period={Q}",
                           {"indicator": ind.pk, "score": "8.5", "evidence": "阵地开放记录齐全",
                            "evidence_file": SimpleUploadedFile("记录.pdf", b"%PDF-1.4 x")})
    assert response.status_code == 302
    row = Assessment.objects.get(org=community, indicator=ind, period=Q)
    assert (row.score, row.assessor_id) == (Decimal("8.5"), world.street.pk)
    log = AuditLog.objects.filter(action="lists.standard_assess").latest("id")
    assert log.after["score"] == "8.5" and log.org_path == community.path
    card = _card(client, community).context["card"]
    line = next(ln for ln in card.lines if ln.indicator.pk == ind.pk)
    assert line.score == Decimal("8.5") and not line.pending
    assert client.get(reverse("lists:standard_evidence", args=[row.pk])).status_code == 200
    client.force_login(world.tree and user_with_post(world.tree.communities[1], Role.SECRETARY))
    assert client.get(reverse("lists:standard_evidence", args=[row.pk])).status_code == 404


@pytest.mark.parametrize("data,message", [
    ({"score": "99", "evidence": "超出"}, "不能超过"),
    ({"score": "-1", "evidence": "负分"}, "不能小于"),
    ({"score": "5", "evidence": ""}, "评分依据"),
    ({"score": "abc", "evidence": "x"}, "数字"),
])
def test_a_bad_score_gets_a_chinese_message_and_changes_nothing(client, world, db, data, message):
    grid = world.tree.grids[0]
    ind = _ind("grid", "r03")
    before = list(Assessment.objects.filter(org=grid).values_list("id", "score"))
    client.force_login(world.community)
    response = client.post(f"{reverse('lists:standard_assess', args=[grid.pk])}?period={Q}",
                           {"indicator": ind.pk, **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert list(Assessment.objects.filter(org=grid).values_list("id", "score")) == before


def test_a_forged_indicator_of_another_kind_is_refused(client, world, db):
    grid = world.tree.grids[0]
    other = _ind("community", "c05")  # a community's indicator, not on a grid's card
    client.force_login(world.community)
    page = client.post(f"{reverse('lists:standard_assess', args=[grid.pk])}?period={Q}",
                       {"indicator": other.pk, "score": "1", "evidence": "x"})
    assert page.status_code == 404
    api = client.post(reverse("api:std_assess", args=[grid.pk]),
                      {"period": Q, "indicator": other.pk, "score": "1", "evidence": "x"},
                      content_type="application/json")
    assert api.status_code == 400 and "不是本组织需人工评分" in api.json()["detail"]
    assert not Assessment.objects.filter(org=grid, indicator=other).exists()


def test_scoring_through_the_api_updates_the_card_and_a_rescore_is_audited(client, world, db):
    grid = world.tree.grids[1]
    ind = _ind("grid", "r03")
    client.force_login(world.community)
    url = reverse("api:std_assess", args=[grid.pk])
    first = client.post(url, {"period": Q, "indicator": ind.pk, "score": "10", "evidence": "挂牌亮相"},
                        content_type="application/json")
    assert first.status_code == 200
    line = next(ln for ln in first.json()["lines"] if ln["indicator_id"] == ind.pk)
    assert line["score"] == 10.0 and not line["pending"]
    again = client.post(url, {"period": Q, "indicator": ind.pk, "score": "12.5", "evidence": "复核后加分"},
                        content_type="application/json")
    assert again.status_code == 200
    assert Assessment.objects.filter(org=grid, indicator=ind).count() == 1
    log = AuditLog.objects.filter(action="lists.standard_assess", object_id=str(
        Assessment.objects.get(org=grid, indicator=ind).pk)).latest("id")
    assert (log.before["score"], log.after["score"]) == ("10.0", "12.5")


def test_the_ranking_page_and_api_run_a_constant_number_of_queries(client, world, db,
                                                                  django_assert_max_num_queries):
    client.force_login(world.dept)
    with django_assert_max_num_queries(60):
        response = client.get(reverse("lists:standard_ranking"),
                              {"org": world.tree.district.pk, "level": "household", "period": Q})
    assert response.status_code == 200
    with django_assert_max_num_queries(60):
        assert client.get(reverse("api:std_cards"), {"level": "grid", "period": Q}).status_code == 200


def test_the_export_holds_the_ranked_cards_of_the_page(client, world, db):
    client.force_login(world.dept)
    params = {"org": world.tree.district.pk, "level": "community", "period": Q}
    response = client.get(reverse("lists:standard_ranking_export"), params)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    ranked = standards.ranking(world.tree.district, "community", fs.QUARTER, timezone.now())
    assert [(r[0], r[1], Decimal(str(r[4]))) for r in rows[1:]] == [(c.rank, c.org.name, c.total) for c in ranked]


def test_the_hub_shows_my_card_and_my_rank_only_where_i_may_see_the_parent(client, world, db):
    client.force_login(world.community)
    hub = client.get(reverse("lists:home")).content.decode()
    assert "标准化建设" in hub and world.tree.communities[0].name in hub and "内排第" not in hub
    # The same secretary also sits on the street's committee: now the rank inside the street shows.
    make_post(world.community.person, world.tree.streets[0], Role.COMMITTEE_MEMBER)
    hub = client.get(reverse("lists:home")).content.decode()
    assert f"在{world.tree.streets[0].name}内排第" in hub


def test_the_framework_lists_the_one_and_the_nine(client, world, db):
    client.force_login(world.grid_leader)
    assert client.get(reverse("lists:standard_framework")).status_code == 403
    client.force_login(world.community)
    response = client.get(reverse("api:std_framework"))
    kinds = response.json()["kinds"]
    assert sum(k["general"] for k in kinds) == 1 and len(kinds) == 10
    page = client.get(reverse("lists:standard_framework")).content.decode()
    assert all(k["name"] in page for k in kinds)
