"""What a unit's liaison sees on pages shared with others: links only to what they may open (the council's
other member units, the needs their resources met or could meet are named, not linked — those pages 404
for them), and the hub leads them to their unit's page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.cobuild.factories_lists import make_need, make_resource
from tests.cobuild.factories_units import make_council, make_liaison, make_unit, seat
from tests.factories import user_with_post
from zongheng.cobuild import actions_lists
from zongheng.core.permissions import Role

pytestmark = pytest.mark.django_db


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def test_the_council_page_links_only_the_units_the_viewer_may_open(client, tree):
    street = tree.streets[0]
    mine = make_unit(tree.communities[0], name="振发锻件公司")
    theirs = make_unit(tree.communities[1], name="市总工会")
    council = make_council(street)
    seat(council, mine)
    seat(council, theirs)
    liaison = make_liaison(mine, "liaison_a")
    secretary = user_with_post(street, Role.SECRETARY, "street_a")

    client.force_login(liaison)
    page = client.get(reverse("cobuild:council_detail", args=[council.pk]))
    html, links = page.content.decode(), _hrefs(page.content.decode())
    assert page.status_code == 200 and "市总工会" in html  # the other member is named …
    assert reverse("cobuild:unit_detail", args=[mine.pk]) in links
    assert reverse("cobuild:unit_detail", args=[theirs.pk]) not in links  # … not linked
    assert client.get(reverse("cobuild:unit_detail", args=[theirs.pk])).status_code == 404
    for href in links:
        if href.startswith("/cobuild/"):
            assert client.get(href).status_code == 200, href

    client.force_login(secretary)
    links = _hrefs(client.get(reverse("cobuild:council_detail", args=[council.pk])).content.decode())
    assert {reverse("cobuild:unit_detail", args=[u.pk]) for u in (mine, theirs)} <= links


def test_a_liaison_reads_the_needs_their_resources_meet_without_links_that_404(client, tree):
    unit = make_unit(tree.communities[0], name="绿地集团安庆置业有限公司")
    liaison = make_liaison(unit, "liaison_b")
    secretary = user_with_post(tree.communities[0], Role.SECRETARY, "sec_b")
    resource = make_resource(secretary, unit, capacity=300, title="裙楼用房")
    met = make_need(secretary, tree.communities[0], quantity=100, title="楼宇党群服务中心用房")
    make_need(secretary, tree.communities[0], quantity=50, title="居民议事场地")  # still open: proposed
    actions_lists.do_accept_match(secretary, met, resource, quantity=100)

    client.force_login(liaison)
    for url in (reverse("cobuild:match_list"), reverse("cobuild:resource_detail", args=[resource.pk])):
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 200
        assert "楼宇党群服务中心用房" in html or "居民议事场地" in html
        for href in _hrefs(html):
            if href.startswith("/cobuild/") and not href.endswith(".xlsx"):
                assert client.get(href).status_code in (200, 302), (url, href)

    client.force_login(secretary)  # the community's secretary opens the need from the same lists
    assert reverse("cobuild:need_detail", args=[met.pk]) in _hrefs(
        client.get(reverse("cobuild:match_list")).content.decode())


def test_the_hub_leads_a_liaison_to_their_unit_page(client, tree):
    unit = make_unit(tree.communities[0], name="振发锻件公司")
    client.force_login(make_liaison(unit, "liaison_c"))
    html = client.get(reverse("cobuild:home")).content.decode()
    assert reverse("cobuild:unit_detail", args=[unit.pk]) in _hrefs(html) and "进入本单位页面" in html

    client.force_login(user_with_post(tree.communities[0], Role.SECRETARY, "sec_c"))
    assert "进入本单位页面" not in client.get(reverse("cobuild:home")).content.decode()
