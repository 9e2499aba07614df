"""党员带头's entry: one navigation item; everyone lands on 我的待办, whose workbench link takes a party member
without a post to their own page, where every part shows its section; cadres open the hub."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_person, make_user, user_with_post
from zongheng.core.landing import landing_url, workbench_url
from zongheng.core.permissions import Role

pytestmark = pytest.mark.django_db


def test_a_member_without_a_post_has_their_own_page_for_a_workbench_linked_from_the_todo_home(client, tree):
    member = make_user(make_person(tree.grids[0]))
    cadre = user_with_post(tree.communities[0], Role.SECRETARY)
    resident = make_user(make_person(tree.grids[0], is_party_member=False, member_type=""))
    assert landing_url(member) == landing_url(cadre) == reverse("core:todo")
    assert workbench_url(member) == reverse("members:me")
    assert workbench_url(cadre) != reverse("members:me")
    assert workbench_url(resident) != reverse("members:me")
    client.force_login(member)
    assert f'href="{reverse("members:me")}"' in client.get(reverse("core:todo")).content.decode()


def test_the_member_page_shows_each_part_and_the_hub_sends_members_there(client, tree):
    member = make_user(make_person(tree.grids[0]))
    client.force_login(member)
    assert client.get(reverse("members:home"))["Location"] == reverse("members:me")
    html = client.get(reverse("members:me")).content.decode()
    for title in ("双联双管报到", "认领", "积分"):
        assert title in html, title


def test_the_hub_shows_the_cadres_sections_and_the_navigation_has_one_entry(client, tree):
    cadre = user_with_post(tree.communities[0], Role.SECRETARY)
    client.force_login(cadre)
    html = client.get(reverse("members:home")).content.decode()
    assert html.count("<h2>") >= 5
    nav = html[html.index('<nav aria-label="主导航">'):]
    nav = nav[:nav.index("</nav>")]
    assert nav.count(f'href="{reverse("members:home")}"') == 1
    for name in ("members:registrations", "members:visits", "members:activities", "members:campaigns"):
        assert f'href="{reverse(name)}"' not in nav
