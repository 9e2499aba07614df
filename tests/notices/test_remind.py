"""Reminders (催办) never twice within the interval; SMS after commit; withdraw leaves history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_person, make_user
from tests.notices.helpers import NOW, send, sender_at
from zongheng.core.errors import ActionError
from zongheng.core.todo import todos_for
from zongheng.notices import selectors
from zongheng.notices.actions import do_acknowledge, do_remind, do_withdraw_notice
from zongheng.notices.models import NoticeRecipient, NoticeStatus

SENT: list[tuple[str, str]] = []


def capture_sms(phone: str, text: str) -> None:
    SENT.append((phone, text))


@pytest.fixture
def people(tree):
    out = [make_person(org) for org in [*tree.communities, *tree.grids] for _ in range(2)]
    out.append(make_person(tree.grids[0], phone=""))  # no phone: reminded in-app only
    return out


def test_reminders_are_never_sent_twice_within_the_interval(tree, people, settings,
                                                             django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.notices.test_remind.capture_sms"
    SENT.clear()
    user = sender_at(tree.district)
    notice = send(user, tree.district, remind_interval_hours=12)
    first_answer = NoticeRecipient.objects.filter(notice=notice).order_by("pk").first()
    first_answer.acked_at = NOW
    first_answer.save()
    pending = NoticeRecipient.objects.filter(notice=notice, acked_at__isnull=True)
    under_street = pending.filter(org_path__startswith=tree.streets[0].path).count()
    with django_capture_on_commit_callbacks(execute=True):
        done = do_remind(user, notice, tree.streets[0], now=NOW + dt.timedelta(hours=1))
    assert (done.reminded, done.skipped) == (under_street, 0)
    with_phone = pending.filter(org_path__startswith=tree.streets[0].path).exclude(person__phone_enc="").count()
    assert len(SENT) == with_phone and all("《" in text for _, text in SENT)
    # The whole district five hours later: the street is skipped, the rest reminded.
    again = do_remind(user, notice, tree.district, now=NOW + dt.timedelta(hours=6))
    assert again.skipped == under_street
    assert again.reminded == pending.count() - under_street
    # Within the interval of both earlier reminders nobody; past the first one's interval only the street.
    assert do_remind(user, notice, tree.district, now=NOW + dt.timedelta(hours=12, minutes=30)).reminded == 0
    late = do_remind(user, notice, tree.district, now=NOW + dt.timedelta(hours=13, minutes=5))
    assert (late.reminded, late.skipped) == (under_street, pending.count() - under_street)
    for row in pending:
        assert row.remind_count >= 1
    assert NoticeRecipient.objects.get(pk=first_answer.pk).remind_count == 0


def test_a_reminded_person_sees_it_on_their_to_do_list(tree):
    person = make_person(tree.grids[1])
    member = make_user(person)
    user = sender_at(tree.district)
    notice = send(user, tree.district)
    [item] = [t for t in todos_for(member, NOW) if t.url == reverse("notices:read", args=[notice.pk])]
    assert item.kind == "待回执通知" and "已催办" not in item.title
    do_remind(user, notice, tree.district, now=NOW + dt.timedelta(hours=1))
    [item] = [t for t in todos_for(member, NOW) if t.url == reverse("notices:read", args=[notice.pk])]
    assert "已催办" in item.title
    do_acknowledge(member, NoticeRecipient.objects.get(notice=notice, person=person), now=NOW)
    assert not [t for t in todos_for(member, NOW) if t.url == reverse("notices:read", args=[notice.pk])]


def test_the_page_says_how_many_were_reminded_and_skipped(client, tree, people):
    user = sender_at(tree.district)
    notice = send(user, tree.district)
    client.force_login(user)
    url = reverse("notices:remind", args=[notice.pk])
    first = client.post(url, {"org": tree.communities[0].pk}, follow=True)
    n = NoticeRecipient.objects.filter(notice=notice, org_path__startswith=tree.communities[0].path).count()
    assert f"已催办 {n} 人" in first.content.decode()
    second = client.post(url, {"org": tree.streets[0].pk}, follow=True).content.decode()
    assert f"{n} 人在 24 小时内已催办过" in second


def test_withdrawing_hides_the_notice_from_recipients_and_keeps_the_rows(client, tree, people):
    user = sender_at(tree.district)
    notice = send(user, tree.district)
    member = make_user(people[0])
    assert selectors.inbox(member).filter(notice=notice).exists()
    rows = NoticeRecipient.objects.filter(notice=notice).count()
    do_withdraw_notice(user, notice, now=NOW + dt.timedelta(hours=2))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN and notice.withdrawn_at is not None
    assert not selectors.inbox(member).filter(notice=notice).exists()
    assert not [t for t in todos_for(member, NOW) if str(notice.pk) in t.url]
    assert NoticeRecipient.objects.filter(notice=notice).count() == rows
    client.force_login(member)
    assert client.get(reverse("notices:read", args=[notice.pk])).status_code == 404
    with pytest.raises(ActionError):
        do_remind(user, notice, tree.district)
    with pytest.raises(ActionError):
        do_withdraw_notice(user, notice)


def test_the_to_do_items_figures_and_badge_run_a_constant_number_of_queries(tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zongheng.notices.hooks import _unread, my_figures, my_todos

    user = sender_at(tree.district)
    counts = []
    for n in (1, 4):
        for _ in range(n):
            make_person(tree.grids[n])
            send(user, tree.district, due=dt.timedelta(hours=1))
        user = type(user).objects.get(pk=user.pk)
        later = NOW + dt.timedelta(days=1)
        with CaptureQueriesContext(connection) as ctx:
            todos = my_todos(user, later)
            figures = my_figures(user, later)
            _unread(user)
        counts.append(len(ctx.captured_queries))
        assert len([t for t in todos if t.kind == "通知回执逾期"]) == n + (1 if n == 4 else 0)
        assert {f.label for f in figures} == {"未读通知", "本月发出的通知"}
        from zongheng.notices.models import Notice

        first = timezone.localdate(later).replace(day=1)
        sent = next(f for f in figures if f.label == "本月发出的通知")
        assert sent.value == Notice.objects.filter(status="sent", sent_at__date__gte=first).count()
    assert counts[0] == counts[1]
