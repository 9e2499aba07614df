"""述职评议 pages, API and exports: who sees what.

The organiser (the district) sees every subject's result; a subject sees only their own published result — their
per-group means, total, grade, rank and the comments, never who gave them nor another subject; a rater sees only
the subjects they rate and their own votes; with the round anonymous the organiser's pages and exports show no
rater; a round seen in no capacity answers 404 like a missing one. The list page and the results run a constant
number of queries. The world is built once for the module (a scoring round with votes, and a published copy of it
that is not anonymous)."""

from __future__ import annotations

import io
import json
import os
import random
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tests.factories import build_tree, make_person, module_transaction
from tests.lists.factories_evaluations import make_round, make_world, subject_of, vote_all
from zongheng.core.todo import todos_for
from zongheng.lists import actions_evaluations as actions
from zongheng.lists import scoring
from zongheng.lists.choices_evaluations import EvalMove
from zongheng.lists.models_evaluations import EvalRound, EvalSheet, EvalVote

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
API = "/api/v1/lists/evaluations"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker), django_db_blocker.unblock():
        w = make_world(build_tree())
        published = make_round(w, anonymous=False, title="2017年度述职评议")
        vote_all(w, published, random.Random(SEED), sheets=2)
        actions.do_move_round(w.dept, published, EvalMove.CLOSE)
        w.published = actions.do_move_round(w.dept, published, EvalMove.PUBLISH)
        r = make_round(w, anonymous=True)
        vote_all(w, r, random.Random(SEED + 1), share=0.5, sheets=1)
        yield w


def _rater_names(w) -> list[str]:
    return [u.person.name for u in [w.leader, *w.members]]


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_organiser_sees_every_subjects_result_and_no_rater_when_anonymous(client, world, db):
    client.force_login(world.dept)
    body = client.get(reverse("lists:eval_round", args=[world.round.pk])).content.decode()
    res = scoring.results(world.round)
    for row in res.rows:
        assert row.name in body and (row.total is None or str(row.total) in body)
    s = subject_of(world.round, world.secretaries[0])
    page = client.get(reverse("lists:eval_subject", args=[world.round.pk, s.pk])).content.decode()
    assert "匿名评议" in page and not any(name in page for name in _rater_names(world))


def test_the_organiser_sees_who_gave_which_score_when_the_round_is_not_anonymous(client, world, db):
    client.force_login(world.dept)
    s = subject_of(world.published, world.secretaries[0])
    page = client.get(reverse("lists:eval_subject", args=[world.published.pk, s.pk])).content.decode()
    voters = EvalVote.objects.filter(subject=s, rater__isnull=False).values_list("rater__person__name", flat=True)
    assert voters and all(name in page for name in voters)


def test_a_subject_sees_only_their_own_result_and_comments_never_who_gave_them(client, world, db):
    me = world.secretaries[1]
    client.force_login(me)
    r = world.published
    s = subject_of(r, me)
    page = client.get(reverse("lists:eval_my_result", args=[r.pk])).content.decode()
    mine = scoring.results(r).for_subject(s.pk)
    assert str(mine.total) in page and mine.grade in page and f"第 {mine.rank} 名" in page
    for comment in scoring.comments_for(s.pk):
        assert comment in page
    others = [u.person.name for u in world.secretaries if u != me]
    assert not any(name in page for name in others + _rater_names(world))
    # The round's page shows them no results table, and another subject's page is 404.
    detail = client.get(reverse("lists:eval_round", args=[r.pk])).content.decode()
    assert not any(name in detail for name in others)
    other = subject_of(r, world.secretaries[2])
    assert client.get(reverse("lists:eval_subject", args=[r.pk, other.pk])).status_code == 404
    assert client.get(reverse("lists:eval_notice", args=[r.pk, other.pk])).status_code == 404
    assert client.get(reverse("lists:eval_export", args=[r.pk])).status_code == 404
    # Not published yet: no result.
    assert client.get(reverse("lists:eval_my_result", args=[world.round.pk])).status_code == 404


def test_a_subjects_notice_holds_their_scores_grade_rank_and_comments_without_raters(client, world, db):
    me = world.secretaries[0]
    client.force_login(me)
    s = subject_of(world.published, me)
    response = client.get(reverse("lists:eval_notice", args=[world.published.pk, s.pk]))
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells)
    mine = scoring.results(world.published).for_subject(s.pk)
    assert str(mine.total) in text and mine.grade in text and f"第 {mine.rank} 名" in text
    assert all(c in text for c in scoring.comments_for(s.pk))
    assert not any(name in text for name in _rater_names(world))


def test_a_rater_sees_only_the_subjects_they_rate_and_their_own_votes(client, world, db):
    me = world.secretaries[2]
    client.force_login(me)
    r = world.round
    page = client.get(reverse("lists:eval_rate", args=[r.pk])).content.decode()
    assert all(u.person.name in page for u in world.secretaries if u != me)
    own = subject_of(r, me)
    assert client.get(reverse("lists:eval_rate_subject", args=[r.pk, own.pk])).status_code == 404
    detail = client.get(f"{API}/{r.pk}").json()
    assert detail["rater_group"] == "同级书记" and own.pk not in {v["subject"] for v in detail["my_votes"]}
    for v in detail["my_votes"]:
        vote = EvalVote.objects.filter(rater__person_id=me.person_id, subject_id=v["subject"]).first()
        assert v["voted"] == (vote is not None)
        if vote:
            assert {k: Decimal(x) for k, x in v["scores"].items()} == {
                str(s.item_id): s.score for s in vote.scores.all()}
    # A rater who is not the organiser reads no results.
    client.force_login(world.members[0])
    assert client.get(f"{API}/{r.pk}/results").status_code == 404
    assert client.get(reverse("lists:eval_export", args=[r.pk])).status_code == 404


def test_a_round_seen_in_no_capacity_answers_404(client, world, db):
    client.force_login(world.street_secretary)  # evaluation.run on a street, not on the district's round
    for url in (reverse("lists:eval_round", args=[world.round.pk]), reverse("lists:eval_rate", args=[world.round.pk]),
                reverse("lists:eval_export", args=[world.round.pk]), f"{API}/{world.round.pk}",
                f"{API}/{world.round.pk}/results", reverse("lists:eval_round", args=[999999])):
        assert client.get(url).status_code == 404, url


def test_the_results_export_equals_the_computed_results_and_hides_raters_when_anonymous(client, world, db):
    client.force_login(world.dept)
    for r in (world.round, world.published):
        wb = load_workbook(io.BytesIO(client.get(reverse("lists:eval_export", args=[r.pk])).content))
        rows = list(wb["评议结果"].iter_rows(min_row=2, values_only=True))
        res = scoring.results(r)
        assert [(row[0], row[1], row[-2], row[-1] or "") for row in rows] == [
            (x.rank, x.name, float(x.total) if x.total is not None else None, x.grade) for x in res.rows]
        detail = [row[2] for row in wb["评分明细"].iter_rows(min_row=2, values_only=True)]
        assert len(detail) == EvalVote.objects.filter(round=r).count()
        names = set(_rater_names(world))
        if r.anonymous:
            assert set(detail) == {"（匿名）"}
        else:
            assert names & set(detail)


def test_the_rounds_list_runs_a_constant_number_of_queries(client, world, db, django_assert_max_num_queries):
    client.force_login(world.dept)
    url = reverse("lists:evals")
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("lists:eval_round", args=[world.round.pk])).status_code == 200


def test_a_rater_finds_their_pending_ratings_in_the_to_do_list_and_the_api(client, world, db):
    from django.utils import timezone

    me = world.members[3]
    r = world.round
    # A member rates only their own community's secretary.
    left = r.subjects.filter(org_id=me.person.org_id).count() - EvalVote.objects.filter(
        round=r, rater__person_id=me.person_id).count()
    items = [t for t in todos_for(me, timezone.now()) if t.kind == "待评议"]
    if left:
        assert items and items[0].title.endswith(f"待评议 {left} 人")
    client.force_login(me)
    pending = client.get(f"{API}/pending").json()
    assert sum(p["left"] for p in pending) == left


def test_voting_through_the_api_once_and_a_second_time_is_refused(client, world, db):
    me = world.members[4]
    r = world.round
    EvalVote.objects.filter(rater__person_id=me.person_id).delete()
    target = r.subjects.get(org_id=me.person.org_id)
    other = r.subjects.exclude(org_id=me.person.org_id).first()
    scores = {str(i.pk): str(i.max_score) for i in r.items.all()}
    client.force_login(me)
    ok = _post(client, f"{API}/{r.pk}/votes", {"subject": target.pk, "scores": scores, "comment": "好"})
    assert ok.status_code == 200 and ok.json()["voted"]
    again = _post(client, f"{API}/{r.pk}/votes", {"subject": target.pk, "scores": scores})
    assert again.status_code == 400 and "不能重复评分" in again.json()["detail"]
    amended = _post(client, f"{API}/{r.pk}/votes",
                    {"subject": target.pk, "scores": scores, "comment": "改", "amend": True})
    assert amended.status_code == 200 and amended.json()["comment"] == "改"
    assert EvalVote.objects.filter(rater__person_id=me.person_id, subject=target).count() == 1
    outside = _post(client, f"{API}/{r.pk}/votes", {"subject": other.pk, "scores": scores})
    assert outside.status_code == 400 and "不在您需评议的名单中" in outside.json()["detail"]


def test_the_organiser_builds_a_round_from_the_pages(client, world, db):
    client.force_login(world.dept)
    response = client.post(reverse("lists:eval_new"), {"org": world.tree.district.pk, "kind": "monthly", "month": 3,
                                                       "year": 2018, "title": "2018年3月每月一评"})
    assert response.status_code == 302
    r = EvalRound.objects.get(title="2018年3月每月一评")
    bad = client.post(reverse("lists:eval_formula", args=[r.pk]), {"groups": "上级 50\n服务对象 40",
                                                                   "items": "成效 100", "bands": "好 90\n差 0"})
    assert "合计须为 100%" in bad.content.decode() and not r.groups.exists()
    client.post(reverse("lists:eval_formula", args=[r.pk]), {"groups": "上级 60\n服务对象 40%",
                                                            "items": "成效 100", "bands": "好 90\n差 0"})
    assert sorted(r.groups.values_list("name", flat=True)) == ["上级", "服务对象"]
    client.post(reverse("lists:eval_subjects_add", args=[r.pk]), {"level": "community"})
    assert r.subjects.count() == len(world.secretaries)
    client.post(reverse("lists:eval_raters", args=[r.pk]), {"group": r.groups.get(name="上级").pk,
                                                           "source": "leaders"})
    assert r.raters.filter(person_id=world.leader.person_id).exists()
    # Named raters are found by name (the search lists only people the organiser may see) and ticked.
    member = world.members[0]
    found = client.get(reverse("lists:eval_rater_people", args=[r.pk]), {"person_q": member.person.name[:3],
                                                                        "people": [member.person_id]})
    assert f'value="{member.person_id}" checked' in found.content.decode()
    client.post(reverse("lists:eval_raters", args=[r.pk]), {"group": r.groups.get(name="服务对象").pk,
                                                           "source": "people", "people": [member.person_id]})
    assert r.raters.filter(person_id=member.person_id, group__name="服务对象").exists()
    outsider = make_person(build_tree().district)  # another district: not in the organiser's scope
    refused = client.post(reverse("lists:eval_raters", args=[r.pk]), {"group": r.groups.get(name="上级").pk,
                                                                     "source": "people", "people": [outsider.pk]})
    assert refused.status_code == 200 and not r.raters.filter(person_id=outsider.pk).exists()
    assert "评议人" in refused.content.decode()
    client.post(reverse("lists:eval_move", args=[r.pk, "open"]))
    r.refresh_from_db()
    assert r.state == "scoring"
    s = r.subjects.order_by("pk").first()
    item = r.items.get()
    client.post(reverse("lists:eval_sheet", args=[r.pk]), {"number": "P-1", "group": r.groups.get(name="服务对象").pk,
                                                           f"s{s.pk}_i{item.pk}": "88.5", f"s{s.pk}_comment": "好"})
    assert EvalSheet.objects.get(round=r, number="P-1").votes.get().scores.get().score == Decimal("88.5")
    again = client.post(reverse("lists:eval_sheet", args=[r.pk]), {"number": "P-1", "group": r.groups.first().pk,
                                                                   f"s{s.pk}_i{item.pk}": "80"})
    assert "已经录入过" in again.content.decode()


def test_the_results_api_gives_the_organiser_every_subject_and_a_subject_only_their_own_row(client, world, db):
    r = world.published
    res = scoring.results(r)
    client.force_login(world.dept)
    rows = client.get(f"{API}/{r.pk}/results").json()["rows"]
    assert [(x["subject"], x["total"] and Decimal(x["total"]), x["grade"], x["rank"]) for x in rows] == [
        (x.subject_id, x.total, x.grade, x.rank) for x in res.rows]
    me = world.secretaries[3]
    client.force_login(me)
    mine = client.get(f"{API}/{r.pk}/results").json()["rows"]
    s = subject_of(r, me)
    assert [x["subject"] for x in mine] == [s.pk] and mine[0]["comments"] == scoring.comments_for(s.pk)
    assert not any(name in json.dumps(mine, ensure_ascii=False) for name in _rater_names(world))


def test_the_organiser_renames_a_round_and_switches_its_anonymity(client, world, db):
    client.force_login(world.dept)
    r = EvalRound.objects.get(pk=world.round.pk)  # a copy: the module's round object stays as built
    response = client.post(reverse("lists:eval_edit", args=[r.pk]), {"title": "改名后的评议", "anonymous": ""})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.title == "改名后的评议" and not r.anonymous
    assert client.get(reverse("lists:eval_edit", args=[world.published.pk])).status_code == 403


def test_a_member_without_a_post_reaches_their_ratings_but_no_hub_link_or_creation(client, world, db):
    me = world.members[0]
    EvalVote.objects.filter(rater__person_id=me.person_id).delete()  # their rating still to do
    client.force_login(me)
    body = client.get(reverse("lists:evals")).content.decode()
    assert reverse("lists:eval_rate", args=[world.round.pk]) in body
    assert reverse("lists:home") + '"' not in body and reverse("lists:eval_new") not in body
    assert client.get(reverse("lists:eval_new")).status_code == 403


def test_a_comment_typed_as_a_formula_is_exported_as_text(client, world, db):
    vote = EvalVote.objects.filter(round=world.published).order_by("pk").first()
    assert vote is not None
    EvalVote.objects.filter(pk=vote.pk).update(comment='=HYPERLINK("http://evil.example","点此")')
    client.force_login(world.dept)
    wb = load_workbook(io.BytesIO(client.get(reverse("lists:eval_export", args=[world.published.pk])).content))
    comments = [row[-1] for row in wb["评分明细"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://evil.example\",\"点此\")" in comments
    assert not any(str(c).startswith("=") for c in comments if c)
