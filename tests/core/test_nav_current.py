"""The header navigation marks exactly one item as the current page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import user_with_post
from zongheng.core.permissions import Role

pytestmark = pytest.mark.django_db


def test_on_the_configuration_page_only_its_own_nav_item_is_current(client, tree):
    client.force_login(user_with_post(tree.district, Role.ORG_DEPT))
    page = client.get(reverse("demands:config")).content.decode()
    nav = page[page.index('aria-label="主导航"'):page.index("</nav>")]

    current = re.findall(r'<a href="([^"]+)" aria-current="page">', nav)

    assert current == [reverse("demands:config")]
    assert f'href="{reverse("demands:queue")}"' in nav


def test_the_nav_addresses_follow_the_script_prefix_of_the_request(rf, tree):
    """The header's addresses are made once per process and script prefix (``core.context._address``): a platform
    served under a sub-path links under it, and the root one does not pick those links up."""
    from django.urls import set_script_prefix

    from zongheng.core.context import platform

    request = rf.get("/todo/")
    request.user = user_with_post(tree.district, Role.SECRETARY)
    try:
        set_script_prefix("/zongheng/")
        under = {item["url"] for item in platform(request)["nav"]}
    finally:
        set_script_prefix("/")
    root = {item["url"] for item in platform(request)["nav"]}
    assert "/zongheng/todo/" in under and all(url.startswith("/zongheng/") for url in under)
    assert "/todo/" in root and not any(url.startswith("/zongheng/") for url in root)
