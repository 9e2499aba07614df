"""What 财政保障 shows outside its pages: the home page's figure for those who manage the funds (the share of this
year's money spent in their subtree, linking to the overview), and nothing for those who do not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.lists.factories_funds import funds_world
from zongheng.core.todo import figures_for
from zongheng.lists import actions_funds as actions
from zongheng.lists import funds

pytestmark = pytest.mark.django_db


def test_the_home_figure_is_the_subtrees_spent_share_and_only_for_those_who_manage_the_funds():
    w = funds_world()
    now = timezone.now()
    today = timezone.localdate()
    actions.do_set_budget(w.dept, w.tree.district, today.year, "work", Decimal("10000"))
    actions.do_spend(w.dept, w.tree.district, Decimal("2500"), today, "活动")
    shown = {f.label: f for f in figures_for(w.dept, now)}
    figure = shown[f"{today.year}年党建经费支出进度"]
    assert figure.value == f"{funds.subtree(w.tree.district.path, today.year).spent_share}%" == "25.0%"
    assert figure.url.startswith(reverse("lists:funds"))
    assert f"{today.year}年党建经费支出进度" not in {f.label for f in figures_for(w.member, now)}
    street = {f.label: f for f in figures_for(w.street, now)}[f"{today.year}年党建经费支出进度"]
    assert street.value == funds.NO_RECORDS  # nothing reached the street: no share, not 0 %
