"""共驻共建's hub: one entry in the navigation; its figures are counts of the viewer's scope and open their rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cobuild.factories_agreements import make_agreement, make_item, make_pairing, make_world
from zongheng.cobuild.models import AgreementItem, Unit

pytestmark = pytest.mark.django_db


def _figure(html: str, label: str) -> tuple[str, str]:
    """(the figure's text, its link) under the card titled ``label``."""
    m = re.search(rf"<h3>{label}</h3>\s*<p class=\"figure\"><a href=\"([^\"]+)\">([^<]+)</a>", html)
    assert m, label
    return m.group(2), m.group(1).replace("&amp;", "&")


def test_the_hub_counts_the_scope_and_each_figure_opens_its_rows(client, tree):
    w = make_world(tree)
    today = timezone.localdate()
    agreement = make_agreement(w.secretary, w.community, w.unit)
    make_item(w.secretary, agreement, today - dt.timedelta(days=3))  # overdue
    make_item(w.secretary, agreement, today + dt.timedelta(days=5))  # due soon
    make_item(w.secretary, agreement, today + dt.timedelta(days=60))
    other = make_agreement(w.other_secretary, w.other_community, w.other_unit)
    make_item(w.other_secretary, other, today - dt.timedelta(days=3))  # another community's: not counted
    make_pairing(w.secretary, w.community, w.unit, starts_on=dt.date(today.year - 1, 1, 1))

    client.force_login(w.secretary)
    html = client.get(reverse("cobuild:home")).content.decode()

    units, units_url = _figure(html, "驻区单位")
    assert units == f"{Unit.objects.restrict(w.secretary).count()} 家"
    overdue, overdue_url = _figure(html, "逾期未完成的项目")
    in_scope = AgreementItem.objects.restrict(w.secretary).filter(state="open")
    assert overdue == f"{in_scope.filter(due_on__lt=today).count()} 项" == "1 项"
    rows = client.get(overdue_url).content.decode()
    assert reverse("cobuild:item", args=[in_scope.get(due_on__lt=today).pk]) in rows
    due, _ = _figure(html, "14 天内到期的项目")
    assert due == "1 项"
    assert client.get(units_url).status_code == 200


def test_the_navigation_has_one_entry_for_the_module(client, tree):
    w = make_world(tree)
    client.force_login(w.secretary)
    html = client.get(reverse("cobuild:home")).content.decode()
    nav = html[html.index('<nav aria-label="主导航">'):]
    nav = nav[:nav.index("</nav>")]
    assert nav.count(f'href="{reverse("cobuild:home")}"') == 1
    for name in ("cobuild:unit_list", "cobuild:council_list", "cobuild:agreements", "cobuild:pairings",
                 "cobuild:lists_home"):
        assert f'href="{reverse(name)}"' not in nav


def test_a_liaison_sees_their_unit_only(client, tree):
    w = make_world(tree)
    make_agreement(w.other_secretary, w.other_community, w.other_unit)
    client.force_login(w.liaison)
    html = client.get(reverse("cobuild:home")).content.decode()
    assert _figure(html, "驻区单位")[0] == "1 家"
    assert _figure(html, "履行中的认领书")[0] == "0 份"
