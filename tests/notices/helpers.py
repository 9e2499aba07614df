"""Shared helpers of the notices tests: a sender, a notice sent through the real action, direct counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zongheng.core.permissions import Role
from zongheng.notices.actions import Audience, do_create_notice
from zongheng.notices.models import Notice
from zongheng.orgs.models import Org, Person, Post

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)


def sender_at(org: Org, role: str = Role.SECRETARY) -> Any:
    from tests.factories import user_with_post

    return user_with_post(org, role)


def send(user: Any, org: Org, *, targets: list[Org] | None = None, levels: tuple[str, ...] = (),
         roles: tuple[str, ...] = (), saved: Any = None, needs_ack: bool = True, now: dt.datetime = NOW,
         due: dt.timedelta = dt.timedelta(days=3), title: str = "关于开展主题党日活动的通知", **kw: Any) -> Notice:
    data = {"title": title, "body": "各党组织：\n\n请按要求落实。", "sender_org": org, "needs_ack": needs_ack,
            "due_at": now + due if needs_ack else None, **kw}
    audience = Audience(orgs=tuple(targets if targets is not None else [org]), levels=levels, roles=roles,
                        saved=saved)
    return do_create_notice(user, data, audience, send=True, now=now)


def expected_people(sender_org: Org, targets: list[Org], levels: tuple[str, ...] = (), roles: tuple[str, ...] = (),
                    today: dt.date | None = None) -> set[int]:
    """Who should receive, computed the long way in Python over every person (the test's oracle)."""
    today = today or NOW.date()
    posts = [p for p in Post.objects.select_related("org") if p.starts_on <= today
             and (p.ends_on is None or p.ends_on >= today)]
    cadres = {p.person_id for p in posts if p.org.path.startswith(sender_org.path)}
    holders = {p.person_id for p in posts if p.role in roles and any(p.org.path.startswith(t.path) for t in targets)}
    out = set()
    for person in Person.objects.select_related("org__level"):
        if not any(person.org_path.startswith(t.path) for t in targets):
            continue
        if not person.org_path.startswith(sender_org.path):
            continue
        if not (person.is_party_member or person.pk in cadres):
            continue
        if levels and person.org.level.code not in levels:
            continue
        if roles and person.pk not in holders:
            continue
        out.add(person.pk)
    return out
