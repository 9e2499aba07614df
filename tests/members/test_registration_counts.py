"""Counts per community (报到统计) equal direct counts over random data, and each count opens exactly the rows it
counts — on the page, in the .xlsx and in the API — for cadres at three levels of the tree."""

from __future__ import annotations

import html as htmllib
import io
import os
import random
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_person
from tests.members.factories_registration import cadre, community_of, member_user
from zongheng.core.permissions import Role
from zongheng.members import actions_registration as actions
from zongheng.members.actions_registration import managed_by
from zongheng.members.models import Registration
from zongheng.orgs.models import Org, Person

SEEDS = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).sample(range(1, 10**6), 2)


def _random_world(tree, rng: random.Random) -> None:
    """Members spread over the tree (and some residents), registrations in every state, through the actions."""
    units = [Org.objects.add_child(c, instance=Org(name=f"{c.name}驻区单位", level=tree.levels["unit"]))
             for c in rng.sample(tree.communities, 2)]  # stationed units: their members are not the community's
    orgs = [tree.district, *tree.streets, *tree.communities, *tree.grids, *tree.households, *units]
    communities = [community_of(c) for c in tree.communities]
    for _ in range(rng.randint(8, 20)):
        make_person(rng.choice(orgs), is_party_member=False, member_type="")
    for _ in range(rng.randint(25, 45)):
        user = member_user(rng.choice(orgs))
        choices = [c for c in communities if not managed_by(Person.objects.select_related("org__level")
                                                            .get(pk=user.person_id), c)]
        for _ in range(rng.randint(0, 3)):
            if Registration.objects.filter(person=user.person, state__in=["applied", "confirmed"]).exists():
                break
            reg = actions.do_apply(user, user.person, rng.choice(choices))
            move = rng.choice(["stay", "confirm", "confirm", "decline", "withdraw", "end"])
            if move in ("confirm", "end"):
                actions.do_transition(None, reg, "confirm")
            if move == "end":
                actions.do_transition(None, reg, "end", reason="搬离")
            elif move == "decline":
                actions.do_transition(None, reg, "decline", reason="不在本社区居住")
            elif move == "withdraw":
                actions.do_transition(user, reg, "withdraw")


def _managed(community: Org):
    """Party members whose organisation lies in ``community`` and is not a stationed unit (direct, no grouping)."""
    return [p for p in Person.objects.filter(is_party_member=True).select_related("org__level")
            if p.org_path.startswith(community.path) and p.org.level.code != "unit"]


def _total(html: str) -> int:
    return int(re.search(r"共 (\d+) (?:条|名)", html).group(1))


def _ids(html: str, url_name: str) -> set[str]:
    prefix = reverse(url_name, args=[0]).rsplit("0/", 1)[0]
    return set(re.findall(re.escape(prefix) + r"(\d+)/", html))


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_counts_equal_direct_counts_and_open_their_rows(client, tree, seed):
    _random_world(tree, random.Random(seed))
    viewers = [cadre(tree.district, Role.ORG_DEPT, "dept"), cadre(tree.streets[1], username="street2"),
               cadre(tree.communities[0], Role.SECRETARY_ASSISTANT, "assistant")]
    for viewer in viewers:
        client.force_login(viewer)
        html = client.get(reverse("members:registration_counts")).content.decode()
        in_scope = [c for c in tree.communities if any(c.path.startswith(p.path) for p in
                                                       Org.objects.filter(posts__person=viewer.person))]
        rows = re.findall(r'<a href="([^"]+)" aria-label="([^"]+?)(管理党员|报到党员|待确认) (\d+) (?:名|件)">', html)
        assert len(rows) == 3 * len(in_scope), viewer.username
        seen = set()
        for url, name, label, shown in rows:
            community = next(c for c in in_scope if c.name == name)
            url = htmllib.unescape(url)
            seen.add(community.pk)
            if label == "管理党员":
                managed = _managed(community)
                page = client.get(url).content.decode()
                assert _total(page) == len(managed) == int(shown)
                assert _ids(page, "orgs:person") == {str(p.pk) for p in managed}
            else:
                state = "confirmed" if label == "报到党员" else "applied"
                expected = Registration.objects.filter(community=community, state=state)
                page = client.get(url).content.decode()
                assert _total(page) == expected.count() == int(shown)
                assert _ids(page, "members:registration") == {str(pk) for pk in expected.values_list("pk", flat=True)}
        assert seen == {c.pk for c in in_scope}

        sheet = list(load_workbook(io.BytesIO(client.get(reverse("members:registration_counts_export")).content))
                     .active.iter_rows(values_only=True))[1:]
        api = client.get("/api/v1/registrations/counts").json()
        assert api["count"] == len(in_scope) == len(sheet)
        for item, row in zip(api["items"], sheet, strict=True):
            c = Org.objects.get(pk=item["community"]["id"])
            direct = (len(_managed(c)),
                      Registration.objects.filter(community=c, state="confirmed").count(),
                      Registration.objects.filter(community=c, state="applied").count())
            assert (item["managed"], item["registered"], item["pending"]) == direct
            assert row[0] == c.name and tuple(row[2:]) == direct


def test_confirmed_counts_equal_people_registered_there(tree):
    """A registration confirmed sets the member's 报到社区 and an ended one clears it: after any random history the
    confirmed rows per community are the people registered there."""
    _random_world(tree, random.Random(SEEDS[0]))
    for c in tree.communities:
        assert (Registration.objects.filter(community=c, state="confirmed").count()
                == Person.objects.filter(registered_org=c).count())
