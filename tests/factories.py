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
from zongheng.orgs.models import Level, Org, Person, Post

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
    # Data migrations' rows are gone after a transactional test flushed the database.
    levels = ensure_levels()
    ensure_installed()
    district = Org.objects.add_root(instance=Org(name="测试区", level=levels["district"]))
    tree = Tree(levels=levels, district=district)
    for s in range(2):
        street = Org.objects.add_child(district, instance=Org(name=f"第{s + 1}街道", level=levels["street"]))
        tree.streets.append(street)
        for c in range(2):
            community = Org.objects.add_child(
                street, instance=Org(name=f"街道{s + 1}第{c + 1}社区", level=levels["community"]))
            tree.communities.append(community)
            for g in range(2):
                grid = Org.objects.add_child(
                    community, instance=Org(name=f"{community.name}第{g + 1}网格", level=levels["grid"]))
                tree.grids.append(grid)
                household = Org.objects.add_child(
                    grid, instance=Org(name=f"{grid.name}中心户", level=levels["household"]))
                tree.households.append(household)
    return tree


def refresh(org: Org) -> Org:
    return Org.objects.get(pk=org.pk)


ROLES = Role
