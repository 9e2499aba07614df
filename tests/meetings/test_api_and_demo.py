"""The meetings API (scope, compliance, resolution updates) and the demo's replayed warnings."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import user_with_post
from tests.meetings.conftest import at, staff
from zongheng.core.models import AuditLog, EarlyWarning
from zongheng.core.permissions import Role
from zongheng.meetings import actions, demo, rules, selectors
from zongheng.meetings.choices import MeetingStatus
from zongheng.meetings.models import Meeting, MeetingType, Resolution
from zongheng.meetings.periods import parse
from zongheng.orgs.models import Org

pytestmark = pytest.mark.django_db


def _held(user, mtype, org, period, when):
    m = actions.do_schedule(user, {"type": mtype, "org": org, "period": period, "scheduled_at": when,
                                   "place": "会议室"}, now=when)
    return actions.do_record(user, m, {"held_at": when, "minutes": "纪要",
                                       "attendance": dict.fromkeys(m.attendances.values_list("person_id", flat=True),
                                                                   "present")}, now=when + dt.timedelta(hours=1))


def test_api_lists_only_the_scope_and_reports_compliance_like_the_selector(client, tree, mtypes):
    users = staff(tree)
    street = tree.streets[0]
    mtype = mtypes["community_joint"]
    inside = _held(users[tree.communities[0].pk], mtype, tree.communities[0], "2026-Q3", at(2026, 8, 3))
    outside = _held(users[tree.communities[2].pk], mtype, tree.communities[2], "2026-Q3", at(2026, 8, 3))
    client.force_login(users[street.pk])
    ids = {item["id"] for item in client.get(reverse("api:list_meetings")).json()["items"]}
    assert inside.pk in ids and outside.pk not in ids
    body = client.get(reverse("api:meeting_compliance"),
                      {"org": street.pk, "type": "community_joint", "period": "2026-Q3"}).json()
    orgs = list(Org.objects.filter(path__startswith=street.path, depth__lte=street.depth + 1))
    cells = selectors.compliance(mtype, parse(mtype.cadence, "2026-Q3"), orgs)
    assert {row["org"]["id"]: row["status"] for row in body} == {pk: c.status for pk, c in cells.items()}
    assert client.get(reverse("api:meeting_compliance"), {"org": tree.streets[1].pk}).status_code == 404
    bad = client.get(reverse("api:meeting_compliance"), {"org": street.pk, "type": "community_joint",
                                                         "period": "2026-13"})
    assert bad.status_code == 400 and "格式" in bad.json()["detail"]


def test_api_updates_a_resolution_through_the_action_and_refuses_outsiders(client, tree, mtypes):
    users = staff(tree)
    community = tree.communities[0]
    m = _held(users[community.pk], mtypes["community_joint"], community, "2026-Q3", at(2026, 8, 3))
    r = actions.do_add_resolution(users[community.pk], m, {"text": "修路灯", "owner_org": community,
                                                           "due_on": dt.date(2026, 12, 1)})
    url = reverse("api:get_resolution", args=[r.pk])
    client.force_login(users[tree.communities[2].pk])
    assert client.patch(url, json.dumps({"progress": "越权"}), content_type="application/json").status_code == 404
    client.force_login(users[community.pk])
    response = client.patch(url, json.dumps({"progress": "已修好", "done": True}), content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert AuditLog.objects.filter(action="meeting.resolution_done", object_id=str(r.pk)).count() == 1
    again = client.patch(url, json.dumps({"progress": "再改"}), content_type="application/json")
    assert again.status_code == 400 and "已办结" in again.json()["detail"]


def test_two_sweeps_leave_one_open_warning_per_cause(tree, mtypes):
    from zongheng.core import warnings

    staff(tree)
    now = at(2026, 11, 28)
    warnings.sweep(now, codes=list(rules.CODES))
    first = list(EarlyWarning.objects.open().values_list("rule", "key"))
    warnings.sweep(now, codes=list(rules.CODES))
    second = list(EarlyWarning.objects.open().values_list("rule", "key"))
    assert sorted(first) == sorted(second) and len(second) == len(set(second))
    # every applicable org and every ended period of the year (and last year's last) without a meeting
    expected = 0
    for mtype in MeetingType.objects.filter(enabled=True):
        from zongheng.meetings.periods import due_periods

        periods = [p for p in due_periods(mtype.cadence, now) if not mtype.since or mtype.since <= p.start]
        expected += selectors.applicable_orgs(mtype).count() * len(periods)
    assert len(second) == expected


def test_the_demo_replays_warnings_that_open_and_clear_late(tree, mtypes):
    staff(tree)
    users = [user_with_post(tree.communities[0], Role.SECRETARY_ASSISTANT)]
    demo.build(tree.district, seed=3, year=2018)
    made = Meeting.objects.filter(period__startswith="2018")
    assert made.filter(status=MeetingStatus.HELD).exists()
    cleared = EarlyWarning.objects.filter(rule=rules.NOT_HELD, cleared_at__isnull=False)
    late = [m for m in made.filter(status=MeetingStatus.HELD) if m.is_makeup]
    for m in late:  # each make-up cleared its period's warning on the evening it was held
        w = cleared.filter(key=f"{m.type.code}:{m.org_id}:{m.period}").first()
        if w is not None:
            assert w.cleared_at >= m.held_at and w.cleared_at.date() == timezone.localtime(m.held_at).date()
    now = at(2026, 11, 28)
    demo.build_live(tree.district, seed=3, now=now)
    open_keys = list(EarlyWarning.objects.open().values_list("rule", "key"))
    assert len(open_keys) == len(set(open_keys))
    # the live sweep's open warnings are exactly the rule's findings now
    found = {(rules.NOT_HELD, d.key) for d in rules.find_not_held(now)}
    found |= {(rules.RESOLUTION_OVERDUE, d.key) for d in rules.find_resolution_overdue(now)}
    assert set(open_keys) == found
    assert Resolution.objects.exists() and users
