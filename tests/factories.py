"""Small trees and people for tests, built through the real models (no fixture dumps).

``build_tree()`` gives a district with two streets, each with two communities, each
with two grids, each with one central household — and the levels they use.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from zongheng.accounts.models import User
from zongheng.core.masking import id_check_char
from zongheng.core.permissions import Role
from zongheng.demands.defaults import ensure_installed
from zongheng.orgs import actions
from zongheng.orgs.models import Level, Org, Person, Post, fill_missing_codes

_seq = itertools.count(1)


def ensure_levels() -> dict[str, Level]:
    """The default levels (created by the orgs data migration; recreated after a transactional flush)."""
    defaults = [*importlib.import_module("zongheng.orgs.migrations.0002_default_levels").LEVELS,
                *importlib.import_module("zongheng.orgs.migrations.0009_unit_level").LEVELS]
    for code, name, rank in defaults:
        Level.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})
    return {level.code: level for level in Level.objects.all()}


def ensure_migration_rows() -> None:
    """Every row the data migrations install — levels, demand categories, meeting types, points rules —
    made sure of again (a transactional test's flush removes them all)."""
    from zongheng.meetings.defaults import ensure_installed as meeting_types
    from zongheng.members.defaults import ensure_installed as points_rules

    ensure_levels()
    ensure_installed()
    meeting_types()
    points_rules()


@contextlib.contextmanager
def module_transaction(django_db_blocker: Any) -> Iterator[None]:
    """One transaction around data a test module shares, rolled back when the module ends — and when
    building the data fails, so that a failed setup never leaves the connection inside it. The data
    migrations' rows are made sure of first (a transactional test's flush removes them)."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        ensure_migration_rows()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def valid_id_number(n: int | None = None, birth: str = "19800101") -> str:
    n = next(_seq) if n is None else n
    first17 = f"340802{birth}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def make_person(org: Org, name: str | None = None, **kw: Any) -> Person:
    n = next(_seq)
    data: dict[str, Any] = {
        "name": name or f"测试{n}", "gender": "M", "birth_year": 1980, "is_party_member": True,
        "member_type": "employed", "org": org, "phone": f"138{n:08d}", "id_number": valid_id_number(n),
    }
    data.update(kw)
    return actions.do_create_person(None, data)


TEST_PASSWORD = "pw-Secret-123"


def make_user(person: Person | None, username: str | None = None, *, password: str = TEST_PASSWORD,
              must_change: bool = False, **kw: Any) -> User:
    user = User.objects.create_user(username=username or f"user{next(_seq)}", password=password,
                                    person=person, must_change_password=must_change, **kw)
    return user


def make_post(person: Person, org: Org, role: str, starts_on: dt.date | None = None, **kw: Any) -> Post:
    return Post.objects.create(person=person, org=org, role=role, starts_on=starts_on or dt.date(2018, 1, 1), **kw)


def user_with_post(org: Org, role: str, username: str | None = None) -> User:
    person = make_person(org)
    make_post(person, org, role)
    return make_user(person, username)


@dataclass
class Tree:
    levels: dict[str, Level]
    district: Org
    streets: list[Org] = field(default_factory=list)
    communities: list[Org] = field(default_factory=list)
    grids: list[Org] = field(default_factory=list)
    households: list[Org] = field(default_factory=list)


def build_tree() -> Tree:
    """The district through the real ``add_root``; the 30 orgs below it in one ``bulk_create``, in the order
    (depth first) and with the paths, depths, child counts and codes that 30 ``add_child`` calls give them — the
    same tree in ~15 queries instead of ~250 (most tests start from it)."""
    # Data migrations' rows are gone after a transactional test flushed the database.
    levels = ensure_levels()
    ensure_installed()
    district = Org.objects.add_root(instance=Org(name="测试区", level=levels["district"]))
    tree = Tree(levels=levels, district=district)
    below: list[Org] = []

    def child(parent: Org, n: int, name: str, level: str, numchild: int) -> Org:
        depth = parent.depth + 1
        org = Org(name=name, level=levels[level], depth=depth, numchild=numchild,
                  path=Org._get_path(parent.path, depth, n))
        below.append(org)
        return org

    district.numchild = 2
    for s in range(2):
        street = child(district, s + 1, f"第{s + 1}街道", "street", 2)
        tree.streets.append(street)
        for c in range(2):
            community = child(street, c + 1, f"街道{s + 1}第{c + 1}社区", "community", 2)
            tree.communities.append(community)
            for g in range(2):
                grid = child(community, g + 1, f"{community.name}第{g + 1}网格", "grid", 1)
                tree.grids.append(grid)
                tree.households.append(child(grid, 1, f"{grid.name}中心户", "household", 0))
    Org.objects.bulk_create(below)
    Org.objects.filter(pk=district.pk).update(numchild=district.numchild)
    fill_missing_codes(Org, Org.objects.filter(pk__in=[o.pk for o in below]))
    codes = dict(Org.objects.filter(pk__in=[o.pk for o in below]).values_list("pk", "code"))
    for org in below:
        org.code = codes[org.pk]
    return tree


def build_city() -> list[Org]:
    """A city above one district, one street, one community and one grid: [city, district, street, community,
    grid] (a district and the levels above it read snapshots of their figures: core/snapshot.py)."""
    levels = ensure_levels()
    chain = [Org.objects.add_root(instance=Org(name="测试市", level=levels["city"]))]
    for name, level in (("测试区", "district"), ("测试街道", "street"), ("测试社区", "community"),
                        ("测试网格", "grid")):
        parent = Org.objects.get(pk=chain[-1].pk)
        chain.append(Org.objects.add_child(parent, instance=Org(name=name, level=levels[level])))
    return chain


def refresh(org: Org) -> Org:
    return Org.objects.get(pk=org.pk)


ROLES = Role
