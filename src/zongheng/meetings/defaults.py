"""The meeting types a deployment starts with (shipped by the data migration 0002).

Joint meetings (联席会议) are switched on: the district's monthly (held together with the standing
committee's enlarged meeting), the streets' and townships' and the communities' and villages'
quarterly. The branches' organisational life (三会一课, 组织生活会, 民主评议) ships switched off: a
deployment switches them on, for all branches or for chosen ones (``/meetings/types/``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# code, name, description, levels, cadence, invites (council, child secretaries, grid secretaries, members),
# quorum (num, den), enabled, order
TYPES: list[tuple[str, str, str, tuple[str, ...], str, tuple[bool, bool, bool, bool], tuple[int, int], bool, int]] = [
    ("district_joint", "区联席会议", "区城市基层党建联席会议，每月一次，与区委常委（扩大）会议合并召开",
     ("district",), "monthly", (True, True, False, False), (1, 2), True, 10),
    ("street_joint", "街道联席会议", "街道（乡）大工委联席会议，每季度一次",
     ("street", "township"), "quarterly", (True, True, False, False), (1, 2), True, 20),
    ("community_joint", "社区联席会议", "社区（村）大党委联席会议，每季度一次",
     ("community", "village"), "quarterly", (True, False, True, False), (1, 2), True, 30),
    ("branch_assembly", "支部党员大会", "三会一课：支部党员大会，每季度一次",
     ("grid",), "quarterly", (True, False, False, True), (1, 2), False, 40),
    ("branch_committee", "支委会", "三会一课：支部委员会会议，每月一次",
     ("grid",), "monthly", (True, False, False, False), (1, 2), False, 41),
    ("group_meeting", "党小组会", "三会一课：党小组会，每月一次",
     ("grid",), "monthly", (False, False, False, True), (1, 2), False, 42),
    ("party_lecture", "党课", "三会一课：党课，每季度一次",
     ("grid",), "quarterly", (True, False, False, True), (1, 2), False, 43),
    ("theme_day", "主题党日", "每月固定一天开展主题党日活动",
     ("grid",), "monthly", (True, False, False, True), (1, 2), False, 44),
    ("life_meeting", "组织生活会", "每年召开一次组织生活会，开展批评和自我批评",
     ("community", "village", "grid"), "yearly", (True, False, False, True), (2, 3), False, 50),
    ("democratic_review", "民主评议党员", "每年开展一次民主评议党员",
     ("community", "village", "grid"), "yearly", (True, False, False, True), (2, 3), False, 51),
]
JOINT_TYPES = ("district_joint", "street_joint", "community_joint")
SINCE = dt.date(2018, 1, 1)


def install(MeetingType: Any, Level: Any) -> None:
    levels = {level.code: level for level in Level.objects.all()}
    for code, name, description, level_codes, cadence, invites, quorum, enabled, order in TYPES:
        council, children, grids, members = invites
        mt, created = MeetingType.objects.get_or_create(code=code, defaults={
            "name": name, "description": description, "cadence": cadence, "invite_council": council,
            "invite_child_secretaries": children, "invite_grid_secretaries": grids, "invite_members": members,
            "quorum_num": quorum[0], "quorum_den": quorum[1], "enabled": enabled, "order": order,
            "since": SINCE if enabled else None})
        if created:
            mt.levels.set([levels[c] for c in level_codes if c in levels])


def ensure_installed() -> None:
    """The default types (a transactional test's flush removes the migration's rows)."""
    from zongheng.orgs.models import Level

    from .models import MeetingType

    install(MeetingType, Level)
