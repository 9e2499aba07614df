"""``core.pipeline``: querysets sent while the next are built give exactly what ``values()`` gives, in order — the
dashboard's figures depend on it (on PostgreSQL they run in psycopg's pipeline mode; elsewhere one by one)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import Length, Substr
from django.test.utils import CaptureQueriesContext

from zongheng.core.pipeline import Pipeline
from zongheng.orgs.models import Org


def querysets(tree):  # type: ignore[no-untyped-def]
    orgs = Org.objects.filter(path__startswith=tree.district.path)
    return [
        # an annotation named before a field in values(): the row's order is the select's, not the call's
        orgs.annotate(_node=Substr("path", 1, 8), _len=Length("name")).values("_len", "_node", "depth")
        .annotate(n=Count("pk"), total=Sum("numchild")).order_by(),
        orgs.none().values("pk"),  # nothing can match: no query at all
        orgs.annotate(share=F("numchild") * Value(Decimal("1.5"))).values("name", "share").order_by("path"),
        orgs.values("level__code").annotate(n=Count("pk")).order_by("level__code"),
    ]


def test_results_equal_values_in_the_order_added(tree):
    expected = [list(qs) for qs in querysets(tree)]
    assert expected[0] and expected[2] and expected[3]
    with CaptureQueriesContext(connection) as ctx:
        pipeline = Pipeline()
        indexes = [pipeline.add(qs) for qs in querysets(tree)]
        assert Org.objects.count() == len(expected[2])  # another query while the pipeline is open
        results = pipeline.results()
    assert indexes == [0, 1, 2, 3]
    assert results == expected
    assert len(ctx) == 4  # three queries and the count, each counted like any other
    assert Org.objects.filter(pk=tree.district.pk).exists()  # the connection is usable afterwards


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipeline runs on PostgreSQL only")
def test_a_failing_query_raises_a_database_error_and_leaves_the_connection_usable(tree):
    with pytest.raises(DatabaseError), transaction.atomic():  # as a request's error rolls back
        pipeline = Pipeline()
        pipeline.add(Org.objects.values("pk"))
        pipeline.add(Org.objects.annotate(bad=F("depth") / Value(0)).values("bad"))  # division by zero
        pipeline.results()
    assert Org.objects.filter(pk=tree.district.pk).exists()
