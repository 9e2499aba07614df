"""Factories of the units part's tests: units (through do_create_unit: the tree node and the row), liaisons,
councils and members, and the rows the performance figures count."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from tests.factories import make_person, make_post, make_user
from zongheng.cobuild import actions_units as actions
from zongheng.cobuild.choices import ItemKind, ItemState, SeatKind, UnitLevel, UnitType
from zongheng.cobuild.models import Activity, Agreement, AgreementItem, Council, CouncilMember, Pairing, Unit
from zongheng.core.permissions import Role
from zongheng.orgs.models import Org

_seq = itertools.count(1)


def make_unit(place: Org, name: str | None = None, user: Any = None, **kw: Any) -> Unit:
    """A stationed unit in ``place`` made by the real action (node of level 驻区单位 + row)."""
    data: dict[str, Any] = {"place": Org.objects.select_related("level").get(pk=place.pk),
                            "name": name or f"{place.name}共建单位{next(_seq)}",
                            "type": UnitType.STATE_ENTERPRISE, "level": UnitLevel.CITY}
    data.update(kw)
    return actions.do_create_unit(user, data)


def make_liaison(unit: Unit, username: str | None = None) -> Any:
    person = make_person(unit.org)
    make_post(person, unit.org, Role.LIAISON)
    return make_user(person, username)


def make_council(org: Org, starts: dt.date = dt.date(2018, 1, 1), user: Any = None, **kw: Any) -> Council:
    org = Org.objects.select_related("level").get(pk=org.pk)
    return actions.do_create_council(user, {"org": org, "term_starts_on": starts, **kw})


def seat(council: Council, unit: Unit | None = None, person: Any = None, **kw: Any) -> CouncilMember:
    data: dict[str, Any] = {"seat": SeatKind.UNIT if unit else SeatKind.OWN, "unit": unit, "person": person,
                            "name": person.name if person else f"委员{next(_seq)}", "rank": "county",
                            "post": "党组成员", "starts_on": council.term_starts_on}
    data.update(kw)
    return actions.do_add_member(None, council, data)


def make_agreement(org: Org, unit: Unit, **kw: Any) -> Agreement:
    data: dict[str, Any] = {"title": f"认领书{next(_seq)}", "signed_on": dt.date(2018, 3, 1),
                            "starts_on": dt.date(2018, 3, 1), "ends_on": dt.date(2018, 12, 31)}
    data.update(kw)
    return Agreement.objects.create(org=org, org_path=org.path, unit=unit, unit_path=unit.org_path, **data)


def make_item(agreement: Agreement, due_on: dt.date, *, done_on: dt.date | None = None, problems: int = 0,
              kind: str = ItemKind.JOINT_AFFAIRS) -> AgreementItem:
    done = done_on is not None
    return AgreementItem.objects.create(
        agreement=agreement, org_path=agreement.org_path, unit_path=agreement.unit_path, kind=kind,
        title=f"项目{next(_seq)}", org_owner="张三", unit_owner="李四", due_on=due_on,
        state=ItemState.DONE if done else ItemState.OPEN, progress=100 if done else 10, completed_on=done_on,
        problems_solved=problems if done else 0)


def make_pairing(community: Org, unit: Unit, **kw: Any) -> Pairing:
    return Pairing.objects.create(org=community, org_path=community.path, unit=unit, unit_path=unit.org_path,
                                  starts_on=kw.pop("starts_on", dt.date(2018, 1, 1)), **kw)


def make_activity(pairing: Pairing, held_on: dt.date) -> Activity:
    return Activity.objects.create(pairing=pairing, held_on=held_on, kind="volunteer", content="志愿服务")


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_joint_meeting(org: Org, held: dt.datetime, present: list[Any] = (), absent: list[Any] = (),
                       status: str = "held") -> Any:
    """A joint meeting (联席会议) of ``org`` recorded in the meetings module, with its attendance."""
    from zongheng.meetings.defaults import ensure_installed
    from zongheng.meetings.models import Attendance, Meeting, MeetingType

    ensure_installed()
    org = Org.objects.select_related("level").get(pk=org.pk)
    code = "community_joint" if org.level.code in ("community", "village") else "street_joint"
    day = timezone.localdate(held)
    quarter = (day.month - 1) // 3
    start = dt.date(day.year, quarter * 3 + 1, 1)
    end = dt.date(day.year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1)
    meeting = Meeting.objects.create(type=MeetingType.objects.get(code=code), org=org, org_path=org.path,
                                     period=f"{day.year}-Q{quarter + 1}", period_start=start, period_end=end,
                                     scheduled_at=held, place="会议室", status=status,
                                     held_at=held if status == "held" else None)
    for person in present:
        Attendance.objects.create(meeting=meeting, person=person, status="present")
    for person in absent:
        Attendance.objects.create(meeting=meeting, person=person, status="absent")
    return meeting
