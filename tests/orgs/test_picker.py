"""The shared organisation picker (orgs/picker.py): matching and ranking, the path that tells same
names apart, the endpoint's answer, and a widget that shows only what is chosen among its targets."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Level, Org
from zongheng.orgs.picker import PickerWidget, path_labels, rank_targets, render_pick


def _child(parent: Org, name: str, level: Level, **kw) -> Org:
    return Org.objects.add_child(parent, instance=Org(name=name, level=level, **kw))


def _unit_level() -> Level:
    level, _ = Level.objects.get_or_create(code="unit", defaults={"name": "驻区单位", "rank": 90})
    return level


def offered(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'<input type="(?:radio|checkbox)" name="[^"]+" value="(\d+)"', html)]


def test_stationed_units_and_functional_organisations_come_before_standing_ones_and_temporary_ones_last(tree):
    community = tree.communities[0]
    temp = _child(community, "共建临时党小组", tree.levels["grid"], kind=OrgKind.TEMP_GROUP, purpose="project",
                  opened_on=dt.date(2018, 1, 1))
    standing = _child(community, "共建网格", tree.levels["grid"])
    unit = _child(tree.district, "共建单位党委", _unit_level())
    functional = _child(community, "共建功能型党支部", tree.levels["grid"], kind=OrgKind.FUNCTIONAL, bond="unit")
    rows, total = rank_targets(Org.objects.all(), "共建")
    assert total == 4
    assert rows[-1] == temp and rows[2] == standing
    assert set(rows[:2]) == {unit, functional}


def test_an_exact_name_comes_first_and_every_typed_word_must_match(tree):
    grid = tree.grids[3]
    rows, _ = rank_targets(Org.objects.all(), grid.name)
    assert rows[0] == grid
    rows, total = rank_targets(Org.objects.all(), "街道2 网格")
    assert total == Org.objects.filter(name__contains="街道2", level__code__in=["grid", "household"]).count()
    assert all("街道2" in o.name and "网格" in o.name for o in rows)


def test_the_path_names_the_organisations_above_below_the_root(tree):
    grid = tree.grids[0]
    assert path_labels([grid])[grid.pk] == f"{tree.streets[0].name} › {tree.communities[0].name}"
    assert path_labels([tree.district])[tree.district.pk] == ""


def test_the_answer_keeps_ticked_targets_on_top_says_how_many_more_and_never_grows_in_queries(tree):
    community = tree.communities[0]
    for i in range(25):
        _child(community, f"志愿服务队{i}", tree.levels["grid"])
    rf = RequestFactory()
    ticked = tree.grids[3]
    request = rf.get("/", {"pick_q": "志愿", "orgs": [ticked.pk, "abc"]})
    with CaptureQueriesContext(connection) as ctx:
        html = render_pick(request, Org.objects.all(), name="orgs", multiple=True).content.decode()
    ids = offered(html)
    assert ids[0] == ticked.pk and f'value="{ticked.pk}" checked' in html
    assert len(ids) == 21 and "还有 5 个" in html and 'type="checkbox"' in html
    assert len(ctx.captured_queries) <= 4
    assert "{#" not in html and "render_pick" not in html  # the template's comment stays a comment


def test_the_answer_offers_only_the_targets_given(tree):
    scoped = Org.objects.filter(path__startswith=tree.communities[0].path)
    request = RequestFactory().get("/", {"pick_q": "网格", "org": tree.grids[5].pk})
    ids = offered(render_pick(request, scoped, name="org", multiple=False).content.decode())
    assert ids and tree.grids[5].pk not in ids
    assert set(ids) <= set(scoped.values_list("pk", flat=True))


def test_the_widget_shows_the_chosen_organisations_among_its_targets_only(tree):
    scoped = Org.objects.filter(path__startswith=tree.streets[0].path)
    widget = PickerWidget(url="/pick/", multiple=True, targets=scoped)
    html = widget.render("targets", [tree.communities[0].pk, tree.communities[3].pk], attrs={"id": "id_targets"})
    assert tree.communities[0].name in html and tree.communities[3].name not in html
    assert 'hx-get="/pick/"' in html and 'type="checkbox"' in html
    assert "<select" not in html
    single = PickerWidget(url="/pick/", targets=scoped).render("org", tree.grids[0], attrs={"id": "id_org"})
    assert f'type="radio" name="org" value="{tree.grids[0].pk}" checked' in single
