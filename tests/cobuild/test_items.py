"""Agreement items (认领项目): the three kinds, progress updates (a liaison of the item's unit may; another
unit's liaison gets 404; a resident is refused), completion with problems solved and the demands it
resolved (through a scoped lookup), the due/overdue list and the to-do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cobuild.factories_agreements import make_agreement, make_item, make_unit, make_world
from zongheng.cobuild import actions_agreements as actions
from zongheng.cobuild.choices import AgreementState, ItemKind, ItemState
from zongheng.cobuild.hooks_agreements import find_item_overdue, my_items
from zongheng.cobuild.models import AgreementItem, ItemUpdate
from zongheng.cobuild.selectors_agreements import resolve_item_demands
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.demands.actions import do_submit_demand
from zongheng.demands.models import Category, Summons


@pytest.fixture
def w(tree):
    return make_world(tree)


@pytest.fixture
def item(w):
    a = make_agreement(w.secretary, w.community, w.unit)
    return make_item(w.secretary, a, timezone.localdate() + dt.timedelta(days=30))


def _demand(grid):
    d, _ = do_submit_demand(None, {"channel": "web", "category": Category.objects.order_by("id").first(),
                                   "urgency": "normal", "description": "楼道灯不亮", "address": "幸福里",
                                   "grid": grid})
    return d


def test_items_of_the_three_kinds_copy_both_sides(w):
    a = make_agreement(w.secretary, w.community, w.other_unit)
    for kind in ItemKind.values:
        it = make_item(w.secretary, a, dt.date(2018, 9, 30), kind=kind)
        assert (it.org_path, it.unit_path, it.kind) == (w.community.path, w.other_unit.org_path, kind)
    with pytest.raises(ActionError, match="请选择项目类别"):
        make_item(w.secretary, a, dt.date(2018, 9, 30), kind="bogus")
    with pytest.raises(ActionError, match="请填写单位责任人"):
        make_item(w.secretary, a, dt.date(2018, 9, 30), unit_owner="  ")
    assert a.items.count() == len(ItemKind.values)


def test_the_units_liaison_updates_progress_on_the_page(client, w, item):
    client.force_login(w.liaison)
    url = reverse("cobuild:item_progress", args=[item.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"progress": 60, "note": "已完成场地改造", "version": item.version})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.progress == 60 and item.state == ItemState.OPEN
    update = ItemUpdate.objects.get(item=item)
    assert (update.progress, update.by) == (60, w.liaison)
    assert AuditLog.objects.filter(action="cobuild.item_progress", object_id=str(item.pk)).exists()


def test_a_stale_progress_form_is_refused(client, w, item):
    client.force_login(w.liaison)
    url = reverse("cobuild:item_progress", args=[item.pk])
    client.post(url, {"progress": 30, "note": "第一次", "version": item.version})
    response = client.post(url, {"progress": 50, "note": "旧页面", "version": item.version})
    assert "已被他人更新" in response.content.decode()
    item.refresh_from_db()
    assert item.progress == 30 and item.updates.count() == 1


def test_the_liaison_updates_progress_and_nothing_else(client, w, item):
    client.force_login(w.liaison)
    assert client.get(reverse("cobuild:item_complete", args=[item.pk])).status_code == 403
    assert client.post(reverse("cobuild:item_drop", args=[item.pk]), {"reason": "x", "version": 1}).status_code == 403
    assert client.post(reverse("cobuild:agreement_item_add", args=[item.agreement_id])).status_code == 403
    assert client.get(reverse("cobuild:agreement_new")).status_code == 403
    with pytest.raises(ActionError):
        actions.do_complete_item(w.liaison, item, {"result": "完成"})
    item.refresh_from_db()
    assert item.state == ItemState.OPEN


def test_another_units_liaison_gets_404_everywhere(client, w, item):
    client.force_login(w.other_liaison)
    for name in ("cobuild:item", "cobuild:item_progress"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 404
    assert client.post(reverse("cobuild:item_progress", args=[item.pk]),
                       {"progress": 99, "note": "x", "version": item.version}).status_code == 404
    assert client.get(reverse("cobuild:agreement", args=[item.agreement_id])).status_code == 404
    assert client.post(reverse("api:agreement_item_progress", kwargs={"id": item.pk}),
                       data={"progress": 99, "note": "x"}, content_type="application/json").status_code == 404
    assert client.get(reverse("api:get_agreement_item", kwargs={"id": item.pk})).status_code == 404
    html = client.get(reverse("cobuild:items")).content.decode()
    assert item.title not in html
    item.refresh_from_db()
    assert item.progress == 0


def test_a_resident_is_refused(client, w, item):
    client.force_login(w.resident)
    assert client.get(reverse("cobuild:item", args=[item.pk])).status_code in (403, 404)
    assert client.post(reverse("cobuild:item_progress", args=[item.pk]),
                       {"progress": 99, "note": "x", "version": item.version}).status_code in (403, 404)
    assert client.post(reverse("api:agreement_item_progress", kwargs={"id": item.pk}),
                       data={"progress": 99, "note": "x"}, content_type="application/json").status_code in (403, 404)
    item.refresh_from_db()
    assert item.progress == 0 and not item.updates.exists()


def test_progress_is_refused_out_of_range_and_on_a_draft(w, item):
    with pytest.raises(ActionError, match="0 到 100"):
        actions.do_item_progress(w.liaison, item, 101, "太多")
    draft = make_agreement(w.secretary, w.community, w.unit, state=AgreementState.DRAFT)
    planned = make_item(w.secretary, draft, dt.date(2018, 9, 30))
    with pytest.raises(ActionError, match="草拟"):
        actions.do_item_progress(w.liaison, planned, 10, "还没生效")
    assert not ItemUpdate.objects.exists()


def test_completion_links_the_demands_in_scope_or_summoned_to_the_unit(w, item):
    mine = _demand(w.tree.grids[0])
    elsewhere = _demand(w.tree.grids[4])  # in the other street
    summoned = _demand(w.tree.grids[6])
    Summons.objects.create(demand=summoned, org=w.unit.org, requested_at=timezone.now(), requested_by=w.street)
    with pytest.raises(ActionError, match="不在您的管辖范围内") as refused:
        resolve_item_demands(w.secretary, item, [elsewhere.ref])
    assert elsewhere.ref in refused.value.message
    demands = resolve_item_demands(w.secretary, item, f"{mine.ref}，{summoned.pk}")
    done = actions.do_complete_item(w.secretary, item, {"completed_on": timezone.localdate(), "problems_solved": 3,
                                                        "result": "停车位增加 40 个", "demands": demands},
                                    expected_version=item.version)
    assert done.state == ItemState.DONE and done.progress == 100 and done.problems_solved == 3
    assert set(done.demands.values_list("pk", flat=True)) == {mine.pk, summoned.pk}
    assert AuditLog.objects.filter(action="cobuild.item_complete", object_id=str(item.pk)).exists()
    with pytest.raises(ActionError, match="不能再更新"):
        actions.do_item_progress(w.liaison, done, 50, "再改")


def test_the_completion_page_refuses_a_forged_demand_and_writes_nothing(client, w, item):
    elsewhere = _demand(w.tree.grids[4])
    client.force_login(w.secretary)
    url = reverse("cobuild:item_complete", args=[item.pk])
    assert client.get(url).status_code == 200
    data = {"completed_on": timezone.localdate().isoformat(), "problems_solved": 1, "result": "完成",
            "demands": elsewhere.ref, "version": item.version}
    assert "不在您的管辖范围内" in client.post(url, data).content.decode()
    item.refresh_from_db()
    assert item.state == ItemState.OPEN and not item.demands.exists()
    assert client.post(url, data | {"demands": ""}).status_code == 302
    item.refresh_from_db()
    assert item.state == ItemState.DONE and item.completed_on == timezone.localdate()


def test_fewer_problems_than_linked_demands_is_refused(w, item):
    d = _demand(w.tree.grids[0])
    with pytest.raises(ActionError, match="不能少于关联的诉求数"):
        actions.do_complete_item(w.secretary, item, {"problems_solved": 0, "result": "完成", "demands": [d]})


def test_the_due_list_shows_due_soon_and_overdue_items_in_scope(client, w):
    today = timezone.localdate()
    a = make_agreement(w.secretary, w.community, w.unit, signed_on=today - dt.timedelta(days=100))
    overdue = make_item(w.secretary, a, today - dt.timedelta(days=1))
    soon = make_item(w.secretary, a, today + dt.timedelta(days=14))
    later = make_item(w.secretary, a, today + dt.timedelta(days=15))
    client.force_login(w.liaison)
    url = reverse("cobuild:items")
    html = client.get(url, {"state": "attention"}).content.decode()
    assert overdue.title in html and soon.title in html and later.title not in html
    html = client.get(url, {"state": "overdue"}).content.decode()
    assert overdue.title in html and soon.title not in html
    assert "已逾期" in html


def test_the_todo_lists_due_and_overdue_items_for_both_sides_only(w):
    now = timezone.now()
    today = timezone.localdate(now)
    a = make_agreement(w.secretary, w.community, w.unit, signed_on=today - dt.timedelta(days=100))
    overdue = make_item(w.secretary, a, today - dt.timedelta(days=1))
    soon = make_item(w.secretary, a, today + dt.timedelta(days=3))
    make_item(w.secretary, a, today + dt.timedelta(days=40))
    for user in (w.liaison, w.secretary):
        todos = my_items(user, now)
        assert [t.url for t in todos] == [reverse("cobuild:item", args=[overdue.pk]),
                                          reverse("cobuild:item", args=[soon.pk])]
        assert todos[0].late(now) and not todos[1].late(now)
    assert my_items(w.other_liaison, now) == [] and my_items(w.resident, now) == []


def test_the_overdue_rule_names_both_sides(w):
    today = timezone.localdate()
    a = make_agreement(w.secretary, w.community, w.other_unit, signed_on=today - dt.timedelta(days=100))
    overdue = make_item(w.secretary, a, today - dt.timedelta(days=2))
    make_item(w.secretary, a, today + dt.timedelta(days=2))
    found = {d.key: d for d in find_item_overdue(timezone.now())}
    assert set(found) == {f"{overdue.pk}:org", f"{overdue.pk}:unit"}
    assert found[f"{overdue.pk}:unit"].org_path == w.other_unit.org_path


def _fill(w, n):
    today = timezone.localdate()
    for _ in range(n):
        a = make_agreement(w.secretary, w.community, make_unit(w.community), signed_on=today - dt.timedelta(days=9))
        make_item(w.secretary, a, today + dt.timedelta(days=3))


def test_the_item_list_runs_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    client.force_login(w.secretary)
    url = reverse("cobuild:items")
    _fill(w, 2)
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url, {"state": "attention"})
    _fill(w, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, {"state": "attention"})
    assert response.content.decode().count("即将到期</span>") == AgreementItem.objects.count()
