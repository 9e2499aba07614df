"""Attachments are checked by type, size and content; a recipient downloads them, a stranger gets 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_person, make_user
from tests.notices.helpers import NOW, sender_at
from zongheng.core.errors import ActionError
from zongheng.notices.actions import Audience, do_create_notice
from zongheng.notices.models import Notice


def _create(user, org, files):
    return do_create_notice(user, {"title": "附件测试", "sender_org": org, "needs_ack": False},
                            Audience(orgs=(org,)), attachments=files, send=True, now=NOW)


@pytest.mark.parametrize("name,content", [("a.exe", b"MZ\x90\x00"), ("a.pdf", b"<html>not a pdf</html>"),
                                          ("a.docx", b"%PDF-1.4"), ("a", b"%PDF-1.4")])
def test_a_file_of_the_wrong_kind_is_refused_and_nothing_is_written(tree, name, content):
    user = sender_at(tree.communities[0])
    before = Notice.objects.count()
    with pytest.raises(ActionError):
        _create(user, tree.communities[0], [SimpleUploadedFile(name, content)])
    assert Notice.objects.count() == before


def test_a_recipient_downloads_the_attachment_and_others_get_404(client, tree):
    member = make_user(make_person(tree.communities[0]))
    outsider = make_user(make_person(tree.communities[2]))
    notice = _create(sender_at(tree.communities[0]), tree.communities[0],
                     [SimpleUploadedFile("方案.pdf", b"%PDF-1.4 plan")])
    url = reverse("notices:attachment", args=[notice.pk, notice.attachments.get().pk])
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    client.force_login(outsider)
    assert client.get(url).status_code == 403  # no notice.view anywhere, not a recipient
    client.force_login(sender_at(tree.communities[2]))
    assert client.get(url).status_code == 404
