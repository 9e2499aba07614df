"""What 我是党员我带头 registers with the ground (``MembersConfig.ready``): one navigation entry (the hub), the
member's landing page, the path copies a move rewrites; each part (registration, visits, activities, points,
campaigns) registers its own audit labels, to-do items, figures and hub sections from its ``hooks_*`` module."""

from __future__ import annotations

import importlib
from typing import Any

from django.urls import reverse

from zongheng.core.landing import register_landing
from zongheng.core.nav import register_nav

PARTS = ("hooks_registration", "hooks_visits", "hooks_activities", "hooks_points", "hooks_campaigns")


def member_landing(user: Any) -> str | None:
    """A party member who holds no post has their own page (我是党员) for a workbench: 我的待办, where everyone
    lands, links to it (``core.landing.workbench_url``)."""
    from zongheng.core.access import post_paths

    if user is None or not user.is_authenticated or not getattr(user, "person_id", None):
        return None
    if post_paths(user):
        return None
    person = user.person
    return reverse("members:me") if person is not None and person.is_party_member else None


def register() -> None:
    from zongheng.core.paths import register_path_copy

    from . import models as m

    register_path_copy(m.Registration, "org_path", "member_path")
    for model in (m.Visit, m.Activity, m.Campaign, m.YearClosing):
        register_path_copy(model, "org_path")
    register_nav(50, "members:home", "党员带头", None)  # every signed-in user: members reach their own page
    register_landing(50, "members.member", member_landing)
    for name in PARTS:
        importlib.import_module(f"{__package__}.{name}").register()
    from . import metrics

    metrics.register()  # 一张网's panel "members"
