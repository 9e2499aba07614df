"""The audit log reads like a record for people (issue 13, item 6): Chinese action names, links to the
objects, field-level differences with Chinese labels, filters by person, organisation, action and period."""

from __future__ import annotations

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_person, user_with_post
from zongheng.core.permissions import Role
from zongheng.orgs import actions


def _auditor(client, tree):
    client.force_login(user_with_post(tree.district, Role.AUDITOR))


def _moved_person(tree):
    cadre = user_with_post(tree.district, Role.ORG_DEPT, username="zuzhibu")
    person = make_person(tree.grids[0], name="王建国")
    actions.do_update_person(cadre, person, {"name": "王建军", "org": tree.grids[1], "phone": "13900001111"})
    return person


def test_an_update_shows_chinese_names_labels_and_what_changed(client, tree):
    person = _moved_person(tree)
    _auditor(client, tree)
    body = client.get(reverse("core:audit"), {"action": "person.update"}).content.decode()
    assert "<td>修改人员</td>" in body and ">person.update<" not in body
    assert "orgs.person" not in body and "None" not in body
    assert f'href="{reverse("orgs:person", args=[person.pk])}"' not in body  # the auditor may not open it
    assert "<dt>姓名</dt>" in body and "<del>王建国</del> → <ins>王建军</ins>" in body
    assert f"<del>{tree.grids[0].name}</del> → <ins>{tree.grids[1].name}</ins>" in body  # the org by its name
    assert "13900001111" not in body  # the new phone is recorded masked only


def test_the_filters_find_by_person_organisation_action_and_period(client, tree):
    _moved_person(tree)
    make_person(tree.grids[-1], name="李四")
    _auditor(client, tree)
    url = reverse("core:audit")
    assert "王建军" in client.get(url, {"actor": "zuzhibu"}).content.decode()
    assert "王建军" not in client.get(url, {"actor": "nobody-here"}).content.decode()
    by_org = client.get(url, {"org": tree.grids[1].name, "action": "person.update"}).content.decode()
    assert "王建军" in by_org
    other_org = client.get(url, {"org": tree.grids[-1].name}).content.decode()
    assert "王建军" not in other_org and "李四" in other_org
    assert "王建军" not in client.get(url, {"to": "2000-01-01"}).content.decode()
    # no placeholder asks the auditor to type an operation code
    assert "如 person.reveal" not in client.get(url).content.decode()


def test_the_page_costs_the_same_queries_for_ten_or_fifty_records(client, tree):
    _auditor(client, tree)
    url = reverse("core:audit")
    _moved_person(tree)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    cadre = user_with_post(tree.district, Role.ORG_DEPT)
    for i in range(20):
        actions.do_update_person(cadre, make_person(tree.grids[i % 4]), {"name": f"改名{i}", "org": tree.grids[5]})
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_export_speaks_the_same_language(client, tree):
    _moved_person(tree)
    _auditor(client, tree)
    response = client.get(reverse("core:audit_export"), {"action": "person.update"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)
                                     if response.streaming else response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "操作" and rows[0][7] == "改动"
    assert rows[1][3] == "修改人员" and rows[1][4] == "人员"
    assert "姓名：王建国 → 王建军" in rows[1][7]


def test_objects_are_links_only_for_a_reader_who_may_open_them(client, tree):
    from zongheng.accounts.models import User

    person = _moved_person(tree)
    link = f'href="{reverse("orgs:person", args=[person.pk])}"'
    _auditor(client, tree)
    body = client.get(reverse("core:audit"), {"action": "person.update"}).content.decode()
    assert link not in body and "王建军" in body  # the auditor reads the log, not the data: no link to a 403
    client.force_login(User.objects.create_superuser("root", password="x-Secret-12345", must_change_password=False))
    assert link in client.get(reverse("core:audit"), {"action": "person.update"}).content.decode()
