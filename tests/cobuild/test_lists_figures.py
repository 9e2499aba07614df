"""The lists' figures equal a direct count (or sum) of their rows, for any seed, and each opens those rows:
share of needs matched, idle resources put to use, funds raised, m² of premises shared, list entries."""

from __future__ import annotations

import io
import random
import re

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.cobuild.factories_lists import make_need, make_resource, make_service, make_unit
from tests.factories import user_with_post
from zongheng.cobuild import matching
from zongheng.cobuild.actions_lists import do_accept_match, do_close_need
from zongheng.cobuild.figures_lists import figures, home_figures
from zongheng.cobuild.models import Match, Need, Resource, Service
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role
from zongheng.core.todo import figures_for

KINDS = ["venue", "funds", "volunteers", "goods"]


def _build(tree, seed: int):
    rng = random.Random(seed)
    cadre = user_with_post(tree.district, Role.SECRETARY)
    units = [make_unit(tree.communities[rng.randrange(4)]) for _ in range(4)]
    for _ in range(rng.randint(4, 9)):
        make_resource(cadre, rng.choice(units), rng.choice(KINDS), rng.choice([50, 300, 20000]),
                      idle=rng.random() < 0.5, active=rng.random() < 0.9)
    for _ in range(rng.randint(4, 10)):
        need = make_need(cadre, tree.communities[rng.randrange(4)], rng.choice(KINDS), rng.choice([30, 200, 50000]))
        if rng.random() < 0.15:
            do_close_need(cadre, need)
            continue
        for p in matching.proposals_for_need(need)[:rng.randint(0, 2)]:
            try:
                do_accept_match(cadre, Need.objects.get(pk=need.pk), p.resource,
                                quantity=rng.randint(1, p.quantity))
            except ActionError:
                pass
    for _ in range(rng.randint(0, 3)):
        make_service(cadre, tree.communities[rng.randrange(4)])
    return cadre


def _shown_count(client, url) -> int:
    page = client.get(url).content.decode()
    return int(re.search(r"共 (\d+) 项", page).group(1))


def _exported_sum(client, url) -> int:
    path, _, query = url.partition("?")
    assert path == reverse("cobuild:match_list")
    book = load_workbook(io.BytesIO(client.get(reverse("cobuild:match_export") + "?" + query).content))
    return sum(int(r[6]) for r in list(book.worksheets[0].iter_rows(values_only=True))[1:])


@pytest.mark.parametrize("seed", [1, 7, 2018, 4242])
def test_every_figure_equals_its_rows_and_opens_them(client, tree, seed):
    _build(tree, seed)
    viewer = user_with_post(tree.streets[0], Role.SECRETARY)  # a street: part of the district's rows
    street = tree.streets[0].path
    by_key = {f.key: f for f in figures(viewer)}

    needs = Need.objects.filter(org_path__startswith=street)
    assert by_key["needs"].value == needs.count()
    assert by_key["matched"].value == needs.filter(state="matched").count()
    resources = Resource.objects.filter(unit_path__startswith=street) | Resource.objects.filter(
        place_path__startswith=street)
    assert by_key["resources"].value == resources.count()
    assert by_key["idle_used"].value == resources.filter(idle=True, matches__isnull=False).distinct().count()
    assert by_key["services"].value == Service.objects.filter(org_path__startswith=street).count()
    matches = Match.objects.filter(pk__in=Match.objects.filter(need__org_path__startswith=street).values("pk")) | \
        Match.objects.filter(resource__unit_path__startswith=street)
    for key, kind in (("funds", "funds"), ("venue", "venue")):
        expected = matches.filter(resource__kind=kind).aggregate(s=Sum("quantity"))["s"] or 0
        assert by_key[key].value == expected

    client.force_login(viewer)
    for key in ("needs", "matched", "idle_used", "resources", "services"):
        assert _shown_count(client, by_key[key].url) == by_key[key].value, key
    for key in ("funds", "venue"):
        assert _exported_sum(client, by_key[key].url) == by_key[key].value, key
    page = client.get(reverse("cobuild:lists_home")).content.decode()
    for f in by_key.values():
        assert f'href="{f.url.replace("&", "&amp;")}"' in page and f.display in page


def test_the_share_of_needs_matched_and_idle_resources_reach_the_home_page(tree):
    cadre = _build(tree, 3)
    shown = {f.label: f for f in figures_for(cadre, timezone.now())}
    mine = {f.label: f for f in home_figures(cadre, timezone.now())}
    assert set(mine) == {"需求对接率", "盘活闲置资源"} and set(mine) <= set(shown)
    idle_used = Resource.objects.filter(idle=True, used__gt=0).count()
    assert mine["盘活闲置资源"].value == f"{idle_used} 处"
    total, matched = Need.objects.count(), Need.objects.filter(state="matched").count()
    assert mine["需求对接率"].value == f"{matched * 100 / total:.0f}%"
    assert mine["需求对接率"].url == reverse("cobuild:need_list") + "?state=matched"


def test_no_figures_without_the_right_or_without_rows(tree):
    nobody = user_with_post(tree.communities[0], Role.AUDITOR)
    empty = user_with_post(tree.communities[0], Role.SECRETARY)
    assert home_figures(nobody, timezone.now()) == [] and home_figures(empty, timezone.now()) == []
