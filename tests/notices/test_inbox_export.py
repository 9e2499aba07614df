"""我的通知 exports to .xlsx: exactly the user's own notices (withdrawn ones leave), the page's filter."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_person, make_user
from tests.notices.helpers import send, sender_at
from zongheng.notices import actions, selectors
from zongheng.notices.models import NoticeRecipient


def _rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_export_lists_exactly_my_notices_with_their_state(client, tree):
    boss = sender_at(tree.district)
    member = make_user(make_person(tree.grids[0]))
    mine = [send(boss, tree.district, title=f"通知{i}") for i in range(3)]
    other = send(sender_at(tree.streets[1]), tree.streets[1], title="别人的通知")
    actions.do_withdraw_notice(boss, mine[2])
    assert not NoticeRecipient.objects.filter(notice=other, person_id=member.person_id).exists()
    row = selectors.my_recipient(member, mine[0].pk)
    actions.do_acknowledge(member, row, "已收到")
    client.force_login(member)
    rows = _rows(client.get(reverse("notices:mine_export")))
    assert rows[0][0] == "标题"
    titles = [r[0] for r in rows[1:]]
    assert sorted(titles) == sorted(r.notice.title for r in selectors.inbox(member))
    assert "通知2" not in titles and "别人的通知" not in titles
    first = next(r for r in rows[1:] if r[0] == "通知0")
    assert first[7] == "已收到" and first[6]
    pending = [r[0] for r in _rows(client.get(reverse("notices:mine_export"), {"state": "pending"}))[1:]]
    assert pending == [r.notice.title for r in selectors.inbox(member, "pending")] and "通知0" not in pending


def test_the_page_links_to_the_export_and_a_user_without_a_person_gets_an_empty_sheet(client, tree):
    send(sender_at(tree.district), tree.district)
    stranger = make_user(None)
    client.force_login(stranger)
    assert reverse("notices:mine_export") in client.get(reverse("notices:mine")).content.decode()
    assert len(_rows(client.get(reverse("notices:mine_export")))) == 1
