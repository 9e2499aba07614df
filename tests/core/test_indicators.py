"""The ground's indicator registry (``core.indicators``): modules register computed indicators; a compute runs only
for the organisations of the kinds it applies to; ``prefix_groups`` aggregates each organisation's subtree with one
GROUP BY per depth, whatever the number of organisations; quarters are read in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from tests.factories import build_tree
from zongheng.core import indicators as registry
from zongheng.core.indicators import OrgRef, Quarter, Reading
from zongheng.orgs.models import Org


def _refs(orgs):  # type: ignore[no-untyped-def]
    return [OrgRef(o.pk, o.path, o.name, o.level.code) for o in orgs]


def test_the_modules_register_their_computed_indicators():
    codes = {i.code for i in registry.indicators()}
    assert {"meeting.on_time", "notice.ack", "demand.resolution", "demand.satisfaction", "cobuild.pairing_pace",
            "member.visit_coverage", "list.task_progress"} <= codes
    assert all(i.label and i.method for i in registry.indicators())


def test_a_registered_indicator_is_computed_only_for_the_kinds_it_applies_to(db):
    tree = build_tree()
    seen: list[list[int]] = []

    def compute(orgs, quarter, now):  # type: ignore[no-untyped-def]
        seen.append([o.id for o in orgs])
        return {o.id: Reading.ratio(1, 2, "/x/") for o in orgs}

    registry.register_indicator("test.grids_only", "测试指标", ("grid",), compute, "测试")
    try:
        out = registry.compute("test.grids_only", _refs(Org.objects.select_related("level")), Quarter(2026, 1),
                               dt.datetime.now(dt.UTC))
    finally:
        registry._INDICATORS.pop("test.grids_only")
    assert seen == [[g.pk for g in tree.grids]] and set(out) == {g.pk for g in tree.grids}
    assert out[tree.grids[0].pk] == Reading("1/2", 0.5, "/x/")
    assert registry.compute("no.such", _refs(tree.grids), Quarter(2026, 1), dt.datetime.now(dt.UTC)) == {}


def test_prefix_groups_sums_each_subtree_in_one_query_per_depth(db):
    tree = build_tree()
    orgs = list(Org.objects.select_related("level"))
    with CaptureQueriesContext(connection) as ctx:
        groups = registry.prefix_groups(Org.objects.all(), "path", _refs(orgs), n=Count("pk"))
    assert len(ctx.captured_queries) == len({len(o.path) for o in orgs})
    for o in orgs:
        assert groups[o.pk]["n"] == sum(1 for x in orgs if x.path.startswith(o.path))
    assert groups[tree.district.pk]["n"] == len(orgs)


@pytest.mark.parametrize("text", ["2026-Q5", "2026Q1", "1999-Q1", "", "2026-Q1x"])
def test_a_malformed_quarter_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="期间格式"):
        Quarter.parse(text)


def test_a_quarter_runs_from_local_midnight_to_local_midnight():
    q = Quarter.parse("2026-Q4")
    assert (q.start, q.end, q.label) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026年第四季度")
    assert q.starts_at.utcoffset() == dt.timedelta(hours=8)
    assert Quarter.of(dt.date(2026, 3, 31)).previous() == Quarter(2025, 4)
