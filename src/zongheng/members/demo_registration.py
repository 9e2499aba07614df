"""双联双管报到 in the demo district: the workflow history of the registrations the orgs demo made, and a live
slice of applications waiting at the demo community.

``build(district, seed, year)``: every person the orgs demo registered with a community (``registered_org``:
968 with the default seed, 203 of them with 东正社区) gets the confirmed ``Registration`` behind it — applied
online on a day of ``year - 1`` or ``year``, confirmed by the community's secretary a few days later, with the
skills they offer — and some of them an earlier registration with another community, ended when they moved
house. Other employed members carry the rest of a real year: applications declined (not living there),
withdrawn, and registrations ended. Afterwards the confirmed registrations of each community are exactly the
people registered with it (the orgs demo's figures stand).

``build_live(district, seed)``: a handful of applications to 先锋社区 (the ``community`` demo account's
community) from the last days, waiting for its confirmation (its to-do list and hub have something), and a
couple confirmed this month.

Rows are written with ``bulk_create`` (demo history, not audited writes; one audit record tells the build);
copied paths are the real ones; the same seed gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.permissions import Role
from zongheng.orgs.choices import MemberType, OrgKind
from zongheng.orgs.models import Org, Person, Post
from zongheng.orgs.resolve import REGISTER_LEVELS

from .choices import OPEN_REGISTRATION, RegistrationState
from .models import Registration, RegistrationEvent

S = RegistrationState
SKILLS = ["法律咨询", "义诊和健康讲座", "文艺演出", "书法绘画", "电脑和手机使用辅导", "四点半课堂辅导",
          "家电维修", "心理疏导", "政策宣讲", "摄影", "周末志愿服务", "邻里纠纷调解", "垃圾分类宣传",
          "防汛值守", "交通劝导", "理发", "财会咨询", "消防安全宣传"]
HOMES = ["小区", "花园", "新村", "家园", "公寓", "苑"]
DECLINED = ["经核实不在本社区居住", "居住地属于邻近社区，请向所在社区报到", "所填小区不在本社区范围内"]
ENDED = ["已搬离本社区", "居住地变更，转至新居住地社区报到", "组织关系转出本区", "工作调动离开安庆"]
WITHDRAWN = ["", "", "选错了社区", "先到单位所在社区报到"]


def _at(day: dt.date, rng: random.Random, first: int = 8, last: int = 21) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(first, last), rng.randint(0, 59))))


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


class _Writer:
    """Registrations and their events, built in memory and written in two statements."""

    def __init__(self, rng: random.Random, secretaries: dict[str, Any]) -> None:
        self.rng, self.secretaries = rng, secretaries
        self.rows: list[tuple[Registration, list[tuple[str, dt.datetime, Any, str]]]] = []

    def add(self, person: Any, community: Org, state: str, applied: dt.date, *, confirmed: dt.date | None = None,
            ended: dt.date | None = None, reason: str = "") -> None:
        rng = self.rng
        skills = "、".join(rng.sample(SKILLS, rng.randint(1, 2))) if rng.random() < 0.8 else ""
        note = f"住{community.name.removesuffix('社区').removesuffix('村')}{rng.choice(HOMES)}{rng.randint(1, 30)}栋" \
            if rng.random() < 0.6 else ""
        reg = Registration(person_id=person.pk, member_path=person.org_path, community=community,
                           org_path=community.path, state=state, skills=skills, note=note, applied_on=applied,
                           confirmed_on=confirmed, ended_on=ended, reason=reason)
        secretary = self.secretaries.get(community.path)
        events: list[tuple[str, dt.datetime, Any, str]] = [(S.APPLIED, _at(applied, rng), None, note)]
        if confirmed is not None:
            events.append((S.CONFIRMED, _at(confirmed, rng, 9, 17), secretary, ""))
        if state == S.ENDED:
            events.append((S.ENDED, _at(ended or applied, rng, 9, 17), secretary, reason))
        elif state == S.DECLINED:
            events.append((S.DECLINED, _at(ended or applied, rng, 9, 17), secretary, reason))
        elif state == S.WITHDRAWN:
            events.append((S.WITHDRAWN, _at(ended or applied, rng), None, reason))
        for i in range(1, len(events)):  # the same day: later than the step before
            prev = events[i - 1][1]
            if events[i][1] <= prev:
                day_end = prev.replace(hour=23, minute=59)
                later = min(prev + dt.timedelta(minutes=rng.randint(10, 120)), day_end)
                events[i] = (events[i][0], later, *events[i][2:])
        self.rows.append((reg, events))

    def save(self) -> int:
        regs = Registration.objects.bulk_create([r for r, _ in self.rows], batch_size=2000)
        RegistrationEvent.objects.bulk_create(
            [RegistrationEvent(registration=reg, state=state, at=at, by=by, note=note)
             for reg, (_, events) in zip(regs, self.rows, strict=True) for state, at, by, note in events],
            batch_size=2000)
        return len(regs)


def _communities(district: Org) -> list[Org]:
    return list(Org.objects.filter(path__startswith=district.path, level__code__in=REGISTER_LEVELS,
                                   kind=OrgKind.REGULAR).select_related("level").order_by("path"))


def _secretaries(communities: list[Org]) -> dict[str, Any]:
    """The account of each community's secretary (who confirms), made for the simulation where missing."""
    from zongheng.demands.demo import account_of

    posts = (Post.objects.filter(org__in=communities, role=Role.SECRETARY, ends_on__isnull=True)
             .select_related("person", "org").order_by("org__path", "starts_on", "id"))
    out: dict[str, Any] = {}
    for post in posts:
        if post.org.path not in out:
            out[post.org.path] = account_of(post.person)
    return out


def _elsewhere(rng: random.Random, person: Any, communities: list[Org], besides: Org | None = None) -> Org:
    """A community that does not manage ``person`` (and is not ``besides``)."""
    while True:
        c = rng.choice(communities)
        if not person.org_path.startswith(c.path) and c != besides:
            return c


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None
          ) -> dict[str, int]:
    """The registrations' history for ``year - 1`` and ``year`` (see the module's docstring)."""
    log = log or (lambda _msg: None)
    rng = random.Random(seed * 1009 + 11)
    first, last = dt.date(year - 1, 3, 1), dt.date(year, 11, 30)
    communities = _communities(district)
    by_pk = {c.pk: c for c in communities}
    if not communities:
        return {}
    with transaction.atomic():
        writer = _Writer(rng, _secretaries(communities))
        registered = list(Person.objects.filter(org_path__startswith=district.path, registered_org__isnull=False)
                          .only("pk", "org_path", "registered_org_id").order_by("pk"))
        moved = 0
        for p in registered:
            community = by_pk.get(p.registered_org_id) or Org.objects.select_related("level").get(
                pk=p.registered_org_id)
            start = first
            if rng.random() < 0.08:  # an earlier registration, ended when they moved house
                before = _elsewhere(rng, p, communities, besides=community)
                applied = _day(rng, first, dt.date(year - 1, 6, 30))
                confirmed = applied + dt.timedelta(days=rng.randint(1, 10))
                ended = _day(rng, dt.date(year - 1, 9, 1), dt.date(year - 1, 12, 31))
                writer.add(p, before, S.ENDED, applied, confirmed=confirmed, ended=ended, reason=ENDED[1])
                start, moved = ended + dt.timedelta(days=rng.randint(3, 40)), moved + 1
            applied = _day(rng, start, last - dt.timedelta(days=10))
            writer.add(p, community, S.CONFIRMED, applied, confirmed=applied + dt.timedelta(days=rng.randint(1, 10)))
        # The rest of a year: applications declined or withdrawn, registrations ended (other employed members).
        taken = {p.pk for p in registered}
        others = [p for p in Person.objects.filter(org_path__startswith=district.path, is_party_member=True,
                                                   member_type=MemberType.EMPLOYED, registered_org__isnull=True)
                  .only("pk", "org_path").order_by("pk") if p.pk not in taken]
        n_declined, n_withdrawn, n_ended = rng.randint(30, 45), rng.randint(15, 25), rng.randint(25, 40)
        chosen = rng.sample(others, min(len(others), n_declined + n_withdrawn + n_ended))
        for i, p in enumerate(chosen):
            community = _elsewhere(rng, p, communities)
            applied = _day(rng, first, last - dt.timedelta(days=30))
            if i < n_declined:
                writer.add(p, community, S.DECLINED, applied, ended=applied + dt.timedelta(days=rng.randint(1, 7)),
                           reason=rng.choice(DECLINED))
            elif i < n_declined + n_withdrawn:
                writer.add(p, community, S.WITHDRAWN, applied, ended=applied + dt.timedelta(days=rng.randint(0, 5)),
                           reason=rng.choice(WITHDRAWN))
            else:
                confirmed = applied + dt.timedelta(days=rng.randint(1, 10))
                ended = min(last, confirmed + dt.timedelta(days=rng.randint(60, 400)))
                writer.add(p, community, S.ENDED, applied, confirmed=confirmed, ended=ended, reason=rng.choice(ENDED))
        total = writer.save()
        counts = dict(Counter(str(reg.state) for reg, _ in writer.rows)) | {"registrations": total, "moved": moved}
        audit.record(None, "members.registration_demo", district, after={"seed": seed, "year": year} | counts)
    log(f"双联双管报到 {total} 条（已报到 {len(registered)}，其中搬家后重新报到 {moved}）已写入")
    return counts


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               now: dt.datetime | None = None) -> dict[str, int]:
    """Applications to the demo community (先锋社区) from the last days, waiting; two confirmed this month."""
    from zongheng.orgs.demo import DEMO_ACCOUNTS

    log = log or (lambda _msg: None)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rng = random.Random(seed * 31 + today.toordinal())
    home_name = next(a["org"] for a in DEMO_ACCOUNTS if a["username"] == "community")
    home = (Org.objects.filter(path__startswith=district.path, name=home_name, level__code__in=REGISTER_LEVELS)
            .select_related("level").first())
    if home is None:
        return {}
    waiting = Registration.objects.filter(community=home, state=S.APPLIED).count()
    n_pending = max(0, rng.randint(5, 7) - waiting)
    with transaction.atomic():
        open_people = Registration.objects.filter(state__in=OPEN_REGISTRATION).values("person_id")
        pool = list(Person.objects.filter(org_path__startswith=district.path, is_party_member=True,
                                          member_type=MemberType.EMPLOYED, registered_org__isnull=True)
                    .exclude(org_path__startswith=home.path).exclude(pk__in=open_people)
                    .only("pk", "org_path").order_by("pk")[:2000])
        picked = rng.sample(pool, min(len(pool), n_pending + 2))
        writer = _Writer(rng, _secretaries([home]))
        for i, p in enumerate(picked):
            if i < n_pending:
                writer.add(p, home, S.APPLIED, today - dt.timedelta(days=rng.randint(0, 9)))
            else:
                applied = today - dt.timedelta(days=rng.randint(5, 25))
                confirmed = min(today, applied + dt.timedelta(days=rng.randint(1, 4)))
                writer.add(p, home, S.CONFIRMED, applied, confirmed=confirmed)
        writer.save()
        confirmed_people = [p.pk for p in picked[n_pending:]]
        Person.objects.filter(pk__in=confirmed_people).update(registered_org=home, registered_path=home.path)
    log(f"{home.name}待确认的报到申请 {min(len(picked), n_pending) + waiting} 件")
    return {"pending": min(len(picked), n_pending), "confirmed": len(confirmed_people)}
