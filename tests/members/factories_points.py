"""Factories of the points part's tests: members (with or without an account), reviewers, claims made and
reviewed through the real actions, and confirmed deeds from a test deed source registered for one test.

Seeds: ``seed(n)`` derives a random seed from ``PYTEST_XDIST_TESTRUNUID`` (the same on every xdist worker of
one run) and ``n``, so a property test draws the same data on every worker."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tests.factories import Tree, make_person, make_post, make_user
from zongheng.core.permissions import Role
from zongheng.members import actions_points as actions
from zongheng.members import deeds
from zongheng.members.choices import Deed
from zongheng.members.deeds import DeedRecord
from zongheng.members.defaults import ensure_installed
from zongheng.members.models import PointClaim, PointItem
from zongheng.orgs.models import Org, Person

_seq = itertools.count(1)


def seed(n: int = 0) -> int:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "zongheng-points")
    return int(hashlib.sha256(f"{run}:{n}".encode()).hexdigest()[:8], 16)


def item(code: str = "service") -> PointItem:
    ensure_installed()
    return PointItem.objects.get(code=code)


def member(org: Org, member_type: str = "employed", **kw: Any) -> Person:
    return make_person(org, member_type=member_type, **kw)


def member_user(org: Org, member_type: str = "employed", **kw: Any) -> Any:
    return make_user(member(org, member_type, **kw))


def register(person: Person, community: Org) -> Person:
    """双联双管: the member registered with ``community`` (the registration part's workflow sets these)."""
    Person.objects.filter(pk=person.pk).update(registered_org=community, registered_path=community.path)
    return Person.objects.get(pk=person.pk)


def cadre(org: Org, role: str = Role.SECRETARY) -> Any:
    person = make_person(org)
    make_post(person, org, role)
    return make_user(person)


def claim(user: Any, code: str = "service", day: dt.date | None = None, text: str = "带头调解邻里纠纷",
          today: dt.date | None = None) -> PointClaim:
    return actions.do_submit_claim(user, {"item": item(code), "occurred_on": day or timezone.localdate(),
                                          "description": text}, today=today)


@dataclass
class Source:
    """A deed source for one test: the records it holds are 'confirmed deeds' of the registry."""

    records: list[DeedRecord] = field(default_factory=list)

    def __call__(self, start: dt.date, end: dt.date) -> Iterable[DeedRecord]:
        return [r for r in self.records if start <= r.occurred_on < end]

    def add(self, person: Person | int, deed: str, day: dt.date, source: str | None = None, **kw: Any
            ) -> DeedRecord:
        pk = person if isinstance(person, int) else person.pk
        record = DeedRecord(pk, deed, source or f"test.{deed}:{next(_seq)}", day, **kw)
        self.records.append(record)
        return record


def install_source(monkeypatch: Any) -> Source:
    """A deed source registered for one test (a module's ``deed_source`` fixture calls this)."""
    source = Source()
    monkeypatch.setitem(deeds._SOURCES, "test", source)
    return source


@dataclass
class World:
    tree: Tree
    community: Org  # communities[0]
    other: Org  # communities[2] (another street)
    grid: Org  # a grid of community
    other_grid: Org
    secretary: Any  # of community: member.view/change there
    other_secretary: Any
    street: Any  # secretary of streets[0]
    dept: Any  # 组织部 at the district: member.configure at the root
    member: Any  # a user whose person is an employed member in grid
    other_member: Any  # in other_grid


def make_world(tree: Tree) -> World:
    ensure_installed()
    return World(tree=tree, community=tree.communities[0], other=tree.communities[2], grid=tree.grids[0],
                 other_grid=tree.grids[4], secretary=cadre(tree.communities[0]),
                 other_secretary=cadre(tree.communities[2]), street=cadre(tree.streets[0]),
                 dept=cadre(tree.district, Role.ORG_DEPT),
                 member=member_user(tree.grids[0]), other_member=member_user(tree.grids[4]))


def activity_deeds(source: Source, person: Person, days: Iterable[dt.date]) -> list[DeedRecord]:
    return [source.add(person, Deed.ACTIVITY, d) for d in days]
