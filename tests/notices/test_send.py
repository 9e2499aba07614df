"""Sending: a notice reaches every person in scope exactly once, set-based; forged ids write nothing."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_person, make_post
from tests.notices.helpers import NOW, expected_people, send, sender_at
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role
from zongheng.notices import resolve
from zongheng.notices.actions import Audience, do_create_list, do_create_notice
from zongheng.notices.models import Notice, NoticeRecipient

LEVELS = ["district", "street", "community", "grid", "household"]
ROLES = [Role.SECRETARY, Role.GRID_LEADER, Role.COMMITTEE_MEMBER, Role.HOUSEHOLD_HEAD]


def _populate(tree, rng: random.Random) -> None:
    orgs = [tree.district, *tree.streets, *tree.communities, *tree.grids, *tree.households]
    for _ in range(40):
        org = rng.choice(orgs)
        member = rng.random() < 0.8
        person = make_person(org, is_party_member=member, member_type="employed" if member else "")
        if rng.random() < 0.3:
            make_post(person, rng.choice(orgs), rng.choice(ROLES))
        if rng.random() < 0.1:  # a post that has ended gives nothing
            make_post(person, org, rng.choice(ROLES), ends_on=NOW.date().replace(year=2019))


def _recipients(notice: Notice) -> list[int]:
    return list(NoticeRecipient.objects.filter(notice=notice).values_list("person_id", flat=True))


@pytest.fixture(params=[7, 2018])
def populated(tree, request):
    _populate(tree, random.Random(request.param))
    return tree


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_notice_reaches_every_person_in_scope_exactly_once(populated, data):
    tree = populated
    senders = [tree.district, *tree.streets, *tree.communities]
    sender_org = data.draw(st.sampled_from(senders))
    below = [o for o in [*tree.streets, *tree.communities, *tree.grids, *tree.households, tree.district]
             if o.path.startswith(sender_org.path)]
    targets = data.draw(st.lists(st.sampled_from(below), min_size=1, max_size=3, unique_by=lambda o: o.pk))
    levels = tuple(data.draw(st.lists(st.sampled_from(LEVELS), max_size=2, unique=True)))
    roles = tuple(data.draw(st.lists(st.sampled_from(ROLES), max_size=2, unique=True)))
    user = sender_at(sender_org)
    expected = expected_people(sender_org, targets, levels, roles)
    if not expected:
        with pytest.raises(ActionError):
            send(user, sender_org, targets=targets, levels=levels, roles=roles)
        return
    notice = send(user, sender_org, targets=targets, levels=levels, roles=roles)
    got = _recipients(notice)
    assert len(got) == len(set(got))
    assert set(got) == expected


def test_the_recipients_copy_the_org_path_and_level_of_each_person(populated):
    user = sender_at(populated.district)
    notice = send(user, populated.district)
    for r in NoticeRecipient.objects.filter(notice=notice).select_related("person", "person__org"):
        assert r.org_id == r.person.org_id
        assert r.org_path == r.person.org_path
        assert r.level_id == r.person.org.level_id


def test_sending_expands_the_audience_in_one_insert(populated):
    user = sender_at(populated.district)
    with CaptureQueriesContext(connection) as ctx:
        send(user, populated.district)
    inserts = [q["sql"] for q in ctx.captured_queries if "INSERT INTO" in q["sql"] and "noticerecipient" in q["sql"]]
    assert len(inserts) == 1 and "SELECT DISTINCT" in inserts[0]


def test_a_saved_list_reaches_its_people_and_its_orgs_subtrees_once(populated):
    tree = populated
    user = sender_at(tree.district)
    one = make_person(tree.grids[5])
    saved = do_create_list(user, tree.district, "防汛联络人", [tree.communities[0]], [one, make_person(tree.grids[0])])
    notice = send(user, tree.district, targets=[], saved=saved)
    expected = expected_people(tree.district, [tree.communities[0]]) | {one.pk}
    assert set(_recipients(notice)) == expected
    assert len(_recipients(notice)) == len(expected)


def test_a_forged_org_id_is_refused_in_chinese_and_nothing_is_written(populated):
    tree = populated
    user = sender_at(tree.communities[0])
    before = (Notice.objects.count(), NoticeRecipient.objects.count())
    for forged in [tree.communities[2].pk, tree.district.pk, 10**9, "x"]:
        with pytest.raises(ActionError) as exc:
            resolve.resolve_targets(user, tree.communities[0], [forged])
        assert "不在您的管辖范围内" in exc.value.message
    with pytest.raises(ActionError):
        resolve.resolve_sender_org(user, tree.streets[1].pk)
    with pytest.raises(ActionError):  # the action checks again, whatever the caller resolved
        do_create_notice(user, {"title": "越权", "sender_org": tree.district, "needs_ack": False},
                         Audience(orgs=(tree.district,)), send=True, now=NOW)
    with pytest.raises(ActionError):
        do_create_notice(user, {"title": "越权", "sender_org": tree.communities[0], "needs_ack": False},
                         Audience(orgs=(tree.communities[2],)), send=True, now=NOW)
    assert (Notice.objects.count(), NoticeRecipient.objects.count()) == before


def test_the_compose_page_sends_and_refuses_a_forged_org_in_chinese(client, tree):
    from django.urls import reverse

    make_person(tree.grids[0])
    user = sender_at(tree.communities[0])
    client.force_login(user)
    url = reverse("notices:compose")
    form = {"sender_org": tree.communities[0].pk, "title": "关于防汛值守的通知", "body": "请值守。",
            "targets": [tree.communities[2].pk], "needs_ack": "on", "due_at": "2099-01-01T17:00",
            "remind_interval_hours": 24, "send": "1"}
    before = Notice.objects.count()
    response = client.post(url, form)
    assert response.status_code == 400 and "不在您的管辖范围内" in response.content.decode()
    assert Notice.objects.count() == before
    response = client.post(url, form | {"targets": [tree.communities[0].pk]})
    assert response.status_code == 302
    notice = Notice.objects.get(title="关于防汛值守的通知")
    assert notice.status == "sent"
    assert set(_recipients(notice)) == expected_people(tree.communities[0], [tree.communities[0]])
