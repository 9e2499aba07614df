"""A small tree with random records for every computed indicator of 标准化建设, and the people who read and score.

``make_world(tree, rng)`` writes, for the quarter ``QUARTER`` (long over), from ``rng``:

- meetings: the default types switched off, two test types on — quarterly for communities, monthly for grids
  (quorum ½) — each due meeting held on time (quorum or not), held late, or not held;
- a notice asking for a 回执, sent in the quarter to people across the tree, acknowledged inside the quarter,
  after it, or never (and a notice sent before the quarter, which must not count);
- pairings of the communities (running or ended) with joint activities on random days of the year;
- linked households under each central household, visited on random days inside and outside the quarter;
- the year's task list: one task per chosen organisation, weighted, with one milestone met before the quarter's
  end or after it.

Every expected figure in the tests is counted from these rows directly (``expected_*``), not through the modules.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from tests.factories import Tree, make_person, make_user, user_with_post
from zongheng.accounts.models import User
from zongheng.cobuild.models import Activity, Pairing
from zongheng.core.indicators import Quarter
from zongheng.core.permissions import Role
from zongheng.lists import standards_default
from zongheng.lists.models import Milestone, Task, TaskList
from zongheng.meetings.models import Attendance, Meeting, MeetingType
from zongheng.members.models import Visit
from zongheng.notices.models import Notice, NoticeRecipient
from zongheng.orgs.models import LinkedHousehold, Org

QUARTER = Quarter(2025, 2)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def rand_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end)."""
    return start + dt.timedelta(days=rng.randrange((end - start).days))


@dataclass
class World:
    tree: Tree
    rng: random.Random
    dept: User  # 组织部 at the district
    street: User  # secretary of streets[0]
    community: User  # secretary of communities[0]
    grid_leader: User
    stranger: User
    meetings: dict[int, tuple[int, int]] = field(default_factory=dict)  # org id → (on time, due)
    recipients: list[tuple[str, dt.datetime | None]] = field(default_factory=list)  # (org path, acked_at)
    pairings: list[tuple[str, int, list[dt.date], dt.date | None]] = field(default_factory=list)
    households: list[str] = field(default_factory=list)  # central household path per linked household
    visits: list[tuple[int, str, dt.date]] = field(default_factory=list)  # (household id, path, day)
    tasks: list[tuple[str, int, dt.date]] = field(default_factory=list)  # (org path, weight, milestone met on)

    def orgs(self) -> list[Org]:
        t = self.tree
        return [t.district, *t.streets, *t.communities, *t.grids, *t.households]


def _meetings(w: World, people: dict[int, list[Any]]) -> None:
    t, q, rng = w.tree, QUARTER, w.rng
    MeetingType.objects.update(enabled=False)
    quarterly = MeetingType.objects.create(code="std-test-q", name="测试季度会", cadence="quarterly", enabled=True,
                                           quorum_num=1, quorum_den=2)
    quarterly.levels.set([t.levels["community"]])
    monthly = MeetingType.objects.create(code="std-test-m", name="测试月度会", cadence="monthly", enabled=True,
                                         quorum_num=1, quorum_den=2)
    monthly.levels.set([t.levels["grid"]])
    periods = {quarterly.pk: [(q.key, q.start, q.end)],
               monthly.pk: [(f"{m:%Y-%m}", m, (m + dt.timedelta(days=32)).replace(day=1)) for m in q.months()]}
    for mtype, orgs in ((quarterly, t.communities), (monthly, t.grids)):
        for org in orgs:
            on_time = 0
            for key, start, end in periods[mtype.pk]:
                outcome = rng.choice(["on_time", "on_time", "no_quorum", "late", "none"])
                if outcome != "none":
                    held = at(rand_day(rng, start, end)) if outcome != "late" else at(end + dt.timedelta(days=5))
                    m = Meeting.objects.create(type=mtype, org=org, org_path=org.path, period=key, period_start=start,
                                               period_end=end, scheduled_at=held, place="会议室", status="held",
                                               held_at=held)
                    present = 0 if outcome == "no_quorum" else 2
                    Attendance.objects.bulk_create([
                        Attendance(meeting=m, person=p, status="present" if i < present else "absent")
                        for i, p in enumerate(people[org.pk][:3])])
                on_time += outcome == "on_time"
            w.meetings[org.pk] = (on_time, len(periods[mtype.pk]))


def _notices(w: World, people: dict[int, list[Any]]) -> None:
    q, rng = QUARTER, w.rng
    for sent, counted in ((at(q.start + dt.timedelta(days=10)), True), (at(q.start - dt.timedelta(days=10)), False)):
        notice = Notice.objects.create(title="测试通知", sender=w.dept, sender_org=w.tree.district,
                                       org_path=w.tree.district.path, status="sent", sent_at=sent, needs_ack=True)
        rows = []
        for org in w.orgs():
            for person in people[org.pk]:
                if rng.random() < 0.3:
                    continue
                acked = rng.choice([None, at(rand_day(rng, sent.date(), q.end)), at(q.end + dt.timedelta(days=3))])
                rows.append(NoticeRecipient(notice=notice, person=person, org=org, org_path=org.path,
                                            acked_at=acked, read_at=acked))
                if counted:
                    w.recipients.append((org.path, acked))
        NoticeRecipient.objects.bulk_create(rows)


def _pairings(w: World) -> None:
    q, rng = QUARTER, w.rng
    for community in w.tree.communities:
        for _ in range(rng.randint(0, 3)):
            ends = rng.choice([None, None, q.start - dt.timedelta(days=1)])
            p = Pairing.objects.create(org=community, org_path=community.path, partner_kind="outside",
                                       partner_name="外地社区", partner_region="江苏", starts_on=dt.date(2020, 1, 1),
                                       ends_on=ends, required_per_year=4)
            days = [rand_day(rng, dt.date(q.year, 1, 1), dt.date(q.year, 12, 31)) for _ in range(rng.randint(0, 4))]
            Activity.objects.bulk_create([Activity(pairing=p, held_on=d, kind="study", content="共建") for d in days])
            w.pairings.append((community.path, 4, days, ends))


def _visits(w: World, people: dict[int, list[Any]]) -> None:
    q, rng = QUARTER, w.rng
    rows = []
    for central in w.tree.households:
        hs = [LinkedHousehold.objects.create(central=central, address=f"幸福里{i}号") for i in range(rng.randint(2, 5))]
        w.households += [central.path] * len(hs)
        for h in hs:
            for _ in range(rng.randint(0, 2)):
                day = rand_day(rng, q.start - dt.timedelta(days=40), q.end + dt.timedelta(days=40))
                rows.append(Visit(household=h, central=central, org_path=central.path, visitor=people[central.pk][0],
                                  visited_on=day))
                w.visits.append((h.pk, central.path, day))
    Visit.objects.bulk_create(rows)


def _tasks(w: World) -> None:
    q, rng, t = QUARTER, w.rng, w.tree
    task_list = TaskList.objects.create(org=t.district, org_path=t.district.path, year=q.year, title="测试清单")
    for org in rng.sample([*t.streets, *t.communities, *t.grids], 6):
        weight = rng.randint(1, 3)
        task = Task.objects.create(task_list=task_list, org=org, org_path=org.path, code=f"S{org.pk}",
                                   title="任务", category="组织体系", weight=weight, starts_on=dt.date(q.year, 1, 1),
                                   ends_on=dt.date(q.year, 12, 31))
        Task.objects.filter(pk=task.pk).update(root=task)
        done = rng.choice([q.start + dt.timedelta(days=5), q.end + dt.timedelta(days=20)])
        Milestone.objects.create(task=task, title="节点", due_on=dt.date(q.year, 12, 1), weight=1, done_on=done,
                                 evidence="会议记录")
        w.tasks.append((org.path, weight, done))


def make_world(tree: Tree, rng: random.Random) -> World:
    standards_default.ensure()
    w = World(tree, rng, dept=user_with_post(tree.district, Role.ORG_DEPT, "std-dept"),
              street=user_with_post(tree.streets[0], Role.SECRETARY, "std-street"),
              community=user_with_post(tree.communities[0], Role.SECRETARY, "std-community"),
              grid_leader=user_with_post(tree.grids[0], Role.GRID_LEADER, "std-grid"),
              stranger=make_user(None, "std-stranger"))
    people = {org.pk: [make_person(org) for _ in range(3)] for org in w.orgs()}
    _meetings(w, people)
    _notices(w, people)
    _pairings(w)
    _visits(w, people)
    _tasks(w)
    return w


# ---------------------------------------------------------------- expected figures, counted from the rows


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def expected_meetings(w: World, org: Org) -> float | None:
    on_time, due = w.meetings.get(org.pk, (0, 0))
    return ratio(on_time, due)


def expected_ack(w: World, org: Org) -> float | None:
    mine = [acked for path, acked in w.recipients if path.startswith(org.path)]
    return ratio(sum(1 for a in mine if a is not None and a <= QUARTER.ends_at), len(mine))


def expected_pairings(w: World, org: Org) -> float | None:
    day = QUARTER.end - dt.timedelta(days=1)
    running = [(req, days) for path, req, days, ends in w.pairings
               if path.startswith(org.path) and (ends is None or ends >= day)]
    elapsed = (day - dt.date(day.year, 1, 1)).days + 1
    year_days = (dt.date(day.year + 1, 1, 1) - dt.date(day.year, 1, 1)).days
    kept = sum(1 for req, days in running if sum(1 for d in days if d <= day) >= req * elapsed // year_days)
    return ratio(kept, len(running))


def expected_visits(w: World, org: Org) -> float | None:
    total = sum(1 for path in w.households if path.startswith(org.path))
    last = QUARTER.end - dt.timedelta(days=1)
    visited = {h for h, path, day in w.visits if path.startswith(org.path) and QUARTER.start <= day <= last}
    return ratio(len(visited), total)


def expected_tasks(w: World, org: Org) -> float | None:
    day = QUARTER.end - dt.timedelta(days=1)
    total_weight = sum(weight for _, weight, _ in w.tasks)
    mine = [(weight, done) for path, weight, done in w.tasks if path.startswith(org.path)]
    share = sum(Decimal(weight) / total_weight for weight, _ in mine)
    if not share:
        return None
    met = sum(Decimal(weight) / total_weight for weight, done in mine if done <= day)
    return float(met / share)


EXPECTED = {"meeting.on_time": expected_meetings, "notice.ack": expected_ack,
            "cobuild.pairing_pace": expected_pairings, "member.visit_coverage": expected_visits,
            "list.task_progress": expected_tasks}


def expected_score(max_score: Decimal, attainment: float) -> Decimal:
    return (max_score * Decimal(repr(attainment))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
