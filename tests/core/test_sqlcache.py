"""The header's badge counts: their SQL is compiled once per user scope (``core.sqlcache``), the count read afresh."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_post, user_with_post
from zongheng.accounts.models import User
from zongheng.core import sqlcache
from zongheng.core.access import scope_key
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Org, Person


@pytest.fixture(autouse=True)
def _nothing_kept():
    sqlcache._KEPT.clear()  # what an earlier test compiled


def _counter(user, built: list[int]):
    def rows():
        built.append(1)
        return Org.objects.restrict(user, Perm.ORG_VIEW)
    return rows


def test_the_sql_is_compiled_once_but_the_count_follows_the_rows(tree):
    community = tree.communities[0]
    user = user_with_post(community, Role.SECRETARY)
    built: list[int] = []
    first = sqlcache.count("test.orgs", user, _counter(user, built))
    assert first == Org.objects.filter(path__startswith=community.path).count() > 1
    Org.objects.filter(pk=tree.grids[-1].pk).update(path=community.path + "ZZZZ")  # moved under the community
    again = User.objects.get(pk=user.pk)  # the next page's user object: the same scope
    with CaptureQueriesContext(connection) as ctx:
        second = sqlcache.count("test.orgs", again, _counter(again, built))
    assert second == first + 1
    assert len(built) == 1  # not built again
    assert len([q for q in ctx.captured_queries if "COUNT(*)" in q["sql"]]) == 1


def test_a_post_that_ends_gives_a_new_scope_and_the_badge_counts_the_new_one(tree):
    first, second = tree.communities[0], tree.communities[-1]
    user = user_with_post(first, Role.SECRETARY)
    built: list[int] = []
    assert sqlcache.count("test.orgs", user, _counter(user, built)) == Org.objects.filter(
        path__startswith=first.path).count()
    person = Person.objects.get(pk=user.person_id)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    person.posts.update(ends_on=yesterday)
    make_post(person, second, Role.SECRETARY)
    moved = User.objects.get(pk=user.pk)
    assert scope_key(moved) != scope_key(user)
    assert sqlcache.count("test.orgs", moved, _counter(moved, built)) == Org.objects.filter(
        path__startswith=second.path).count()
    assert len(built) == 2
    # Someone else with the first post's scope has their own key (the account is part of it).
    other = user_with_post(first, Role.SECRETARY)
    assert scope_key(other) != scope_key(user)


def test_a_count_that_can_match_nothing_is_zero_without_a_query(tree):
    user = User.objects.create_user("nobody-sqlcache", password="x-Strong-Passw0rd")
    with CaptureQueriesContext(connection) as ctx:
        assert sqlcache.count("test.orgs", user, lambda: Org.objects.restrict(user, Perm.ORG_VIEW)) == 0
        assert sqlcache.count("test.orgs", user, lambda: Org.objects.restrict(user, Perm.ORG_VIEW)) == 0
    assert [q for q in ctx.captured_queries if "COUNT(*)" in q["sql"]] == []
