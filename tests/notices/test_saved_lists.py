"""保存的名单: list, create, edit and delete the saved lists of the organisations where one may send
notices — organisations with the picker, people with a search limited to the owner organisation's
subtree (phones masked) — through audited actions the API shares; out of scope → 404."""

from __future__ import annotations

import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_person
from tests.notices.helpers import sender_at
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.notices.actions import do_create_list
from zongheng.notices.models import RecipientList


def _audits(action: str) -> int:
    return AuditLog.objects.filter(action=action).count()


def test_a_list_is_created_on_the_page_with_picked_organisations_and_searched_people(client, tree):
    street = tree.streets[0]
    client.force_login(sender_at(street))
    one = make_person(tree.grids[2], name="王小明")
    response = client.post(reverse("notices:list_new"), {"name": "防汛联络人", "owner_org": street.pk,
                                                          "orgs": [tree.grids[1].pk], "persons": [one.pk]})
    assert response.status_code == 302
    saved = RecipientList.objects.get()
    assert (saved.name, saved.owner_org) == ("防汛联络人", street)
    assert list(saved.orgs.all()) == [tree.grids[1]] and list(saved.persons.all()) == [one]
    assert _audits("notice.list_create") == 1
    html = client.get(reverse("notices:lists")).content.decode()
    assert "防汛联络人" in html and reverse("notices:list_edit", args=[saved.pk]) in html


def test_the_person_search_stays_in_the_owner_subtree_and_masks_phones(client, tree):
    client.force_login(sender_at(tree.district))
    inside = make_person(tree.grids[0], name="李四海", phone="13812345678")
    outside = make_person(tree.grids[4], name="李四江")
    url = reverse("notices:list_people")
    html = client.get(url, {"owner_org": tree.district.pk, "person_q": "李四"}).content.decode()
    assert "李四海" in html and "李四江" in html
    html = client.get(url, {"owner_org": tree.streets[0].pk, "person_q": "李四"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert "李四海" in html and "李四江" not in html
    assert "13812345678" not in html and inside.phone_masked in html
    assert f'value="{outside.pk}"' not in html
    assert "请先选择" in client.get(url, {"person_q": "李四"}).content.decode()


def test_the_person_search_refuses_an_owner_outside_the_scope(client, tree):
    client.force_login(sender_at(tree.streets[0]))
    make_person(tree.grids[4], name="赵六")
    html = client.get(reverse("notices:list_people"), {"owner_org": tree.streets[1].pk, "person_q": "赵"}
                      ).content.decode()
    assert "赵六" not in html and "请先选择" in html


def test_forged_people_and_organisations_are_refused_in_chinese_and_nothing_is_saved(client, tree):
    client.force_login(sender_at(tree.streets[0]))
    url = reverse("notices:list_new")
    base = {"name": "名单", "owner_org": tree.streets[0].pk}
    cases = [({"persons": [make_person(tree.grids[4]).pk]}, "人员不存在或不在您的管辖范围内"),
             ({"persons": ["x"]}, "人员不存在或不在您的管辖范围内"),
             ({"orgs": [tree.grids[5].pk]}, "组织不存在或不在您的管辖范围内"),
             ({"owner_org": tree.streets[1].pk, "orgs": [tree.grids[0].pk]}, "所属组织不存在或不在您的管辖范围内"),
             ({}, "至少要有一个组织或一名人员")]
    for extra, message in cases:
        response = client.post(url, base | extra)
        assert response.status_code == 400 and message in response.content.decode(), extra
    assert not RecipientList.objects.exists() and _audits("notice.list_create") == 0


def test_a_list_is_edited_prefilled_and_the_change_is_audited(client, tree):
    user = sender_at(tree.streets[0])
    one, two = make_person(tree.grids[0], name="甲一"), make_person(tree.grids[3], name="乙二")
    saved = do_create_list(user, tree.streets[0], "旧名单", [tree.communities[0]], [one])
    client.force_login(user)
    html = client.get(reverse("notices:list_edit", args=[saved.pk])).content.decode()
    assert 'value="旧名单"' in html and "甲一" in html
    assert f'name="orgs" value="{tree.communities[0].pk}" checked' in html
    response = client.post(reverse("notices:list_edit", args=[saved.pk]),
                           {"name": "新名单", "owner_org": tree.streets[0].pk, "orgs": [tree.grids[2].pk],
                            "persons": [one.pk, two.pk]})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.name == "新名单" and list(saved.orgs.all()) == [tree.grids[2]]
    assert set(saved.persons.all()) == {one, two}
    entry = AuditLog.objects.get(action="notice.list_update")
    assert entry.before["name"] == "旧名单" and entry.after["name"] == "新名单"


def test_a_list_is_deleted_with_an_audit_row_and_sent_notices_keep_their_recipients(client, tree):
    from tests.notices.helpers import send
    from zongheng.notices.models import NoticeRecipient

    user = sender_at(tree.streets[0])
    one = make_person(tree.grids[0])
    saved = do_create_list(user, tree.streets[0], "名单", [], [one])
    notice = send(user, tree.streets[0], targets=[], saved=saved)
    reached = NoticeRecipient.objects.filter(notice=notice).count()
    client.force_login(user)
    assert client.post(reverse("notices:list_delete", args=[saved.pk])).status_code == 302
    assert not RecipientList.objects.exists() and _audits("notice.list_delete") == 1
    assert NoticeRecipient.objects.filter(notice=notice).count() == reached > 0


def test_lists_out_of_scope_answer_404_and_without_the_right_403(client, tree):
    other = do_create_list(sender_at(tree.streets[1]), tree.streets[1], "别处的名单", [tree.streets[1]], [])
    client.force_login(sender_at(tree.streets[0]))
    assert "别处的名单" not in client.get(reverse("notices:lists")).content.decode()
    assert client.get(reverse("notices:list_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("notices:list_delete", args=[other.pk])).status_code == 404
    assert client.put(reverse("api:get_recipient_list", kwargs={"id": other.pk}), data=json.dumps(
        {"name": "x", "owner_org": tree.streets[0].pk, "orgs": [tree.streets[0].pk]}),
        content_type="application/json").status_code == 404
    assert client.delete(reverse("api:get_recipient_list", kwargs={"id": other.pk})).status_code == 404
    assert RecipientList.objects.get(pk=other.pk).name == "别处的名单"
    client.force_login(sender_at(tree.grids[0], Role.GRID_LEADER))
    assert client.get(reverse("notices:lists")).status_code == 403
    assert client.delete(reverse("api:get_recipient_list", kwargs={"id": other.pk})).status_code == 403


def test_the_api_updates_and_deletes_through_the_same_audited_actions(client, tree):
    user = sender_at(tree.streets[0])
    saved = do_create_list(user, tree.streets[0], "名单", [tree.communities[0]], [])
    client.force_login(user)
    url = reverse("api:get_recipient_list", kwargs={"id": saved.pk})
    one = make_person(tree.grids[3])
    body = {"name": "改过的名单", "owner_org": tree.streets[0].pk, "orgs": [tree.grids[1].pk], "persons": [one.pk]}
    bad = client.put(url, data=json.dumps(body | {"orgs": [tree.grids[6].pk]}), content_type="application/json")
    assert bad.status_code == 400 and "不在您的管辖范围内" in bad.json()["detail"]
    got = client.put(url, data=json.dumps(body), content_type="application/json")
    assert got.status_code == 200, got.content
    assert got.json()["name"] == "改过的名单" and got.json()["persons"] == 1
    assert [o["id"] for o in got.json()["orgs"]] == [tree.grids[1].pk]
    assert client.get(url).json()["name"] == "改过的名单"
    assert _audits("notice.list_update") == 1
    assert client.delete(url).status_code == 204
    assert not RecipientList.objects.exists() and _audits("notice.list_delete") == 1
    assert client.get(url).status_code == 404


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_lists_page_and_api_run_a_constant_number_of_queries(client, tree):
    user = sender_at(tree.district)
    client.force_login(user)

    def make(n: int) -> None:
        for i in range(n):
            do_create_list(user, tree.district, f"名单{i}", [tree.communities[i % 4]], [make_person(tree.grids[0])])

    make(2)
    page, api = _queries(client, reverse("notices:lists")), _queries(client, reverse("api:list_recipient_lists"))
    make(12)
    assert _queries(client, reverse("notices:lists")) == page
    assert _queries(client, reverse("api:list_recipient_lists")) == api
    html = client.get(reverse("notices:lists")).content.decode()
    assert len(re.findall(r"名单\d+</a>", html)) == RecipientList.objects.count()
