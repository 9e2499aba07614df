"""In demo mode the login page says what the demo holds, counted from the records."""

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zongheng.orgs.models import Org


@override_settings(DEMO_MODE=True)
def test_the_demo_login_page_counts_what_the_demo_holds(client, tree):
    body = client.get(reverse("accounts:login")).content.decode()
    grids = Org.objects.filter(level__code="grid", kind="regular").count()
    assert "演示数据里有什么" in body
    assert f"{tree.district.name}：" in body and f"{grids} 个网格" in body


@override_settings(DEMO_MODE=True)
def test_the_summary_is_counted_once_not_on_every_visit(client, tree):
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("accounts:login"))
    with CaptureQueriesContext(connection) as second:
        body = client.get(reverse("accounts:login")).content.decode()
    assert any("orgs_person" in q["sql"] for q in first.captured_queries)
    assert not any("orgs_person" in q["sql"] for q in second.captured_queries)
    assert f"{tree.district.name}：" in body


def test_outside_demo_mode_the_login_page_says_nothing_of_it(client, tree):
    assert "演示数据里有什么" not in client.get(reverse("accounts:login")).content.decode()
