"""Cadre records rest on front-line work: what ``frontline`` finds for a person is exactly their records in the
other modules; a star or promotion cites only that person's work in the period inside the recorder's scope (a
forged id, another person's work, an out-of-scope record are refused in Chinese and change nothing); one star per
person per month; every write audited; the figures equal a count of the raw records."""

from __future__ import annotations

import datetime as dt
import os
import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import build_tree, module_transaction
from tests.lists.factories_cadres import T0, key, make_world, star
from zongheng.core.access import in_scope
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Perm
from zongheng.lists import actions_cadres, frontline
from zongheng.lists import selectors_cadres as sel
from zongheng.lists.models import CadreStar, Citation, Promotion, Task

RNG = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID"))


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            yield make_world(build_tree())


def _counts() -> tuple[int, int, int, int]:
    return CadreStar.objects.count(), Promotion.objects.count(), Citation.objects.count(), AuditLog.objects.count()


def test_front_line_work_is_the_persons_own_records_of_every_kind(w, db):
    year = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
    found = {x.key for x in frontline.find(w.a, *year)}
    assert found == {key(w.work["t1"]), key(w.work["task"]), key(w.work["demand"]), key(w.work["campaign"])}
    assert {x.key for x in frontline.find(w.b, *year)} == {key(w.work["t2"])}
    assert frontline.find(w.a, dt.date(2016, 1, 1), dt.date(2016, 12, 31)) == []  # nothing before it began


def test_front_line_work_is_read_inside_the_readers_scope(w, db):
    year = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
    assert {x.key for x in frontline.find(w.c, *year, w.dept)} == {key(w.work["t3"])}
    assert frontline.find(w.c, *year, w.street_dept) == []  # community 2 lies in the other street


def test_a_star_citing_the_persons_work_is_saved_with_its_citations_and_audited(w, db):
    before = AuditLog.objects.filter(action="lists.star_select").count()
    s = star(w.dept, w.a, "2018-07", [w.work["campaign"], w.work["demand"]])
    assert s.org_path == w.a.org_path and s.month == dt.date(2018, 7, 1)
    assert sorted(c.key for c in s.citations.all()) == sorted([key(w.work["campaign"]), key(w.work["demand"])])
    assert AuditLog.objects.filter(action="lists.star_select").count() == before + 1


def test_one_star_per_person_per_month(w, db):
    star(w.dept, w.b, "2018-06", [w.work["t2"]])
    counts = _counts()
    with pytest.raises(ActionError, match="每月只能评选一次"):
        star(w.dept, w.b, "2018-06", [w.work["t2"]])
    assert _counts() == counts


@pytest.mark.parametrize("case", ["other_persons_work", "forged_id", "unknown_kind", "nothing_cited",
                                  "out_of_period", "out_of_scope_person", "future_month", "no_right"])
def test_a_bad_citation_or_request_is_refused_in_chinese_and_changes_nothing(w, db, case):
    user, person, month, works = w.dept, w.a, "2018-07", [key(w.work["t1"])]
    if case == "other_persons_work":
        works = [key(w.work["t2"])]
    elif case == "forged_id":
        works = ["temp_org:999999999"]
    elif case == "unknown_kind":
        works = ["visit:1"]
    elif case == "nothing_cited":
        works = []
    elif case == "out_of_period":
        month = "2018-01"  # the branch opened in March
    elif case == "out_of_scope_person":
        user, person, works = w.street_dept, w.c, [key(w.work["t3"])]
    elif case == "future_month":
        month = "2019-03"
    elif case == "no_right":
        user = w.viewer
    counts = _counts()
    with pytest.raises(ActionError) as info:
        actions_cadres.do_select_star(user, {"person": person.pk, "month": month, "deeds": "事迹",
                                             "work": works}, now=T0)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)
    assert _counts() == counts


def test_a_promotion_cites_work_of_the_three_years_before_it(w, db):
    p = actions_cadres.do_record_promotion(w.dept, {
        "person": w.a.pk, "promoted_on": dt.date(2018, 10, 8), "from_post": "临时党支部书记",
        "to_post": "街道党工委委员", "doc_no": "迎组干〔2018〕1号", "reason": "项目一线表现突出",
        "work": [key(w.work["t1"]), key(w.work["task"])]}, now=T0)
    assert {c.key for c in p.citations.all()} == {key(w.work["t1"]), key(w.work["task"])}
    counts = _counts()
    with pytest.raises(ActionError):  # the branch opened after this day
        actions_cadres.do_record_promotion(w.dept, {
            "person": w.a.pk, "promoted_on": dt.date(2018, 2, 1), "from_post": "x", "to_post": "y", "reason": "z",
            "work": [key(w.work["t1"])]}, now=T0)
    assert _counts() == counts


def test_a_withdrawn_star_leaves_only_its_audit_record(w, db):
    s = star(w.dept, w.b, "2018-09", [w.work["t2"]])
    actions_cadres.do_withdraw_star(w.dept, s)
    assert not CadreStar.objects.filter(pk=s.pk).exists()
    assert not Citation.objects.filter(star_id=s.pk).exists()
    log = AuditLog.objects.filter(action="lists.star_withdraw", object_id=str(s.pk)).get()
    assert log.before["cited"] == [key(w.work["t2"])]


def test_a_citation_outlives_its_record_as_a_label_without_a_link(w, db):
    s = star(w.dept, w.a, "2018-04", [w.work["task"], w.work["t1"]])
    Task.objects.filter(pk=w.work["task"].pk).delete()  # (the shared object keeps its id)
    cited = sel.cited(w.dept, [s])[("star", s.pk)]
    assert [(c.label, c.url is None) for c in cited] == [
        (c.label, c.kind == "task") for c in Citation.objects.filter(star=s).order_by("id")]
    assert Citation.objects.filter(star=s, kind="task", task__isnull=True).count() == 1


def test_the_figures_equal_a_count_of_the_raw_records(w, db):
    CadreStar.objects.all().delete()
    Promotion.objects.all().delete()
    people = {w.a: w.work["t1"], w.b: w.work["t2"], w.c: w.work["t3"]}
    months = [dt.date(2018, m, 1) for m in range(6, 13)]
    for person, work in people.items():
        for month in RNG.sample(months, RNG.randint(0, len(months))):
            star(w.dept, person, f"{month:%Y-%m}", [work])
        if RNG.random() < 0.8:
            actions_cadres.do_record_promotion(w.dept, {
                "person": person.pk, "promoted_on": dt.date(2018, RNG.randint(6, 12), 15), "from_post": "书记",
                "to_post": "委员", "reason": "一线", "work": [key(work)]}, now=T0)
    start, end = dt.date(2018, 1, 1), dt.date(2018, 12, 31)
    for user in (w.dept, w.street_dept, w.viewer, w.other_viewer):
        paths = [p for p in {w.a.org_path, w.c.org_path} if in_scope(user, Perm.LIST_VIEW, p)]
        raw_stars = [s for s in CadreStar.objects.all() if any(s.org_path.startswith(p) for p in paths)]
        raw_promos = [p for p in Promotion.objects.all() if any(p.org_path.startswith(x) for x in paths)]
        assert sel.stars_count(user, start, end) == len(raw_stars)
        assert sel.promotions_count(user, start, end) == len(raw_promos)
        promoted = {p.person_id for p in raw_promos}
        starred = {p.person_id for p in raw_promos
                   if any(s.person_id == p.person_id and s.month <= p.promoted_on for s in CadreStar.objects.all())}
        assert sel.promoted_with_star(user, start, end) == (len(starred), len(promoted))


def _expected_own(w, month: dt.date) -> set[str]:  # type: ignore[no-untyped-def]
    """``a``'s work in a star's window, from the dates the factory wrote (not through ``frontline``)."""
    start, end = frontline.star_window(month)
    spans = {key(w.work["t1"]): (dt.date(2018, 3, 1), dt.date.max),
             key(w.work["task"]): (dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
             key(w.work["demand"]): (dt.date(2018, 6, 10), dt.date(2018, 6, 10)),
             key(w.work["campaign"]): (dt.date(2018, 7, 1), dt.date(2018, 7, 14))}
    return {k for k, (first, last) in spans.items() if first <= end and last >= start}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(month=st.sampled_from([dt.date(y, m, 1) for y in (2017, 2018) for m in range(1, 13)]),
       picks=st.lists(st.sampled_from(["t1", "t2", "t3", "task", "demand", "campaign"]), min_size=1, max_size=4,
                      unique=True))
def test_a_star_is_saved_exactly_when_every_citation_is_the_persons_own_work_of_its_window(w, db, month, picks):
    keys = [key(w.work[p]) for p in picks]
    with transaction.atomic():
        counts = _counts()
        try:
            s = actions_cadres.do_select_star(w.dept, {"person": w.a.pk, "month": f"{month:%Y-%m}", "deeds": "一线",
                                                       "work": keys}, now=T0)
        except ActionError:
            assert not set(keys) <= _expected_own(w, month)
            assert _counts() == counts
        else:
            assert set(keys) <= _expected_own(w, month)
            assert {c.key for c in s.citations.all()} == set(keys)
        transaction.set_rollback(True)
