"""一清单's hub: one page whose jump list leads to each part's section that the viewer is shown."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.factories import user_with_post
from zongheng.core.permissions import Role


def test_the_hubs_jump_list_links_exactly_the_sections_on_the_page_in_the_articles_order(client, tree):
    client.force_login(user_with_post(tree.district, Role.ORG_DEPT))
    html = client.get(reverse("lists:home")).content.decode()
    jump = re.search(r'<nav class="jump"[^>]*>(.*?)</nav>', html, re.S)
    assert jump is not None
    links = re.findall(r'href="#([a-z-]+)">([^<]+)</a>', jump.group(1))
    sections = re.findall(r'<section id="([a-z-]+)">', html)
    assert [anchor for anchor, _ in links] == sections  # every link has its section, in the page's order
    titles = [title for _, title in links]
    assert titles[0] == "任务清单"
    for later, earlier in (("述职评议", "项目清单"), ("巡查和整改", "述职评议"), ("标准化建设", "财政保障")):
        assert titles.index(earlier) < titles.index(later)


def test_a_member_without_the_list_right_is_told_the_hub_is_not_open_to_them(client, tree):
    client.force_login(user_with_post(tree.communities[0], Role.GRID_LEADER))
    response = client.get(reverse("lists:home"))
    assert response.status_code == 403 and "jump" not in response.content.decode()
