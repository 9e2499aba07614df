"""The pace rule of 结对共建 (``cobuild.pace``), with the clock passed in: expected by now =
floor(required × elapsed days / days in year); behind = held this year < expected. The warning
``cobuild.pairing_behind_pace`` appears for both sides when a pairing falls behind, the street sees it
through its subtree, it clears when an activity catches the pairing up, and a second sweep changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cobuild.factories_agreements import aware, log, make_pairing, make_world
from zongheng.cobuild.pace import RULE, expected_by, fell_behind_on, find_behind, pace, pace_of
from zongheng.core.models import EarlyWarning
from zongheng.core.warnings import sweep


@pytest.mark.parametrize("day,expected", [
    (dt.date(2018, 1, 1), 0), (dt.date(2018, 4, 1), 0), (dt.date(2018, 4, 2), 1),  # 4 × 92 / 365 = 1.008
    (dt.date(2018, 7, 1), 1), (dt.date(2018, 7, 2), 2), (dt.date(2018, 12, 30), 3), (dt.date(2018, 12, 31), 4),
])
def test_expected_by_is_the_floor_of_the_elapsed_share(day, expected):
    assert expected_by(4, day) == expected


def test_a_pairing_begun_this_year_counts_from_its_start_and_an_ended_one_is_never_behind():
    assert expected_by(4, dt.date(2018, 12, 31), starts_on=dt.date(2018, 10, 1)) == 4 * 92 // 365
    assert not pace_of(4, 0, dt.date(2018, 12, 31), dt.date(2017, 1, 1), ends_on=dt.date(2018, 6, 30)).behind
    assert not pace_of(4, 0, dt.date(2018, 12, 31), dt.date(2019, 1, 1)).behind


@given(required=st.integers(1, 52), held=st.integers(0, 60),
       day=st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_behind_exactly_when_fewer_than_expected_and_the_day_it_fell_behind_is_right(required, held, day):
    p = pace_of(required, held, day, dt.date(2000, 1, 1))
    assert p.behind == (held < expected_by(required, day))
    if p.behind:
        assert p.due_on is not None and p.due_on <= day
        assert expected_by(required, p.due_on) >= held + 1  # behind from that day …
        assert p.due_on == dt.date(day.year, 1, 1) or expected_by(required, p.due_on - dt.timedelta(days=1)) <= held
    else:
        assert fell_behind_on(required, held, day) is None or fell_behind_on(required, held, day) > day


@pytest.fixture
def w(tree):
    return make_world(tree)


def _open(rule=RULE):
    return EarlyWarning.objects.open().filter(rule=rule)


def test_the_warning_appears_for_both_sides_and_clears_when_caught_up(w):
    # The unit sits in the other street (a city unit pairs with a community elsewhere).
    p = make_pairing(w.secretary, w.community, w.other_unit)
    log(w.other_liaison, p, dt.date(2018, 2, 10))
    july = aware(dt.date(2018, 7, 20))  # two expected by now (4 × 201 / 365 = 2.2), one held
    assert pace(p, july.date()).behind
    sweep(july, [RULE])
    rows = {r.key: r for r in _open()}
    assert set(rows) == {f"{p.pk}:org", f"{p.pk}:unit"}
    assert rows[f"{p.pk}:org"].org_path == w.community.path
    assert rows[f"{p.pk}:unit"].org_path == w.other_unit.org_path
    # The community's secretary and the street above see the community side, the unit's liaison (and the
    # community where the unit sits) the unit side; another unit sees nothing.
    for user, n in ((w.secretary, 1), (w.street, 1), (w.other_liaison, 1), (w.other_secretary, 1), (w.liaison, 0)):
        assert _open().restrict(user).count() == n, user.username
    # Twice in a row: nothing changes.
    before = list(EarlyWarning.objects.order_by("id").values())
    assert sweep(july, [RULE]) == {RULE: (0, 0)}
    assert list(EarlyWarning.objects.order_by("id").values()) == before
    # An activity catches it up: both clear at the next sweep.
    log(w.secretary, p, dt.date(2018, 7, 18), now=july)
    assert not pace(p, july.date()).behind
    assert sweep(july, [RULE]) == {RULE: (0, 2)}
    assert not _open().exists()
    assert EarlyWarning.objects.filter(rule=RULE, cleared_at=july).count() == 2


def test_an_outside_partner_warns_the_community_only(w):
    p = make_pairing(w.secretary, w.community)
    sweep(aware(dt.date(2018, 5, 1)), [RULE])
    assert [r.key for r in _open()] == [f"{p.pk}:org"]


def test_the_warning_comes_back_when_the_pace_moves_on(w):
    p = make_pairing(w.secretary, w.community, w.unit)
    log(w.liaison, p, dt.date(2018, 3, 1))
    assert sweep(aware(dt.date(2018, 6, 1)), [RULE]) == {RULE: (0, 0)}  # one expected, one held
    assert sweep(aware(dt.date(2018, 7, 3)), [RULE]) == {RULE: (2, 0)}  # the second is now expected


def test_find_returns_exactly_the_pairings_behind(w):
    on_pace = make_pairing(w.secretary, w.community, w.unit)
    behind = make_pairing(w.other_secretary, w.other_community, w.other_unit)
    young = make_pairing(w.secretary, w.community, starts_on=dt.date(2018, 11, 1))
    for day in (dt.date(2018, 1, 5), dt.date(2018, 3, 5), dt.date(2018, 6, 5)):
        log(w.liaison, on_pace, day)
    log(w.other_liaison, behind, dt.date(2018, 1, 5))
    found = {d.key for d in find_behind(aware(dt.date(2018, 8, 1)))}
    assert found == {f"{behind.pk}:org", f"{behind.pk}:unit"}
    assert not pace(young, dt.date(2018, 11, 30)).behind


def test_the_rule_runs_a_constant_number_of_queries(w, django_assert_max_num_queries):
    for _ in range(3):
        make_pairing(w.secretary, w.community)
    with django_assert_max_num_queries(3):
        small = find_behind(aware(dt.date(2018, 8, 1)))
    for _ in range(10):
        make_pairing(w.secretary, w.community)
    with django_assert_max_num_queries(3):
        big = find_behind(aware(dt.date(2018, 8, 1)))
    assert len(big) > len(small)
