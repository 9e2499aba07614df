"""起草通知 picks its receiving organisations with the shared picker over the WHOLE subtree of the
organisations where the sender holds notice.send (a grid three levels down, not only the children);
the page carries no list of organisations, and what is submitted still goes through
``resolve.resolve_targets`` (a forged or foreign id: a Chinese refusal, nothing written)."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_person
from tests.notices.helpers import expected_people, sender_at
from zongheng.core.permissions import Role
from zongheng.notices.models import Notice, NoticeRecipient
from zongheng.orgs.models import Org


def offered(response, name: str = "targets") -> list[int]:
    return [int(v) for v in re.findall(rf'<input type="checkbox" name="{name}" value="(\d+)"',
                                       response.content.decode())]


def _form(org: Org, targets: list, **kw) -> dict:
    return {"sender_org": org.pk, "title": "关于防汛值守的通知", "body": "请值守。", "targets": targets,
            "needs_ack": "on", "due_at": "2099-01-01T17:00", "remind_interval_hours": 24, "send": "1", **kw}


def _page(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("notices:compose"))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_the_compose_page_carries_a_picker_not_a_list_and_does_not_grow_with_the_tree(client, tree):
    client.force_login(sender_at(tree.district))
    html, queries = _page(client)
    assert f'hx-get="{reverse("notices:pick")}"' in html and 'type="search"' in html
    assert tree.communities[0].name not in html and tree.streets[1].name not in html
    for i in range(30):
        Org.objects.add_child(tree.streets[0], instance=Org(name=f"新社区{i}", level=tree.levels["community"]))
    html2, queries2 = _page(client)
    assert queries2 == queries and "新社区" not in html2
    assert "只发给这些层级" in html2 and "只发给这些职务" in html2  # the filters stay


def test_the_picker_reaches_the_whole_subtree_and_nothing_outside(client, tree):
    street = tree.streets[0]
    client.force_login(sender_at(street))
    deep = tree.grids[1]  # street › community › grid: deeper than the street's children
    ids = offered(client.get(reverse("notices:pick"), {"pick_q": deep.name}, HTTP_HX_REQUEST="true"))
    assert deep.pk in ids
    ids = offered(client.get(reverse("notices:pick"), {"pick_q": "网格"}))
    under = set(Org.objects.filter(path__startswith=street.path).values_list("pk", flat=True))
    assert ids and set(ids) <= under
    assert offered(client.get(reverse("notices:pick"), {"pick_q": tree.grids[5].name})) == []
    assert client.get(reverse("notices:pick"), {"field": "other"}).status_code == 404


def test_the_picker_needs_the_right_to_send(client, tree):
    client.force_login(sender_at(tree.grids[0], Role.GRID_LEADER))
    assert client.get(reverse("notices:pick")).status_code == 403


def test_a_deep_target_picked_is_sent_to_exactly_its_people(client, tree):
    for grid in tree.grids[:4]:
        make_person(grid)
    client.force_login(sender_at(tree.streets[0]))
    deep = tree.grids[1]
    response = client.post(reverse("notices:compose"), _form(tree.streets[0], [deep.pk]))
    assert response.status_code == 302
    notice = Notice.objects.get()
    got = set(NoticeRecipient.objects.filter(notice=notice).values_list("person_id", flat=True))
    assert got and got == expected_people(tree.streets[0], [deep])


def test_a_forged_or_foreign_target_is_refused_in_chinese_and_nothing_is_written(client, tree):
    client.force_login(sender_at(tree.streets[0]))
    url = reverse("notices:compose")
    for targets in ([tree.grids[5].pk], ["abc"], [tree.district.pk]):
        response = client.post(url, _form(tree.streets[0], targets))
        assert response.status_code == 400
        assert "接收组织不存在或不在您的管辖范围内" in response.content.decode()
    assert not Notice.objects.exists()


def test_a_refused_form_shows_the_chosen_targets_again_but_never_a_foreign_name(client, tree):
    client.force_login(sender_at(tree.streets[0]))
    response = client.post(reverse("notices:compose"),
                           _form(tree.streets[0], [tree.grids[1].pk, tree.grids[5].pk], title=""))
    html = response.content.decode()
    assert response.status_code == 400 and "请填写通知标题" in html
    assert f'name="targets" value="{tree.grids[1].pk}" checked' in html
    assert tree.grids[5].name not in html
