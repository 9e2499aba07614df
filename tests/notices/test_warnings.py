"""The rule notice.ack_overdue: a warning per (notice, organisation two levels below the sender) while
recipients there have not acknowledged past the due time; cleared when they all have, or on withdrawal."""

from __future__ import annotations

import datetime as dt

from tests.factories import make_person
from tests.notices.helpers import NOW, send, sender_at
from zongheng.core.models import EarlyWarning
from zongheng.core.warnings import sweep
from zongheng.notices.actions import do_withdraw_notice
from zongheng.notices.models import NoticeRecipient

CODE = "notice.ack_overdue"


def _open(notice):
    return EarlyWarning.objects.filter(rule=CODE, cleared_at__isnull=True, key__startswith=f"{notice.pk}:")


def _people(tree):
    for org in [*tree.communities, *tree.grids, *tree.households]:
        make_person(org)


def test_a_warning_appears_past_due_per_community_and_clears_when_all_have_acknowledged(tree):
    _people(tree)
    user = sender_at(tree.district)
    notice = send(user, tree.district, due=dt.timedelta(days=2))
    due = notice.due_at
    sweep(due - dt.timedelta(minutes=1), codes=[CODE])
    assert not _open(notice).exists()
    sweep(due + dt.timedelta(minutes=1), codes=[CODE])
    units = {r.org_path[:12] for r in NoticeRecipient.objects.filter(notice=notice)}
    assert set(_open(notice).values_list("org_path", flat=True)) == units
    sweep(due + dt.timedelta(minutes=2), codes=[CODE])  # twice in a row: still one per cause
    assert _open(notice).count() == len(units)
    community = tree.communities[0]
    warning = _open(notice).get(org_path=community.path)
    assert str(NoticeRecipient.objects.filter(notice=notice, org_path__startswith=community.path).count()) \
        in warning.title
    assert warning.url.endswith(f"?org={community.pk}")
    NoticeRecipient.objects.filter(notice=notice, org_path__startswith=community.path).update(acked_at=due)
    sweep(due + dt.timedelta(hours=1), codes=[CODE])
    assert not _open(notice).filter(org_path=community.path).exists()
    assert EarlyWarning.objects.get(pk=warning.pk).cleared_at == due + dt.timedelta(hours=1)
    NoticeRecipient.objects.filter(notice=notice).update(acked_at=due)
    sweep(due + dt.timedelta(hours=2), codes=[CODE])
    assert not _open(notice).exists()


def test_a_withdrawn_notice_clears_its_warnings_and_one_without_ack_never_warns(tree):
    _people(tree)
    user = sender_at(tree.streets[0])
    notice = send(user, tree.streets[0], due=dt.timedelta(days=1))
    quiet = send(user, tree.streets[0], needs_ack=False)
    later = NOW + dt.timedelta(days=2)
    sweep(later, codes=[CODE])
    assert _open(notice).exists() and not _open(quiet).exists()
    # a street's notice: one warning per grid (two levels below the street)
    assert {len(p) for p in _open(notice).values_list("org_path", flat=True)} <= {16, 12, 8}
    do_withdraw_notice(user, notice, now=later)
    sweep(later + dt.timedelta(minutes=1), codes=[CODE])
    assert not _open(notice).exists()


def test_a_notice_leaves_the_warnings_and_to_do_lists_after_the_follow_up_period(tree):
    from zongheng.core.todo import todos_for
    from zongheng.notices.hooks import FOLLOW_UP

    _people(tree)
    user = sender_at(tree.district)
    notice = send(user, tree.district, due=dt.timedelta(days=1))
    later = notice.due_at + dt.timedelta(hours=1)
    sweep(later, codes=[CODE])
    assert _open(notice).exists()
    assert [t for t in todos_for(user, later) if t.kind == "通知回执逾期"]
    past = notice.due_at + FOLLOW_UP + dt.timedelta(minutes=1)
    sweep(past, codes=[CODE])
    assert not _open(notice).exists()
    assert not [t for t in todos_for(user, past) if t.kind in ("通知回执逾期", "待回执通知")]
