"""Reading, 回执 and progress: counts per level and organisation equal direct counts and open their rows."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_person, make_user
from tests.notices.helpers import NOW, send, sender_at
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.notices import selectors
from zongheng.notices.actions import do_acknowledge, do_mark_read
from zongheng.notices.models import NoticeRecipient
from zongheng.orgs.models import Org


def _people(tree, n: int = 3) -> None:
    for org in [*tree.streets, *tree.communities, *tree.grids, *tree.households]:
        for _ in range(n):
            make_person(org)


def _answer_randomly(notice, seed: int) -> None:
    rng = random.Random(seed)
    for r in NoticeRecipient.objects.filter(notice=notice):
        x = rng.random()
        if x < 0.6:
            r.read_at = NOW + dt.timedelta(hours=1)
            if x < 0.35:
                r.acked_at = NOW + dt.timedelta(hours=2)
            r.save()


@pytest.fixture
def sent(tree):
    _people(tree)
    user = sender_at(tree.district)
    notice = send(user, tree.district)
    _answer_randomly(notice, 3)
    return tree, user, notice


def _direct(notice, path_prefix: str, **filters):
    return NoticeRecipient.objects.filter(notice=notice, org_path__startswith=path_prefix, **filters).count()


def test_progress_by_org_and_level_equals_direct_counts(sent):
    tree, _, notice = sent
    for node in [tree.district, tree.streets[1], tree.communities[2]]:
        data = selectors.progress(notice, node)
        assert data.total.total == _direct(notice, node.path)
        assert data.total.read == _direct(notice, node.path, read_at__isnull=False)
        assert data.total.acked == _direct(notice, node.path, acked_at__isnull=False)
        for row in data.by_org:
            if row.org is None:
                here = NoticeRecipient.objects.filter(notice=notice, org_path=node.path)
                assert row.tally.total == here.count()
                continue
            assert row.org.path[:-4] == node.path
            assert row.tally.total == _direct(notice, row.org.path)
            assert row.tally.acked == _direct(notice, row.org.path, acked_at__isnull=False)
        for row in data.by_level:
            q = NoticeRecipient.objects.filter(notice=notice, org_path__startswith=node.path, level=row.level)
            assert row.tally.total == q.count()
            assert row.tally.read == q.filter(read_at__isnull=False).count()
            assert row.tally.acked == q.filter(acked_at__isnull=False).count()
            assert row.tally.total == sum(1 for r in q.select_related("org") if r.org.level_id == row.level.pk)


def test_every_figure_links_to_rows_that_count_the_same(client, sent):
    tree, user, notice = sent
    client.force_login(user)
    node = tree.streets[0]
    data = selectors.progress(notice, node)
    for row in data.by_level:
        for state, expected in [("all", row.tally.total), ("read", row.tally.read), ("acked", row.tally.acked),
                                ("unacked", row.tally.unacked)]:
            url = reverse("notices:rows", args=[notice.pk]) + f"?org={node.pk}&level={row.level.pk}&state={state}"
            response = client.get(url)
            assert response.status_code == 200
            assert response.context["page"].paginator.count == expected
    for row in data.by_org:
        org = row.org or node
        extra = "" if row.org else "&direct=1"
        url = reverse("notices:rows", args=[notice.pk]) + f"?org={org.pk}&state=unacked{extra}"
        assert client.get(url).context["page"].paginator.count == row.tally.unacked
    page = client.get(reverse("notices:progress", args=[notice.pk]) + f"?org={node.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    for row in data.by_org:
        if row.org:
            assert f"?org={row.org.pk}" in body


def test_the_non_responders_export_opens_with_masked_phones(client, sent):
    tree, user, notice = sent
    client.force_login(user)
    response = client.get(reverse("notices:export_pending", args=[notice.pk]) + f"?org={tree.communities[0].pk}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0] == "姓名"
    assert len(lines) - 1 == _direct(notice, tree.communities[0].path, acked_at__isnull=True)
    assert all("*" in (line[1] or "*") for line in lines[1:])


def test_opening_a_notice_marks_it_read_without_an_audit_row_and_ack_is_audited(client, tree):
    person = make_person(tree.grids[0])
    member = make_user(person)
    notice = send(sender_at(tree.district), tree.district)
    client.force_login(member)
    audits = AuditLog.objects.count()
    assert client.get(reverse("notices:read", args=[notice.pk])).status_code == 200
    row = NoticeRecipient.objects.get(notice=notice, person=person)
    assert row.read_at is not None and row.acked_at is None
    assert AuditLog.objects.count() == audits
    response = client.post(reverse("notices:ack", args=[notice.pk]), {"reply": "已收到，按时参加"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.acked_at is not None and row.reply == "已收到，按时参加"
    assert AuditLog.objects.filter(action="notice.acknowledge", object_id=str(row.pk)).count() == 1
    with pytest.raises(ActionError):
        do_acknowledge(member, row, "")


def test_someone_elses_notice_answers_404(client, tree):
    mine = make_user(make_person(tree.grids[0]))
    other_notice = send(sender_at(tree.communities[2]), tree.communities[2])
    client.force_login(mine)
    assert client.get(reverse("notices:read", args=[other_notice.pk])).status_code == 404
    assert client.post(reverse("notices:ack", args=[other_notice.pk])).status_code == 404
    assert client.get(reverse("api:get_my_notice", kwargs={"id": other_notice.pk})).status_code == 404
    stranger_row = NoticeRecipient.objects.filter(notice=other_notice).first()
    with pytest.raises(ActionError):
        do_mark_read(mine, stranger_row)


def test_a_community_secretary_sees_the_part_of_a_district_notice_in_their_community_only(client, tree):
    _people(tree, 1)
    notice = send(sender_at(tree.district), tree.district)
    secretary = sender_at(tree.communities[1])
    client.force_login(secretary)
    page = client.get(reverse("notices:progress", args=[notice.pk]))
    assert page.status_code == 200 and page.context["node"] == tree.communities[1]
    assert client.get(reverse("notices:progress", args=[notice.pk]) + f"?org={tree.grids[2].pk}").status_code == 200
    for outside in [tree.district, tree.streets[1], tree.communities[0]]:
        url = reverse("notices:progress", args=[notice.pk]) + f"?org={outside.pk}"
        assert client.get(url).status_code == 404
    assert client.post(reverse("notices:remind", args=[notice.pk]), {"org": tree.communities[1].pk}).status_code == 403


def _grow(tree, n: int) -> None:
    for org in Org.objects.filter(path__startswith=tree.district.path):
        for _ in range(n):
            make_person(org)


@pytest.mark.parametrize("url_name", ["notices:progress", "notices:rows", "notices:sent", "notices:mine",
                                      "api:notice_progress", "api:list_my_notices", "api:list_notices"])
def test_pages_run_a_constant_number_of_queries(client, tree, url_name):
    user = sender_at(tree.district)
    counts = []
    for size in (1, 3):
        _grow(tree, size)
        notice = send(user, tree.district, title=f"第{size}次")
        _answer_randomly(notice, size)
        client.force_login(user)
        if url_name in ("notices:progress", "notices:rows"):
            url = reverse(url_name, args=[notice.pk])
        elif url_name == "api:notice_progress":
            url = reverse(url_name, kwargs={"id": notice.pk})
        else:
            url = reverse(url_name)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
