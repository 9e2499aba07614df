"""The figures page as a cadre reads it (issue 13, item 8): it opens on the latest period with data,
rates count only demands already due, a bad period gets a visible Chinese message (no silent
fallback), and each rate is explained on the page itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.demands.conftest import MONDAY
from tests.factories import user_with_post
from zongheng.core.permissions import Role
from zongheng.demands import actions, figures
from zongheng.demands.figures import Period


@pytest.fixture
def district_secretary(world):
    return user_with_post(world.tree.district, Role.SECRETARY, "districtsec2")


def test_the_page_opens_on_the_latest_year_with_data_not_an_empty_current_year(client, world, district_secretary):
    world.submit()  # 2018, while the clock says years later
    assert timezone.now().year > 2018
    client.force_login(district_secretary)
    response = client.get(reverse("demands:figures"))
    assert response.status_code == 200
    assert response.context["period"] == Period.parse("2018")
    assert response.context["total"]["counted"][0] == 1
    assert "2018年" in response.content.decode()
    api = client.get("/api/v1/demands/figures")
    assert api.status_code == 200 and api.json()["period"] == "2018"


def test_a_demand_not_yet_due_is_left_out_of_the_rates_and_the_page_says_so(client, world, district_secretary):
    demand, _ = world.submit(now=timezone.now() - dt.timedelta(minutes=5))  # due in hours, not accepted
    now = timezone.now()
    f = figures.org_figures(world.tree.district, figures.latest_period(world.tree.district), now)
    assert f.counted == 1 and f.response_due == 0 and f.resolution_due == 0
    assert f.response_rate is None and f.resolution_rate is None  # "—", not 0.0 %
    client.force_login(district_secretary)
    html = client.get(reverse("demands:figures")).content.decode()
    assert "0.0%" not in html
    assert "比率只计算已经到期的诉求" in html
    # Once accepted it has its outcome: counted for the response rate, in time.
    actions.do_accept(district_secretary, demand)
    f = figures.org_figures(world.tree.district, figures.latest_period(world.tree.district))
    assert (f.response_due, f.responded, f.response_rate) == (1, 1, 1.0)


def test_an_overdue_demand_counts_against_the_response_rate(world):
    world.submit(now=MONDAY)
    later = MONDAY + dt.timedelta(days=2)
    f = figures.org_figures(world.tree.district, Period.parse("2018"), later)
    assert (f.response_due, f.responded, f.response_rate) == (1, 0, 0.0)


@pytest.mark.parametrize("bad", ["abc", "2018-13", "20188", "2018-Q5", "２０１８x"])
def test_a_bad_period_is_answered_in_chinese_with_no_figures_of_another_period(client, world, district_secretary,
                                                                               bad):
    world.submit()
    client.force_login(district_secretary)
    for name in ("demands:figures", "demands:figures_list", "demands:figures_export"):
        response = client.get(reverse(name), {"period": bad})
        assert response.status_code == 400, name
        html = response.content.decode()
        assert "无法识别" in html and "统计期间格式应为" in html
        assert "<table" not in html  # nothing shown for a period nobody asked for
    api = client.get("/api/v1/demands/figures", {"period": bad})
    assert api.status_code in (400, 422)


def test_each_rate_is_explained_on_the_page_itself(client, world, district_secretary):
    world.submit()
    client.force_login(district_secretary)
    html = client.get(reverse("demands:figures"), {"period": "2018"}).content.decode()
    assert "docs/demands.md" not in html
    for words in ("响应率", "应响应", "解决率", "应办结", "满意率", "平均办理时长", "超时"):
        assert words in html
    assert reverse("demands:figures_list") in html and "figure=response_due" in html


def test_the_denominators_list_exactly_their_rows(client, world, district_secretary):
    world.submit(now=MONDAY)
    client.force_login(district_secretary)
    response = client.get(reverse("demands:figures_list"), {"period": "2018", "figure": "response_due"})
    assert response.status_code == 200 and response.context["page"].paginator.count == 1
    assert "应响应" in response.content.decode()


def test_each_child_s_row_opens_its_own_figures_and_only_the_last_row_is_the_total(client, world, district_secretary):
    world.submit()
    client.force_login(district_secretary)
    response = client.get(reverse("demands:figures"), {"period": "2018"})
    html = response.content.decode()
    children = [row["org"] for row in response.context["rows"]]
    assert children  # the district's streets
    for child in children:  # a child's name links to its own figures, not printed as a total
        assert f'{child.name}</a></th>' in html
        assert f"?org={child.pk}&amp;period=2018" in html
        assert f"{child.name}（合计）" not in html
    assert html.count("（合计）") == 1 and f"{world.tree.district.name}（合计）" in html
    assert html.count('<tr class="total">') == 1


def test_an_organisation_s_name_is_printed_escaped_in_its_row_and_in_the_total(client, world, district_secretary):
    """The rows are made in Python (``views_figures.row_html``): every part escaped, like a template's."""
    from zongheng.orgs.models import Org

    world.submit()
    street = world.tree.streets[0]
    Org.objects.filter(pk=street.pk).update(name='<b onclick="x()">街道</b>')
    Org.objects.filter(pk=world.tree.district.pk).update(name="<i>区</i>")
    client.force_login(district_secretary)
    html = client.get(reverse("demands:figures"), {"period": "2018"}).content.decode()
    assert "&lt;b onclick=&quot;x()&quot;&gt;街道&lt;/b&gt;</a></th>" in html
    assert "<strong>&lt;i&gt;区&lt;/i&gt;（合计）</strong>" in html
    assert "<b onclick" not in html and "<i>区" not in html
