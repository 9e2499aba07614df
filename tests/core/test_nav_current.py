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
