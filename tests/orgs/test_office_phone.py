"""The directory says how to reach an organisation: its public office phone, in full (issue 13, item 11)."""

import pytest
from django.urls import reverse

from tests.factories import user_with_post
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role
from zongheng.orgs import actions


def test_a_grid_page_shows_the_office_phones_of_its_community_and_street_in_full(client, tree):
    grid = tree.grids[0]
    secretary = user_with_post(tree.district, Role.ORG_DEPT)
    community = tree.communities[0]
    actions.do_update_org(secretary, community, {"office_phone": "０５５６－５５１２３４５"})  # full-width typed
    actions.do_update_org(secretary, tree.streets[0], {"office_phone": "0556-5500001转8"})
    body = client.get(reverse("orgs:directory_org", args=[grid.pk])).content.decode()
    assert f"{community.name}：<a href=\"tel:0556-5512345\">0556-5512345</a>" in body
    assert "0556-5500001转8" in body
    assert body.index("0556-5512345") < body.index("0556-5500001")  # the nearest office first


def test_a_malformed_office_phone_is_refused_in_chinese_and_nothing_changes(tree):
    secretary = user_with_post(tree.district, Role.ORG_DEPT)
    community = tree.communities[0]
    with pytest.raises(ActionError, match="办公电话只能由数字"):
        actions.do_update_org(secretary, community, {"office_phone": "call me maybe"})
    community.refresh_from_db()
    assert community.office_phone == ""


def test_the_org_form_edits_it(client, tree):
    client.force_login(user_with_post(tree.district, Role.ORG_DEPT))
    community = tree.communities[0]
    page = client.get(reverse("orgs:org_edit", args=[community.pk])).content.decode()
    assert "办公电话（公开）" in page
