"""A notice saved as a draft can be edited (the compose form, prefilled) and sent later; only a draft:
one already sent or withdrawn is refused in Chinese and nothing changes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_person
from tests.notices.helpers import expected_people, sender_at
from zongheng.core.errors import ActionError
from zongheng.core.models import AuditLog
from zongheng.core.permissions import Role
from zongheng.notices import actions
from zongheng.notices.actions import Audience, do_create_notice
from zongheng.notices.models import Notice, NoticeRecipient


def _draft(user, org, targets, **kw) -> Notice:
    data = {"title": "草稿标题", "body": "第一段", "sender_org": org, "needs_ack": True,
            "due_at": timezone.now() + dt.timedelta(days=5), **kw}
    return do_create_notice(user, data, Audience(orgs=tuple(targets), levels=("grid",)))


def _form(org, targets, **kw) -> dict:
    return {"sender_org": org.pk, "title": "修改后的标题", "body": "新的正文", "targets": [t.pk for t in targets],
            "levels": [], "needs_ack": "on", "due_at": "2099-01-01T17:00", "remind_interval_hours": 12,
            "send": "0", **kw}


def test_the_edit_page_is_the_compose_form_prefilled_with_the_draft(client, tree):
    user = sender_at(tree.streets[0])
    draft = _draft(user, tree.streets[0], [tree.grids[1]])
    client.force_login(user)
    progress = client.get(reverse("notices:progress", args=[draft.pk])).content.decode()
    assert reverse("notices:edit", args=[draft.pk]) in progress
    html = client.get(reverse("notices:edit", args=[draft.pk])).content.decode()
    assert "修改草稿" in html and 'value="草稿标题"' in html and "第一段" in html
    assert f'name="targets" value="{tree.grids[1].pk}" checked' in html
    assert re.search(r'name="levels" value="grid"[^>]*checked', html)
    assert re.search(r'name="due_at" value="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"', html)  # the browser shows it
    assert not re.search(r'name="levels" value="street"[^>]*checked', html)


def test_saving_a_draft_again_changes_it_audited_and_sends_nothing(client, tree):
    user = sender_at(tree.streets[0])
    draft = _draft(user, tree.streets[0], [tree.grids[1]])
    client.force_login(user)
    response = client.post(reverse("notices:edit", args=[draft.pk]), _form(tree.streets[0], [tree.communities[1]]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.body, draft.status) == ("修改后的标题", "新的正文", "draft")
    assert draft.remind_interval_hours == 12
    assert [o["id"] for o in draft.audience["orgs"]] == [tree.communities[1].pk] and draft.audience["levels"] == []
    assert not NoticeRecipient.objects.filter(notice=draft).exists()
    entry = AuditLog.objects.get(action="notice.update")
    assert entry.before["title"] == "草稿标题" and entry.after["title"] == "修改后的标题"


def test_a_draft_is_sent_from_the_edit_page_to_its_new_audience(client, tree):
    for grid in tree.grids[:4]:
        make_person(grid)
    user = sender_at(tree.streets[0])
    draft = _draft(user, tree.streets[0], [tree.grids[1]])
    client.force_login(user)
    pdf = SimpleUploadedFile("安排.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(reverse("notices:edit", args=[draft.pk]),
                           _form(tree.streets[0], [tree.communities[1]], send="1", attachments=[pdf]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "sent" and draft.attachments.count() == 1
    got = set(NoticeRecipient.objects.filter(notice=draft).values_list("person_id", flat=True))
    assert got and got == expected_people(tree.streets[0], [tree.communities[1]], today=timezone.localdate())


def test_a_sent_or_withdrawn_notice_cannot_be_edited(client, tree):
    make_person(tree.grids[0])
    user = sender_at(tree.streets[0])
    draft = _draft(user, tree.streets[0], [tree.streets[0]])
    client.force_login(user)
    url = reverse("notices:edit", args=[draft.pk])
    assert client.get(url).status_code == 200  # opened in one tab …
    actions.do_send_notice(user, draft)  # … sent from another
    response = client.post(url, _form(tree.streets[0], [tree.communities[0]]), follow=True)
    assert "该通知已发送或已撤回，不能再修改" in response.content.decode()
    draft.refresh_from_db()
    assert draft.title == "草稿标题" and draft.status == "sent"
    actions.do_withdraw_notice(user, draft)
    response = client.get(url, follow=True)
    assert "不能再修改" in response.content.decode()
    with pytest.raises(ActionError, match="不能再修改"):
        actions.do_update_draft(user, draft, {"title": "x", "sender_org": tree.streets[0], "needs_ack": False},
                                Audience(orgs=(tree.streets[0],)))
    assert Notice.objects.get(pk=draft.pk).title == "草稿标题"
    assert not AuditLog.objects.filter(action="notice.update").exists()


def test_an_edit_with_a_foreign_target_is_refused_and_the_draft_is_unchanged(client, tree):
    user = sender_at(tree.streets[0])
    draft = _draft(user, tree.streets[0], [tree.grids[1]])
    client.force_login(user)
    response = client.post(reverse("notices:edit", args=[draft.pk]), _form(tree.streets[0], [tree.grids[5]]))
    assert response.status_code == 400 and "接收组织不存在或不在您的管辖范围内" in response.content.decode()
    assert Notice.objects.get(pk=draft.pk).title == "草稿标题"


def test_only_the_sender_side_may_edit_a_draft(client, tree):
    draft = _draft(sender_at(tree.streets[0]), tree.streets[0], [tree.grids[1]])
    client.force_login(sender_at(tree.streets[1]))
    assert client.get(reverse("notices:edit", args=[draft.pk])).status_code == 404
    client.force_login(sender_at(tree.grids[0], Role.GRID_LEADER))
    assert client.get(reverse("notices:edit", args=[draft.pk])).status_code == 403
